"""The Lava E/I tutorial's rate network -> Loihi fixed point (graded rate neurons).

:func:`rate_to_fixed` maps the float parameters (what ``tutorial_networks()`` returns for
a network) onto :class:`~lava_eirate.FixedRate` neurons and two graded connections (one
per presynaptic population), and reports what each choice cost. The integer rules are
those of :class:`~lava_eirate.FixedRate`; the float network is ``r <- (1 - dr) r + (dr W)
erf(r) + bias`` (:func:`~lava_eirate.simulate_rate`).

Units: ``S = report.state_scale`` state units per unit of r; a payload of
``P = 2**(num_message_bits - 1) - 1`` stands for erf = 1. A weight ``W_ij`` (float) is
the mantissa ``m_ij ~= S dr_i W_ij / (P 2**weight_exp)`` of its presynaptic population's
connection, so that ``sum_j m_ij y_j 2**weight_exp ~= S sum_j dr_i W_ij erf(r_j)``.

Choices, in order:

1. ``dr`` to the nearest 1/4096 (Loihi's 12-bit decay); ``keep_fixed_point`` (default)
   uses the rounded dr in the weights and scales the bias by ``dr_fixed / dr``, so that
   the network's fixed points ``r* = W erf(r*) + bias / dr`` are those of the float
   network (only the time constant moves, by the rounding of dr).
2. ``S``: the largest |r| of a float run (``num_steps`` from r = 0, or ``state_range``)
   times ``1 + headroom`` must fit the 24-bit state; among the scales in [S_max / 2,
   S_max], the one at which the biases round best onto ``bias_mant << bias_exp``.
3. ``num_message_bits``: the widest payload (<= 24) at which the weight mantissas of both
   connections still use their full 8 bits at some ``weight_exp >= -8``, and the
   worst-case graded sum of every row stays inside int32 (Lava forms it in int32).
4. ``weight_exp`` per connection: the smallest at which the largest mantissa fits the
   sign mode's range (one grid step spare for the rounding), mantissas rounded by
   ``rounding`` (error diffusion along rows by default, see
   :func:`~lava_eirate.convert.network_fixed.round_mantissas`).
5. the erf table: the fewest entries (largest ``table_shift``) whose worst-case error
   over every 24-bit state is at most one payload unit (:mod:`lava_eirate.loihi.rate`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..loihi import limits as L
from ..loihi import rate as R
from ..loihi.weights import SignMode, detect_sign_mode, mantissa_range
from ..simulators import rate_params as _rate_params, simulate_rate
from .float_to_fixed import _bias_grid, _bias_rel_error, _pick_scale
from .network_fixed import ROUNDING, _connection_exponent, round_mantissas

POPS = ("exc", "inh")


@dataclass
class RateQuantizationReport:
    """What :func:`rate_to_fixed` chose and what each choice cost.

    ``state_scale``: state units per unit of the float rate state; ``state_max``: the
    expected largest |r|; ``num_message_bits``/``payload_max``: the graded payload (P
    stands for erf = 1); ``table_shift``/``table_entries``/``table_error``: the erf lookup
    and its worst-case error over every state (payload units; ``table_error / P`` in erf
    units); ``params``: dr and bias per population, requested, effective (what the integers
    stand for) and relative error; ``connections``: per presynaptic population its
    weight_exp, sign mode, synapses, relative RMS weight error, synapses that became zero,
    worst relative error of a row's summed weight, and the worst-case |graded sum| of a
    row as a fraction of int32.
    """

    state_scale: float
    state_max: float
    headroom: float
    num_message_bits: int
    payload_max: int
    table_shift: int
    table_entries: int
    table_error: float
    keep_fixed_point: bool
    params: dict = field(default_factory=dict)
    connections: dict = field(default_factory=dict)

    def __str__(self) -> str:
        P = self.payload_max
        lines = [f"state scale S = {self.state_scale:.6g} units per unit of r (expected |r| <= "
                 f"{self.state_max:.4g}, headroom {self.headroom:.0%}; 24-bit state)",
                 f"graded payload: {self.num_message_bits} bits, P = {P} for erf = 1",
                 f"erf table: {self.table_entries} entries every 2**{self.table_shift} units, worst error "
                 f"{self.table_error:.3f} payload units = {self.table_error / P:.2e} in erf",
                 f"{'parameter':<12} {'requested':>14} {'effective':>14} {'rel. error':>11}"]
        for name, d in self.params.items():
            lines.append(f"{name:<12} {d['requested']:>14.6g} {d['effective']:>14.6g} {d['rel_error']:>11.2e}")
        for pre, c in self.connections.items():
            lines.append(f"{pre}->all: weight_exp {c['weight_exp']}, {c['sign_mode']}, {c['nonzero']} synapses, "
                         f"RMS error {c['rel_rms_error']:.2e}, {c['became_zero']} became zero, row sums "
                         f"within {c['row_sum_rel_error']:.2e}, int32 use {c['int32_fraction']:.1%}")
        return "\n".join(lines)


def _dr_mantissa(name, dr) -> np.ndarray:
    dr = np.asarray(dr, float)
    mant = np.rint(dr * L.DECAY_UNITY).astype(np.int64)
    bad = (mant > L.DECAY_UNITY - 1) | ((mant == 0) & (dr > 0))
    if np.any(bad):
        v = float(dr.ravel()[np.argmax(bad.ravel())])
        raise ValueError(f"{name}={v:.6g} cannot be represented: Loihi's decay is an integer in "
                         f"[0, 4095] per 4096, so dr must lie in [1/8192, 4095.5/4096) or be 0")
    return mant


def _scale_candidates(s_max: float, biases) -> list:
    """Scales in [s_max / 2, s_max] at which the largest |bias| is an exact mantissa
    (largest first, up to 256 of them); [s_max] without a nonzero bias."""
    top = max((float(np.max(np.abs(b))) for b in biases if b.size), default=0.0)
    if top == 0:
        return [s_max]
    b_exp = int(np.clip(math.ceil(math.log2(s_max * top / L.BIAS_MANT_RANGE[1])), 0, 7))
    m_max = math.floor(s_max * top / 2 ** b_exp)
    if m_max < 1:
        return [s_max]
    ms = np.unique(np.linspace(m_max, max(m_max // 2, 1), min(m_max, 256)).astype(np.int64))[::-1]
    return [m * 2.0 ** b_exp / top for m in ms]


def _limit(mode):
    lo, hi = mantissa_range(mode)
    step = 2 if mode is SignMode.MIXED else 1   # MIXED at 8 bits: even mantissas
    return (hi if mode is not SignMode.INHIBITORY else -lo), step


def rate_to_fixed(rate_params: dict, *, state_range=None, headroom: float = 1.0, num_steps: int = 1000,
                  num_message_bits=None, max_table_entries: int = 1024, rounding: str = "diffusion",
                  keep_fixed_point: bool = True, seed: int = 0):
    """Float E/I rate parameters -> ``(fixed_params, report)`` for
    ``EIRateNetwork(**fixed_params)`` (fixed_pt) and :func:`lava_eirate.rate_network.ei_rate_network`.

    Parameters
    ----------
    rate_params : shape_exc, shape_inh, weights ``W[post, pre]``, dr_exc, dr_inh, bias_exc,
        bias_inh (``tutorial_networks()[name]``; g_factor and q_factor are ignored).
    state_range : the largest |r| to represent; None: from a float run of ``num_steps``.
    headroom : fraction of extra state range above it (1.0: twice the range), >= 0.
    num_message_bits : graded payload width in [2, 24]; None chooses it (see the module).
    max_table_entries : the most erf-table entries allowed (>= 2).
    rounding : "diffusion" (default), "nearest" or "stochastic" (seeded by ``seed``).
    keep_fixed_point : scale the bias by dr_fixed / dr (see the module).

    Raises ``ValueError`` naming the parameter, its value and the legal range where a value
    cannot be represented.
    """
    n_e, n_i, dr, bias, W = _rate_params(*(rate_params[k] for k in ("shape_exc", "shape_inh", "weights", "dr_exc",
                                                                    "dr_inh", "bias_exc", "bias_inh")))
    n = n_e + n_i
    headroom = float(V.float_param("headroom", headroom, 0.0))
    num_steps = V.as_count("num_steps", num_steps)
    max_table_entries = V.as_count("max_table_entries", max_table_entries, lo=2)
    if rounding not in ROUNDING:
        raise ValueError(f"rounding={rounding!r} is not legal; legal values: {ROUNDING}")
    keep_fixed_point = V.as_flag("keep_fixed_point", keep_fixed_point)
    sl = {"exc": slice(0, n_e), "inh": slice(n_e, n)}

    # 1. decay
    dr_mant = np.concatenate([_dr_mantissa(f"dr_{p}", dr[sl[p]]) for p in POPS])
    dr_eff = dr_mant / L.DECAY_UNITY
    ratio = np.where(dr > 0, dr_eff / np.where(dr > 0, dr, 1.0), 1.0)
    bias_eff = bias * ratio if keep_fixed_point else bias

    # 2. state scale
    if state_range is None:
        r = simulate_rate(n_e, n_i, W, dr[:n_e] if n_e else 0.0, dr[n_e:] if n_i else 0.0,
                          bias[:n_e] if n_e else 0.0, bias[n_e:] if n_i else 0.0, num_steps)
        r_max = float(np.max(np.abs(r)))
    else:
        r_max = float(V.float_param("state_range", state_range, 0.0))
    r_max = max(r_max, 1e-12)
    s_max = L.V_MAX / (r_max * (1.0 + headroom))
    b_top = float(np.max(np.abs(bias_eff))) if bias_eff.size else 0.0
    if b_top * s_max > L.BIAS_MANT_RANGE[1] * 2 ** L.BIAS_EXP_RANGE[1]:
        s_max = L.BIAS_MANT_RANGE[1] * 2 ** L.BIAS_EXP_RANGE[1] / b_top
    biases = [bias_eff[sl[p]] for p in POPS if np.any(bias_eff[sl[p]] != 0)]
    S = _pick_scale(_scale_candidates(s_max, biases),
                    lambda s: max((_bias_rel_error(s, b, 0.0) for b in biases), default=0.0))

    # 3. payload width
    modes = {}
    for pop in POPS:
        part = W[:, sl[pop]]
        modes[pop] = detect_sign_mode(min(float(part.min()), 0.0), max(float(part.max()), 0.0)) if part.size \
            else SignMode.EXCITATORY
    A = {p: float(np.max(np.abs(S * dr_eff[:, None] * W[:, sl[p]]))) if W[:, sl[p]].size else 0.0 for p in POPS}
    if num_message_bits is None:
        # full 8-bit mantissas at weight_exp >= -8 need P <= 2 * 256 * A / (limit - step)
        p_top = min((2 * 256 * A[p] / (_limit(modes[p])[0] - _limit(modes[p])[1]) for p in POPS if A[p] > 0),
                    default=2.0 ** 23)
        nb = int(np.clip(math.floor(math.log2(max(p_top, 1.0) + 1)) + 1, 2, 24))
    else:
        nb = V.int_scalar("num_message_bits", num_message_bits, 2, 24)
    while True:
        P = R.payload_max(nb)
        mant, conns = _quantize_weights(W, dr_eff, n_e, S, P, modes, rounding, seed)
        worst = max((c["int32_fraction"] for c in conns.values()), default=0.0)
        if worst <= 1.0:
            break
        if num_message_bits is not None or nb == 2:
            raise ValueError(f"num_message_bits={nb}: a row's graded sum can reach {worst:.3g} x 2**31 and "
                             f"wrap in Lava's int32 Dense; legal: fewer message bits")
        nb -= 1

    # 4. the table
    shift, table, t_err = R.choose_table_shift(S, P, max_table_entries)

    # 5. the bias
    fixed = dict(shape_exc=n_e, shape_inh=n_i, weights=mant.astype(np.int64), num_message_bits=nb,
                 table=table, table_shift=shift)
    report = RateQuantizationReport(state_scale=S, state_max=r_max, headroom=headroom, num_message_bits=nb,
                                    payload_max=P, table_shift=shift, table_entries=int(table.size),
                                    table_error=t_err, keep_fixed_point=keep_fixed_point, connections=conns)
    for pop in POPS:
        s = sl[pop]
        b_exp, b_m = _bias_grid(S * bias_eff[s])
        if np.any(np.abs(b_m) > L.BIAS_MANT_RANGE[1]):
            raise ValueError(f"bias_{pop}: {float(np.max(np.abs(bias[s]))):.6g} x S = {S:.6g} does not fit "
                             f"bias_mant in [-4096, 4095] << bias_exp in [0, 7]")
        fixed[f"bias_mant_{pop}"] = _scalar_or_array(b_m)
        fixed[f"bias_exp_{pop}"] = b_exp
        fixed[f"dr_{pop}"] = _scalar_or_array(dr_mant[s])
        fixed[f"weight_exp_{pop}"] = conns[pop]["weight_exp"] if pop in conns else 0
        if s.start == s.stop:
            continue
        eff_b = b_m * 2.0 ** b_exp / S
        report.params[f"dr_{pop}"] = _summary(dr[s], dr_eff[s])
        report.params[f"bias_{pop}"] = _summary(bias[s], eff_b / np.where(ratio[s] != 0, ratio[s], 1.0)
                                                if keep_fixed_point else eff_b)
    return fixed, report


def _scalar_or_array(x):
    x = np.asarray(x)
    return int(x[0]) if x.size and np.all(x == x.flat[0]) else x.astype(np.int64)


def _summary(req, eff):
    req, eff = np.asarray(req, float), np.asarray(eff, float)
    k = int(np.argmax(np.abs(eff - req)))
    rel = np.abs(eff - req) / np.where(req != 0, np.abs(req), 1.0)
    return dict(requested=float(req[k]), effective=float(eff[k]), rel_error=float(rel.max()))


def _quantize_weights(W, dr_eff, n_e, S, P, modes, rounding, seed):
    """Integer mantissas (n, n) and the per-connection report at payload_max ``P``."""
    rng = np.random.default_rng(seed)
    mant = np.zeros(W.shape, np.int64)
    conns = {}
    for pop, cols in (("exc", slice(0, n_e)), ("inh", slice(n_e, W.shape[0]))):
        part = S * dr_eff[:, None] * W[:, cols] / P
        if not np.any(part):
            continue
        mode = modes[pop]
        limit, step = _limit(mode)
        e = _connection_exponent(part, mode, step)
        if e > L.WEIGHT_EXP_RANGE[1]:
            raise ValueError(f"weights from {pop}: the largest needs weight_exp={e}, legal [-8, 7]: "
                             f"use more message bits")
        m = round_mantissas(part / 2.0 ** e / step, rounding, rng) * step
        lo, hi = mantissa_range(mode)
        if m.min() < lo or m.max() > hi:     # cannot happen with one step spare; never clip silently
            raise ValueError(f"weights from {pop}: a mantissa left [{lo}, {hi}] at weight_exp={e}")
        mant[:, cols] = m
        w_true = W[:, cols]
        nz = w_true != 0
        w_back = m * 2.0 ** e * P / (S * dr_eff[:, None])
        err = (w_back - w_true)[nz]
        rows = np.abs(w_true).sum(axis=1) > 0
        row_err = np.abs(w_back.sum(axis=1) - w_true.sum(axis=1))[rows] / np.abs(w_true).sum(axis=1)[rows]
        conns[pop] = dict(weight_exp=e, sign_mode=mode.name, nonzero=int(nz.sum()),
                          rel_rms_error=float(np.sqrt(np.mean(err ** 2) / np.mean(w_true[nz] ** 2))),
                          became_zero=int(np.sum(nz & (m == 0))),
                          row_sum_rel_error=float(row_err.max()) if row_err.size else 0.0,
                          int32_fraction=float(np.max(np.abs(m).sum(axis=1)) * P / 2 ** 31))
    return mant, conns
