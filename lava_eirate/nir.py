"""NIR (Neuromorphic Intermediate Representation, package ``nir`` 1.0) graphs in and out of
lava_eirate's network engine, in floating point and in Loihi fixed point.

:func:`load` turns a NIR graph into a :class:`~lava_eirate.Network` of Lava float LIF
populations (``FloatLIF``: ``u = u (1 - du) + a``, ``v = v (1 - dv) + u + bias``, spike
where ``v > vth``, then ``v = 0``) and connections; :func:`export` writes such a network as
a NIR graph. The continuous-time NIR equations are discretized at ``dt`` (forward Euler,
the current of a step entering the voltage in the same step, as Lava's LIF does), with
``v`` measured from ``v_reset`` (Lava resets to 0):

==========  =====================================================================
NIR node    Lava float LIF, per neuron (input ``I``: the sum of the node's inputs)
==========  =====================================================================
LIF         ``du = 1``, ``dv = dt / tau``, ``vth = v_threshold - v_reset``,
            ``bias = dt (v_leak - v_reset) / tau``, input x ``dt r / tau``
CubaLIF     ``du = dt / tau_syn``, ``dv = dt / tau_mem``, thresholds and bias as LIF
            (``tau = tau_mem``), input x ``w_in (dt / tau_syn) (dt r / tau_mem)``
IF          ``du = 1``, ``dv = 0``, ``vth = v_threshold - v_reset``, input x ``dt r``
LI, CubaLI  as LIF / CubaLIF with ``v_reset = 0`` and no threshold (non-spiking
            read-outs: ``vth`` the largest float; read their ``v``)
==========  =====================================================================

Affine, Linear and Scale nodes between two neuron nodes (or from an Input) are composed
into one connection ``W[post, pre]``; an Affine's bias becomes a constant input (a
one-row :class:`~lava_eirate.SpikeSource` named ``"bias:<node>"`` feeding the target
population directly, scaled as its other input). A Delay node adds ``delay / dt`` steps
(an integer number of steps is required) to the one step every connection takes (a spike
at step t arrives at step ``t + 1 + delay``, Lava's Dense). Input nodes become
SpikeSources (``inputs={name: (T, n) array}``, graded: values multiply the weights; zeros
when not given); Output nodes are listed in ``net.nir_outputs``.

``load(..., fixed=True)`` then quantizes the float network per population and per
connection (:func:`lava_eirate.convert.graph_fixed.graph_float_to_fixed`, report as
``net.quantization``); :func:`export` writes a fixed network through
``fixed_to_float`` with its scales and exponents as node metadata, so the round trip
gives the same integers.

Requires ``pip install 'lava_eirate[nir]'`` (the ``nir`` package, with h5py).
"""
from __future__ import annotations

import os

import numpy as np

from .engine import Network, PoissonSource, SpikeSource
from .params import FloatLIF, FloatSynapses

#: NIR node types :func:`load` reads.
NEURON_TYPES = ("LIF", "CubaLIF", "IF", "LI", "CubaLI")
LINEAR_TYPES = ("Affine", "Linear", "Scale")
SUPPORTED = NEURON_TYPES + LINEAR_TYPES + ("Delay", "Input", "Output")
_NO_THRESHOLD = float(np.finfo(np.float64).max)


def _nir():
    try:
        import nir
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("lava_eirate.nir needs the nir package: pip install 'lava_eirate[nir]'") from err
    return nir


def _param(key, node, field, n=None, positive=False, default=None):
    """Field ``field`` of node ``key`` as a finite float array (broadcast to (n,))."""
    val = getattr(node, field, None)
    if val is None:
        if default is None:
            raise ValueError(f"NIR node {key!r} ({type(node).__name__}) has no {field!r}")
        val = default
    try:
        arr = np.asarray(val, dtype=np.float64).ravel()
    except (TypeError, ValueError) as err:
        raise ValueError(f"NIR node {key!r} ({type(node).__name__}): {field} is not numeric: {val!r}") from err
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)][0]
        raise ValueError(f"NIR node {key!r} ({type(node).__name__}): {field} contains {bad}; "
                         f"legal range: finite reals")
    if positive and np.any(arr <= 0):
        raise ValueError(f"NIR node {key!r} ({type(node).__name__}): {field} = {arr[arr <= 0][0]} is out of "
                         f"range: legal range (0, inf)")
    if n is not None:
        if arr.size == 1:
            arr = np.full(n, arr[0])
        elif arr.size != n:
            raise ValueError(f"NIR node {key!r} ({type(node).__name__}): {field} has {arr.size} values; "
                             f"expected 1 or {n} (the node's neurons)")
    return arr


