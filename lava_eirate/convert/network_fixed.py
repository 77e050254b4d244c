"""Float E/I LIF parameters -> a fixed-point :class:`~lava_eirate.Network` with one
voltage scale per population and one weight exponent and sign mode per connection.

:func:`float_to_fixed` maps the whole E/I population onto one grid: one scale, one
``weight_exp`` and a MIXED sign mode for excitatory and (4.5x larger) inhibitory weights
alike, i.e. 7 bits of magnitude for both. On the network engine each of the four
connections E->E, E->I, I->E, I->I (Loihi synapse groups; Lava's Dense each) has its own
``weight_exp`` and sign mode (EXCITATORY [0, 255] from excitatory neurons, INHIBITORY
[-255, 0] from inhibitory ones: 8 bits of magnitude), and each population its own scale
(fixed-point units per float unit of its u and v).

A spike of presynaptic neuron j adds ``w_ij`` to u_i (float) and ``mant_ij << (weight_exp
+ 6)`` in fixed point, so ``mant_ij ~= S_post w_ij / 2**(weight_exp + 6)``. How the
mantissas are rounded (``rounding``):

* ``"nearest"``: each to the nearest integer;
* ``"diffusion"`` (default): along each row (postsynaptic neuron) in presynaptic order,
  each weight's rounding error is carried into the next nonzero weight of the row
  (one-dimensional error diffusion), so each row's sum -- the neuron's mean input when
  its inputs fire at equal rates -- is kept to within half a mantissa step, where
  rounding each weight to nearest lets the errors of a row add up;
* ``"stochastic"``: up with probability equal to the fraction (unbiased in expectation),
  from ``numpy.random.default_rng(seed)``.

Nothing is clipped silently: a mantissa that would leave the sign mode's range raises
naming the connection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..loihi import limits as L
from ..loihi.weights import SignMode, detect_sign_mode, mantissa_range
from ..params import EILIFParams
from .float_to_fixed import _bias_rel_error, _pick_scale, _quantize_population, _scale_candidates, du_mantissa

POPS = ("exc", "inh")
ROUNDING = ("nearest", "diffusion", "stochastic")
SHIFT_ROUNDING = ("offset", "bias", "none")


@dataclass
class NetworkQuantizationReport:
    """What the per-connection conversion cost.

    ``scales``: fixed-point units per float unit of u and v, per population;
    ``params``/``decays``: requested and effective values with their relative errors (as
    :class:`QuantizationReport`); ``connections``: per ``"pre->post"`` its weight_exp,
    sign mode, number of synapses, relative RMS weight error, synapses that became zero,
    and the relative error of the summed weight of each row (mean and worst);
    ``input_bias``: per population, the change of each neuron's mean recurrent input
    (sum over presynaptic neurons of the weight change times the presynaptic rate of the
    float run), divided by du (u settles at input / du, which drives v as the bias does),
    as a fraction of the population's bias: mean and worst over neurons;
    ``rounding_neurons``: population -> index of its rounding neuron (``shift_rounding=
    "offset"``); ``compensation``: per population, what was added to the bias for Loihi's rounding
    (:func:`_rounding_compensation`; fixed-point units per step, mean and largest absolute value
    over neurons, and the mean as a fraction of the bias).
    """

    scales: dict
    rounding: str
    u_max: dict
    v_max: dict
    headroom: float
    params: dict = field(default_factory=dict)
    decays: dict = field(default_factory=dict)
    connections: dict = field(default_factory=dict)
    input_bias: dict = field(default_factory=dict)
    compensation: dict = field(default_factory=dict)
    shift_rounding: str = "offset"
    rounding_neurons: dict = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"per-population scales (fixed-point units per float unit): "
                 + ", ".join(f"{p} {s:.6g}" for p, s in self.scales.items())
                 + f"; headroom {self.headroom:.0%}; weights rounded by {self.rounding!r}; "
                 f"shift rounding {self.shift_rounding!r}"
                 + (f" (rounding neurons: {self.rounding_neurons})" if self.rounding_neurons else ""),
                 f"{'parameter':<16} {'requested':>14} {'effective':>14} {'rel. error':>11}"]
        for name, d in {**self.params, **self.decays}.items():
            lines.append(f"{name:<16} {d['requested']:>14.6g} {d['effective']:>14.6g} {d['rel_error']:>11.2e}")
        lines.append(f"{'connection':<10} {'synapses':>8} {'sign mode':>11} {'weight_exp':>10} {'rel. RMS':>9} "
                     f"{'->0':>5} {'row sum err (mean/worst)':>25}")
        for name, c in self.connections.items():
            lines.append(f"{name:<10} {c['nonzero']:>8} {c['sign_mode']:>11} {c['weight_exp']:>10} "
                         f"{c['rel_rms_error']:>9.2e} {c['became_zero']:>5} "
                         f"{c['row_sum_rel_error_mean']:>12.2e} / {c['row_sum_rel_error_max']:.2e}")
        for pop, f in self.compensation.items():
            lines.append(f"rounding compensation of {pop}: {f['mean']:+.4g} units per step on average "
                         f"({f['fraction_of_bias']:+.1%} of its bias)")
        for pop, b in self.input_bias.items():
            lines.append(f"mean input change of {pop}, as a fraction of its bias: mean {b['mean']:+.2e}, "
                         f"worst {b['max_abs']:.2e}")
        return "\n".join(lines)


def ei_float_network(lif_params: dict):
    """The float E/I LIF network of ``lif_params`` as a :class:`~lava_eirate.Network`:
    populations "exc" and "inh" (FloatLIF), connections for the nonzero blocks of
    ``weights`` (``W[post, pre]``, neurons ``0..shape_exc-1`` excitatory). Same dynamics as
    the one-population ``simulate_float`` of the same parameters."""
    from ..engine import Network
    from ..params import FloatLIF, FloatSynapses
    p = EILIFParams(**_lif_keys(lif_params))
    if p.float is None:
        raise ValueError(f"lif_params are not a valid float LIF network: {p.float_error}")
    net = Network()
    sl = _slices(p)
    for pop in POPS:
        if sl[pop].stop > sl[pop].start:
            net.add(FloatLIF(sl[pop].stop - sl[pop].start, du=lif_params[f"du_{pop}"], dv=lif_params[f"dv_{pop}"],
                             vth=lif_params[f"vth_{pop}"], bias=lif_params[f"bias_mant_{pop}"]), name=pop)
    w = _dense(lif_params["weights"])
    for pre in net.populations:
        for post in net.populations:
            block = w[sl[post], sl[pre]]
            if np.any(block):
                net.connect(pre, post, FloatSynapses(block))
    return net


def _lif_keys(lif_params):
    keys = ("shape_exc", "shape_inh", "weights", "du_exc", "dv_exc", "vth_exc", "bias_mant_exc",
            "du_inh", "dv_inh", "vth_inh", "bias_mant_inh")
    missing = [k for k in keys if k not in lif_params]
    if missing:
        raise ValueError(f"lif_params lacks {missing}")
    return {k: lif_params[k] for k in keys}


def _dense(w):
    return np.asarray(w.toarray() if hasattr(w, "toarray") else w, float)


def _slices(p):
    return {"exc": slice(0, p.n_e), "inh": slice(p.n_e, p.n)}


def round_mantissas(x: np.ndarray, rounding: str, rng=None) -> np.ndarray:
    """Integers for the real mantissas ``x`` (n_post, n_pre), zeros kept zero, by
    ``rounding`` ("nearest", "diffusion": error carried along each row over its nonzero
    entries, "stochastic": up with probability frac(x) from ``rng``)."""
    x = np.asarray(x, float)
    nz = x != 0
    if rounding == "nearest":
        return np.rint(x)
    if rounding == "stochastic":
        return np.where(nz, np.floor(x + rng.random(x.shape)), 0.0)
    out = np.zeros_like(x)
    carry = np.zeros(x.shape[0])
    for j in range(x.shape[1]):     # vectorised over rows; columns in presynaptic order
        m = nz[:, j]
        want = x[:, j] + carry
        q = np.rint(want)
        out[:, j] = np.where(m, q, 0.0)
        carry = np.where(m, want - q, carry)
    return out


def _floor_loss(has_synapse: np.ndarray, rates: np.ndarray, k: int) -> np.ndarray:
    """Expected loss per step (a-units, per postsynaptic neuron) of Loihi's floored right
    shift ``acc >> k`` of a connection's summed mantissas (Lava PyDenseModelBitAcc, weight_exp
    = -k < 0): when the sum is nonzero its k low bits are taken as uniform, the floor then
    takes (2**k - 1) / 2**(k + 1) on average, for either sign (toward -infinity); the sum is
    nonzero with probability 1 - prod_j (1 - rate_j) over the row's presynaptic neurons
    (rates: spikes per step of the float run)."""
    p_silent = np.exp(has_synapse.astype(float) @ np.log1p(-np.clip(rates, 0.0, 1.0 - 1e-12)))
    return (1.0 - p_silent) * (2.0 ** k - 1.0) / 2.0 ** (k + 1)


def _rounding_compensation(floor_loss, u, v, du_eff) -> np.ndarray:
    """Fixed-point units per step to add to each neuron's bias so that, on average, Loihi's
    rounding does not move u and v (a mean-field correction from the float run's (T, n)
    states ``u``, ``v``):

    * the floored right shift of negative weight exponents lowers u's input by
      ``floor_loss`` a-units per step (:func:`_floor_loss`), i.e. ``64 floor_loss``;
    * u's decay rounds its magnitude down (PyLifModelBitAcc: ``sign(u) * (|u| (4096 - du)
      >> 12)``), by half a unit per step on average: ``-0.5 sign(u)``;
    * likewise v's decay: ``-0.5 sign(v)`` per step.

    A constant loss ``l`` per step in u's input makes u settle ``l / du`` lower, which
    lowers v's drive by as much as a bias would; the bias gives back
    ``(64 floor_loss + 0.5 E[sign u]) / du + 0.5 E[sign v]`` (hardware: the compartment
    bias, ``bias_mant << bias_exp``, added to v each step). :func:`float_to_fixed_network`
    predicts these from the float run, builds the network, then measures them on a
    fixed-point run of it (:func:`_measured_floor_loss`, the signs of its own u and v) and
    sets the biases from the measurement."""
    return (64.0 * floor_loss + 0.5 * np.mean(np.sign(u), axis=0)) / du_eff + 0.5 * np.mean(np.sign(v), axis=0)


def _measured_floor_loss(net, trace, post: str) -> np.ndarray:
    """Per neuron of ``post``, the mean per-step input (a-units) that the floored shifts of
    its incoming connections took in a fixed-point run: the exact sums
    ``sum_j mant_ij s_j(t-1) 2**weight_exp`` minus the recorded int32 input ``a``."""
    exact = np.zeros(trace[post].a.shape)
    for c in net.connections:
        if c.post.name != post:
            continue
        s = trace[c.pre.name].s.astype(float)
        prev = np.vstack([np.zeros((1, s.shape[1])), s[:-1]])     # a spike at t arrives at t + 1
        exact += prev @ (np.asarray(c.synapses.effective_weights(sparse=False), float).T * 2.0 ** c.synapses.weight_exp)
    return (exact - trace[post].a).mean(axis=0)


def _connection_exponent(target: np.ndarray, mode: SignMode, step: int) -> int:
    """The smallest weight_exp in [-8, 7] at which the largest |target| (u increments per
    spike in units of 2**6) fits the sign mode's mantissa range with one grid ``step``
    spare (error diffusion and stochastic rounding may round a weight up by one step)."""
    lo, hi = mantissa_range(mode)
    limit = (hi if mode is not SignMode.INHIBITORY else -lo) - step
    top = float(np.max(np.abs(target))) if target.size else 0.0
    if top == 0:
        return 0
    return max(int(math.ceil(math.log2(top / limit))), L.WEIGHT_EXP_RANGE[0])


def _population_scale(s_max: float, lif_params: dict, pop: str, vth_top: float) -> float:
    """Among the threshold-exact scales in [s_max / 2, s_max], the one with the smallest
    worst relative rounding error of the population's bias (ties: the larger scale)."""
    candidates = _scale_candidates(s_max, vth_top)
    if not candidates:
        return s_max
    bias = np.asarray(lif_params[f"bias_mant_{pop}"], float)
    if not np.any(bias != 0):
        return candidates[0]
    return _pick_scale(candidates, lambda scale: _bias_rel_error(scale, bias, 0.0))


