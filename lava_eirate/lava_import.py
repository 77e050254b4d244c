"""Lava graphs on lava_eirate's engine: :func:`from_lava` and :func:`run_lava`.

``from_lava(*processes)`` follows every port connection reachable from the given Lava
processes and builds the equivalent :class:`lava_eirate.Network`:

===========================================  ==========================================
Lava 0.10 process                            lava_eirate
===========================================  ==========================================
LIF, LIFReset, TernaryLIF                    FixedLIF/LIFReset/TernaryLIF (``fixed_pt``),
                                             FloatLIF/... (``floating_pt``)
LIFRefractory                                FloatLIFRefractory (``floating_pt`` only:
                                             Lava has no fixed model of it)
RingBuffer (lava.proc.io.source)             SpikeSource (its data transposed)
Dense, Sparse, DelayDense, DelaySparse       connections (weights, weight_exp,
                                             num_weight_bits, sign_mode,
                                             num_message_bits, delays)
RingBuffer.s_out -> LIF.a_in                 a direct input
Monitor                                      read: what it probes is recorded
===========================================  ==========================================

Weights are handed over as Lava holds them and processed as Lava's Dense does (int32
cast, sign mode, clipping to 8 bits, truncation); what Lava would clip or truncate is
counted in each connection's ``num_clipped``/``num_cast``/``num_truncated``
(``network.lava_report``). Any other process raises ValueError naming it and its type,
and nothing is returned half-built. Population names are the Lava process names.
"""
from __future__ import annotations

import numpy as np

from . import params as P
from .engine import Network, SpikeSource, simulate

_NEURONS = ("LIF", "LIFReset", "TernaryLIF", "LIFRefractory")
_CONNECTIONS = ("Dense", "Sparse", "DelayDense", "DelaySparse")


def _kind(proc) -> str:
    name = type(proc).__name__
    module = type(proc).__module__
    if name in _NEURONS and module.startswith("lava.proc.lif"):
        return "neuron"
    if name in _CONNECTIONS and module.startswith(("lava.proc.dense", "lava.proc.sparse")):
        return "connection"
    if name == "RingBuffer" and module.startswith("lava.proc.io.source"):
        return "source"
    if name == "Monitor" and module.startswith("lava.proc.monitor"):
        return "monitor"
    return "unsupported"


def _ports(proc, kind):
    collection = getattr(proc, kind, None)
    return list(getattr(collection, "members", []) or [])


def _neighbours(proc):
    """Processes connected to ``proc`` through any of its ports (both directions),
    Monitors included (through the implicit VarPorts their RefPorts use)."""
    out = []
    for kind in ("in_ports", "out_ports", "var_ports", "ref_ports"):
        for port in _ports(proc, kind):
            for other in list(port.in_connections) + list(port.out_connections):
                out.append(other.process)
    return out


def _graph(processes):
    seen, order, todo = set(), [], list(processes)
    while todo:
        proc = todo.pop(0)
        if id(proc) in seen:
            continue
        seen.add(id(proc))
        order.append(proc)
        todo.extend(_neighbours(proc))
    return order


def _value(var):
    """A Var's current value: read through the runtime after a run, else its init."""
    proc = var.process
    if getattr(proc, "runtime", None) is not None:
        return np.asarray(var.get())
    return np.asarray(var.init)


def _scalar_or_array(x):
    x = np.asarray(x)
    if x.size == 1:
        return x.reshape(()).item()
    return x.ravel()


