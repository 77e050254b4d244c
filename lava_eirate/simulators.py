"""Simulators: :func:`simulate_fixed` (Loihi integers), :func:`simulate_float`, :func:`simulate_rate`.

Time convention (as a Lava Monitor records): row ``i`` of a trace is the state after step
``i + 1``; a spike at step ``t`` reaches the synaptic input of step ``t + 1``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _validate as V
from ._sparse import checked, is_sparse
from ._progress import Progress
from .loihi import limits as L
from .params import FixedLIF, FixedSynapses, FloatLIF, FloatSynapses

_RECORDABLE = ("s", "u", "v")
#: Steps per call into the kernel when a progress bar is shown.
_CHUNK_WORK = 20_000_000
#: Wall time a call into the kernel aims at: later chunks double while a chunk takes
#: less than half of it and halve while one takes more than twice (0: chunks stay at
#: :func:`chunk_steps`). Chunking never changes a result.
_CHUNK_SECONDS = 0.1


@dataclass
class Trace:
    """Recorded run. ``s`` is (T, n) bool; ``u``, ``v`` are (T, n) int32 (fixed) or
    float64 (float), or None when not recorded. ``final`` holds the state after the last
    step (``u``, ``v`` and ``acc``, the synaptic sum pending for the next step), from
    which a run can be continued."""

    s: np.ndarray | None
    u: np.ndarray | None
    v: np.ndarray | None
    num_steps: int
    n: int
    kind: str
    final: dict = field(default_factory=dict, repr=False)
    num_spikes: int = 0
    #: (T, n) synaptic input of each step when recorded (``le.simulate(record={..: "a"})``).
    a: np.ndarray | None = field(default=None, repr=False)
    #: Spikes as events when recorded so (``record={..: "events"}``): ``(t, i, value)``
    #: arrays -- row t of ``s`` (step t + 1), neuron i, value (+1, or -1 for ternary).
    events: tuple | None = field(default=None, repr=False)

    def spike_counts(self) -> np.ndarray:
        """Spikes per neuron over the run (needs ``s`` recorded)."""
        if self.s is None:
            raise ValueError("spikes were not recorded; pass record=('s', ...)")
        return self.s.sum(axis=0)

    def mean_rate(self) -> float:
        """Mean firing rate in spikes per neuron per step."""
        return self.num_spikes / float(self.n * self.num_steps)


def _record_spec(record) -> tuple[str, ...]:
    if isinstance(record, str):
        record = (record,)
    record = tuple(record or ())
    bad = [r for r in record if r not in _RECORDABLE]
    if bad:
        raise ValueError(f"record={record!r} contains {bad}; legal entries: {_RECORDABLE}")
    return record


def _external_input(a_in, num_steps: int, n: int, integer: bool) -> np.ndarray:
    if a_in is None:
        return np.zeros((0, n), np.int32 if integer else np.float64)
    if is_sparse(checked("a_in", a_in)):
        a_in = a_in.toarray()
    if integer:
        arr = V.int_param("a_in", a_in, np.iinfo(np.int32).min, np.iinfo(np.int32).max)
        arr = arr.astype(np.int32)
    else:
        arr = V.float_param("a_in", a_in)
    if arr.shape != (num_steps, n):
        raise ValueError(f"a_in has shape {arr.shape}; expected (num_steps, n) = ({num_steps}, {n})")
    return np.ascontiguousarray(arr)


def chunk_steps(num_steps: int, n: int, nnz: int) -> int:
    """Steps per call into the kernel: ~_CHUNK_WORK units of work (n + nnz/10 per step)."""
    return max(1, min(num_steps, _CHUNK_WORK // max(n + nnz // 10, 1)))


def _run_steps(step, label: str, num_steps: int, n: int, nnz: int, progress,
               max_steps: int | None = None) -> int:
    """Call ``step(t0, k)`` over all steps in chunks of ~:data:`_CHUNK_SECONDS` (Ctrl-C
    is seen between chunks: a numba loop does not look at signals; the first chunk's size
    is :func:`chunk_steps`' estimate, at most ``max_steps``), with a progress bar when one
    is asked for, or on an interactive stderr for long runs. Returns the spikes counted."""
    import time
    total = 0
    cap = num_steps if max_steps is None else max(1, int(max_steps))
    k = min(chunk_steps(num_steps, n, nnz), cap)
    with Progress(num_steps, label, enabled=progress) as bar:
        if progress is None and num_steps * (n + nnz // 10) < 5 * _CHUNK_WORK:
            bar.enabled = False
        t = 0
        while t < num_steps:
            m = min(k, num_steps - t)
            t0 = time.perf_counter()
            total += step(t, m)
            took = time.perf_counter() - t0
            bar.update(m)
            t += m
            if m == k and took < 0.5 * _CHUNK_SECONDS:
                k = min(2 * k, cap)
            elif took > 2.0 * _CHUNK_SECONDS:
                k = max(1, k // 2)
    return total


def _single_population(neurons, synapses, num_steps, a_in, integer: bool):
    """The network of one population with its recurrent synapses and, for ``a_in``, a
    source feeding it directly: what :func:`simulate_fixed` / :func:`simulate_float` run."""
    from .engine import Network, SpikeSource
    n = neurons.n
    net = Network()
    pop = net.add(neurons, name="pop")
    if synapses is not None:
        if synapses.shape != (n, n):
            raise ValueError(f"synapses have shape {synapses.shape}; expected ({n}, {n}) "
                             f"for a recurrent population of n={n}")
        net.connect(pop, pop, synapses)
    if a_in is not None:
        net.connect(net.add(SpikeSource(_external_input(a_in, num_steps, n, integer)), name="a_in"), pop)
    return net


def _single_run(net, num_steps, record, u0, v0, state, progress, integer: bool, num_threads=None) -> Trace:
    from .engine import _simulate
    comp = net.compiled()
    n = net.populations["pop"].n
    if state is None:
        st = _init_uv(comp, n, u0, v0, integer)
    else:
        st = _continue_state(comp, state, n)
    tr = _simulate(net, num_steps, {"pop": record}, st, None, progress,
                   "simulate_fixed" if integer else "simulate_float", num_threads)
    out = tr["pop"]
    fin = tr.final
    acc = fin.pending(0)[0] if net.connections and net.connections[0].synapses is not None else np.zeros(n)
    out.final = {"u": fin.u[:n].copy(), "v": fin.v[:n].copy(),
                 "acc": acc.astype(np.int64 if integer else np.float64)}
    return out


def _init_uv(comp, n, u0, v0, integer):
    st = comp.fresh_state()
    if integer:
        st.u[:n] = V.int_param("u0", u0, *L.UV_INIT_RANGE, n=n)
        st.v[:n] = V.int_param("v0", v0, *L.UV_INIT_RANGE, n=n)
    else:
        st.u[:n] = V.float_param("u0", u0, n=n)
        st.v[:n] = V.float_param("v0", v0, n=n)
    return st


def _continue_state(comp, state: dict, n: int):
    if not isinstance(state, dict):
        raise ValueError(f"state must be the .final dict of a simulate_fixed trace, got {type(state).__name__}")
    missing = {"u", "v", "acc"} - set(state)
    if missing:
        raise ValueError(f"state lacks {sorted(missing)}; pass a Trace.final from simulate_fixed")
    i32 = np.iinfo(np.int32)
    st = comp.fresh_state()
    st.u[:n] = V.int_param("state['u']", state["u"], i32.min, i32.max, n=n)
    st.v[:n] = V.int_param("state['v']", state["v"], *L.UV_INIT_RANGE, n=n)
    big = np.iinfo(comp.acc_dtype).max
    acc = V.int_param("state['acc']", state["acc"], -big, big, n=n)
    if st.acc.size:
        st.acc[:n] = acc
    return st


def simulate_fixed(neurons: FixedLIF, synapses: FixedSynapses | None, num_steps: int,
                   a_in=None, u0=0, v0=0, record=("s", "u", "v"), *, state=None,
                   progress: bool | None = None, num_threads: int | None = None) -> Trace:
    """Run a Loihi LIF population with recurrent synapses, bit-exact with Lava 0.10.

    One population of the network engine (:func:`lava_eirate.simulate`).

    Parameters
    ----------
    neurons : FixedLIF with ``n`` neurons.
    synapses : FixedSynapses of shape (n, n), ``W[post, pre]``, or None (no recurrence).
    num_steps : number of steps (>= 1).
    a_in : optional (num_steps, n) int32-range external input added to the synaptic
        input of the same step (no extra delay).
    u0, v0 : initial u and v, scalars or (n,), in [-(2**23 - 1), 2**23 - 1].
    record : subset of ("s", "u", "v") to record every step.
    state : optional ``trace.final`` of a previous run (u, v and the pending synaptic
        sum) to continue from; replaces u0 and v0.
    progress : show a progress bar (None: only on an interactive stderr for long runs).
    num_threads : as in :func:`lava_eirate.simulate` (None: every core for large
        networks); the result is the same for any count.

    Returns
    -------
    Trace with ``s`` (T, n) bool and ``u``, ``v`` (T, n) int32.
    """
    if not isinstance(neurons, FixedLIF):
        raise TypeError(f"neurons must be a FixedLIF, got {type(neurons).__name__}")
    num_steps = V.as_count("num_steps", num_steps)
    if synapses is not None and not isinstance(synapses, FixedSynapses):
        synapses = FixedSynapses(synapses)
    record = _record_spec(record)
    net = _single_population(neurons, synapses, num_steps, a_in, integer=True)
    return _single_run(net, num_steps, record, u0, v0, state, progress, integer=True, num_threads=num_threads)


def simulate_float(neurons: FloatLIF, weights, num_steps: int, a_in=None, u0=0.0, v0=0.0,
                   record=("s", "u", "v"), *, progress: bool | None = None,
                   num_threads: int | None = None) -> Trace:
    """Run a float LIF population (Lava's ``PyLifModelFloat`` + ``PyDenseModelFloat``).

    ``weights`` is an (n, n) float array or scipy.sparse matrix ``W[post, pre]``, a
    FloatSynapses, or None. Same time convention and arguments as :func:`simulate_fixed`.
    """
    if not isinstance(neurons, FloatLIF):
        raise TypeError(f"neurons must be a FloatLIF, got {type(neurons).__name__}")
    num_steps = V.as_count("num_steps", num_steps)
    syn = None
    if weights is not None:
        syn = weights if isinstance(weights, FloatSynapses) else FloatSynapses(weights)
    record = _record_spec(record)
    net = _single_population(neurons, syn, num_steps, a_in, integer=False)
    return _single_run(net, num_steps, record, u0, v0, None, progress, integer=False, num_threads=num_threads)


def rate_params(shape_exc, shape_inh, weights, dr_exc, dr_inh, bias_exc, bias_inh):
    """Validate E/I rate-network parameters; return ``(n_e, n_i, dr, bias, W)`` arrays."""
    n_e = V.as_count("shape_exc", shape_exc, lo=0)
    n_i = V.as_count("shape_inh", shape_inh, lo=0)
    n = n_e + n_i
    if n < 1:
        raise ValueError("shape_exc + shape_inh must be >= 1")
    w = weights.toarray() if is_sparse(checked("weights", weights)) else weights
    w = V.float_param("weights", w)
    if w.shape != (n, n):
        raise ValueError(f"weights have shape {w.shape}; expected ({n}, {n}) = "
                         f"(shape_exc + shape_inh, shape_exc + shape_inh)")
    dr = np.concatenate([np.broadcast_to(V.float_param("dr_exc", dr_exc, 0.0, 1.0), (n_e,)),
                         np.broadcast_to(V.float_param("dr_inh", dr_inh, 0.0, 1.0), (n_i,))])
    bias = np.concatenate([np.broadcast_to(V.float_param("bias_exc", bias_exc, n=n_e), (n_e,)),
                           np.broadcast_to(V.float_param("bias_inh", bias_inh, n=n_i), (n_i,))])
    return n_e, n_i, dr, bias, w


def rate_step(r, keep, w_scaled, bias, ext_t=None):
    """One step of the tutorial's rate network, in its order of operations:
    ``((1 - dr) * r + bias) + (dr * W) @ erf(r)``, then ``+ a_in``."""
    from scipy.special import erf
    out = keep * r
    out += bias
    out += w_scaled @ erf(r)
    if ext_t is not None:
        out = out + ext_t
    return out


def simulate_rate(shape_exc, shape_inh, weights, dr_exc, dr_inh, bias_exc, bias_inh,
                  num_steps, a_in=None, r0=0.0) -> np.ndarray:
    """The Lava E/I tutorial's rate network; returns the (T, n) states.

    ``r(t) = (1 - dr) * r(t-1) + (dr * W) @ erf(r(t-1)) + bias + a_in(t)``, ``r(0) = r0``,
    with dr per postsynaptic neuron (dr_exc for rows 0..shape_exc-1) and the bias added
    unscaled each step. Row ``i`` is the state after step ``i + 1``. (The tutorial's own
    model scales the columns with the two drs swapped; with equal drs, as in all its
    networks, the two are identical.)
    """
    n_e, n_i, dr, bias, w = rate_params(shape_exc, shape_inh, weights, dr_exc, dr_inh,
                                        bias_exc, bias_inh)
    n = n_e + n_i
    num_steps = V.as_count("num_steps", num_steps)
    ext = None
    if a_in is not None:
        ext = V.float_param("a_in", a_in)
        if ext.shape != (num_steps, n):
            raise ValueError(f"a_in has shape {ext.shape}; expected ({num_steps}, {n})")
    r = V.full(V.float_param("r0", r0, n=n), n, np.float64)
    keep = 1.0 - dr
    w_scaled = dr[:, None] * w
    out = np.empty((num_steps, n))
    for t in range(num_steps):
        r = rate_step(r, keep, w_scaled, bias, None if ext is None else ext[t])
        out[t] = r
    return out
