"""The tutorial's rate network in Loihi fixed point (rate_to_fixed): fidelity and speed.

    python benchmarks/bench_rate_fixed.py [--realizations 100] [--steps 1000]

Balanced (stable): the largest |fixed - float| over all neurons and steps of one
1000-step trajectory, against 1% of the float trajectory's standard deviation.
Critical (chaotic): ensemble over realizations (0 from rest, the others from states drawn
N(0, 1) by default_rng(0)), fixed vs float: mean state and c(0) (the tutorial's
auto-covariance, offset 200) as relative changes +- standard error, and the RMS difference
of the normalised auto-covariance curves. Speed: seconds per step, fixed (engine) vs the
float model (numpy), N = 400 and 4000 (the tutorial's weights drawn at that size).
"""
import argparse
import time

import numpy as np

import lava_eirate as le
from lava_eirate import analysis as A
from lava_eirate.network import tutorial_networks, tutorial_networks_generator
from lava_eirate.rate_network import ei_rate_network
from _report import write_json

KEYS = ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh", "bias_exc", "bias_inh")


def ratio(a, b):
    """(mean(b) / mean(a) - 1, its standard error)."""
    r, se = A.ratio_of_means(a, b)
    return r - 1, se


_CRITICAL = {}


def _critical():
    """The critical network, float params and converted fixed network (built once per process)."""
    if not _CRITICAL:
        p = tutorial_networks()["critical"]
        fx, rep = le.rate_to_fixed(p)
        _CRITICAL.update(p=p, net=ei_rate_network(fx), rep=rep)
    return _CRITICAL


def _critical_run(r0, steps):
    """One realization from r0, float and fixed: mean state after 200 steps, c(0) and acov."""
    c = _critical()
    p, net, S = c["p"], c["net"], c["rep"].state_scale
    f = le.simulate_rate(*(p[k] for k in KEYS), steps, r0=r0)
    x = le.simulate(net, steps, record={"rate": "v"},
                    init={"rate": {"v": np.rint(r0 * S).astype(np.int64)}})["rate"].v / S
    out = {}
    for arr, tag in ((f, "f"), (x, "x")):
        _, cov = A.auto_covariance(arr, max_lag=100, offset=200)
        out["m" + tag], out["c" + tag], out["a" + tag] = arr[200:].mean(), cov[100], cov
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--realizations", type=int, default=100)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--processes", type=int, default=None, help="local workers for the ensemble (default: all cores)")
    args = ap.parse_args()
    out = {}
    nets = tutorial_networks()
    p = nets["balanced"]
    fx, rep = le.rate_to_fixed(p)
    T = args.steps
    x = le.simulate(ei_rate_network(fx), T, record={"rate": "v"})["rate"].v / rep.state_scale
    f = le.simulate_rate(*(p[k] for k in KEYS), T)
    out["balanced"] = dict(max_abs_error=float(np.abs(x - f).max()), float_std=float(f.std()),
                           ratio_to_1pct_std=float(np.abs(x - f).max() / (0.01 * f.std())),
                           num_message_bits=rep.num_message_bits, state_scale=rep.state_scale)
    print(rep)
    crit = _critical()
    p, rep = crit["p"], crit["rep"]
    print(rep)
    rng = np.random.default_rng(0)
    n = p["weights"].shape[0]
    r0s = [np.zeros(n)] + [rng.normal(0.0, 1.0, n) for _ in range(args.realizations - 1)]
    t0 = time.perf_counter()
    runs = le.sweep(_critical_run, [dict(r0=r0, steps=T) for r0 in r0s], processes=args.processes)
    stats = {k: [r[k] for r in runs] for k in runs[0]}
    S = rep.state_scale
    s = {k: np.array(v) for k, v in stats.items()}
    af, ax = s["af"].mean(0), s["ax"].mean(0)
    out["critical"] = dict(realizations=args.realizations, steps=T, seconds=time.perf_counter() - t0,
                           mean_state_change=ratio(s["mf"], s["mx"]), c0_change=ratio(s["cf"], s["cx"]),
                           acov_norm_rms=float(np.sqrt(np.mean((af / af[100] - ax / ax[100]) ** 2))),
                           num_message_bits=rep.num_message_bits, state_scale=S)
    speed = {}
    for n in (400, 4000):
        q = tutorial_networks_generator(n=n)["critical"]
        fxn, _ = le.rate_to_fixed(q, num_steps=100)
        netn = ei_rate_network(fxn)
        le.simulate(netn, 2, record={})
        steps = 2000 if n == 400 else 200
        t = time.perf_counter(); le.simulate(netn, steps, record={}); t_fixed = (time.perf_counter() - t) / steps
        t = time.perf_counter(); le.simulate_rate(*(q[k] for k in KEYS), steps); t_float = (time.perf_counter() - t) / steps
        speed[n] = dict(fixed_s_per_step=t_fixed, float_s_per_step=t_float, synapses=int(np.count_nonzero(q["weights"])))
    out["speed"] = speed
    b, c = out["balanced"], out["critical"]
    print("\n| measure | value | target |\n|---|---|---|")
    print(f"| balanced: max abs error / (1% of float std {b['float_std']:.3f}) | {b['ratio_to_1pct_std']:.2f} | <= 1 |")
    for key, name, lim in (("mean_state_change", "mean state", 0.05), ("c0_change", "c(0)", 0.10)):
        d, se = c[key]
        c[key + "_shown_within"] = bool(abs(d) + 2 * se <= lim)
        print(f"| critical: {name} change | {d:+.1%} +- {se:.1%} (|d| + 2 SE = {abs(d) + 2 * se:.1%}) | within {lim:.0%} |")
    print(f"| critical: normalised auto-covariance RMS | {c['acov_norm_rms']:.4f} | < 0.05 |")
    for n, d in speed.items():
        print(f"| N={n}: s/step fixed (engine) vs float (numpy) | {d['fixed_s_per_step'] * 1e6:.0f} us vs "
              f"{d['float_s_per_step'] * 1e6:.0f} us | -- |")
    write_json("benchmarks/results/bench_rate_fixed.json", out)


if __name__ == "__main__":
    main()
