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
from .simulators import Trace, simulate_fixed, simulate_float, simulate_rate



def _step(label, t0):
    print(f"  {label:<44} {time.perf_counter() - t0:6.2f} s")


def run_demo(network: str = "critical", num_steps: int = 1000, lava_steps: int = 100,
             seed: int = 1234, out_dir: str = "demo_output", realizations: int = 30) -> int:
    print(f"lava_eirate demo: the Lava E/I tutorial's {network} network (320 E + 80 I), "
          f"{num_steps} steps")
    t0 = time.perf_counter()
    _compile_kernels()
    _step("JIT compilation of the engine (first run only: cached on disk afterwards)", t0)
    rate = tutorial_networks(seed=seed)[network]
    keys = ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh", "bias_exc", "bias_inh")
    t0 = time.perf_counter()
    states = simulate_rate(*(rate[k] for k in keys), num_steps)
    _step("rate network (simulate_rate)", t0)
    t0 = time.perf_counter()
    lif = convert_rate_to_lif_params(**rate)
    _step(f"rate -> LIF (theory, weight scale {lif.diagnostics['weight_scale']:.3f})", t0)
    t0 = time.perf_counter()
    p_float = EILIFParams(**lif)
    tr_float = simulate_float(*p_float.float, num_steps, record=("s",))
    _step("float LIF (simulate_float)", t0)
    t0 = time.perf_counter()
    fixed, report = float_to_fixed(lif)
    _step("float -> Loihi fixed point (float_to_fixed)", t0)
    t0 = time.perf_counter()
    p_fixed = EILIFParams(**fixed)
    tr_fixed = simulate_fixed(*p_fixed.fixed, num_steps)
    _step("fixed-point LIF (simulate_fixed, numba)", t0)

    rate_f, rate_x = tr_float.s.mean(), tr_fixed.s.mean()
    win = _cov_window(num_steps)
    lag = win["max_lag"]
    _, c_rate = A.auto_covariance(states, **win)
    _, c_float = A.auto_covariance(A.box_rates(tr_float.s, 25), **win)
    _, c_fixed = A.auto_covariance(A.box_rates(tr_fixed.s, 25), **win)
    print(f"\none run from rest, mean rate (spikes/neuron/step): float {rate_f:.4f}, fixed {rate_x:.4f} "
          f"({rate_x / rate_f - 1:+.1%})")
    print(f"auto-covariance c(0) of 25-step binned spikes: float {c_float[lag]:.4g}, "
          f"fixed {c_fixed[lag]:.4g} ({c_fixed[lag] / c_float[lag] - 1:+.1%}); rate network {c_rate[lag]:.4g}")
    fid = None
    if realizations > 1:
        from .convert import ensemble_fidelity
        t0 = time.perf_counter()
        fid = ensemble_fidelity(lif, fixed, report.scale, num_steps=num_steps, realizations=realizations,
                                seed=seed, progress=True, **win)
        print(f"ensemble (one run cannot resolve a few %: the float rate varies {fid.rate_spread:.0%} "
              f"from run to run):\n  {fid.summary()}")
        _step("ensemble of float and fixed-point runs", t0)
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
    _figures(out_dir, states, tr_float, tr_fixed, fid, p_float.n_e, win)
    return status


def _compile_kernels() -> None:
    """Run both engine families once on two neurons, so that the timings below measure
    simulation, not numba's compilation (or its cache loading)."""
    import numpy as np
    from .params import FixedLIF, FloatLIF
    simulate_fixed(FixedLIF(2, 1, 1, 1), np.ones((2, 2), int), 2)
    simulate_float(FloatLIF(2, 0.1, 0.1, 1.0), np.ones((2, 2)), 2)


def _cov_window(num_steps: int) -> dict:
    """Lags and dropped edges of the auto-covariance for a run of ``num_steps``: the
    tutorial's 100 and 200 for 1000 steps, shrunk for shorter runs."""
    offset = min(200, num_steps // 5)
    return dict(offset=offset, max_lag=max(0, min(100, (num_steps - 2 * offset) // 2 - 1)))


def _figures(out_dir, states, tr_float, tr_fixed, fid, n_exc, win):
    from . import plot
    if not plot.file_backend():
        print(f"(matplotlib not installed: no figures; {plot.INSTALL_HINT})")
        return
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    plt.close(plot.float_vs_fixed(tr_float, tr_fixed, rate_states=states, n_exc=n_exc,
                                  path=os.path.join(out_dir, "float_vs_fixed.png"), **win))
    if fid is not None:
        plt.close(plot.fidelity(fid, path=os.path.join(out_dir, "fidelity.png")))
    print(f"figures: {out_dir}/float_vs_fixed.png" + (", fidelity.png" if fid is not None else ""))