def _size(key, node) -> int:
    """Number of neurons of a neuron node (from its threshold or time constant)."""
    for field in ("v_threshold", "tau", "tau_mem", "r"):
        val = getattr(node, field, None)
        if val is not None:
            return int(np.asarray(val).size)
    raise ValueError(f"NIR node {key!r} ({type(node).__name__}) has no parameters to size it")


def _decay(key, node, field, dt, n):
    tau = _param(key, node, field, n, positive=True)
    d = dt / tau
    if np.any(d > 1):
        raise ValueError(f"NIR node {key!r}: {field} = {tau[d > 1][0]} is shorter than dt = {dt}: "
                         f"dt / {field} must be in [0, 1] (choose a smaller dt)")
    return d


def _neuron(key, node, dt):
    """``(FloatLIF, input_gain (n,))`` for a NIR neuron node."""
    kind = type(node).__name__
    n = _size(key, node)
    if kind in ("LIF", "LI"):
        dv = _decay(key, node, "tau", dt, n)
        du = np.ones(n)
        gain = dv * _param(key, node, "r", n)
    elif kind in ("CubaLIF", "CubaLI"):
        du = _decay(key, node, "tau_syn", dt, n)
        dv = _decay(key, node, "tau_mem", dt, n)
        gain = _param(key, node, "w_in", n, default=1.0) * du * dv * _param(key, node, "r", n)
    else:  # IF
        du, dv = np.ones(n), np.zeros(n)
        gain = dt * _param(key, node, "r", n)
    spiking = kind in ("LIF", "CubaLIF", "IF")
    v_reset = _param(key, node, "v_reset", n, default=0.0) if spiking else np.zeros(n)
    v_leak = _param(key, node, "v_leak", n) if kind != "IF" else v_reset
    vth = _param(key, node, "v_threshold", n) - v_reset if spiking else np.full(n, _NO_THRESHOLD)
    bias = dv * (v_leak - v_reset)
    return FloatLIF(n, du=du, dv=dv, vth=vth, bias=bias), gain


def _linear(key, node, n_in):
    """``(W (n_out, n_in), bias (n_out,) or None)`` of a linear node applied to n_in values."""
    kind = type(node).__name__
    if kind == "Scale":
        s = _param(key, node, "scale", n_in)
        return np.diag(s), None
    w = np.asarray(getattr(node, "weight", None), dtype=np.float64) if getattr(node, "weight", None) is not None \
        else None
    if w is None:
        raise ValueError(f"NIR node {key!r} ({kind}) has no 'weight'")
    if w.ndim != 2:
        raise ValueError(f"NIR node {key!r} ({kind}): weight has shape {w.shape}; expected (out, in)")
    if w.shape[1] != n_in:
        raise ValueError(f"NIR node {key!r} ({kind}): weight has shape {w.shape} but receives {n_in} values")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"NIR node {key!r} ({kind}): weight contains {w[~np.isfinite(w)][0]}; "
                         f"legal range: finite reals")
    b = _param(key, node, "bias", w.shape[0]) if kind == "Affine" else None
    return w, b


def _width(key, node) -> int:
    types = getattr(node, "input_type", None) or getattr(node, "output_type", None) or {}
    if not types:
        raise ValueError(f"NIR node {key!r} ({type(node).__name__}) has no input_type/output_type shape")
    shape = np.asarray(next(iter(types.values())))
    return int(np.prod(shape)) if shape.size else 1


