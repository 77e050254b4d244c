"""Float LIF parameters -> Loihi mantissas and exponents, with a quantization report.

One voltage scale ``S`` (fixed-point units per float unit) maps v, u, vth, bias and the
per-spike increments of u onto Loihi's integers:

* ``vth_mant = round(S vth / 64)`` (the threshold is compared as ``vth_mant << 6``);
* ``bias_mant << bias_exp ~= S bias`` with the smallest ``bias_exp`` in [0, 7] that keeps
  ``|bias_mant| <= 4095``;
* a spike through float weight ``w`` adds ``w`` to u; in Loihi it adds
  ``mant << (weight_exp + 6)``, so ``mant ~= S w / 2**(weight_exp + 6)`` with the
  smallest ``weight_exp`` in [-8, 7] that fits the 8-bit mantissa range, rounded to the
  values Loihi holds (MIXED: multiples of 2 at 8 bits) -- not floored by Lava;
* ``du_fix = round(4096 du) - 1`` (Loihi adds 1 to du), ``dv_fix = round(4096 dv)``.

``S`` is chosen so that the expected u and v (from a short float simulation, or ranges
you give) use the 24-bit range without overflowing, limited by the 17-bit threshold, and
then lowered to the nearest value at which the threshold is an exact mantissa.
Anything that cannot be represented raises ``ValueError`` naming parameter, value and
range.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..loihi import limits as L
from .. import _validate as V
from ..loihi.weights import SignMode, as_sign_mode, detect_sign_mode, mantissa_range, truncate_mantissas
from ..params import EILIFParams

_POPS = ("exc", "inh")


@dataclass
class QuantizationReport:
    """What the conversion cost."""

    scale: float
    u_max: float
    v_max: float
    headroom: float
    params: dict = field(default_factory=dict)      # name -> requested, effective, rel_error
    decays: dict = field(default_factory=dict)      # name -> requested, effective
    weights: dict = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"scale S = {self.scale:.6g} fixed-point units per float unit "
                 f"(expected |u| <= {self.u_max:.4g}, |v| <= {self.v_max:.4g}, headroom {self.headroom:.0%})",
                 f"{'parameter':<16} {'requested':>14} {'effective':>14} {'rel. error':>11}"]
        for name, d in {**self.params, **self.decays}.items():
            lines.append(f"{name:<16} {d['requested']:>14.6g} {d['effective']:>14.6g} {d['rel_error']:>11.2e}")
        w = self.weights
        lines.append(f"weights: {w['nonzero']} nonzero, sign mode {w['sign_mode']}, weight_exp {w['weight_exp']}, "
                     f"relative RMS error {w['rel_rms_error']:.2e}, {w['became_zero']} became zero, "
                     f"{w['clipped']} clipped")
        return "\n".join(lines)


def _bias_grid(b):
    """(bias_exp, bias_mant) for one population's bias ``b`` in fixed-point units per step
    (scalar or per-neuron): the smallest bias_exp in [0, 7] at which the largest |b| fits
    the 13-bit mantissa, mantissas rounded to nearest."""
    b = np.asarray(b, float)
    top = float(np.max(np.abs(b))) if b.size else 0.0
    b_exp = int(np.clip(math.ceil(math.log2(top / L.BIAS_MANT_RANGE[1])), 0, 7)) if top > 0 else 0
    return b_exp, np.rint(b / 2 ** b_exp).astype(np.int64)


def _weight_grid(target, mode, num_weight_bits):
    """(weight_exp, mantissas, grid step) for ``target`` = u increments per spike in units of 2**6:
    the smallest weight_exp in [-8, 7] at which the largest |target| fits the mantissa
    range, mantissas rounded onto the sign mode's grid (MIXED at 8 bits: even values)."""
    lo, hi = mantissa_range(mode)
    limit = hi if mode is not SignMode.INHIBITORY else -lo
    top = max(float(np.max(np.abs(target))), 1e-300) if target.size else 1e-300
    weight_exp = max(int(math.ceil(math.log2(top / limit))), L.WEIGHT_EXP_RANGE[0])
    step = 2 ** (8 - int(num_weight_bits) + (1 if mode is SignMode.MIXED else 0))
    mant = np.clip(np.rint(target / 2.0 ** weight_exp / step) * step, lo, hi)
    return weight_exp, mant, step


