"""The main job (``lava-eirate demo`` / ``make demo``): the whole pipeline on the Lava E/I
tutorial's network.

rate network (simulate_rate) -> convert_rate_to_lif_params (theory) -> float LIF
(simulate_float) -> float_to_fixed -> Loihi fixed-point LIF (simulate_fixed), the first
steps of which are checked bit for bit against Lava 0.10's own PyLifModelBitAcc +
PyDenseModelBitAcc run through Lava's runtime. Prints rates, c(0), the quantization
report and timings; writes figures when matplotlib is installed.
"""
from __future__ import annotations

import os
import time

import numpy as np

from . import analysis as A
from .convert import convert_rate_to_lif_params, float_to_fixed
from .network import tutorial_networks
from .params import EILIFParams
from .simulate import Trace, simulate_fixed, simulate_float, simulate_rate

_INFO = ("g_factor", "q_factor")


def _step(label, t0):
    print(f"  {label:<44} {time.perf_counter() - t0:6.2f} s")


def run_demo(network: str = "critical", num_steps: int = 1000, lava_steps: int = 100,
             seed: int = 1234, out_dir: str = "demo_output") -> int:
    print(f"lava_eirate demo: the Lava E/I tutorial's {network} network (320 E + 80 I), "
          f"{num_steps} steps")
    rate = tutorial_networks(seed=seed)[network]
    keys = ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh", "bias_exc", "bias_inh")
    t0 = time.perf_counter()
    states = simulate_rate(*(rate[k] for k in keys), num_steps)
    _step("rate network (simulate_rate)", t0)
    t0 = time.perf_counter()
    lif = convert_rate_to_lif_params(**rate)
    _step(f"rate -> LIF (theory, weight scale {lif.diagnostics['weight_scale']:.3f})", t0)
    t0 = time.perf_counter()
    p_float = EILIFParams(**{k: v for k, v in lif.items() if k not in _INFO})
    tr_float = simulate_float(*p_float.float, num_steps, record=("s",))
    _step("float LIF (simulate_float)", t0)
    t0 = time.perf_counter()
    fixed, report = float_to_fixed(lif)
    _step("float -> Loihi fixed point (float_to_fixed)", t0)
    t0 = time.perf_counter()
    p_fixed = EILIFParams(**{k: v for k, v in fixed.items() if k not in _INFO})
    tr_fixed = simulate_fixed(*p_fixed.fixed, num_steps)
    _step("fixed-point LIF (simulate_fixed, numba)", t0)

    rate_f, rate_x = tr_float.s.mean(), tr_fixed.s.mean()
    lags, c_rate = A.auto_covariance(states, max_lag=100, offset=200)
    _, c_float = A.auto_covariance(A.box_rates(tr_float.s, 25), max_lag=100, offset=200)
    _, c_fixed = A.auto_covariance(A.box_rates(tr_fixed.s, 25), max_lag=100, offset=200)
    print(f"\nmean rate (spikes/neuron/step): float {rate_f:.4f}, fixed {rate_x:.4f} "
          f"({rate_x / rate_f - 1:+.1%})")
    print(f"auto-covariance c(0) of 25-step binned spikes: float {c_float[100]:.4g}, "
          f"fixed {c_fixed[100]:.4g} ({c_fixed[100] / c_float[100] - 1:+.1%}); rate network {c_rate[100]:.4g}")
    print("\nquantization report:\n" + "\n".join("  " + line for line in str(report).splitlines()))

    status = 0
    if lava_steps:
        from .golden import compare
        from .lava_ref import run_eilif_params
        steps = min(lava_steps, num_steps)
        t0 = time.perf_counter()
        ref = run_eilif_params(p_fixed, steps, progress=True)
        _step(f"\nLava's runtime, LIF + Dense, {steps} steps", t0)
        window = Trace(s=tr_fixed.s[:steps], u=tr_fixed.u[:steps], v=tr_fixed.v[:steps],
                       num_steps=steps, n=p_fixed.n, kind="fixed")
        diff = compare(ref, window)
        if diff is None:
            print(f"  bit-exact with Lava: s, u, v identical at all {steps} x {p_fixed.n} entries")
        else:
            print(f"  MISMATCH with Lava: {diff}")
            status = 1
    _figures(out_dir, states, tr_float, tr_fixed, lags, c_rate, c_float, c_fixed)
    return status


def _figures(out_dir, states, tr_float, tr_fixed, lags, c_rate, c_float, c_fixed):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no figures; pip install lava_eirate[plot])")
        return
    os.makedirs(out_dir, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for ax, tr, title in ((axes[0], tr_float, "float LIF"), (axes[1], tr_fixed, "Loihi fixed point")):
        t, i = np.nonzero(tr.s[:, ::4])
        ax.plot(t, i * 4, ",k")
        ax.set(title=f"raster, {title}", xlabel="step")
    axes[0].set_ylabel("neuron")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "raster.png"), dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4))
    for tr, label in ((tr_float, "float LIF"), (tr_fixed, "fixed point")):
        ax.plot(A.rates_kernel(tr.s, tau=10).mean(axis=1), label=label)
    ax.set(xlabel="step", ylabel="population rate (spikes/step)")
    ax.legend()
    fig.savefig(os.path.join(out_dir, "rates.png"), dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4))
    for c, label in ((c_rate, "rate network"), (c_float, "float LIF"), (c_fixed, "fixed point")):
        ax.plot(lags, c / c[len(c) // 2], label=label)
    ax.set(xlabel="lag (steps)", ylabel="c(lag) / c(0)", title="normalised auto-covariance")
    ax.legend()
    fig.savefig(os.path.join(out_dir, "autocovariance.png"), dpi=110)
    plt.close(fig)
    print(f"figures: {out_dir}/raster.png, rates.png, autocovariance.png")