def load(graph, dt: float, *, inputs: dict | None = None, fixed: bool = False, num_steps: int = 1000,
         headroom: float = 0.25) -> Network:
    """A float :class:`~lava_eirate.Network` from a NIR graph (a ``nir.NIRGraph`` or the
    path of a NIR HDF5 file), discretized at ``dt`` (in the graph's time unit, usually s).

    ``inputs``: ``{input node: (T, n) array}`` for the Input nodes (cyclic, as
    SpikeSource); an Input without data sends zeros. Populations carry the NIR node names;
    ``net.nir_outputs`` lists the neuron nodes that feed Output nodes. Raises ValueError
    naming the node (and its type or field) for unsupported node types, missing fields,
    wrong shapes, NaN/inf parameters, time constants below ``dt`` or delays that are not a
    whole number of steps.

    ``fixed=True``: the float network is then converted to Loihi fixed point by
    :func:`lava_eirate.float_to_fixed` (one scale per population from a ``num_steps``
    float run with ``headroom``; one weight_exp and sign mode per connection) and the
    fixed network is returned with the report as ``net.quantization``. A graph written by
    :func:`export` from a fixed network carries its scales and weight exponents
    (node metadata ``lava_eirate_scale`` / ``lava_eirate_weight_exp``): they are used, so
    the integers come back unchanged.
    """
    nir = _nir()
    if isinstance(graph, (str, os.PathLike)):
        try:
            graph = nir.read(graph, type_check=False)  # shapes are checked here, node by node
        except (OSError, KeyError, ValueError, TypeError, AttributeError) as err:
            raise ValueError(f"cannot read a NIR graph from {os.fspath(graph)!r}: {err}") from err
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(f"graph must be a nir.NIRGraph or a path, got {type(graph).__name__}")
    dt = float(dt)
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt = {dt} is out of range: legal range (0, inf)")
    inputs = dict(inputs or {})
    nodes, edges = dict(graph.nodes), [tuple(e) for e in graph.edges]
    for key, node in nodes.items():
        kind = type(node).__name__
        if kind not in SUPPORTED:
            raise ValueError(f"NIR node {key!r} has type {kind}, which lava_eirate.nir.load does not support; "
                             f"supported: {', '.join(SUPPORTED)}")
    for e in edges:
        for end in e:
            if end not in nodes:
                raise ValueError(f"NIR edge {e} names node {end!r}, which the graph does not have")
    unknown = set(inputs) - {k for k, v in nodes.items() if type(v).__name__ == "Input"}
    if unknown:
        raise ValueError(f"inputs names {sorted(unknown)}, which are not Input nodes of the graph")
    net = Network()
    gains = {}
    for key, node in nodes.items():  # populations first: the graph's neuron nodes, then inputs
        if type(node).__name__ in NEURON_TYPES:
            model, gains[key] = _neuron(key, node, dt)
            net.add(model, name=key)
    widths = {}
    for key, node in nodes.items():
        if type(node).__name__ == "Input":
            n = _width(key, node)
            data = np.zeros((1, n)) if key not in inputs else np.asarray(inputs[key], dtype=np.float64)
            if data.ndim != 2 or data.shape[1] != n:
                raise ValueError(f"inputs[{key!r}] has shape {data.shape}; expected (T, {n})")
            net.add(SpikeSource(data), name=key)
            widths[key] = n
    for key in gains:
        widths[key] = net.populations[key].n
    succ = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
    outputs = []
    for start in list(widths):  # every path from a sender through linear/delay nodes
        _walk(start, start, np.eye(widths[start]), None, 0.0, succ, nodes, net, gains, dt, outputs, ())
    net.nir_outputs = sorted(set(outputs))
    if not fixed:
        return net
    from .convert.graph_fixed import graph_float_to_fixed
    scales = {k: float(np.asarray(nodes[k].metadata["lava_eirate_scale"]))
              for k in gains if "lava_eirate_scale" in (getattr(nodes[k], "metadata", None) or {})}
    hints = net.__dict__.get("_nir_weight_exp", {})
    if scales and len(scales) == len(gains):
        fx, report = graph_float_to_fixed(net, scales=scales, weight_exps=hints, compensate=False)
    else:
        fx, report = graph_float_to_fixed(net, num_steps=num_steps, headroom=headroom)
    fx.quantization = report
    return fx


