"""Tutorial 01 -- the E/I network end to end.

The Lava E/I tutorial's rate network, converted to a LIF network (float), then to Loihi
fixed point, each simulated; we compare mean rates and the auto-covariance c(0).

    python tutorials/01_ei_network_end_to_end.py [--small] [--out tutorial01_output]
"""
import argparse
import os

import lava_eirate as le
from lava_eirate import analysis as A
from lava_eirate.network import tutorial_networks


def main(small=False, out_dir=None):
    steps = 300 if small else 1000
    # 1. The rate network: 320 E + 80 I, dr 0.01, bias 0.1, g 4.5, seeded Gaussian weights.
    rate = tutorial_networks(seed=1234)["balanced"]
    states = le.simulate_rate(rate["shape_exc"], rate["shape_inh"], rate["weights"], rate["dr_exc"],
                              rate["dr_inh"], rate["bias_exc"], rate["bias_inh"], steps)
    # 2. Rate -> float LIF parameters (mean-field mapping, Grytskyy et al. 2013).
    lif = le.convert_rate_to_lif_params(**rate)
    print("weight scale", round(lif.diagnostics["weight_scale"], 4), "converged", lif.diagnostics["converged"])
    tr_float = le.simulate_float(*le.EILIFParams(**lif).float, steps)
    # 3. Float -> Loihi fixed point, simulated bit-exactly as Lava's Loihi models would.
    fixed, report = le.float_to_fixed(lif)
    tr_fixed = le.simulate_fixed(*le.EILIFParams(**fixed).fixed, steps)
    offset = 50 if small else 200
    c = {}
    for name, tr in (("float", tr_float), ("fixed", tr_fixed)):
        c[name] = A.auto_covariance(A.box_rates(tr.s, 25), max_lag=20, offset=offset)[1][20]
        print(f"{name:>6}: mean rate {tr.s.mean():.4f} spikes/neuron/step, c(0) {c[name]:.4g}")
    print(f"rate network c(0): {A.auto_covariance(states, max_lag=20, offset=offset)[1][20]:.4g}")
    if out_dir:     # 4. Look at it: rasters overlaid, population rates, auto-covariances.
        from lava_eirate import plot
        if not plot.file_backend():
            print(f"(matplotlib not installed: no figure; {plot.INSTALL_HINT})")
        else:
            os.makedirs(out_dir, exist_ok=True)
            path = os.path.join(out_dir, "float_vs_fixed.png")
            plot.float_vs_fixed(tr_float, tr_fixed, rate_states=states, max_lag=20, offset=offset,
                                n_exc=rate["shape_exc"], path=path)
            print("figure:", path)
    return tr_float, tr_fixed, c


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--out", default="tutorial01_output")
    args = ap.parse_args()
    main(args.small, args.out)