def from_lava(*processes, tag: str = "fixed_pt") -> Network:
    """The :class:`~lava_eirate.Network` of the Lava graph reachable from ``processes``.

    ``tag`` is the run config's ``select_tag`` the graph is meant for: "fixed_pt"
    (bit-accurate models, integer parameters) or "floating_pt". The result carries
    ``lava_record`` (the ``record=`` spec the graph's Monitors ask for, with their
    ``num_steps``), ``lava_names`` (population name -> Lava process) and ``lava_report``
    (per connection: what Lava's weight handling clipped or truncated).
    """
    if tag not in ("fixed_pt", "floating_pt"):
        raise ValueError(f"tag={tag!r}; legal values: 'fixed_pt', 'floating_pt'")
    if not processes:
        raise ValueError("from_lava needs at least one Lava process")
    fixed = tag == "fixed_pt"
    graph = _graph(processes)
    bad = [p for p in graph if _kind(p) == "unsupported"]
    if bad:
        p = bad[0]
        raise ValueError(f"process {p.name!r} of type {type(p).__module__}.{type(p).__name__} cannot be mapped "
                         f"(supported: {', '.join(_NEURONS + _CONNECTIONS)}, RingBuffer, Monitor)")
    net = Network()
    names = {}
    for proc in graph:
        kind = _kind(proc)
        if kind == "neuron":
            names[id(proc)] = net.add(_neuron(proc, fixed), name=proc.name).name
        elif kind == "source":
            names[id(proc)] = net.add(SpikeSource(_value(proc.data).reshape(-1, _value(proc.data).shape[-1]).T),
                                      name=proc.name).name
    report, lava_conns = {}, {}
    for proc in graph:
        kind = _kind(proc)
        if kind == "connection":
            pres = [p.process for p in proc.s_in.in_connections]
            if len(pres) != 1:
                raise ValueError(f"connection {proc.name!r} ({type(proc).__name__}) has {len(pres)} inputs; "
                                 f"lava_eirate maps connections with exactly one presynaptic process")
            posts = [q.process for q in proc.a_out.out_connections]
            syn, delays = _synapses(proc, fixed)
            report[proc.name] = {k: getattr(syn, k, 0) for k in ("num_clipped", "num_cast", "num_truncated")}
            for post in posts:
                if _kind(post) != "neuron":
                    raise ValueError(f"connection {proc.name!r} feeds {post.name!r} "
                                     f"({type(post).__name__}); only neuron populations can receive")
                conn = net.connect(names[id(pres[0])], names[id(post)], syn, delays=delays)
                lava_conns[conn.index] = proc
        elif kind == "source":
            for q in proc.s_out.out_connections:
                target = q.process
                if _kind(target) == "neuron":
                    net.connect(names[id(proc)], names[id(target)])
    net.lava_names = {names[id(p)]: p for p in graph if id(p) in names}
    net.lava_connections = lava_conns
    net.lava_record, net.lava_monitors = _monitored(graph, names)
    net.lava_report = report
    net.lava_init = {names[id(p)]: {"u": _value(p.u), "v": _value(p.v)} for p in graph if _kind(p) == "neuron"}
    return net


def _neuron(proc, fixed):
    name = type(proc).__name__
    n = int(np.prod(proc.u.shape))
    du, dv = _scalar_or_array(_value(proc.du)), _scalar_or_array(_value(proc.dv))
    bias_mant = _scalar_or_array(_value(proc.bias_mant))
    bias_exp = _scalar_or_array(_value(proc.bias_exp))
    if fixed:
        common = dict(du=du, dv=dv, bias_mant=bias_mant, bias_exp=bias_exp)
    else:
        common = dict(du=du, dv=dv, bias=bias_mant)
    if name == "TernaryLIF":
        cls = P.FixedTernaryLIF if fixed else P.FloatTernaryLIF
        return cls(n, vth_hi=_scalar_or_array(_value(proc.vth_hi)), vth_lo=_scalar_or_array(_value(proc.vth_lo)),
                   **common)
    vth = _scalar_or_array(_value(proc.vth))
    if name == "LIFReset":
        interval = int(proc.proc_params["reset_interval"])
        cls = P.FixedLIFReset if fixed else P.FloatLIFReset
        return cls(n, vth=vth, reset_interval=interval,
                   reset_offset=int(proc.proc_params["reset_offset"]) % interval, **common)
    if name == "LIFRefractory":
        if fixed:
            raise ValueError(f"process {proc.name!r} is a LIFRefractory: Lava 0.10 has no fixed-point model of "
                             f"it (use tag='floating_pt', or lava_eirate's FixedLIFRefractory)")
        return P.FloatLIFRefractory(n, vth=vth, refractory_period=int(proc.proc_params["refractory_period"]),
                                    **common)
    return (P.FixedLIF if fixed else P.FloatLIF)(n, vth=vth, **common)


def _synapses(proc, fixed):
    import scipy.sparse as sp
    name = type(proc).__name__
    # The weights as given: Lava clips and truncates them at its first step, which the
    # synapses below repeat (idempotently) -- so the value after a run would map the same.
    w = proc.weights.init
    sparse = name in ("Sparse", "DelaySparse")
    if sparse:
        w = sp.csr_matrix(w)
    nmb = int(np.asarray(_value(proc.num_message_bits)).ravel()[0])
    if fixed:
        pp = proc.proc_params
        mode = pp.get("sign_mode")
        syn = P.FixedSynapses(w, int(pp.get("weight_exp", 0)), int(pp.get("num_weight_bits", 8)),
                              None if mode is None else mode.value, nmb, lava_compat=True)
    else:
        syn = P.FloatSynapses(w, nmb)
    delays = None
    if name.startswith("Delay"):
        d = proc.delays.init
        if sp.issparse(d):
            d = sp.csr_matrix(d)
        elif np.ndim(d) == 0:
            d = int(d)
        else:
            d = np.asarray(d)
            if d.shape != syn.shape:
                d = np.broadcast_to(d, syn.shape)
        delays = d
    return syn, delays