def _walk(start, key, W, bias, delay, succ, nodes, net, gains, dt, outputs, seen):
    """Follow the edges out of ``key`` carrying the composed map ``W`` (and bias, delay)
    from ``start`` until neuron nodes (a connection) or Output nodes."""
    for nxt in succ.get(key, []):
        node = nodes[nxt]
        kind = type(node).__name__
        if nxt in seen:
            raise ValueError(f"NIR nodes {list(seen) + [nxt]} form a loop without a neuron node")
        if kind == "Output":
            if start in gains:
                outputs.append(start)
            continue
        if kind == "Input":
            raise ValueError(f"NIR edge ({key!r}, {nxt!r}) leads into Input node {nxt!r}")
        if kind in NEURON_TYPES:
            if key == start and net.populations[start].is_source:  # Input -> neuron: same step
                _direct(start, nxt, net, gains)
            else:
                _connect(start, nxt, W, bias, delay, net, gains, dt)
                linear = [k for k in seen if type(nodes[k]).__name__ in LINEAR_TYPES]
                by_node = net.__dict__.get("_nir_hint_by_node", {})
                if len(linear) == 1 and linear[0] in by_node:
                    net.__dict__.setdefault("_nir_weight_exp", {})[f"{start}->{nxt}"] = by_node[linear[0]]
            continue
        if kind == "Delay":
            d = _param(nxt, node, "delay", W.shape[0])
            _walk(start, nxt, W, bias, delay + d, succ, nodes, net, gains, dt, outputs, seen + (nxt,))
            continue
        M, b = _linear(nxt, node, W.shape[0])
        if np.ndim(delay) and np.any(delay != delay.flat[0]):
            raise ValueError(f"NIR node {nxt!r} ({kind}) mixes channels that have different delays "
                             f"(per-channel Delay before a linear node): not a per-synapse delay")
        meta = getattr(node, "metadata", None) or {}
        if "lava_eirate_weight_exp" in meta:
            net.__dict__.setdefault("_nir_hint_by_node", {})[nxt] = int(np.asarray(meta["lava_eirate_weight_exp"]))
        nb = M @ bias if bias is not None else None
        if b is not None:
            nb = b if nb is None else nb + b
        d = float(np.max(delay)) if np.ndim(delay) else delay
        _walk(start, nxt, M @ W, nb, d, succ, nodes, net, gains, dt, outputs, seen + (nxt,))


def _direct(src, post, net, gains):
    """An edge from an Input straight into a neuron node: its values reach the
    population's input on the same step (Lava's InPort), scaled by the node's input gain."""
    pop = net.populations[post]
    source = net.populations[src]
    used = net.__dict__.setdefault("_nir_direct", {})
    if src in used and (np.any(gains[post] != 1) or np.any(gains[used[src]] != 1)):
        raise ValueError(f"NIR Input {src!r} feeds {used[src]!r} and {post!r} directly, with input gains "
                         f"other than 1: put a Linear node on each edge")
    used[src] = post
    if source.n != pop.n:
        raise ValueError(f"NIR edge ({src!r}, {post!r}): Input {src!r} has {source.n} values, "
                         f"{post!r} has {pop.n} neurons")
    source.model.data = source.model.data * gains[post][None, :]
    net.connect(src, post)


def _connect(pre, post, W, bias, delay, net, gains, dt):
    pop = net.populations[post]
    if W.shape != (pop.n, net.populations[pre].n):
        raise ValueError(f"NIR path {pre!r} -> {post!r} maps {W.shape[1]} values to {W.shape[0]}; "
                         f"{post!r} has {pop.n} neurons")
    g = gains[post][:, None]
    steps = np.asarray(delay, dtype=np.float64) / dt
    whole = np.rint(steps)
    if np.any(np.abs(steps - whole) > 1e-6 * np.maximum(1.0, whole)) or np.any(whole < 0):
        raise ValueError(f"NIR path {pre!r} -> {post!r}: delay {np.ravel(delay)[0]} is not a whole number "
                         f">= 0 of steps dt = {dt}")
    if whole.ndim and np.any(whole != whole.flat[0]):
        delays = np.repeat(whole.astype(np.int64)[:, None], W.shape[1], axis=1) * (W != 0)
    else:
        delays = int(whole.flat[0]) if whole.ndim else int(whole)
        delays = delays or None
    graded = 24 if net.populations[pre].is_source else 0
    net.connect(pre, post, FloatSynapses(W * g, num_message_bits=graded), delays=delays)
    if bias is not None and np.any(bias != 0):
        src = net.add(SpikeSource((bias * gains[post])[None, :]), name=f"bias:{pre}->{post}")
        net.connect(src, post)