def float_to_fixed_network(lif_params: dict, *, u_range=None, v_range=None, num_steps: int = 1000,
                           headroom: float = 0.25, num_weight_bits: int = 8, rounding: str = "diffusion",
                           shift_rounding: str = "offset", seed: int = 0):
    """A fixed-point :class:`~lava_eirate.Network` for float E/I LIF parameters, with one
    scale per population and one weight exponent and sign mode per connection.

    Parameters
    ----------
    lif_params : float E/I LIF parameters (``convert_rate_to_lif_params`` output), as
        :func:`float_to_fixed` takes them.
    u_range, v_range : ``{"exc": max |u|, "inh": ...}`` (float units) to represent; by
        default what a ``num_steps`` float run from rest reaches, per population.
    headroom : fraction of the 24-bit range kept free above those, in [0, 1).
    num_weight_bits : mantissa bits in [1, 8] (8: every integer of the sign mode's range).
    rounding : "diffusion" (default), "nearest" or "stochastic" (seeded by ``seed``).
    shift_rounding : what to do about the floor of Loihi's right shift for connections
        with a negative weight_exp (it takes ~half a unit of input per connection and
        step, for either sign: many times a population's bias in strongly recurrent
        networks). "offset" (default): one *rounding neuron* is appended to each
        presynaptic population concerned (index ``n``, listed in
        ``report.rounding_neurons``): it fires every step (vth 0, bias 1, no decay, no
        input) and sends ``2**(k - 1)`` into every row of each such connection
        (``weight_exp = -k``), so that Loihi computes ``(acc + 2**(k-1)) >> k``, i.e.
        rounds the sum to nearest, and adds nothing when nothing else arrives (inhibitory
        connections then take sign mode MIXED for the positive offset). "bias": a
        mean-field compensation through the biases instead (:func:`_rounding_compensation`,
        calibrated on a fixed-point run); it gives back the mean loss but also drives
        neurons in silent phases, when no loss occurs. "none": neither.

    Returns
    -------
    ``(net, report)``: ``net`` has FixedLIF populations "exc" and "inh" (the connections
    named by ``report.connections``: E->E, E->I, I->E, I->I where nonzero; with
    ``shift_rounding="offset"`` a population may have one more neuron, its rounding
    neuron, last: ``net.rounding_neurons``), ready for :func:`lava_eirate.simulate` or
    ``lava_eirate.proc.NetworkProcess(net)``;
    ``report`` a :class:`NetworkQuantizationReport` (``report.scales[pop]`` maps float v
    and u of that population to fixed-point units).
    """
    from ..engine import Network, simulate
    from ..params import FixedLIF, FixedSynapses
    if rounding not in ROUNDING:
        raise ValueError(f"rounding={rounding!r}; legal values: {ROUNDING}")
    headroom = float(V.float_param("headroom", headroom))
    if not 0.0 <= headroom < 1.0:
        raise ValueError(f"headroom = {headroom} is out of range [0, 1)")
    num_weight_bits = V.int_scalar("num_weight_bits", num_weight_bits, *L.NUM_WEIGHT_BITS_RANGE)
    num_steps = V.as_count("num_steps", num_steps)
    if shift_rounding not in SHIFT_ROUNDING:
        raise ValueError(f"shift_rounding={shift_rounding!r}; legal values: {SHIFT_ROUNDING}")
    rng = np.random.default_rng(V.as_count("seed", seed, lo=0))
    fnet = ei_float_network(lif_params)
    pops = list(fnet.populations)
    tr = simulate(fnet, num_steps, record={p: ("s", "u", "v") for p in pops})
    u_max = {p: float(np.max(np.abs(tr[p].u))) for p in pops}
    v_max = {p: float(np.max(np.abs(tr[p].v))) for p in pops}
    for given, store, what in ((u_range, u_max, "u_range"), (v_range, v_max, "v_range")):
        if given is not None:
            if not isinstance(given, dict) or set(given) - set(pops):
                raise ValueError(f"{what} must be a dict with keys among {pops}, got {given!r}")
            for p, val in given.items():
                store[p] = float(V.float_param(f"{what}[{p!r}]", val, 0.0))
    rates = {p: tr[p].s.mean(axis=0) for p in pops}

    report = NetworkQuantizationReport(scales={}, rounding=rounding, u_max=u_max, v_max=v_max, headroom=headroom,
                                       shift_rounding=shift_rounding)
    for p in pops:
        vth_top = float(np.max(lif_params[f"vth_{p}"]))
        s_range = (1.0 - headroom) * (2 ** 23 - 1) / max(u_max[p], v_max[p], vth_top, 1e-300)
        s_vth = 64.0 * L.VTH_RANGE[1] / vth_top
        # ("bias" adds its compensation later; the scale is chosen for the bias as given)
        report.scales[p] = _population_scale(min(s_range, s_vth), lif_params, p, vth_top)
    synapses = {}
    floor_loss = {p: np.zeros(fnet.populations[p].n) for p in pops}   # a-units per step
    for c in fnet.connections:
        pre, post = c.pre.name, c.post.name
        name = f"{pre}->{post}"
        w = _dense(c.synapses.matrix)
        mode = detect_sign_mode(int(np.sign(w.min())), int(np.sign(w.max())))
        target = report.scales[post] * w / 64.0

        def grid(mode):
            step = 2 ** (8 - num_weight_bits + (1 if mode is SignMode.MIXED else 0))
            return step, _connection_exponent(target, mode, step)

        step, weight_exp = grid(mode)
        if shift_rounding == "offset" and weight_exp < 0 and mode is SignMode.INHIBITORY:
            mode = SignMode.MIXED          # the rounding offset is positive
            step, weight_exp = grid(mode)
        if weight_exp > L.WEIGHT_EXP_RANGE[1]:
            raise ValueError(f"connection {name}: the largest |w| = {np.max(np.abs(w)):.6g} needs weight_exp = "
                             f"{weight_exp} at scale {report.scales[post]:.4g}; legal range is [-8, 7] "
                             f"(raise headroom)")
        mant = round_mantissas(target / 2.0 ** weight_exp / step, rounding, rng) * step
        lo, hi = mantissa_range(mode)
        if mant.min() < lo or mant.max() > hi:
            k = np.unravel_index(np.argmax((mant < lo) | (mant > hi)), mant.shape)
            raise ValueError(f"connection {name}: weight [{k[0]}, {k[1]}] = {w[k]:.6g} gives mantissa {mant[k]:.0f}, "
                             f"out of range [{lo}, {hi}] for sign mode {mode.name}")
        mant = mant.astype(np.int64)
        offset = 0
        if shift_rounding == "offset" and weight_exp < 0:
            offset = 2 ** (-weight_exp - 1)
            if offset % step or offset > hi:
                raise ValueError(f"connection {name}: shift_rounding='offset' needs the mantissa 2**{-weight_exp - 1} "
                                 f"= {offset} on the {mode.name} grid (multiples of {step} up to {hi}) at "
                                 f"num_weight_bits={num_weight_bits}; use shift_rounding='bias' or more weight bits")
            report.rounding_neurons[pre] = fnet.populations[pre].n
        synapses[pre, post] = (mant, weight_exp, mode, offset)
        if weight_exp < 0:
            floor_loss[post] += _floor_loss(mant != 0, rates[pre], -weight_exp)
        w_eff = mant * 2.0 ** (weight_exp + 6) / report.scales[post]
        nz = w != 0
        rows = np.abs(w).sum(axis=1) > 0
        row_err = np.abs((w_eff - w).sum(axis=1)[rows]) / np.abs(w.sum(axis=1)[rows])
        report.connections[name] = dict(
            nonzero=int(nz.sum()), sign_mode=mode.name, weight_exp=weight_exp,
            rel_rms_error=float(np.sqrt(np.mean((w_eff[nz] - w[nz]) ** 2) / np.mean(w[nz] ** 2))) if nz.any() else 0.0,
            became_zero=int(np.count_nonzero(nz & (mant == 0))),
            row_sum_rel_error_mean=float(row_err.mean()) if row_err.size else 0.0,
            row_sum_rel_error_max=float(row_err.max()) if row_err.size else 0.0)
        # the input's change as a drive of v: u settles at mu / du
        dmu = (w_eff - w) @ rates[pre] / np.asarray(lif_params[f"du_{post}"], float)
        report.input_bias[post] = report.input_bias.get(post, 0.0) + dmu
    du_eff = {p: (du_mantissa(lif_params[f"du_{p}"]) + 1) / 4096 for p in pops}

    extra = {p: int(p in report.rounding_neurons) for p in pops}

    def build(comp):
        net = Network()
        for p in pops:
            n = fnet.populations[p].n
            q = _quantize_population(lif_params, p, report.scales[p], report, compensation=comp[p])
            # the rounding neuron: no decay, vth 0, bias 1, no input -> fires every step
            arr = [np.append(np.broadcast_to(np.asarray(q[f"{k}_{p}"]), (n,)), r)[:n + extra[p]]
                   for k, r in (("du", 0), ("dv", 0), ("vth", 0), ("bias_mant", 1), ("bias_exp", 0))]
            net.add(FixedLIF(n + extra[p], *arr), name=p)
        for (pre, post), (mant, weight_exp, mode, offset) in synapses.items():
            n_post, n_pre = mant.shape
            full = np.zeros((n_post + extra[post], n_pre + extra[pre]), np.int64)
            full[:n_post, :n_pre] = mant
            if offset:
                full[:n_post, n_pre] = offset
            net.connect(pre, post, FixedSynapses(full, weight_exp, num_weight_bits, mode))
        net.rounding_neurons = dict(report.rounding_neurons)
        return net

    # "bias": 1. compensation predicted from the float run; 2. measured on the fixed network so built
    if shift_rounding == "bias":
        comp = {p: _rounding_compensation(floor_loss[p], tr[p].u, tr[p].v, du_eff[p]) for p in pops}
    else:
        comp = {p: np.zeros(fnet.populations[p].n) for p in pops}
    net = build(comp)
    if shift_rounding == "bias":
        fx = simulate(net, num_steps, record={p: ("s", "u", "v", "a") for p in pops})
        measured = {p: _measured_floor_loss(net, fx, p) for p in pops}
        comp = {p: _rounding_compensation(measured[p], fx[p].u, fx[p].v, du_eff[p]) for p in pops}
        net = build(comp)
    for p in pops:
        report.compensation[p] = dict(mean=float(np.mean(comp[p])), max_abs=float(np.max(np.abs(comp[p]))),
                                      fraction_of_bias=float(np.mean(comp[p]) / max(abs(report.scales[p] * float(
                                          np.mean(lif_params[f"bias_mant_{p}"]))), 1e-300)))
    for p in list(report.input_bias):
        rel = report.input_bias[p] / np.maximum(np.abs(np.asarray(lif_params[f"bias_mant_{p}"], float)), 1e-300)
        report.input_bias[p] = dict(mean=float(np.mean(rel)), max_abs=float(np.max(np.abs(rel))))
    return net, report