def _monitored(graph, names):
    """``{population: (vars)}`` from the graph's Monitors, and ``[(monitor, population,
    var)]`` for writing their data back."""
    record, monitors = {}, []
    procs = {p.name: p for p in graph}
    for mon in (p for p in graph if _kind(p) == "monitor"):
        for _, (proc_name, var) in mon.target_names.items():
            proc = procs.get(proc_name)
            if proc is None or id(proc) not in names or _kind(proc) != "neuron":
                continue
            short = {"s_out": "s"}.get(var, var)
            if short not in ("s", "u", "v"):
                continue
            record.setdefault(names[id(proc)], set()).add(short)
            monitors.append((mon, names[id(proc)], var))
    return {k: tuple(sorted(v)) for k, v in record.items()}, monitors


def run_lava(*processes, num_steps: int, tag: str = "fixed_pt", record=None, progress=None,
             write_back: bool = False) -> dict:
    """Run the Lava graph reachable from ``processes`` on lava_eirate's engine for
    ``num_steps`` steps, from the processes' current Var values, and return the recorded
    data the way ``Monitor.get_data()`` does: ``{process name: {"s_out" | "u" | "v":
    (num_steps, n) array}}``. ``record`` defaults to what the graph's Monitors probe
    (all s, u, v of every population without Monitors).

    ``write_back=True`` stores the final state in the Lava processes -- u and v of the
    neurons, and the activation each Dense/Sparse sends at the next step (``a_buff``) --
    so that a following Lava run continues bit-exactly (``lif.v.get()`` shows it). Not
    for delayed connections (their rings hold several steps of other connections' sums
    here) nor LIFReset (a new Lava runtime restarts its time step at 1): those raise.
    """
    from . import _validate as V
    write_back = V.as_flag("write_back", write_back)
    net = from_lava(*processes, tag=tag)
    if write_back:
        _check_write_back(net)
    spec = record if record is not None else (net.lava_record or None)
    init = {k: dict(v) for k, v in net.lava_init.items()}
    trace = simulate(net, num_steps, record=spec, init=init, progress=progress)
    if write_back:
        _write_back(net, trace.final)
    dtype = np.int32 if tag == "fixed_pt" else np.float64
    out = {}
    for name, tr in trace.items():
        entry = out.setdefault(name, {})
        if tr.s is not None:
            entry["s_out"] = tr.s.astype(dtype)
        if tr.u is not None:
            entry["u"] = tr.u
        if tr.v is not None:
            entry["v"] = tr.v
    return out


def _check_write_back(net):
    for c in net.connections:
        if c.delays is not None:
            raise ValueError("write_back does not support delayed connections (DelayDense/DelaySparse) yet")
    for name, pop in net.populations.items():
        if isinstance(pop.model, (P.FixedLIFReset, P.FloatLIFReset)):
            raise ValueError(f"write_back cannot carry LIFReset {name!r}'s time step into a new Lava runtime")


def _set(var, value):
    """A Var's value for the next Lava run: through the runtime when there is one."""
    value = np.asarray(value).reshape(var.shape)
    if getattr(var.process, "runtime", None) is not None:
        var.set(value)
    else:
        var.init = value


def _write_back(net, final):
    for name, proc in net.lava_names.items():
        if not net.populations[name].is_source:
            st = final.population(name)
            _set(proc.u, st["u"])
            _set(proc.v, st["v"])
    off = final.compiled.off
    for c in net.connections:
        if c.synapses is None:
            continue
        # what the connection sends at the next step: its sum over the last step's spikes
        sent = final.pay[off[c.pre.index]:off[c.pre.index] + c.pre.n]
        if isinstance(c.synapses, P.FixedSynapses):
            a = c.synapses.activation(np.asarray(sent).astype(np.int64))
        elif c.synapses.num_message_bits:
            a = c.synapses.matrix @ sent
        else:
            a = c.synapses.matrix @ (np.asarray(sent) != 0).astype(float)
        _set(net.lava_connections[c.index].a_buff, np.asarray(a).ravel())
