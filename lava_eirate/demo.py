"""The main job (``lava-eirate demo`` / ``make demo``).

For now: a small 80/20 E/I network simulated in Loihi fixed point with lava_eirate, the
first steps checked bit for bit (s, u, v at every step) against Lava 0.10's own
PyLifModelBitAcc + PyDenseModelBitAcc run through Lava's runtime, and a timing summary.
Later issues extend it to the full rate -> LIF float -> LIF fixed-point pipeline.
"""
from __future__ import annotations

import time

import numpy as np

from .params import FixedLIF, FixedSynapses
from .simulate import simulate_fixed


def small_ei_network(n: int, seed: int = 0, p: float = 0.1):
    """A spiking 80/20 E/I network: integer weights E in [0, 40], I in [-160, 0]."""
    rng = np.random.default_rng(seed)
    n_e = int(0.8 * n)
    mask = rng.random((n, n)) < p
    np.fill_diagonal(mask, False)
    w = np.zeros((n, n), np.int64)
    w[:, :n_e] = rng.integers(0, 41, (n, n_e))
    w[:, n_e:] = rng.integers(-160, 1, (n, n - n_e))
    w *= mask
    neurons = FixedLIF(n, du=410, dv=256, vth=7600, bias_mant=rng.integers(700, 1300, n), bias_exp=6)
    return neurons, w


def run_demo(n: int = 200, num_steps: int = 500, lava_steps: int = 100, seed: int = 0) -> int:
    print(f"lava_eirate demo: {n} LIF neurons (80% E / 20% I), {num_steps} steps, Loihi fixed point")
    neurons, w = small_ei_network(n, seed)
    syn = FixedSynapses(w)
    t0 = time.perf_counter()
    simulate_fixed(neurons, syn, 1)
    print(f"  numba kernels ready in {time.perf_counter() - t0:.2f} s (compiled once, then cached on disk)")
    t0 = time.perf_counter()
    trace = simulate_fixed(neurons, syn, num_steps)
    t_le = time.perf_counter() - t0
    n_e = int(0.8 * n)
    rate_e = trace.s[:, :n_e].mean()
    rate_i = trace.s[:, n_e:].mean()
    print(f"  simulate_fixed: {t_le * 1e3:.1f} ms ({num_steps / t_le:,.0f} steps/s); "
          f"rate E {rate_e:.3f}, I {rate_i:.3f} spikes/neuron/step")
    print(f"  weights: {syn.nnz} synapses, sign mode {syn.sign_mode.name}, "
          f"{syn.num_truncated} mantissas floored by Loihi's 8-bit MIXED truncation")
    status = 0
    if lava_steps:
        from .lava_ref import run_lif_network
        steps = min(lava_steps, num_steps)
        print(f"  checking the first {steps} steps against Lava's own bit-accurate models ...")
        t0 = time.perf_counter()
        ref = run_lif_network(n=n, du=int(neurons.du), dv=int(neurons.dv), vth=int(neurons.vth),
                              bias_mant=neurons.bias_mant, bias_exp=neurons.bias_exp,
                              num_steps=steps, weights=w)
        t_lava = time.perf_counter() - t0
        for name in "suv":
            mine, theirs = getattr(trace, name)[:steps], getattr(ref, name)
            if not np.array_equal(mine, theirs):
                t, i = np.argwhere(mine != theirs)[0]
                print(f"  MISMATCH in {name} at step {t + 1}, neuron {i}: "
                      f"lava_eirate {mine[t, i]}, Lava {theirs[t, i]}")
                status = 1
                break
        else:
            print(f"  bit-exact with Lava: s, u, v identical at all {steps} x {n} entries "
                  f"(Lava took {t_lava:.1f} s including start-up)")
    return status