def _scale_candidates(s_max: float, vth_top: float) -> list:
    """The threshold-exact scales ``64 m / vth_top`` in [s_max/2, s_max] (up to 64 of
    them), largest first; empty where not even m = 1 fits."""
    m_max = math.floor(s_max * vth_top / 64.0)
    if m_max < 1:
        return []
    ms = np.unique(np.linspace(m_max, max(m_max // 2, 1), min(m_max, 64)).astype(np.int64))[::-1]
    return [64.0 * m / vth_top for m in ms]


def _bias_rel_error(scale: float, bias: np.ndarray, comp) -> float:
    """Worst relative error of the bias ``bias`` (+ ``comp`` fixed-point units per step)
    rounded onto Loihi's mantissa/exponent grid at ``scale`` (one bias_exp per population,
    as it is emitted)."""
    b = scale * bias + comp
    b_exp, b_mant = _bias_grid(b)
    return float(np.max(np.abs(b_mant * 2.0 ** b_exp - b) / np.abs(scale * np.where(bias != 0, bias, np.inf))))


def _pick_scale(candidates, error) -> float:
    """The candidate with the smallest ``error(scale)``; near-ties (0.1%) go to the larger."""
    best, best_err = None, np.inf
    for scale in candidates:
        err = error(scale)
        if best is None or err < best_err - 1e-3 * best_err:
            best, best_err = scale, err
    return best


def _choose_scale(s_max: float, vth_top: float, lif_params: dict, w_nonzero: np.ndarray, mode,
                  num_weight_bits: int) -> float:
    """The scale in [s_max/2, s_max] at which the largest threshold is an
    exact mantissa and the relative rounding errors of the biases (worst, after the
    truncation compensation) and of the weights (RMS) are smallest in quadrature.
    Candidates are the threshold-exact scales ``64 m / vth_top``."""
    candidates = _scale_candidates(s_max, vth_top)
    if not candidates:
        return s_max
    pops = [(np.asarray(lif_params[f"bias_mant_{pop}"], float), _truncation_compensation(lif_params, pop))
            for pop in _POPS]
    pops = [(bias, comp) for bias, comp in pops if np.any(bias != 0)]
    w = w_nonzero
    if w.size > 20_000:
        w = w[np.linspace(0, w.size - 1, 20_000).astype(np.int64)]

    def error(scale):
        err_b = max((_bias_rel_error(scale, bias, comp) for bias, comp in pops), default=0.0)
        err_w = 0.0
        if w.size:
            target = scale * w / 64.0
            weight_exp, mant, _ = _weight_grid(target, mode, num_weight_bits)
            err_w = float(np.sqrt(np.mean((mant * 2.0 ** weight_exp - target) ** 2) / np.mean(target ** 2)))
        return math.hypot(err_b, err_w)

    return _pick_scale(candidates, error)


def du_mantissa(du) -> np.ndarray:
    """Loihi's du for a float per-step decay ``du``: ``round(4096 du) - 1`` in [0, 4095]
    (the hardware adds 1: the decay applied is ``(du_fix + 1) / 4096``)."""
    return np.clip(np.rint(4096 * np.asarray(du, float)) - 1, *L.DU_RANGE).astype(np.int64)


def dv_mantissa(dv) -> np.ndarray:
    """Loihi's dv for a float per-step decay ``dv``: ``round(4096 dv)`` in [0, 4095]."""
    return np.clip(np.rint(4096 * np.asarray(dv, float)), *L.DV_RANGE).astype(np.int64)


def _truncation_compensation(lif_params, pop):
    """Half a fixed-point unit per step for positive biases of leaky neurons: v's decay
    rounds toward zero (Lava PyLifModelBitAcc), losing 1/2 unit per step on average while
    v > 0 -- where a neuron climbs to its threshold -- which the bias gives back."""
    dv = np.asarray(lif_params[f"dv_{pop}"], float)
    bias = np.asarray(lif_params[f"bias_mant_{pop}"], float)
    return np.where((dv > 0) & (bias > 0), 0.5, 0.0)


def _expected_ranges(p: EILIFParams, num_steps: int, seed: int):
    from ..simulators import simulate_float
    neurons, syn = p.require("float")
    tr = simulate_float(neurons, syn, num_steps, record=("u", "v"))
    return float(np.max(np.abs(tr.u))), float(np.max(np.abs(tr.v)))


def _quantize_population(lif_params: dict, pop: str, scale: float, report: "QuantizationReport",
                         compensation=None) -> dict:
    """du, dv, vth, bias of population ``pop`` ("exc"/"inh") at ``scale`` as Loihi
    integers ``{du_<pop>, dv_<pop>, vth_<pop>, bias_mant_<pop>, bias_exp_<pop>}``; their
    errors go into ``report.decays`` / ``report.params``. ``compensation``: fixed-point
    units per step added to the bias for the rounding of the dynamics (not counted as
    error); None: :func:`_truncation_compensation`. Raises naming what does not fit."""
    out = {}
    du = np.asarray(lif_params[f"du_{pop}"], float)
    dv = np.asarray(lif_params[f"dv_{pop}"], float)
    du_fix = du_mantissa(du)
    dv_fix = dv_mantissa(dv)
    out[f"du_{pop}"] = du_fix if du_fix.ndim else int(du_fix)
    out[f"dv_{pop}"] = dv_fix if dv_fix.ndim else int(dv_fix)
    for name, req, eff in ((f"du_{pop}", du, (du_fix + 1) / 4096), (f"dv_{pop}", dv, dv_fix / 4096)):
        report.decays[name] = dict(requested=float(np.mean(req)), effective=float(np.mean(eff)),
                                   rel_error=float(np.max(np.abs(eff - req) / np.maximum(req, 1e-300))))
    vth_req = np.asarray(lif_params[f"vth_{pop}"], float)
    vth_mant = np.rint(scale * vth_req / 64.0).astype(np.int64)
    if np.any(vth_mant < 1):
        raise ValueError(f"vth_{pop} = {vth_req.min()} maps to a threshold mantissa below 1 at scale "
                         f"{scale:.4g}; legal range is [0, {L.VTH_RANGE[1]}] and must stay positive")
    out[f"vth_{pop}"] = vth_mant if vth_mant.ndim else int(vth_mant)
    report.params[f"vth_{pop}"] = dict(requested=float(np.mean(vth_req)),
                                       effective=float(np.mean(vth_mant * 64.0 / scale)),
                                       rel_error=float(np.max(np.abs(vth_mant * 64.0 / scale - vth_req) / vth_req)))
    comp = _truncation_compensation(lif_params, pop) if compensation is None else compensation
    b = scale * np.asarray(lif_params[f"bias_mant_{pop}"], float) + comp
    b_exp, b_mant = _bias_grid(b)
    if np.any(np.abs(b_mant) > L.BIAS_MANT_RANGE[1]):
        raise ValueError(f"bias_mant_{pop}: {np.max(np.abs(b)):.6g} fixed-point units per step needs a "
                         f"mantissa beyond [-4096, 4095] even with bias_exp = 7; lower headroom or the bias")
    out[f"bias_mant_{pop}"] = b_mant if b_mant.ndim else int(b_mant)
    out[f"bias_exp_{pop}"] = b_exp
    b_req = np.asarray(lif_params[f"bias_mant_{pop}"], float)
    b_eff = (b_mant * 2.0 ** b_exp - comp) / scale
    report.params[f"bias_{pop}"] = dict(requested=float(np.mean(b_req)), effective=float(np.mean(b_eff)),
                                        rel_error=float(np.max(np.abs(b_eff - b_req) / np.maximum(np.abs(b_req), 1e-300))))
    return out


def float_to_fixed(lif_params: dict, *, u_range=None, v_range=None, num_steps: int = 1000,
                   headroom: float = 0.25, num_weight_bits: int = 8, sign_mode=None, seed: int = 0):
    """Loihi integer parameters for a float E/I LIF network (EILIFNetwork kwargs).

    Parameters
    ----------
    lif_params : float E/I LIF parameters (``convert_rate_to_lif_params`` output), or a
        float :class:`~lava_eirate.Network` of FloatLIF populations (then the result is
        ``(fixed Network, GraphQuantizationReport)``, per population and connection:
        :func:`~lava_eirate.convert.graph_fixed.graph_float_to_fixed`):
        ``weights`` (n, n) ``W[post, pre]``, ``du_*``/``dv_*`` in [0, 1] per step,
        ``vth_*``, ``bias_mant_*`` (float units, scalars or per-neuron).
    u_range, v_range : ``max |u|`` and ``max |v|`` to represent (float units); by default what a
        ``num_steps`` float simulation (from rest, ``seed``) reaches.
    headroom : fraction of the 24-bit range kept free above them, in [0, 1).
    num_weight_bits : weight mantissa bits in [1, 8]; sign_mode: None (detected), a
        SignMode or its name.

    Returns
    -------
    ``(fixed_params, report)``: ``fixed_params`` holds Loihi integers (``du_*``, ``dv_*``
    in [0, 4095], ``vth_*`` in [0, 2**17 - 1], ``bias_mant_*`` in [-4096, 4095] with
    ``bias_exp_*`` in [0, 7], ``weights`` mantissas (n, n) with ``weight_exp`` in [-8, 7],
    ``num_weight_bits``, ``sign_mode``) and passes to ``EILIFNetwork(**fixed_params)``;
    ``EILIFParams(**fixed_params).fixed`` gives FixedLIF / FixedSynapses. ``report``
    (a QuantizationReport) gives the scale (fixed-point units per float unit of v) and
    the error of every parameter. Raises ValueError naming the parameter, value and
    legal range when something cannot be represented.
    """
    from ..engine import Network
    if isinstance(lif_params, Network):  # any graph of float LIF populations
        from .graph_fixed import graph_float_to_fixed
        return graph_float_to_fixed(lif_params, v_range=v_range, num_steps=num_steps, headroom=headroom,
                                    num_weight_bits=num_weight_bits)
    keys = ("shape_exc", "shape_inh", "weights", "du_exc", "dv_exc", "vth_exc", "bias_mant_exc",
            "du_inh", "dv_inh", "vth_inh", "bias_mant_inh")
    missing = [k for k in keys if k not in lif_params]
    if missing:
        raise ValueError(f"lif_params lacks {missing}")
    p = EILIFParams(**{k: lif_params[k] for k in keys})
    if p.float is None:
        raise ValueError(f"lif_params are not a valid float LIF network: {p.float_error}")
    headroom = float(V.float_param("headroom", headroom))
    if not 0.0 <= headroom < 1.0:
        raise ValueError(f"headroom = {headroom} is out of range [0, 1)")
    num_weight_bits = V.int_scalar("num_weight_bits", num_weight_bits, *L.NUM_WEIGHT_BITS_RANGE)
    sign_mode = as_sign_mode(sign_mode)
    if u_range is None or v_range is None:
        u_sim, v_sim = _expected_ranges(p, num_steps, seed)
        u_max = float(u_range) if u_range is not None else u_sim
        v_max = float(v_range) if v_range is not None else v_sim
    else:
        u_max, v_max = float(u_range), float(v_range)
    vth = {pop: float(np.max(lif_params[f"vth_{pop}"])) for pop in _POPS}
    ranges = max(u_max, v_max, max(vth.values()), 1e-300)
    s_range = (1.0 - headroom) * (2 ** 23 - 1) / ranges
    s_vth = 64.0 * L.VTH_RANGE[1] / max(vth.values())
    scale = min(s_range, s_vth)
    # the largest scale at which the (largest) threshold is an exact mantissa
    w = np.asarray(lif_params["weights"].toarray() if hasattr(lif_params["weights"], "toarray")
                   else lif_params["weights"], float)
    mode = detect_sign_mode(int(np.sign(w.min())), int(np.sign(w.max()))) if sign_mode is None else sign_mode
    lo_w, hi_w = mantissa_range(mode)
    if (lo_w == 0 and w.min() < 0) or (hi_w == 0 and w.max() > 0):
        bad = w.min() if lo_w == 0 else w.max()
        raise ValueError(f"sign_mode={mode.name} cannot hold the weight {bad:.6g}: EXCITATORY takes "
                         f"weights >= 0, INHIBITORY weights <= 0 (use MIXED or leave sign_mode=None)")
    scale = _choose_scale(scale, max(vth.values()), lif_params, w[w != 0], mode, num_weight_bits)
    fixed = {"shape_exc": p.n_e, "shape_inh": p.n_i}
    report = QuantizationReport(scale=scale, u_max=u_max, v_max=v_max, headroom=headroom)
    for pop in _POPS:
        fixed.update(_quantize_population(lif_params, pop, scale, report))

    # weights: u increment per spike = mant << (weight_exp + 6)
    target = scale * w / 64.0
    lo, hi = mantissa_range(mode)
    weight_exp, mant, step = _weight_grid(target, mode, num_weight_bits)
    if weight_exp > L.WEIGHT_EXP_RANGE[1]:
        raise ValueError(f"weights: the largest |w| = {np.max(np.abs(w)):.6g} needs weight_exp = {weight_exp} "
                         f"at scale {scale:.4g}; legal range is [-8, 7] (raise headroom)")
    mant = mant.astype(np.int64)
    clipped = int(np.count_nonzero(np.abs(target / 2.0 ** weight_exp) > max(abs(lo), hi) + step / 2))
    mant = truncate_mantissas(mant, mode, num_weight_bits).astype(np.int64)   # no-op: already on the grid
    w_eff = mant * 2.0 ** (weight_exp + 6) / scale
    nz = w != 0
    fixed.update(weights=mant, weight_exp=weight_exp, num_weight_bits=int(num_weight_bits),
                 sign_mode=mode.value)
    if "g_factor" in lif_params:
        fixed["g_factor"] = lif_params["g_factor"]
    if "q_factor" in lif_params:
        fixed["q_factor"] = lif_params["q_factor"]
    rms = float(np.sqrt(np.mean((w_eff[nz] - w[nz]) ** 2)) / np.sqrt(np.mean(w[nz] ** 2))) if nz.any() else 0.0
    report.weights = dict(nonzero=int(nz.sum()), sign_mode=mode.name, weight_exp=weight_exp,
                          rel_rms_error=rms, became_zero=int(np.count_nonzero(nz & (mant == 0))),
                          clipped=clipped)
    EILIFParams(**fixed).require("fixed")
    return fixed, report


def fixed_to_float(fixed_params: dict, scale: float) -> dict:
    """The float LIF parameters that ``fixed_params`` represent at ``scale`` (> 0, the
    fixed-point units per float unit that ``float_to_fixed`` reports). For a fixed-point
    :class:`~lava_eirate.Network`, ``scale`` is ``{population: S}`` (``report.scales``) and
    the float Network is returned (:func:`~lava_eirate.convert.graph_fixed.graph_fixed_to_float`)."""
    from ..engine import Network
    if isinstance(fixed_params, Network):
        from .graph_fixed import graph_fixed_to_float
        return graph_fixed_to_float(fixed_params, scale)
    scale = float(V.float_param("scale", scale))
    if scale <= 0:
        raise ValueError(f"scale = {scale} is out of range: must be > 0 (fixed-point units per float unit)")
    out = {"shape_exc": fixed_params["shape_exc"], "shape_inh": fixed_params["shape_inh"]}
    for pop in _POPS:
        out[f"du_{pop}"] = (np.asarray(fixed_params[f"du_{pop}"]) + 1) / 4096.0
        out[f"dv_{pop}"] = np.asarray(fixed_params[f"dv_{pop}"]) / 4096.0
        out[f"vth_{pop}"] = np.asarray(fixed_params[f"vth_{pop}"]) * 64.0 / scale
        out[f"bias_mant_{pop}"] = (np.asarray(fixed_params[f"bias_mant_{pop}"])
                                   * 2.0 ** np.asarray(fixed_params.get(f"bias_exp_{pop}", 0)) / scale)
    out["weights"] = np.asarray(fixed_params["weights"]) * 2.0 ** (fixed_params.get("weight_exp", 0) + 6) / scale
    return out
