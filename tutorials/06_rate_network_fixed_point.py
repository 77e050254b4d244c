"""Tutorial 06 -- the E/I rate network itself in Loihi fixed point (graded spikes).

The Lava E/I tutorial's rate network ``r <- (1 - dr) r + (dr W) erf(r) + bias`` has no
fixed-point model in Lava 0.10. This tutorial

1. converts it with one call (``le.rate_to_fixed``): a 24-bit state scale, the graded
   payload width, one weight exponent per presynaptic population, dr in 1/4096 and the
   erf lookup table, with a report of what each choice cost;
2. runs the fixed-point network in Lava (``EIRateNetwork(**fixed)``, ``fixed_pt``) and on
   the engine, and checks the two are identical;
3. compares fixed and float: the balanced (stable) network's trajectory, and the
   critical (chaotic) network's auto-covariance over an ensemble of initial states;
4. draws both (states and auto-covariances) when matplotlib is installed.

    python tutorials/06_rate_network_fixed_point.py [--small] [--out tutorial06_output]
"""
import argparse
import os

import numpy as np

import lava_eirate as le
from lava_eirate import analysis as A
from lava_eirate.network import tutorial_networks
from lava_eirate.rate_network import ei_rate_network

KEYS = ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh", "bias_exc", "bias_inh")


def main(small=False, out_dir=None):
    T = 300 if small else 1000
    realizations = 6 if small else 40
    nets = tutorial_networks()
    p = nets["balanced"]
    fixed, report = le.rate_to_fixed(p)
    print(report)

    # in Lava, fixed_pt: the Var `state` holds the integer state
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.monitor.process import Monitor
    proc = le.EIRateNetwork(**fixed)
    mon = Monitor()
    lava_T = 100
    mon.probe(proc.state, lava_T)
    try:
        proc.run(condition=RunSteps(num_steps=lava_T), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        in_lava = np.asarray(mon.get_data()[proc.name]["state"]).astype(np.int64)
    finally:
        proc.stop()
    engine = le.simulate(ei_rate_network(fixed), T, record={"rate": "v"})["rate"].v
    same = bool(np.array_equal(in_lava, engine[:lava_T]))
    print(f"Lava (fixed_pt) and the engine, first {lava_T} steps, identical: {same}")

    S = report.state_scale
    float_bal = le.simulate_rate(*(p[k] for k in KEYS), T)
    err = float(np.max(np.abs(engine / S - float_bal)))
    print(f"balanced: largest |fixed - float| over {T} steps = {err:.4f} "
          f"({err / (0.01 * float_bal.std()):.2f} x 1% of the float std {float_bal.std():.3f})")

    q = nets["critical"]
    fixed_c, rep_c = le.rate_to_fixed(q)
    net_c, S_c = ei_rate_network(fixed_c), rep_c.state_scale
    rng = np.random.default_rng(0)
    curves = {"float": [], "fixed": []}
    example = None
    for r in range(realizations):
        r0 = rng.normal(0.0, 1.0, q["weights"].shape[0])
        runs = {"float": le.simulate_rate(*(q[k] for k in KEYS), T, r0=r0),
                "fixed": le.simulate(net_c, T, record={"rate": "v"},
                                     init={"rate": {"v": np.rint(r0 * S_c).astype(np.int64)}})["rate"].v / S_c}
        example = example or runs
        for k, arr in runs.items():
            lags, c = A.auto_covariance(arr, max_lag=100, offset=min(200, T // 6))
            curves[k].append(c)
    acov = {k: np.mean(v, axis=0) for k, v in curves.items()}
    rms = float(np.sqrt(np.mean((acov["float"] / acov["float"][100] - acov["fixed"] / acov["fixed"][100]) ** 2)))
    c0 = acov["fixed"][100] / acov["float"][100] - 1
    print(f"critical, {realizations} realizations: c(0) fixed vs float {c0:+.1%}; normalised "
          f"auto-covariance RMS difference {rms:.4f}")

    if out_dir:
        from lava_eirate import plot
        if not plot.file_backend():
            print(f"(matplotlib not installed: no figure; {plot.INSTALL_HINT})")
        else:
            import matplotlib.pyplot as plt
            os.makedirs(out_dir, exist_ok=True)
            fig, ax = plt.subplots(2, 2, figsize=(10, 6))
            steps = np.arange(1, T + 1)
            for i in range(3):
                ax[0, 0].plot(steps, float_bal[:, i], color="tab:blue", lw=2, label="float" if i == 0 else None)
                ax[0, 0].plot(steps, engine[:, i] / S, color="tab:orange", lw=1, ls="--",
                              label="fixed point" if i == 0 else None)
            ax[0, 0].set_title("balanced: three neurons' states")
            ax[0, 0].legend(fontsize=8)
            for i in range(3):
                ax[0, 1].plot(steps, example["float"][:, i], color="tab:blue", lw=1)
                ax[0, 1].plot(steps, example["fixed"][:, i], color="tab:orange", lw=1, ls="--")
            ax[0, 1].set_title("critical: one realization (chaotic: the runs part)")
            for k, col in (("float", "tab:blue"), ("fixed", "tab:orange")):
                ax[1, 0].plot(lags, acov[k], color=col, label=k)
                ax[1, 1].plot(lags, acov[k] / acov[k][100], color=col, label=k)
            ax[1, 0].set_title(f"critical: auto-covariance ({realizations} realizations)")
            ax[1, 1].set_title(f"normalised (RMS difference {rms:.3f})")
            for a in ax[1]:
                a.set_xlabel("lag (steps)")
                a.legend(fontsize=8)
            for a in ax[0]:
                a.set_xlabel("time step")
            fig.tight_layout()
            path = os.path.join(out_dir, "rate_fixed_point.png")
            fig.savefig(path, dpi=100)
            plt.close(fig)
            print("figure:", path)
    return dict(same=same, balanced_error=err, float_std=float(float_bal.std()), acov_rms=rms, c0_change=c0,
                report=report)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--out", default="tutorial06_output")
    a = ap.parse_args()
    main(small=a.small, out_dir=a.out)
