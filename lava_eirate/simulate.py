"""Simulators: :func:`simulate_fixed` (Loihi integers), :func:`simulate_float`, :func:`simulate_rate`.

Time convention (as a Lava Monitor records): row ``i`` of a trace is the state after step
``i + 1``; a spike at step ``t`` reaches the synaptic input of step ``t + 1``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _validate as V
from ._sparse import is_sparse
from ._progress import Progress
from .loihi import limits as L
from .loihi.kernels import FMT_NONE, run_fixed, run_float
from .params import FixedLIF, FixedSynapses, FloatLIF, FloatSynapses

_RECORDABLE = ("s", "u", "v")
#: Steps per call into the kernel when a progress bar is shown.
_CHUNK_WORK = 20_000_000


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
    if is_sparse(a_in):
        a_in = a_in.toarray()
    if integer:
        arr = V.int_param("a_in", a_in, np.iinfo(np.int32).min, np.iinfo(np.int32).max)
        arr = arr.astype(np.int32)
    else:
        arr = V.float_param("a_in", a_in)
    if arr.shape != (num_steps, n):
        raise ValueError(f"a_in has shape {arr.shape}; expected (num_steps, n) = ({num_steps}, {n})")
    return np.ascontiguousarray(arr)


def _chunks(num_steps: int, n: int, nnz: int):
    per_step = max(n + nnz // 10, 1)
    step = max(1, min(num_steps, _CHUNK_WORK // per_step))
    t = 0
    while t < num_steps:
        k = min(step, num_steps - t)
        yield t, k
        t += k


def _prepare_state(n, u0, v0, integer, acc_dtype=np.int64):
    if integer:
        u = V.full(V.int_param("u0", u0, *L.UV_INIT_RANGE, n=n), n, np.int32)
        v = V.full(V.int_param("v0", v0, *L.UV_INIT_RANGE, n=n), n, np.int32)
        acc = np.zeros(n, acc_dtype)
    else:
        u = V.full(V.float_param("u0", u0, n=n), n, np.float64)
        v = V.full(V.float_param("v0", v0, n=n), n, np.float64)
        acc = np.zeros(n, np.float64)
    return u, v, acc


def _recorders(record, num_steps: int, n: int, dtype):
    """(T, n) arrays for s, u, v; 0 rows for what is not recorded."""
    return tuple(np.zeros((num_steps if name in record else 0, n), np.bool_ if name == "s" else dtype)
                 for name in ("s", "u", "v"))


def _run_steps(step, label: str, num_steps: int, n: int, nnz: int, progress) -> int:
    """Call ``step(t0, k)`` over all steps -- in one call, or in chunks with a progress bar
    when one is shown (asked for, or on an interactive stderr for long runs). Returns the
    spikes counted by ``step``."""
    total = 0
    with Progress(num_steps, label, enabled=progress) as bar:
        if progress is None and num_steps * (n + nnz // 10) < 5 * _CHUNK_WORK:
            bar.enabled = False
        for t0, k in _chunks(num_steps, n, nnz) if bar.enabled else [(0, num_steps)]:
            total += step(t0, k)
            bar.update(k)
    return total


def _trace(recs, record, num_steps, n, kind, final, total) -> Trace:
    s, u, v = (r if name in record else None for name, r in zip(("s", "u", "v"), recs))
    return Trace(s=s, u=u, v=v, num_steps=num_steps, n=n, kind=kind, final=final, num_spikes=int(total))


def _continue_state(state: dict, n: int, acc_dtype):
    missing = {"u", "v", "acc"} - set(state)
    if missing:
        raise ValueError(f"state lacks {sorted(missing)}; pass a Trace.final from simulate_fixed")
    i32 = np.iinfo(np.int32)
    u = V.full(V.int_param("state['u']", state["u"], i32.min, i32.max, n=n), n, np.int32)
    v = V.full(V.int_param("state['v']", state["v"], *L.UV_INIT_RANGE, n=n), n, np.int32)
    big = np.iinfo(acc_dtype).max
    acc = V.full(V.int_param("state['acc']", state["acc"], -big, big, n=n), n, acc_dtype)
    return u, v, acc


def simulate_fixed(neurons: FixedLIF, synapses: FixedSynapses | None, num_steps: int,
                   a_in=None, u0=0, v0=0, record=("s", "u", "v"), *, state=None,
                   progress: bool | None = None) -> Trace:
    """Run a Loihi LIF population with recurrent synapses, bit-exact with Lava 0.10.

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

    Returns
    -------
    Trace with ``s`` (T, n) bool and ``u``, ``v`` (T, n) int32.
    """
    if not isinstance(neurons, FixedLIF):
        raise TypeError(f"neurons must be a FixedLIF, got {type(neurons).__name__}")
    n = neurons.n
    num_steps = V.as_count("num_steps", num_steps)
    if synapses is not None:
        if not isinstance(synapses, FixedSynapses):
            synapses = FixedSynapses(synapses)
        if synapses.shape != (n, n):
            raise ValueError(f"synapses have shape {synapses.shape}; expected ({n}, {n}) "
                             f"for a recurrent population of n={n}")
        fmt, indptr, indices, data, w_t, weight_exp = synapses.kernel_arrays()
        nnz, acc_dtype = synapses.nnz, synapses.acc_dtype
    else:
        fmt, indptr, indices, data = FMT_NONE, np.zeros(1, np.int64), np.zeros(0, np.uint32), np.zeros(0, np.int16)
        w_t, weight_exp, nnz, acc_dtype = np.zeros((0, 0), np.int16), 0, 0, np.int32
    record = _record_spec(record)
    ext = _external_input(a_in, num_steps, n, integer=True)
    if state is not None:
        u, v, acc = _continue_state(state, n, acc_dtype)
    else:
        u, v, acc = _prepare_state(n, u0, v0, integer=True, acc_dtype=acc_dtype)
    consts = neurons.kernel_arrays()
    recs = _recorders(record, num_steps, n, np.int32)
    spikes = np.zeros(n, np.int32)
    total = _run_steps(lambda t0, k: run_fixed(t0, k, u, v, acc, *consts, fmt, indptr, indices, data,
                                               w_t, weight_exp, ext, *recs, spikes),
                       "simulate_fixed", num_steps, n, nnz, progress)
    return _trace(recs, record, num_steps, n, "fixed",
                  {"u": u, "v": v, "acc": acc.astype(np.int64)}, total)


def simulate_float(neurons: FloatLIF, weights, num_steps: int, a_in=None, u0=0.0, v0=0.0,
                   record=("s", "u", "v"), *, progress: bool | None = None) -> Trace:
    """Run a float LIF population (Lava's ``PyLifModelFloat`` + ``PyDenseModelFloat``).

    ``weights`` is an (n, n) float array or scipy.sparse matrix ``W[post, pre]``, a
    FloatSynapses, or None. Same time convention and arguments as :func:`simulate_fixed`.
    """
    if not isinstance(neurons, FloatLIF):
        raise TypeError(f"neurons must be a FloatLIF, got {type(neurons).__name__}")
    n = neurons.n
    num_steps = V.as_count("num_steps", num_steps)
    if weights is not None:
        syn = weights if isinstance(weights, FloatSynapses) else FloatSynapses(weights)
        if syn.shape != (n, n):
            raise ValueError(f"weights have shape {syn.shape}; expected ({n}, {n})")
        fmt, indptr, indices, data, w_t = syn.kernel_arrays()
        nnz = data.size + w_t.size
    else:
        fmt, indptr, indices, data = FMT_NONE, np.zeros(1, np.int64), np.zeros(0, np.uint32), np.zeros(0)
        w_t, nnz = np.zeros((0, 0)), 0
    record = _record_spec(record)
    ext = _external_input(a_in, num_steps, n, integer=False)
    u, v, acc = _prepare_state(n, u0, v0, integer=False)
    consts = neurons.kernel_arrays()
    recs = _recorders(record, num_steps, n, np.float64)
    spikes = np.zeros(n, np.int32)
    total = _run_steps(lambda t0, k: run_float(t0, k, u, v, acc, *consts, fmt, indptr, indices, data,
                                               w_t, ext, *recs, spikes),
                       "simulate_float", num_steps, n, nnz, progress)
    return _trace(recs, record, num_steps, n, "float", {"u": u, "v": v, "acc": acc}, total)


def rate_params(shape_exc, shape_inh, weights, dr_exc, dr_inh, bias_exc, bias_inh):
    """Validate E/I rate-network parameters; return ``(n_e, n_i, dr, bias, W)`` arrays."""
    n_e = V.as_count("shape_exc", shape_exc, lo=0)
    n_i = V.as_count("shape_inh", shape_inh, lo=0)
    n = n_e + n_i
    if n < 1:
        raise ValueError("shape_exc + shape_inh must be >= 1")
    w = weights.toarray() if is_sparse(weights) else weights
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
