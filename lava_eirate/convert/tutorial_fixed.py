"""The Lava E/I tutorial's float -> fixed-point mapping, kept as a baseline: what
:func:`float_to_fixed` is measured against (``benchmarks/bench_fidelity.py``).

Arithmetic of the tutorial's ``_scaling_funct`` / ``float2fixed_lif_parameter`` (Lava
tutorials, ``tutorial_ei_network``), restated: one linear scale from the parameter with
the largest magnitude that still fits its bit budget (vth: 17 bits << 6; u, v: 24-bit
signed over their 0.2-0.8 quantile range; bias: 13-bit signed << 0..2; weights: 8-bit
signed << 6..21), weights rounded then divided by 2**6 and rounded again, weight_exp 0,
the threshold floored, du and dv rounded (no +1 current-decay offset). Lava then floors
MIXED weights to even values when the network is built (``lava_compat=True``).
"""
from __future__ import annotations

import numpy as np


def _tutorial_scale(params: dict) -> float:
    """The tutorial's scale factor p1/p2 (its ``_scaling_funct``)."""
    order = sorted(params.values(), key=lambda p: np.max(np.abs(p["val"])), reverse=True)
    scale = None
    for p in order:
        val = np.asarray(p["val"], float)
        signed = 1 if p["signed"] else 0
        top_is_positive = np.max(val) == np.max(np.abs(val))
        largest = np.max(val) if top_is_positive else np.max(np.abs(val))
        levels = 2 ** (p["bits"] - signed) - (1 if top_is_positive else 0)
        limit = levels * 2 ** int(np.max(p["shift"]))
        if scale is not None and np.max(np.abs(scale * val)) <= limit:
            continue
        scale = limit / largest
    return float(scale)


def tutorial_float_to_fixed(lif: dict, u_samples=None, v_samples=None,
                            num_steps: int = 1000) -> tuple[dict, float]:
    """(EILIFNetwork kwargs with lava_compat=True, the scale) as the tutorial maps them.
    ``u_samples``/``v_samples`` are float-simulation values of u and v; by default those
    of a ``num_steps`` run from rest, as in the tutorial."""
    if u_samples is None or v_samples is None:
        from ..params import EILIFParams
        from ..simulators import simulate_float
        p = EILIFParams(**lif)
        tr = simulate_float(*p.require("float"), num_steps, record=("u", "v"))
        u_samples, v_samples = tr.u, tr.v
    u_lo, u_hi = np.quantile(u_samples, [0.2, 0.8])
    v_lo, v_hi = np.quantile(v_samples, [0.2, 0.8])
    w = np.asarray(lif["weights"], float)
    bias = float(lif["bias_mant_exc"])
    scale = _tutorial_scale({
        "vth": dict(bits=17, signed=False, shift=[6], val=[1.0]),
        "u": dict(bits=24, signed=True, shift=[0], val=[u_lo, u_hi]),
        "v": dict(bits=24, signed=True, shift=[0], val=[v_lo, v_hi]),
        "bias": dict(bits=13, signed=True, shift=[0, 1, 2], val=[bias]),
        "weights": dict(bits=8, signed=True, shift=list(range(6, 22)), val=w)})
    scaled_bias = scale * bias
    bias_exp = max(int(np.ceil(np.log2(scaled_bias) - 13 + 1)), 0)
    bias_mant = int(scaled_bias // 2 ** bias_exp)
    weights = np.round(np.round(scale * w) / 2 ** 6).astype(np.int32)
    out = dict(shape_exc=lif["shape_exc"], shape_inh=lif["shape_inh"],
               vth_exc=int(scale * 1.0 // 2 ** 6), vth_inh=int(scale * 1.0 // 2 ** 6),
               bias_mant_exc=bias_mant, bias_exp_exc=bias_exp, bias_mant_inh=bias_mant, bias_exp_inh=bias_exp,
               weights=weights, weight_exp=0,
               du_exc=int(np.round(lif["du_exc"] * 4096)), dv_exc=int(np.round(lif["dv_exc"] * 4096)),
               du_inh=int(np.round(lif["du_inh"] * 4096)), dv_inh=int(np.round(lif["dv_inh"] * 4096)),
               lava_compat=True)
    return out, scale
