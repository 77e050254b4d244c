"""Reference runs through Lava 0.10's own processes and runtime.

A LIF population (``lava.proc.lif.process.LIF``) with recurrent ``Dense`` or ``Sparse``
weights and optional external input from Lava's ``RingBuffer``, run with
``Loihi2SimCfg(select_tag="fixed_pt")`` (``PyLifModelBitAcc``, ``PyDenseModelBitAcc``,
``PySparseModelBitAcc``) or ``"floating_pt"``; s, u and v are read with Monitors. These
are the ground truth that :func:`lava_eirate.simulate_fixed` is tested against.

Weights are passed to Lava *raw*: Lava does its own int32 cast, sign-mode detection,
clipping and truncation.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._lava import prepare_lava_import
from .simulators import Trace


def _lava_sign_mode(sign_mode):
    if sign_mode is None:
        return None
    from lava.utils.weightutils import SignMode as LavaSignMode
    from .loihi.weights import as_sign_mode
    return LavaSignMode(as_sign_mode(sign_mode).value)


def run_lif_network(*, n, du, dv, vth, bias_mant, num_steps, weights=None, bias_exp=0,
                    weight_exp=0, num_weight_bits=8, sign_mode=None, a_in=None,
                    u0=0, v0=0, connection="dense", tag="fixed_pt",
                    record=("s", "u", "v"), progress: bool = False) -> Trace:
    """Run LIF (+ Dense/Sparse recurrence, + RingBuffer input) in Lava's runtime.

    ``weights`` is the raw ``W[post, pre]`` (None: no recurrence); ``connection`` is
    "dense" or "sparse"; ``a_in`` is (num_steps, n) external input sent to LIF's
    ``a_in`` on the same step; per-neuron ``du``/``dv``/``vth`` arrays are accepted.
    ``tag`` selects "fixed_pt" (bit-accurate) or "floating_pt" models. ``progress``
    runs in chunks of 10 steps with a progress bar on stderr.
    """
    prepare_lava_import()
    from ._progress import Progress
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    from lava.proc.sparse.process import Sparse

    fixed = tag == "fixed_pt"
    dtype = np.int64 if fixed else np.float64

    def vec(x):
        return np.array(np.broadcast_to(np.asarray(x, dtype=dtype), (n,)))

    def scalar_or_vec(x):
        x = np.asarray(x, dtype=dtype)
        return x.item() if x.ndim == 0 else vec(x)

    lif = LIF(shape=(n,), du=scalar_or_vec(du), dv=scalar_or_vec(dv), vth=scalar_or_vec(vth),
              bias_mant=vec(bias_mant), bias_exp=vec(bias_exp), u=vec(u0), v=vec(v0))
    if weights is not None:
        kwargs = dict(weight_exp=int(weight_exp), num_weight_bits=int(num_weight_bits))
        mode = _lava_sign_mode(sign_mode)
        if mode is not None:
            kwargs["sign_mode"] = mode
        if not fixed:
            kwargs = {}
        if connection == "dense":
            w = weights.toarray() if sp.issparse(weights) else np.asarray(weights)
            conn = Dense(weights=w, **kwargs)
        elif connection == "sparse":
            conn = Sparse(weights=sp.csr_matrix(weights), **kwargs)
        else:
            raise ValueError(f"connection={connection!r}; legal values: 'dense', 'sparse'")
        lif.s_out.connect(conn.s_in)
        conn.a_out.connect(lif.a_in)
    if a_in is not None:
        src = RingBuffer(data=np.ascontiguousarray(np.asarray(a_in, dtype=dtype).T))
        src.s_out.connect(lif.a_in)
    monitors = {}
    for name in record:
        mon = Monitor()
        mon.probe(lif.s_out if name == "s" else getattr(lif, name), num_steps)
        monitors[name] = mon
    try:
        cfg = Loihi2SimCfg(select_tag=tag)
        chunk = 10 if progress else num_steps
        with Progress(num_steps, "Lava runtime", enabled=progress) as bar:
            done = 0
            while done < num_steps:
                k = min(chunk, num_steps - done)
                lif.run(condition=RunSteps(num_steps=k), run_cfg=cfg)
                done += k
                bar.update(k)
        data = {}
        for name, mon in monitors.items():
            key = "s_out" if name == "s" else name
            data[name] = np.asarray(mon.get_data()[lif.name][key])
    finally:
        lif.stop()
    s = data.get("s")
    out_dtype = np.int32 if fixed else np.float64
    return Trace(s=None if s is None else s.astype(bool),
                 u=data["u"].astype(out_dtype) if "u" in data else None,
                 v=data["v"].astype(out_dtype) if "v" in data else None,
                 num_steps=num_steps, n=n, kind="lava-" + tag,
                 num_spikes=int(s.sum()) if s is not None else 0)


def run_eilif_params(params, num_steps: int, *, progress: bool = False) -> Trace:
    """Lava's own fixed-point LIF + Dense for an :class:`lava_eirate.EILIFParams` (its raw
    weights, weight_exp, num_weight_bits and sign_mode), the reference
    ``simulate_fixed(*params.fixed, num_steps)`` must equal bit for bit."""
    return run_lif_network(n=params.n, num_steps=num_steps, weights=params.weights,
                           weight_exp=int(params.weight_exp), num_weight_bits=int(params.num_weight_bits),
                           sign_mode=params.sign_mode, progress=progress, **params.lava_arrays("fixed"))


def lava_processes(net, init=None):
    """Lava 0.10's own processes for a :class:`lava_eirate.Network`: ``(pops, conns)``,
    dicts of Lava processes by population name and by connection index.

    Populations become LIF / LIFReset / TernaryLIF / LIFRefractory (float only: Lava has
    no fixed refractory model) and RingBuffer; connections Dense / Sparse / DelayDense /
    DelaySparse (dense or sparse weights as given), with the mantissas lava_eirate holds,
    its sign mode, weight_exp, num_weight_bits and num_message_bits; a connection without
    synapses joins the RingBuffer to the population's ``a_in``. ``init``: ``{name: {"u":
    ..., "v": ...}}``.
    """
    prepare_lava_import()
    from lava.proc.dense.process import DelayDense, Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LIF, LIFRefractory, LIFReset, TernaryLIF
    from lava.proc.sparse.process import DelaySparse, Sparse
    from . import params as P
    from .engine import PoissonSource, SpikeSource

    fixed = net.family == "fixed"
    dtype = np.int64 if fixed else np.float64
    init = init or {}
    pops = {}
    for name, pop in net.populations.items():
        m = pop.model
        if isinstance(m, PoissonSource):
            raise ValueError(f"population {name!r} is a PoissonSource, which has no Lava process; use "
                             f"its as_spike_source(num_steps) (a RingBuffer of the same payloads)")
        if isinstance(m, SpikeSource):
            data = m.as_int32() if fixed else m.as_float64()
            pops[name] = RingBuffer(data=np.ascontiguousarray(data.T))
            continue
        n = m.n

        def vec(x, n=n):
            return np.array(np.broadcast_to(np.asarray(x, dtype=dtype), (n,)))

        def scalar_or_vec(x):
            x = np.asarray(x, dtype=dtype)
            return x.item() if x.ndim == 0 else vec(x)

        start = init.get(name, {})
        kw = dict(shape=(n,), du=scalar_or_vec(m.du), dv=scalar_or_vec(m.dv),
                  u=vec(start.get("u", 0)), v=vec(start.get("v", 0)), name=name)
        if fixed:
            kw.update(bias_mant=vec(m.bias_mant), bias_exp=vec(m.bias_exp))
        else:
            kw.update(bias_mant=vec(m.bias), bias_exp=vec(0))
        if isinstance(m, (P.FixedTernaryLIF, P.FloatTernaryLIF)):
            pops[name] = TernaryLIF(vth_hi=scalar_or_vec(m.vth_hi), vth_lo=scalar_or_vec(m.vth_lo), **kw)
        elif isinstance(m, P.FixedLIFRefractory):
            raise ValueError(f"population {name!r}: Lava 0.10 has no fixed-point refractory LIF model")
        elif isinstance(m, P.FloatLIFRefractory):
            rp = np.asarray(m.refractory_period)
            if rp.ndim:
                raise ValueError(f"population {name!r}: Lava's LIFRefractory takes one refractory_period")
            pops[name] = LIFRefractory(vth=scalar_or_vec(m.vth), refractory_period=int(rp), **kw)
        elif isinstance(m, (P.FixedLIFReset, P.FloatLIFReset)):
            pops[name] = LIFReset(vth=scalar_or_vec(m.vth), reset_interval=m.reset_interval,
                                  reset_offset=m.reset_offset, **kw)
        else:
            pops[name] = LIF(vth=scalar_or_vec(m.vth), **kw)
    conns = {}
    for c in net.connections:
        src, dst = pops[c.pre.name], pops[c.post.name]
        if c.synapses is None:
            if any(d.synapses is None and (d.pre, d.post) == (c.pre, c.post)
                   for d in net.connections[:c.index]):
                raise ValueError(f"{c.pre.name!r} feeds {c.post.name!r} directly twice: Lava connects "
                                 f"two ports once (the engine adds both)")
            src.s_out.connect(dst.a_in)
            continue
        syn = c.synapses
        if fixed:
            w = syn.effective_weights(sparse=syn.sparse_input)
            kw = dict(weight_exp=int(syn.weight_exp), num_weight_bits=int(syn.num_weight_bits),
                      sign_mode=_lava_sign_mode(syn.sign_mode))
        else:
            w = sp.csr_matrix(syn.matrix) if syn.sparse_input else np.asarray(syn.matrix)
            kw = {}
        kw["num_message_bits"] = int(syn.num_message_bits)
        if c.delays is None:
            proc = (Sparse if syn.sparse_input else Dense)(weights=w, **kw)
        else:
            post_i, pre_i = syn.synapse_coords()
            d = np.zeros(syn.shape, np.int64)
            d[post_i, pre_i] = c.delays
            if syn.sparse_input:
                dsp = sp.csr_matrix(d * (sp.csr_matrix(w).toarray() != 0))
                dsp = dsp.astype(np.int64)
                proc = DelaySparse(weights=w, delays=dsp, max_delay=c.max_delay, **kw)
            else:
                proc = DelayDense(weights=w, delays=d, max_delay=c.max_delay, **kw)
        src.s_out.connect(proc.s_in)
        proc.a_out.connect(dst.a_in)
        conns[c.index] = proc
    return pops, conns


def _components(net) -> list[list[str]]:
    """Names of the populations of each connected component of ``net``."""
    parent = {name: name for name in net.populations}

    def root(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for c in net.connections:
        parent[root(c.pre.name)] = root(c.post.name)
    groups = {}
    for name in net.populations:
        groups.setdefault(root(name), []).append(name)
    return list(groups.values())


def run_network(net, num_steps: int, record=None, init=None):
    """Run a :class:`lava_eirate.Network` through Lava's own processes and runtime
    (``Loihi2SimCfg(select_tag="fixed_pt")`` or ``"floating_pt"`` by the network's family)
    and return ``{name: Trace}`` of s, u, v read with one Monitor. ``record`` as in
    :func:`lava_eirate.simulate` (default: every neuron population, s, u and v)."""
    prepare_lava_import()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.monitor.process import Monitor
    from .engine import _record_spec

    spec = _record_spec(record, net)
    pops, _ = lava_processes(net, init)
    mons = {}
    for name, what in spec.items():
        proc = pops[name]
        for var in what:
            mons[name, var] = mon = Monitor()  # a Lava 0.10 Monitor holds one probe
            mon.probe(proc.s_out if var == "s" else getattr(proc, var), num_steps)
    fixed = net.family == "fixed"
    tag = "fixed_pt" if fixed else "floating_pt"
    data = {}
    for component in _components(net):
        # Lava compiles and runs the graph reachable from one process: once per component.
        first = pops[component[0]]
        try:
            first.run(condition=RunSteps(num_steps=num_steps), run_cfg=Loihi2SimCfg(select_tag=tag))
            for (name, var), mon in mons.items():
                if name in component:
                    key = "s_out" if var == "s" else var
                    data.setdefault(name, {})[key] = mon.get_data()[pops[name].name][key]
        finally:
            first.stop()
    out = {}
    dt = np.int32 if fixed else np.float64
    for name, what in spec.items():
        d = data.get(name, {})
        s = np.asarray(d["s_out"]) if "s" in what else None
        if s is not None:
            ternary = type(pops[name]).__name__ == "TernaryLIF"
            s = s.astype(np.int8) if ternary else s.astype(bool)
        out[name] = Trace(s=s, u=np.asarray(d["u"]).astype(dt) if "u" in what else None,
                          v=np.asarray(d["v"]).astype(dt) if "v" in what else None,
                          num_steps=num_steps, n=net.populations[name].n, kind="lava-" + tag,
                          num_spikes=int(np.count_nonzero(s)) if s is not None else 0)
    return out