def export(net: Network, path=None, dt: float = 1e-3, *, outputs=None, scales=None):
    """The float network ``net`` as a NIR graph (written to ``path`` when given; returned).

    Each FloatLIF population becomes a NIR LIF (``du == 1``) or CubaLIF node with
    ``r = tau_mem / dt`` (and ``w_in = 1``), the inverse of :func:`load`'s rules; each
    SpikeSource an Input; each connection a Linear node (weights divided by the target's
    input gain), followed by a Delay node for a constant delay, or a per-target one when
    each row of the delays is constant. ``outputs``: the populations given Output nodes
    (default: ``net.nir_outputs`` if set, else those with no outgoing connection, or
    all of them where every population sends).
    A population with ``dv = 0``, ``du = 1`` and no bias becomes an IF node. A fixed-point
    network is written through :func:`lava_eirate.fixed_to_float` at ``scales``
    (``{population: S}``; default: ``net.quantization.scales``), its scales and weight
    exponents kept as node metadata so that ``load(..., fixed=True)`` gives back the
    same integers. Raises ValueError for what NIR cannot say: other neuron models, dv = 0
    with du < 1 or a bias, delays that vary along a row, and direct inputs into a
    population from more than one source.
    """
    nir = _nir()
    if not isinstance(net, Network):
        raise TypeError(f"net must be a lava_eirate.Network, got {type(net).__name__}")
    meta_scale, meta_exp = {}, {}
    if net.family == "fixed":
        from .convert.graph_fixed import graph_fixed_to_float
        if scales is None and getattr(net, "quantization", None) is not None:
            scales = net.quantization.scales
        if scales is None:
            raise ValueError("a fixed-point network is exported through fixed_to_float at its scales: pass "
                             "scales={population: S} (the report of float_to_fixed has them)")
        meta_scale = {k: float(v) for k, v in scales.items()}
        meta_exp = {(c.pre.name, c.post.name): int(c.synapses.weight_exp) for c in net.connections
                    if c.synapses is not None}
        net = graph_fixed_to_float(net, scales)
    dt = float(dt)
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt = {dt} is out of range: legal range (0, inf)")
    nodes, edges, gain = {}, [], {}
    for name, pop in net.populations.items():
        if isinstance(pop.model, PoissonSource):
            raise ValueError(f"population {name!r} is a PoissonSource: NIR has no Poisson node; export "
                             f"pop.model.as_spike_source(num_steps) instead")
        if pop.is_source:
            if name.startswith("bias:"):
                continue
            nodes[name] = nir.Input(input_type={"input": np.array([pop.n])})
            continue
        m = pop.model
        if type(m) is not FloatLIF:
            raise ValueError(f"population {name!r} is a {type(m).__name__}; NIR export takes FloatLIF")
        du, dv, vth, bias = (m._full(f, np.float64) for f in ("du", "dv", "vth", "bias"))
        meta = {"lava_eirate_scale": meta_scale[name]} if name in meta_scale else {}
        if np.all(dv == 0) and np.all(du == 1):  # no leak: an IF neuron (r = 1 / dt: input gain 1)
            if np.any(bias != 0):
                raise ValueError(f"population {name!r}: dv = 0 with a bias has no NIR form (IF has no leak "
                                 f"or bias)")
            nodes[name] = nir.IF(r=np.full(pop.n, 1.0 / dt), v_threshold=vth, v_reset=np.zeros(pop.n),
                                 metadata=meta)
            gain[name] = np.ones(pop.n)
            continue
        if np.any(dv <= 0):
            raise ValueError(f"population {name!r}: dv = 0 with leaky neurons beside has no NIR LIF time "
                             f"constant")
        if np.any(du <= 0):
            raise ValueError(f"population {name!r}: du = 0 has no NIR CubaLIF synaptic time constant")
        tau_mem = dt / dv
        common = dict(r=tau_mem / dt, v_leak=bias / dv, v_threshold=vth, v_reset=np.zeros(pop.n))
        if np.all(du == 1):
            nodes[name] = nir.LIF(tau=tau_mem, **common, metadata=meta)
            gain[name] = np.ones(pop.n)
        else:
            nodes[name] = nir.CubaLIF(tau_syn=dt / du, tau_mem=tau_mem, w_in=np.ones(pop.n), **common,
                                      metadata=meta)
            gain[name] = du.copy()
    biases = {}  # the constant inputs load() made of Affine biases, by (pre, post)
    for c in net.connections:
        if c.synapses is None and c.pre.name.startswith("bias:"):
            pre = c.pre.name[len("bias:"):].rsplit("->", 1)[0]
            data = np.asarray(c.pre.model.data, dtype=np.float64)
            if data.shape[0] != 1:
                raise ValueError(f"population {c.pre.name!r}: a bias source has one row, not {data.shape[0]}")
            biases[(pre, c.post.name)] = data[0] / gain[c.post.name]
    direct_seen = {}
    for k, c in enumerate(net.connections):
        pre, post = c.pre.name, c.post.name
        if c.synapses is None:
            if pre.startswith("bias:"):
                continue
            if post in direct_seen:
                raise ValueError(f"population {post!r} has direct inputs from {direct_seen[post]!r} and "
                                 f"{pre!r}; NIR edges into a neuron node cannot say which is which")
            if np.any(gain[post] != 1):
                raise ValueError(f"population {post!r} (du < 1: a CubaLIF) has a direct input from {pre!r}; "
                                 f"NIR would scale it by the synaptic gain: connect it through synapses")
            direct_seen[post] = pre
            edges.append((pre, post))
            continue
        W = c.synapses.matrix
        W = W.toarray() if hasattr(W, "toarray") else np.asarray(W, dtype=np.float64)
        lin = f"w{k}:{pre}->{post}"
        b = biases.pop((pre, post), None)
        meta = {"lava_eirate_weight_exp": meta_exp[(pre, post)]} if (pre, post) in meta_exp else {}
        nodes[lin] = (nir.Linear(weight=W / gain[post][:, None], metadata=meta) if b is None else
                      nir.Affine(weight=W / gain[post][:, None], bias=b, metadata=meta))
        edges.append((pre, lin))
        d = c.delays
        if d is None or (np.isscalar(d) and d == 0):
            edges.append((lin, post))
            continue
        if np.isscalar(d) or np.ndim(d) == 0:
            per_post = np.full(c.post.n, float(d))
        else:
            post_i, _ = c.synapses.synapse_coords()  # per-synapse delays, in storage order
            lo = np.full(c.post.n, np.iinfo(np.int64).max)
            hi = np.full(c.post.n, -1)
            np.minimum.at(lo, post_i, d.astype(np.int64))
            np.maximum.at(hi, post_i, d.astype(np.int64))
            bad = np.flatnonzero((hi >= 0) & (lo != hi))
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"connection {pre!r} -> {post!r}: delays vary along row {i} (from {lo[i]} "
                                 f"to {hi[i]}); NIR's Delay node delays channels, not synapses")
            per_post = np.where(hi >= 0, hi, 0).astype(np.float64)
        dl = f"d{k}:{pre}->{post}"
        nodes[dl] = nir.Delay(delay=per_post * dt)
        edges += [(lin, dl), (dl, post)]
    if biases:
        raise ValueError(f"bias sources {sorted(biases)} have no connection between the same populations")
    if outputs is None:
        outputs = getattr(net, "nir_outputs", None)
        if outputs is None:
            senders = {c.pre.name for c in net.connections}
            outputs = [n for n, p in net.populations.items() if not p.is_source and n not in senders] or \
                [n for n, p in net.populations.items() if not p.is_source]  # all of them, in a loop
    for name in outputs:
        if name not in gain:
            raise ValueError(f"outputs names {name!r}, which is not a neuron population of the network")
        out = f"output:{name}"
        nodes[out] = nir.Output(output_type={"output": np.array([net.populations[name].n])})
        edges.append((name, out))
    graph = nir.NIRGraph(nodes=nodes, edges=edges)
    if path is not None:
        tmp = f"{os.fspath(path)}.{os.getpid()}.tmp"
        try:
            nir.write(tmp, graph)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return graph
