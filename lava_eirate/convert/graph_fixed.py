"""Any float network of LIF populations -> Loihi fixed point, one scale per population and
one weight exponent and sign mode per connection, with a report of what it cost.

The rules are :mod:`lava_eirate.convert.float_to_fixed`'s, applied per population and per
connection of a :class:`~lava_eirate.Network` (what :func:`lava_eirate.nir.load` builds,
or one of your own):

* population ``p`` gets a scale ``S_p`` (fixed-point units per float unit of its u and
  v): the largest at which its expected ``|u|``, ``|v|`` (a float run of ``num_steps``
  from rest, with the network's sources) and threshold fit 24 bits with ``headroom``
  free, the threshold mantissa fits 17 bits, its largest incoming weight fits ``255 <<
  (7 + 6)`` and its bias ``4095 << 7``, then lowered to the nearest scale at which the
  largest threshold is an exact mantissa;
* ``du_fix = round(4096 du) - 1``, ``dv_fix = round(4096 dv)``, ``vth_mant = round(S vth /
  64)``, ``bias_mant << bias_exp ~= S bias`` (+ 1/2 unit for positive biases of leaky
  neurons, the mean loss of Loihi's truncating decay), one ``bias_exp`` per population;
* connection ``pre -> post``: ``mant ~= S_post w / 2**(weight_exp + 6)`` with the
  smallest ``weight_exp`` in [-8, 7] that fits the sign mode's 8-bit range (sign mode
  from the weights' signs), rounded onto the grid Loihi holds; delays and message bits
  kept;
* a source feeding a population directly sends ``round(S_post x / 64)`` (its payload
  enters u as ``payload << 6``); a source feeding synapses must send integers (spikes or
  counts), which it keeps.

What this does not correct: Loihi floors a step's sum after a negative ``weight_exp``
and its decays round toward zero; in a fluctuation-driven, near-threshold regime (rates
far below 1 / tau) such small systematic shifts of the mean input change rates by tens
of percent (tutorial 04 shows it for the E/I network, and ``float_to_fixed_network``'s
rounding neurons for E/I networks); compare rates with ``ensemble_fidelity`` or a run
of both before relying on them there.

Non-spiking populations (threshold above every float) get the largest threshold
mantissa, ``2**17 - 1``: they stay non-spiking while ``v < (2**17 - 1) * 64 / S``, which
the scale guarantees for the expected range. Nothing is clipped silently: a weight that
needs ``weight_exp > 7``, a bias beyond ``4095 << 7`` or a threshold below one mantissa
step raises naming the population or connection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..loihi import limits as L
from ..loihi.weights import detect_sign_mode, mantissa_range, truncate_bits
from .float_to_fixed import _bias_grid, _scale_candidates, _weight_grid, du_mantissa, dv_mantissa

_TOP = 2 ** 23 - 1
_NO_THRESHOLD = float(np.finfo(np.float64).max)


@dataclass
class GraphQuantizationReport:
    """Per population: scale, ranges and parameter errors; per connection ``"pre->post"``:
    weight_exp, sign mode, relative RMS weight error, weights that became zero."""

    headroom: float
    populations: dict = field(default_factory=dict)
    connections: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    @property
    def scales(self) -> dict:
        return {k: v["scale"] for k, v in self.populations.items()}

    def __str__(self) -> str:
        lines = [f"{'population':<16} {'scale':>10} {'|u| max':>9} {'|v| max':>9} {'du err':>8} {'dv err':>8} "
                 f"{'vth err':>8} {'bias err':>8}"]
        for k, p in self.populations.items():
            lines.append(f"{k:<16} {p['scale']:10.4g} {p['u_max']:9.3g} {p['v_max']:9.3g} {p['du_error']:8.1e} "
                         f"{p['dv_error']:8.1e} {p['vth_error']:8.1e} {p['bias_error']:8.1e}"
                         + ("  (non-spiking)" if not p["spiking"] else ""))
        for k, c in self.connections.items():
            lines.append(f"{k}: weight_exp {c['weight_exp']}, {c['sign_mode']}, {c['nonzero']} synapses, "
                         f"RMS error {c['rel_rms_error']:.2e}, {c['became_zero']} became zero")
        for k, s in self.sources.items():
            lines.append(f"source {k}: {s}")
        return "\n".join(lines)


def _ranges(net, num_steps):
    """max |u|, max |v| per neuron population over a float run from rest (in chunks, so
    that the recording stays small whatever the network's size)."""
    from ..engine import simulate
    pops = [k for k, p in net.populations.items() if not p.is_source]
    n = sum(net.populations[k].n for k in pops)
    chunk = int(max(1, min(num_steps, 5_000_000 // max(n, 1))))
    top = {k: [0.0, 0.0] for k in pops}
    state, done = None, 0
    while done < num_steps:
        k_steps = min(chunk, num_steps - done)
        tr = simulate(net, k_steps, record={k: ("u", "v") for k in pops}, state=state, progress=False)
        for k in pops:
            top[k][0] = max(top[k][0], float(np.max(np.abs(tr[k].u))))
            top[k][1] = max(top[k][1], float(np.max(np.abs(tr[k].v))))
        state, done = tr.final, done + k_steps
    return {k: tuple(v) for k, v in top.items()}


def _max_abs(syn) -> float:
    W = syn.matrix
    if hasattr(W, "toarray"):
        return float(np.max(np.abs(W.data))) if W.nnz else 0.0
    return float(np.max(np.abs(W))) if np.size(W) else 0.0


def _delays_like(c, sparse):
    """A connection's delays as ``connect`` takes them: None, a constant, or a (post, pre)
    matrix (scipy CSR when ``sparse``) from the per-synapse delays in storage order."""
    if c.delays is None or not isinstance(c.delays, np.ndarray):
        return c.delays
    post_i, pre_i = c.synapses.synapse_coords()
    if sparse:
        import scipy.sparse as sp
        return sp.csr_matrix((c.delays.astype(np.int64), (post_i, pre_i)), shape=c.synapses.shape)
    out = np.zeros(c.synapses.shape, np.int64)
    out[post_i, pre_i] = c.delays
    return out


def graph_float_to_fixed(net, *, v_range=None, num_steps: int = 1000, headroom: float = 0.25,
                         num_weight_bits: int = 8, scales=None, weight_exps=None, compensate: bool = True):
    """``(fixed_net, report)`` for a float :class:`~lava_eirate.Network` of FloatLIF
    populations, FloatSynapses connections and SpikeSources (see the module docstring).

    ``v_range``: ``{population: max |u|, |v|}`` instead of the float run; ``scales`` /
    ``weight_exps``: ``{population: S}`` / ``{"pre->post": e}`` to use instead of choosing
    them (what :func:`lava_eirate.nir.load` passes from a graph lava_eirate wrote, so that
    the integers come back unchanged; ``compensate=False`` then, as no truncation
    compensation was added to the float biases). Raises ValueError naming what cannot be
    represented.
    """
    from ..engine import Network, PoissonSource, SpikeSource
    from ..params import FixedLIF, FixedSynapses, FloatLIF
    if not isinstance(net, Network) or net.family != "float":
        raise TypeError("graph_float_to_fixed takes a float lava_eirate.Network")
    if not 0 <= float(headroom) < 1:
        raise ValueError(f"headroom = {headroom} is out of range: legal range [0, 1)")
    scales, weight_exps = dict(scales or {}), dict(weight_exps or {})
    report = GraphQuantizationReport(headroom=float(headroom))
    need_run = [k for k, p in net.populations.items() if not p.is_source and k not in scales
                and k not in (v_range or {})]
    ranges = _ranges(net, num_steps) if need_run else {}
    ranges.update({k: (float(r), float(r)) for k, r in (v_range or {}).items()})
    out = Network()
    for name, pop in net.populations.items():
        if pop.is_source:
            continue
        m, n = pop.model, pop.n
        if type(m) is not FloatLIF:
            raise ValueError(f"population {name!r} is a {type(m).__name__}; graph_float_to_fixed takes FloatLIF")
        du, dv, vth, bias = (m._full(f, np.float64) for f in ("du", "dv", "vth", "bias"))
        spiking = vth < _NO_THRESHOLD / 2
        if np.any(vth[spiking] <= 0):
            raise ValueError(f"population {name!r}: vth = {vth[spiking].min()} is out of range: legal range "
                             f"(0, inf) (Loihi's threshold mantissa is positive)")
        u_max, v_max = ranges.get(name, (0.0, 0.0))
        vth_top = float(vth[spiking].max()) if spiking.any() else 0.0
        if name in scales:
            S = float(scales[name])
        else:
            span = max(u_max, v_max, vth_top, 1e-300)
            s_max = _TOP * (1 - headroom) / span
            w_top = max((_max_abs(c.synapses) for c in net.connections
                         if c.post.name == name and c.synapses is not None), default=0.0)
            if w_top > 0:  # the largest u increment per spike: 255 << (7 + 6)
                s_max = min(s_max, 255 * 2.0 ** (L.WEIGHT_EXP_RANGE[1] + 6) / w_top)
            if np.any(bias != 0):
                s_max = min(s_max, L.BIAS_MANT_RANGE[1] * 2.0 ** 7 / float(np.max(np.abs(bias))))
            if vth_top > 0:
                s_max = min(s_max, L.VTH_RANGE[1] * 64.0 / vth_top)
                cands = _scale_candidates(s_max, vth_top)
                S = cands[0] if cands else s_max
            else:
                S = s_max
        du_fix = du_mantissa(du)
        dv_fix = dv_mantissa(dv)
        vth_mant = np.where(spiking, np.rint(S * np.where(spiking, vth, 0) / 64.0), L.VTH_RANGE[1]).astype(np.int64)
        if np.any(vth_mant[spiking] < 1):
            raise ValueError(f"population {name!r}: vth = {vth[spiking].min()} is below one threshold mantissa "
                             f"step (64 / S = {64 / S:.3g}) at scale S = {S:.4g}")
        if np.any(vth_mant > L.VTH_RANGE[1]):
            raise ValueError(f"population {name!r}: vth = {vth.max()} needs a mantissa above "
                             f"{L.VTH_RANGE[1]} at scale S = {S:.4g}")
        comp = np.where((dv > 0) & (bias > 0), 0.5, 0.0) if compensate else 0.0
        b_exp, b_mant = _bias_grid(S * bias + comp)
        if np.any(np.abs(b_mant) > L.BIAS_MANT_RANGE[1]) or np.any(b_mant < L.BIAS_MANT_RANGE[0]):
            raise ValueError(f"population {name!r}: bias {np.max(np.abs(bias)):.6g} is {np.max(np.abs(S * bias)):.6g} "
                             f"units per step at scale {S:.4g}, beyond 4095 << 7; lower the scale (v_range)")
        out.add(FixedLIF(n, du=du_fix, dv=dv_fix, vth=vth_mant, bias_mant=b_mant, bias_exp=b_exp), name=name)

        def rel(eff, req):
            req = np.asarray(req, float)
            return float(np.max(np.abs(eff - req) / np.maximum(np.abs(req), 1e-300))) if req.size else 0.0
        b_eff = (b_mant * 2.0 ** b_exp - comp) / S
        report.populations[name] = dict(
            scale=S, u_max=u_max, v_max=v_max, spiking=bool(spiking.any()),
            du_error=rel((du_fix + 1) / 4096, du), dv_error=rel(dv_fix / 4096, dv),
            vth_error=rel(vth_mant[spiking] * 64 / S, vth[spiking]) if spiking.any() else 0.0,
            bias_error=rel(b_eff[bias != 0], bias[bias != 0]))
    # sources: payloads as integers
    direct = {}
    for c in net.connections:
        if c.pre.is_source:
            direct.setdefault(c.pre.name, set()).add((c.post.name if c.synapses is None else None))
    for name, pop in net.populations.items():
        if not pop.is_source:
            continue
        poisson = isinstance(pop.model, PoissonSource)   # its weight is what one count sends
        data = pop.model.as_float64()[None, :] if poisson else np.asarray(pop.model.data, np.float64)
        targets = direct.get(name, set())
        direct_to = {t for t in targets if t is not None}
        if direct_to and None in targets:
            raise ValueError(f"source {name!r} feeds a population directly and synapses: give each its own source")
        if len({report.populations[t]["scale"] for t in direct_to}) > 1:
            raise ValueError(f"source {name!r} feeds populations of different scales directly: "
                             f"{sorted(direct_to)}; give each its own source")
        if direct_to:
            S = report.populations[next(iter(direct_to))]["scale"]
            fixed = np.rint(S * data / 64.0)
            err = float(np.max(np.abs(fixed * 64.0 / S - data))) if data.size else 0.0
            report.sources[name] = f"direct input x {S / 64:.4g}, max abs error {err:.3g} (float units)"
        else:
            fixed = data
            if np.any(fixed != np.rint(fixed)):
                raise ValueError(f"source {name!r} sends non-integer values into synapses (e.g. "
                                 f"{fixed[fixed != np.rint(fixed)][0]}); Loihi's payloads are integers: "
                                 f"scale them to counts first")
            report.sources[name] = "integer payloads kept"
        if np.any(np.abs(fixed) > 2 ** 31 - 1):
            raise ValueError(f"source {name!r}: payload {np.max(np.abs(fixed)):.6g} is beyond the int32 range")
        out.add(pop.model.with_weight(fixed[0].astype(np.int64)) if poisson else SpikeSource(fixed.astype(np.int32)),
                name=name)
    for c in net.connections:
        pre, post = c.pre.name, c.post.name
        if c.synapses is None:
            out.connect(pre, post)
            continue
        key = f"{pre}->{post}"
        S = report.populations[post]["scale"]
        W = c.synapses.matrix
        sparse = hasattr(W, "toarray")
        if sparse:
            import scipy.sparse as sp
            W = sp.csr_matrix(W, dtype=np.float64)
            W.eliminate_zeros()
            vals = W.data
            has_zeros = W.nnz < W.shape[0] * W.shape[1]
        else:
            W = np.asarray(W, np.float64)
            vals = W[W != 0]
            has_zeros = vals.size < W.size
        lo_w = min(float(vals.min()) if vals.size else 0.0, 0.0 if has_zeros else np.inf)
        hi_w = max(float(vals.max()) if vals.size else 0.0, 0.0 if has_zeros else -np.inf)
        mode = detect_sign_mode(lo_w, hi_w)
        target = S * vals / 64.0
        if key in weight_exps:
            e = int(weight_exps[key])
            step = 2 ** truncate_bits(mode, num_weight_bits)
            mant = np.rint(target / 2.0 ** e / step) * step
        else:
            e, mant, _ = _weight_grid(target, mode, num_weight_bits)
        lo, hi = mantissa_range(mode)
        if vals.size and (e > L.WEIGHT_EXP_RANGE[1] or mant.min() < lo or mant.max() > hi):
            raise ValueError(f"connection {key}: weights up to {np.max(np.abs(vals)):.6g} need weight_exp = {e} "
                             f"(mantissas {mant.min():.0f} .. {mant.max():.0f}) at the scale of {post!r} "
                             f"({S:.4g}); legal: weight_exp in {list(L.WEIGHT_EXP_RANGE)}, mantissas in "
                             f"[{lo}, {hi}] ({mode.name})")
        if sparse:
            M = W.copy()
            M.data = mant
            M = M.astype(np.int64)
        else:
            M = np.zeros(W.shape, np.int64)
            M[W != 0] = mant
        syn = FixedSynapses(M, weight_exp=e, num_weight_bits=num_weight_bits, sign_mode=mode,
                            num_message_bits=c.synapses.num_message_bits)
        out.connect(pre, post, syn, delays=_delays_like(c, sparse))
        eff = mant * 2.0 ** e
        report.connections[key] = dict(
            weight_exp=e, sign_mode=mode.name, nonzero=int(vals.size),
            rel_rms_error=float(np.sqrt(np.mean((eff - target) ** 2) / np.mean(target ** 2))) if vals.size else 0.0,
            became_zero=int(np.sum(mant == 0)))
    if getattr(net, "nir_outputs", None) is not None:
        out.nir_outputs = list(net.nir_outputs)
    return out, report


def graph_fixed_to_float(net, scales: dict):
    """The float network a fixed-point one stands for at ``scales`` (``{population: S}``,
    e.g. ``report.scales``): ``du = (du + 1) / 4096``, ``dv = dv / 4096``, ``vth = vth
    * 64 / S``, ``bias = bias_mant * 2**bias_exp / S``, ``w = mant * 2**(weight_exp + 6) /
    S_post``, direct source payloads ``x * 64 / S``; delays and message bits kept."""
    from ..engine import Network, PoissonSource, SpikeSource
    from ..params import FixedLIF, FloatLIF, FloatSynapses
    if not isinstance(net, Network) or net.family != "fixed":
        raise TypeError("graph_fixed_to_float takes a fixed-point lava_eirate.Network")
    out = Network()
    for name, pop in net.populations.items():
        if pop.is_source:
            continue
        m, n = pop.model, pop.n
        if type(m) is not FixedLIF:
            raise ValueError(f"population {name!r} is a {type(m).__name__}; graph_fixed_to_float takes FixedLIF")
        if name not in scales:
            raise ValueError(f"scales has no entry for population {name!r}")
        S = float(scales[name])
        g = {f: m._full(f, np.float64) for f in ("du", "dv", "vth", "bias_mant", "bias_exp")}
        vth = np.where(g["vth"] >= L.VTH_RANGE[1], _NO_THRESHOLD, g["vth"] * 64.0 / S)
        out.add(FloatLIF(n, du=(g["du"] + 1) / 4096, dv=g["dv"] / 4096, vth=vth,
                         bias=g["bias_mant"] * 2.0 ** g["bias_exp"] / S), name=name)
    direct = {c.pre.name: c.post.name for c in net.connections if c.pre.is_source and c.synapses is None}
    for name, pop in net.populations.items():
        if pop.is_source:
            poisson = isinstance(pop.model, PoissonSource)
            data = pop.model.as_float64() if poisson else np.asarray(pop.model.data, np.float64)
            if name in direct:
                data = data * 64.0 / float(scales[direct[name]])
            out.add(pop.model.with_weight(data) if poisson else SpikeSource(data), name=name)
    for c in net.connections:
        if c.synapses is None:
            out.connect(c.pre.name, c.post.name)
            continue
        S = float(scales[c.post.name])
        sparse = bool(c.synapses.sparse_input)
        mant = c.synapses.effective_weights(sparse=sparse)
        w = (mant.astype(np.float64) if sparse else np.asarray(mant, np.float64)) * 2.0 ** (c.synapses.weight_exp + 6) / S
        delays = _delays_like(c, sparse)
        out.connect(c.pre.name, c.post.name, FloatSynapses(w, num_message_bits=c.synapses.num_message_bits),
                    delays=delays)
    if getattr(net, "nir_outputs", None) is not None:
        out.nir_outputs = list(net.nir_outputs)
    return out
