"""Tutorial 04 -- what Loihi's fixed point does to a chaotic network's dynamics.

The Lava tutorial's critical E/I network is chaotic: after a few tens of steps a float
run and its fixed-point twin have different spike trains, and the mean rate of one
1000-step run varies by ~10% from one initial condition to the next. One run against
one run therefore cannot tell a 5% quantization effect from chance. This tutorial

1. converts the rate network (rate -> float LIF -> Loihi fixed point) three ways: on the
   network engine with a weight exponent and sign mode per connection
   (``float_to_fixed_network``: the floor of Loihi's right shift made round-to-nearest
   by a rounding neuron), with one grid for the whole population (``float_to_fixed``,
   what ``EILIFNetwork`` takes) and with the Lava tutorial's own float->fixed mapping
   (``tutorial_float_to_fixed``);
2. compares each fixed-point network with the float one over an ensemble of runs from
   random initial membrane potentials (``ensemble_fidelity``): mean rate, c(0) and the
   normalised auto-covariance;
3. draws the comparison (``lava_eirate.plot.fidelity``) when matplotlib is installed.

    python tutorials/04_quantization_fidelity.py [--small] [--out tutorial04_output]
"""
import argparse
import os
import warnings

import lava_eirate as le
from lava_eirate.convert import ensemble_fidelity, float_to_fixed_network, tutorial_float_to_fixed
from lava_eirate.network import tutorial_networks


def main(small=False, out_dir=None):
    realizations = 8 if small else 60
    rate = tutorial_networks(seed=1234)["critical"]
    with warnings.catch_warnings():
        # the theory mapping finds no weight scale for this network (see lif.diagnostics)
        warnings.simplefilter("ignore", RuntimeWarning)
        lif = le.convert_rate_to_lif_params(**rate)
    print(f"rate -> LIF: weight scale {lif.diagnostics['weight_scale']:.3f}, "
          f"converged {lif.diagnostics['converged']}")

    net, net_report = float_to_fixed_network(lif)
    print("\nlava_eirate float_to_fixed_network:\n" + "\n".join("  " + l for l in str(net_report).splitlines()))
    per_conn = ensemble_fidelity(lif, net, net_report.scales, realizations=realizations, seed=1)

    fixed, report = le.float_to_fixed(lif)
    print("\nlava_eirate float_to_fixed (one grid):\n" + "\n".join("  " + l for l in str(report).splitlines()))
    ours = ensemble_fidelity(lif, fixed, report.scale, realizations=realizations, seed=1)

    tut_lif = le.convert_rate_to_lif_params(**rate, method="lava_compat")
    tut_fixed, tut_scale = tutorial_float_to_fixed(tut_lif)
    print(f"\nthe Lava tutorial's mapping: scale {tut_scale:.4g}, vth mantissa {tut_fixed['vth_exc']}, "
          f"weight_exp {tut_fixed['weight_exp']}, du {tut_fixed['du_exc']} (no +1 offset)")
    theirs = ensemble_fidelity(tut_lif, tut_fixed, tut_scale, realizations=realizations, seed=1)

    print(f"\nfloat vs fixed point over {realizations} runs of 1000 steps:")
    for name, fid in (("per-connection", per_conn), ("one grid", ours), ("tutorial", theirs)):
        single_rate = fid.rate_fixed[0] / fid.rate_float[0] - 1
        print(f"  {name:<14} one run from rest: rate {single_rate:+.1%};  ensemble: {fid.summary()}")

    if out_dir:
        from lava_eirate import plot
        if not plot.file_backend():
            print(f"(matplotlib not installed: no figure; {plot.INSTALL_HINT})")
            return per_conn, ours, theirs
        os.makedirs(out_dir, exist_ok=True)
        plot.fidelity(per_conn, path=os.path.join(out_dir, "fidelity_per_connection.png"))
        plot.fidelity(ours, path=os.path.join(out_dir, "fidelity_lava_eirate.png"))
        plot.fidelity(theirs, path=os.path.join(out_dir, "fidelity_tutorial.png"))
        print(f"figures in {out_dir}/")
    return per_conn, ours, theirs


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--out", default="tutorial04_output")
    args = ap.parse_args()
    main(small=args.small, out_dir=args.out)
