"""Networks of populations and connections, and the one engine that runs them.

``Network`` holds populations (neuron models of one family, fixed or float, and
``SpikeSource`` inputs) and connections (``FixedSynapses``/``FloatSynapses`` with optional
delays). :func:`simulate` flattens the graph once into plain arrays and runs the numba
kernel :func:`lava_eirate.loihi.network_kernel.run_network`; fixed-point networks are
bit-exact with the Lava 0.10 processes they correspond to:

==========================  =====================================================
lava_eirate                 Lava 0.10 (bit-accurate / fixed ProcessModel)
==========================  =====================================================
FixedLIF                    LIF (PyLifModelBitAcc)
FixedLIFReset               LIFReset (PyLifResetModelBitAcc)
FixedTernaryLIF             TernaryLIF (PyTernLifModelFixed)
FixedLIFRefractory          -- (Loihi 1's refractory delay, see the model)
SpikeSource                 RingBuffer (PySendModelFixed), ``data`` transposed
PoissonSource               -- (a RingBuffer of its ``payloads``: ``as_spike_source``)
FixedSynapses, dense        Dense (PyDenseModelBitAcc); with delays DelayDense
FixedSynapses, sparse       Sparse (PySparseModelBitAcc); with delays DelaySparse
``connect(src, pop)``       RingBuffer.s_out -> LIF.a_in (same step, no synapses)
==========================  =====================================================

Time convention (as a Lava Monitor records): row ``i`` of a trace is the state after step
``i + 1``; a spike at step t reaches its target at step ``t + 1 + delay``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _validate as V
from ._malloc import release_freed_memory
from ._sparse import checked, is_sparse
from .loihi import limits as L
from .loihi import network_kernel as NK
from .loihi.kernels import FMT_DENSE, FMT_PACKED, PACK_MASK, PACK_SHIFT
from .params import (FixedLIF, FixedLIFRefractory, FixedLIFReset, FixedRate, FixedSynapses, FixedTernaryLIF,
                     FloatLIF, FloatLIFRefractory, FloatLIFReset, FloatRate, FloatSynapses, FloatTernaryLIF)

#: Largest synaptic delay in steps (Loihi 2's 6-bit delay field; Lava's Python models
#: accept 63).
MAX_DELAY = 62
NEURON_MODELS = (FixedLIF, FixedLIFReset, FixedTernaryLIF, FixedLIFRefractory, FixedRate,
                 FloatLIF, FloatLIFReset, FloatTernaryLIF, FloatLIFRefractory, FloatRate)
#: s (spikes), u, v, and a: the population's synaptic input of the step (int32 in fixed point,
#: the sum of its connections' outputs and direct inputs, before the << 6 alignment).
RECORDABLE = ("s", "u", "v", "a")
#: Events the kernel's event buffers hold at least (a run empties them whenever they may
#: not hold one more step with every recorded neuron spiking).
EVENTS_MIN_BUFFER = 1 << 20
#: Bytes of the buffer a chunk's spike raster goes through (int8, one row per step).
RASTER_BUFFER_BYTES = 8 << 20
#: What ``record=`` takes: the above, and "events" -- spikes as (step, neuron) lists,
#: without a T x n array (memory grows with the spikes, not with T x n).
RECORD_OPTIONS = RECORDABLE + ("events",)
_I32 = np.iinfo(np.int32)
#: ``num_threads=None`` uses every core for networks with at least this many synapses
#: (below it a step is too short for threads to gain; see benchmarks/bench_threads.py).
THREADS_MIN_SYNAPSES = 500_000
#: A connection is accumulated on threads only when it has at least this many synapses,
#: and a population updated on threads only when it has at least this many neurons.
THREADS_MIN_CONN_SYNAPSES = 50_000
THREADS_MIN_POP_NEURONS = 20_000
#: Fused synapse lists (several connections from one population as one list) are a copy
#: of their connections' synapses, built with ~50 B/syn of int64 temporaries, so groups
#: above this many synapses stay separate: at Brunel N=12,500 (12.5M synapses from E)
#: fusing gained ~3% per step for 2x the resident memory and 3x the peak.
FUSE_MAX_SYNAPSES = 1 << 20
#: Compiling a network with at least this many bytes of synapses hands the freed heap back
#: to the system (:func:`release_freed_memory`); small ones (sweeps build many) keep it.
TRIM_MIN_BYTES = 16 << 20
#: Set to 1 in :func:`lava_eirate.sweep`'s worker processes (they already use the cores).
_default_threads: int | None = None


class SpikeSource:
    """Spikes or graded payloads from an array, with Lava ``RingBuffer`` semantics: at step
    t it sends row ``(t - 1) % T`` of ``data`` (cyclic when run longer than T).

    data : (T, n) array -- bool (spikes), integers (graded payloads; a binary connection
        counts any nonzero value as a spike) or, in float networks, reals. In a fixed-point
        network the values must be integers in the int32 range (RingBuffer's int32 Var).
    """

    def __init__(self, data):
        arr = data.toarray() if is_sparse(checked("data", data)) else data
        arr = V._numeric_array("data", arr)
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"data has shape {arr.shape}; expected (T, n) with T, n >= 1")
        if np.iscomplexobj(arr):
            raise ValueError("data must be real, got complex values")
        self.data = np.ascontiguousarray(arr)
        self.n = int(arr.shape[1])
        self.family = None

    def as_int32(self) -> np.ndarray:
        """The data as int32 (itself when it is int32 already: no copy of a long input);
        raises naming the first value that is not an int32 integer."""
        if self.data.dtype == np.int32:
            return self.data
        return V.int_param("data", self.data, _I32.min, _I32.max, allow_bool=True).astype(np.int32)

    def as_float64(self) -> np.ndarray:
        return V.float_param("data", self.data.astype(np.float64) if self.data.dtype == bool else self.data)

    def __repr__(self):
        return f"SpikeSource(T={self.data.shape[0]}, n={self.n})"


class PoissonSource:
    """Fresh Poisson counts every step (e.g. the external drive of Brunel's network): at
    step t neuron i sends ``weight[i] * k``, k ~ Poisson(``lam[i]``), independent across
    neurons and steps; 0 sends nothing, as a SpikeSource's zeros.

    n : neurons. lam : expected count per step, scalar or (n,), in [0, LAM_MAX] (a rate
        times dt; C_E inputs at nu each: ``C_E * nu * dt``). weight : what one count adds,
        scalar or (n,): integers (a fixed-point network: ``weight * k`` within int32 for
        every count the table can give) or reals (float networks). rng : the seeded
        numpy Generator the source's 64-bit key is drawn from (once, here).

    Counts follow :mod:`lava_eirate.loihi.poisson` (counter-based: chunks, continued runs,
    threads and the float and fixed versions of a network draw the same ones).
    :meth:`as_spike_source` gives the same payloads as a SpikeSource (for Lava's
    RingBuffer). Memory is O(n), not O(steps x n).
    """

    def __init__(self, n, lam, weight=1, *, rng):
        from .loihi import poisson as PZ
        self.n = V.as_count("n", n)
        lam = V.float_param("lam", lam, 0.0, PZ.LAM_MAX, n=self.n)
        self.lam = V.full(lam, self.n, np.float64)
        self.key = int(V.generator(rng).integers(0, 2 ** 64, dtype=np.uint64))
        self.family = None
        self._tables = {float(x): PZ.thresholds(float(x)) for x in np.unique(self.lam)}
        self._set_weight(weight)

    def _set_weight(self, weight):
        w = V._numeric_array("weight", weight)
        if w.dtype.kind in "iu" or (w.dtype.kind == "f" and np.all(np.isfinite(w)) and np.all(w == np.rint(w))):
            w = V.int_param("weight", w, _I32.min, _I32.max, n=self.n)
        else:
            w = V.float_param("weight", w, n=self.n)
        self.weight = V.full(w, self.n, w.dtype)
        top = np.array([self._tables[float(x)].size for x in self.lam], np.int64)  # largest count
        if self.weight.dtype.kind == "i":
            big = np.abs(self.weight) * top > _I32.max
            if big.any():
                i = int(np.argmax(big))
                raise ValueError(f"weight[{i}] = {self.weight[i]} times the largest count {top[i]} (lam = "
                                 f"{self.lam[i]}) leaves the int32 range of a payload")

    def with_weight(self, weight) -> "PoissonSource":
        """The same source (same key: the same counts) with another ``weight``."""
        import copy
        out = copy.copy(self)   # lam, key and tables shared (never changed in place)
        out._set_weight(weight)
        return out

    def payloads(self, num_steps: int, t0: int = 0) -> np.ndarray:
        """What steps ``t0 + 1 .. t0 + num_steps`` send, ``(num_steps, n)`` (int64 or float64)."""
        from .loihi import poisson as PZ
        k = PZ.counts(self.key, self.lam, V.as_count("t0", t0, 0), V.as_count("num_steps", num_steps))
        return k * self.weight

    def as_spike_source(self, num_steps: int) -> "SpikeSource":
        """A SpikeSource sending what this source sends in steps 1 .. num_steps (then, being
        a RingBuffer, it repeats them)."""
        return SpikeSource(self.payloads(num_steps))

    def as_int32(self) -> np.ndarray:
        if self.weight.dtype.kind != "i":
            i = int(np.argmax(self.weight != np.rint(self.weight)))
            raise ValueError(f"weight[{i}] = {self.weight[i]} is not an integer: a fixed-point network's "
                             f"payloads are int32 integers")
        return self.weight.astype(np.int32)

    def as_float64(self) -> np.ndarray:
        return self.weight.astype(np.float64)

    def __repr__(self):
        lam = self.lam[0] if np.all(self.lam == self.lam[0]) else "per neuron"
        return f"PoissonSource(n={self.n}, lam={lam})"


#: What :meth:`Network.add` takes besides neuron populations.
SOURCES = (SpikeSource, PoissonSource)


@dataclass(frozen=True)
class Population:
    """A population in a :class:`Network` (what :meth:`Network.add` returns)."""

    name: str
    model: object
    index: int

    @property
    def n(self) -> int:
        return self.model.n

    @property
    def is_source(self) -> bool:
        return isinstance(self.model, SOURCES)


@dataclass(frozen=True)
class Connection:
    """A connection in a :class:`Network`: ``synapses`` None means a source feeding ``post``
    directly. ``delays`` is None, an int, or an int array aligned with the stored synapses."""

    pre: Population
    post: Population
    synapses: object
    delays: object
    index: int

    @property
    def max_delay(self) -> int:
        if self.delays is None:
            return 0
        return int(np.max(self.delays)) if np.ndim(self.delays) else int(self.delays)


class Network:
    """Populations joined by connections; one family (all fixed or all float).

    >>> net = Network()
    >>> exc = net.add(FixedLIF(320, du=410, dv=256, vth=7600, bias_mant=1000, bias_exp=6), name="exc")
    >>> net.connect(exc, exc, FixedSynapses(W_ee), delays=2)
    """

    def __init__(self):
        self.populations: dict[str, Population] = {}
        self.connections: list[Connection] = []
        self.family: str | None = None
        self._compiled = None

    # -- building --------------------------------------------------------------------------
    def add(self, population, name: str | None = None) -> Population:
        """Add a neuron population, a :class:`SpikeSource` or a :class:`PoissonSource`;
        returns its handle.

        ``name`` defaults to ``"pop<k>"``; names are unique."""
        if not isinstance(population, NEURON_MODELS + SOURCES):
            legal = ", ".join(c.__name__ for c in NEURON_MODELS + SOURCES)
            raise TypeError(f"population must be one of {legal}; got {type(population).__name__}")
        if name is None:
            name = f"pop{len(self.populations)}"
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        if name in self.populations:
            raise ValueError(f"a population named {name!r} is already in the network")
        if not isinstance(population, SOURCES):
            self._join_family(population.family, f"population {name!r} ({type(population).__name__})")
        handle = Population(name, population, len(self.populations))
        self.populations[name] = handle
        self._compiled = None
        return handle

    def connect(self, pre, post, synapses=None, delays=None) -> Connection:
        """Connect ``pre`` to ``post`` (handles or names).

        Parameters
        ----------
        synapses : FixedSynapses / FloatSynapses of shape ``(post.n, pre.n)``
            (``W[post, pre]``), or a weight matrix (converted with the network's family),
            or None to feed a SpikeSource straight into ``post`` (same step, as
            RingBuffer -> LIF.a_in).
        delays : None (Dense/Sparse), or an int or an integer array of the weights' shape
            (dense or scipy.sparse, entries where there is no weight ignored), in [0, 62]:
            a spike at step t arrives at step t + 1 + delay (DelayDense/DelaySparse).
            ``delays=0`` is DelayDense/DelaySparse, not Dense/Sparse: the two arrive on the
            same step but form graded (and DelaySparse binary) sums differently, so they
            differ where a sum leaves int32 before a negative ``weight_exp``
            (lava/proc/dense/models.py: ``weights.dot`` vs ``calc_act``'s int64 ``np.sum``).

        Several connections into one population add up (as Lava's InPorts do).
        """
        pre, post = self._lookup(pre, "pre"), self._lookup(post, "post")
        if post.is_source:
            raise ValueError(f"post={post.name!r} is a SpikeSource; connections must end at neurons")
        if synapses is None:
            if not pre.is_source:
                raise ValueError(f"connect({pre.name!r}, {post.name!r}) without synapses is only for a "
                                 f"SpikeSource feeding a population directly; pass FixedSynapses or "
                                 f"FloatSynapses to connect neurons")
            if pre.n != post.n:
                raise ValueError(f"source {pre.name!r} has n={pre.n} but population {post.name!r} has "
                                 f"n={post.n}; a direct input needs equal sizes (or pass synapses)")
            if delays is not None:
                raise ValueError("delays need synapses: a direct input arrives on the same step")
        else:
            synapses = self._synapses(synapses, pre, post)
            self._check_payload(pre, synapses)
        conn = Connection(pre, post, synapses, self._delays(delays, synapses, pre, post),
                          len(self.connections))
        self.connections.append(conn)
        self._compiled = None
        return conn

    @staticmethod
    def _check_payload(pre, syn):
        """A graded connection from a FixedRate population must carry its largest payload
        in ``num_message_bits`` (signed)."""
        if not isinstance(pre.model, FixedRate) or syn.num_message_bits == 0:
            return
        top = 2 ** (syn.num_message_bits - 1) - 1
        if pre.model.max_payload > top:
            raise ValueError(f"connection from {pre.name!r}: its payloads reach {pre.model.max_payload} "
                             f"but num_message_bits={syn.num_message_bits} carries [-{top}, {top}]; "
                             f"legal: num_message_bits >= {int(pre.model.max_payload).bit_length() + 1}")

    def _join_family(self, family: str, what: str):
        if self.family is None:
            self.family = family
        elif family != self.family:
            raise TypeError(f"{what} is {family}-point but the network is {self.family}-point; "
                            f"a network is all fixed or all float (convert with float_to_fixed "
                            f"or fixed_to_float)")

    def _lookup(self, pop, role) -> Population:
        if isinstance(pop, Population):
            if self.populations.get(pop.name) is not pop:
                raise ValueError(f"{role}={pop.name!r} is a population of another network")
            return pop
        if isinstance(pop, str):
            if pop not in self.populations:
                raise ValueError(f"{role}={pop!r} is not in the network; populations: "
                                 f"{sorted(self.populations)}")
            return self.populations[pop]
        raise TypeError(f"{role} must be a population handle (from Network.add) or its name, "
                        f"got {type(pop).__name__}")

    def _synapses(self, syn, pre, post):
        if isinstance(syn, (FixedSynapses, FloatSynapses)):
            family = "fixed" if isinstance(syn, FixedSynapses) else "float"
            self._join_family(family, f"connection {pre.name!r} -> {post.name!r} ({type(syn).__name__})")
        elif self.family == "float":
            syn = FloatSynapses(syn)
        elif self.family == "fixed":
            syn = FixedSynapses(syn)
        else:
            raise TypeError("pass FixedSynapses or FloatSynapses (the network's family is not known "
                            "yet: it has no neuron population)")
        if syn.shape != (post.n, pre.n):
            raise ValueError(f"connection {pre.name!r} -> {post.name!r}: synapses have shape "
                             f"{syn.shape}; expected (post.n, pre.n) = ({post.n}, {pre.n}) "
                             f"W[post, pre]")
        return syn

    @staticmethod
    def _delays(delays, syn, pre, post):
        if delays is None:
            return None
        where = f"delays of {pre.name!r} -> {post.name!r}"
        checked("delays", delays)
        if np.ndim(delays) == 0 and not is_sparse(delays):
            return V.int_scalar(where, delays, 0, MAX_DELAY)
        shape = getattr(delays, "shape", np.shape(delays))
        if tuple(shape) != syn.shape:
            raise ValueError(f"{where} have shape {tuple(shape)}; expected the weights' shape {syn.shape}")
        post_i, pre_i = syn.synapse_coords()
        if is_sparse(delays):   # every stored entry checked, then the synapses' ones taken
            import scipy.sparse as sp
            V.int_param(where, delays.data, 0, MAX_DELAY)
            vals = np.asarray(sp.csr_matrix(delays)[post_i, pre_i]).ravel() if post_i.size else np.zeros(0)
        else:
            vals = V.int_param(where, delays, 0, MAX_DELAY)[post_i, pre_i]
        vals = vals.astype(np.uint8)
        if vals.size == 0 or np.all(vals == vals[0]):
            return int(vals[0]) if vals.size else 0
        return vals

    # -- information -----------------------------------------------------------------------
    @property
    def num_synapses(self) -> int:
        return sum(c.synapses.nnz for c in self.connections if c.synapses is not None)

    def __repr__(self):
        pops = ", ".join(f"{p.name}: {type(p.model).__name__}({p.n})" for p in self.populations.values())
        return f"Network({self.family or '?'}; {pops}; {len(self.connections)} connection(s))"

    def with_inputs(self, names, prefix: str = "a_in:") -> "Network":
        """A copy of this network (sharing its populations and connections) with a one-row
        :class:`SpikeSource` named ``prefix + name`` feeding each population in ``names``
        directly: its row is what arrives at that population's input on the same step
        (what a Lava InPort of the population delivers). Overwrite it before each step."""
        out = Network()
        out.family, out.populations, out.connections = self.family, dict(self.populations), list(self.connections)
        dtype = np.int32 if self.family != "float" else np.float64
        for name in names:
            pop = self._lookup(name, "names")
            out.connect(out.add(SpikeSource(np.zeros((1, pop.n), dtype)), name=prefix + pop.name), pop.name)
        return out

    def compiled(self) -> "_Compiled":
        """The flattened network (built once, rebuilt after add/connect)."""
        if self._compiled is None:
            self._compiled = _Compiled(self)
        return self._compiled


#: Per-connection columns of the flattened network, in the order run_network unpacks them.
_CONN_COLUMNS = ("pre", "post", "fmt", "graded", "lsh", "rsh", "wrap", "nslots", "stride", "acc_off",
                 "delay", "per_syn", "staged", "stage_off", "ptr_off", "syn_off", "csc_off", "wt_off",
                 "dly_off", "fused")


def _cat(parts, dtype):
    """The parts as one flat array of ``dtype``; a single part already of that dtype is
    used as it is (a network's synapse list can be GBs; the kernels only read it)."""
    if len(parts) == 1:
        only = np.asarray(parts[0])
        if only.dtype == dtype and only.flags.c_contiguous:
            return only.ravel()
    return np.concatenate([np.asarray(p, dtype=dtype).ravel() for p in parts]) if parts else np.zeros(0, dtype)


class _Compiled:
    """The network as the plain arrays :func:`run_network` takes (prepared once)."""

    def __init__(self, net: Network):
        if not net.populations:
            raise ValueError("the network has no populations")
        fixed = net.family != "float"
        self.fixed = fixed
        self.net = net
        pops = list(net.populations.values())
        self.pops, self.conns = pops, list(net.connections)
        P, C = len(pops), len(self.conns)
        n = np.array([p.n for p in pops], np.int64)
        off = np.zeros(P, np.int64)
        np.cumsum(n[:-1], out=off[1:])
        self.off, self.n, self.N = off, n, int(n.sum())
        N = self.N
        vdt = np.int32 if fixed else np.float64
        self.vdt = vdt

        model = np.zeros(P, np.int32)
        reset_int = np.zeros(P, np.int64)
        reset_off = np.zeros(P, np.int64)
        src_off = np.zeros(P, np.int64)
        src_len = np.ones(P, np.int64)
        neur = [np.zeros(N, vdt) for _ in range(5)] + [np.zeros(N, np.int64)]
        src_parts, pos = [], 0
        tab_parts, tab_pos = [], 0
        pz_key, pz_uniform = np.zeros(P, np.uint64), np.zeros(P, np.bool_)
        pz_lo, pz_hi, pz_w = np.zeros(N, np.int64), np.zeros(N, np.int64), np.zeros(N, vdt)
        cdf_parts, cdf_pos = [], 0
        for k, p in enumerate(pops):
            sl = slice(off[k], off[k] + n[k])
            if isinstance(p.model, PoissonSource):
                m = p.model
                model[k] = NK.MODEL_POISSON
                pz_key[k], pz_uniform[k] = m.key, len(m._tables) == 1
                pz_w[sl] = m.as_int32() if fixed else m.as_float64()
                for lam, table in m._tables.items():
                    rows = off[k] + np.nonzero(m.lam == lam)[0]
                    pz_lo[rows], pz_hi[rows] = cdf_pos, cdf_pos + table.size
                    cdf_parts.append(table)
                    cdf_pos += table.size
                continue
            if p.is_source:
                data = p.model.as_int32() if fixed else p.model.as_float64()
                model[k] = NK.MODEL_SOURCE
                src_off[k], src_len[k] = pos, data.shape[0]
                src_parts.append(data)
                pos += data.size
                continue
            model[k] = p.model.model_code
            reset_int[k], reset_off[k] = p.model.reset_schedule()
            for dst, src in zip(neur, p.model.engine_arrays()):
                dst[sl] = src
            if p.model.model_code == NK.MODEL_RATE and fixed:   # its table in the shared table array
                neur[3][sl] = tab_pos
                tab_parts.append(p.model.rate_table())
                tab_pos += p.model.rate_table().size
        self.src_data = _cat(src_parts, vdt)
        neur.append(_cat(tab_parts, np.int32) if tab_parts else np.zeros(1, np.int32))
        neur.append((pz_key, pz_uniform, pz_lo, pz_hi, _cat(cdf_parts, np.uint32), pz_w))

        wdt = np.int16 if fixed else np.float64
        cols = {name: np.zeros(C, np.int64) for name in _CONN_COLUMNS}
        acc_int64 = False
        # 1. what each connection is: where its sums live ("plain": one slot; "delayed":
        # the shared slot-major region; "staged": per-step shifted sums, as Lava does for
        # per-synapse delays with weight_exp < 0)
        region = {}
        for c in self.conns:
            k = c.index
            cols["pre"][k], cols["post"][k] = c.pre.index, c.post.index
            cols["nslots"][k], cols["stride"][k] = 1, c.post.n
            if c.synapses is None:
                cols["fmt"][k] = NK.FMT_DIRECT
                continue
            syn = c.synapses
            graded = syn.num_message_bits > 0
            per_syn = isinstance(c.delays, np.ndarray)
            e = syn.weight_exp if fixed else 0
            # Where Lava forms a graded sum in int32 before the shift: Dense and Sparse
            # (numpy/scipy int32 dot), DelaySparse (scipy dot, binary too); DelayDense sums
            # int32 products in int64.
            wrap = (graded and not (c.delays is not None and not syn.sparse_input)) or \
                   (c.delays is not None and syn.sparse_input)
            staged = per_syn and fixed and e < 0
            cols["fmt"][k], cols["graded"][k], cols["wrap"][k] = syn.fmt, graded, wrap
            cols["lsh"][k], cols["rsh"][k] = max(e, 0), max(-e, 0)
            cols["delay"][k] = 0 if per_syn else c.max_delay
            cols["per_syn"][k], cols["staged"][k] = per_syn, staged
            region[k] = "staged" if staged else "delayed" if c.delays is not None else "plain"
            if fixed and e < 0 and not staged and not wrap and (graded or syn.acc_dtype == np.int64):
                acc_int64 = True  # a raw one-step sum could leave int32 before its right shift
        # 2. accumulators. Connections into one population share one when their raw sums
        # may be added before the shift (a left shift: linear modulo 2**32).
        readers = {k for k in range(C) if cols["fmt"][k] == NK.FMT_DIRECT}
        shared = {}

        def accumulator(k, where, pos):
            """Offset of connection k's accumulator among those of region ``where`` (from
            ``pos``), shared with earlier ones where allowed; returns (offset, next pos)."""
            key = (where, cols["post"][k], cols["lsh"][k]) if cols["rsh"][k] == 0 else None
            if key is None or key not in shared:
                shared[key] = pos
                pos += self.conns[k].post.n
                readers.add(k)
            return shared[key], pos

        acc_pos = 0
        for k in (k for k in range(C) if region.get(k) == "plain"):
            cols["acc_off"][k], acc_pos = accumulator(k, "plain", acc_pos)
        delayed = [k for k in range(C) if region.get(k) == "delayed"]
        S = max((self.conns[k].max_delay + 1 for k in delayed), default=1)
        self.delay_base, width = acc_pos, 0
        for k in delayed:  # S slots of the region's width; each accumulator a column range
            g0, width = accumulator(k, "delayed", width)
            cols["acc_off"][k], cols["nslots"][k] = self.delay_base + g0, S
        for k in delayed:
            cols["stride"][k] = width
        acc_pos += S * width
        stage_pos = 0
        for k in (k for k in range(C) if region.get(k) == "staged"):
            n_post, ns = self.conns[k].post.n, self.conns[k].max_delay + 1
            cols["acc_off"][k], cols["nslots"][k], cols["stage_off"][k] = acc_pos, ns, stage_pos
            acc_pos += ns * n_post
            stage_pos += ns * n_post
            readers.add(k)
        self.acc_dtype = (np.int64 if acc_int64 else np.int32) if fixed else np.float64
        self.acc_size, self.stage_size = acc_pos, stage_pos
        inc = [[c.index for c in self.conns if c.post.index == k and c.index in readers] for k in range(P)]
        inc_ptr = np.zeros(P + 1, np.int64)
        np.cumsum([len(x) for x in inc], out=inc_ptr[1:])
        inc_conn = np.array([c for x in inc for c in x], np.int64)
        # 3. synapse lists. Packed connections from one population into one region go
        # into one list whose targets are absolute (same work per synapse, fewer row starts).
        groups = {}
        if fixed and acc_pos <= PACK_MASK + 1:
            for k, where in region.items():
                syn = self.conns[k].synapses
                if where in ("plain", "delayed") and syn.fmt == FMT_PACKED:
                    groups.setdefault((cols["pre"][k], cols["graded"][k], where), []).append(k)
        groups = {key: ks for key, ks in groups.items() if len(ks) > 1 and
                  sum(self.conns[k].synapses.nnz for k in ks) <= FUSE_MAX_SYNAPSES}
        fused = {k for g in groups.values() for k in g}
        lists = []  # (column k, key, (indptr, packed, csc_idx, csc_w, wt), delays or None)
        for c in self.conns:
            k = c.index
            if c.synapses is None or k in fused:
                cols["fused"][k] = k in fused
                continue
            packed, csc_idx, csc_w, wt, _ = c.synapses.storage()
            lists.append((k, ("syn", id(c.synapses)), (c.synapses.indptr, packed, csc_idx, csc_w, wt),
                          c.delays if cols["per_syn"][k] else None))
        for (pre, graded, where), ks in groups.items():
            origin = self.delay_base if where == "delayed" else 0
            indptr, packed, dly = self._fused_list([self.conns[k] for k in ks], cols, origin)
            # one constant delay for all: each step's sums go to one slot (no delay per synapse)
            delay = {-1 if cols["per_syn"][k] else int(cols["delay"][k]) for k in ks}
            per_syn = where == "delayed" and (len(delay) > 1 or -1 in delay)
            if where == "delayed" and not per_syn:
                dly = None
            row = dict.fromkeys(cols, 0)
            row.update(pre=pre, post=-1, fmt=FMT_PACKED, graded=graded, acc_off=origin,
                       nslots=S if where == "delayed" else 1, stride=width, per_syn=per_syn,
                       delay=0 if per_syn else min(delay))
            for key in cols:
                cols[key] = np.append(cols[key], row[key])
            empty = np.zeros(0)
            k = len(cols["pre"]) - 1
            lists.append((k, ("fused", k), (indptr, packed, empty, empty, empty), dly))
        packed = csc_idx = csc_w = wt = indptr = dly = None  # only `lists` holds them now
        self.syn = self._lay_out(lists, cols, wdt)
        self.conn_cols = cols
        self.conn_arrays = tuple(cols[k] for k in _CONN_COLUMNS)
        self.pop_arrays = (model, off, n, reset_int, reset_off, src_off, src_len, inc_ptr, inc_conn)
        self.neur = tuple(neur)
        if sum(a.nbytes for a in self.syn) >= TRIM_MIN_BYTES:
            release_freed_memory()

    def _lay_out(self, lists, cols, wdt):
        """The synapse lists as the six flat arrays the kernel reads (``indptr``, packed,
        CSC targets, CSC weights, dense weights, delays), their offsets into ``cols``.

        A connection's synapses are stored once: its synapse object's arrays become views
        of the flat ones (same values), so the network holds no second copy; a synapse
        object used by several connections is laid out once; a lone list is used as is."""
        dtypes = (np.int64, np.int32, np.uint32, wdt, wdt)
        offs = ("ptr_off", "syn_off", "csc_off", "csc_off", "wt_off")
        seen, place, size = {}, [], np.zeros(5, np.int64)
        dsize = 0
        for k, key, arrs, dly in lists:
            if key not in seen:
                seen[key] = size.copy()
                size += [a.size for a in arrs]
                place.append((k, key, arrs))
            for j, name in enumerate(offs):
                cols[name][k] = seen[key][j]
            if dly is not None:
                cols["dly_off"][k] = dsize
                dsize += dly.size
        dly = np.empty(dsize, np.uint8)
        for k, key, arrs, d in lists:
            if d is not None:
                dly[cols["dly_off"][k]:cols["dly_off"][k] + d.size] = d
        if len(place) == 1 and all(a.dtype == dt and a.flags.c_contiguous
                                   for a, dt in zip(place[0][2], dtypes)):
            return (*[a.ravel() for a in place[0][2]], dly)
        # one list at a time, each original dropped once copied (the flat arrays' pages are
        # touched only as they are filled): the peak is the network plus its largest list,
        # once the heap that building the synapses freed is handed back
        lists.clear()
        if sum(int(m) * np.dtype(dt).itemsize for m, dt in zip(size, dtypes)) >= TRIM_MIN_BYTES:
            release_freed_memory()
        flat = [np.empty(m, dt) for m, dt in zip(size, dtypes)]
        while place:
            k, key, arrs = place.pop(0)
            views = [f[o:o + a.size] for f, o, a in zip(flat, seen[key], arrs)]
            for v, a in zip(views, arrs):
                v[:] = a.ravel()
            if key[0] == "syn":  # the connection's own arrays -> views of the flat ones
                self._share(self.conns[k].synapses, views)
            del arrs
        return (*flat, dly)

    @staticmethod
    def _share(syn, views):
        """Point ``syn``'s stored arrays at ``views`` of the network's flat arrays (the
        arrays :meth:`storage` returned, in its order, ``indptr`` first)."""
        indptr, packed, csc_idx, csc_w, wt = views
        syn.indptr = indptr
        if syn.fmt == FMT_PACKED:
            syn.data = packed
        elif syn.fmt == FMT_DENSE:
            syn.w_t = wt.reshape(syn.w_t.shape)
        else:
            syn.indices, syn.data = csc_idx, csc_w

    @staticmethod
    def _fused_list(conns, cols, origin):
        """``(indptr, packed, delays)`` of the synapses of ``conns`` by presynaptic neuron,
        each ``(mantissa << 23) | target`` with ``target = acc_off - origin + post``, and
        their delays (uint8; constant delays spelled out)."""
        pres, words, dlys = [], [], []
        for c in conns:
            post, pre = c.synapses.synapse_coords()
            mant = c.synapses.data >> PACK_SHIFT
            target = cols["acc_off"][c.index] - origin + post
            pres.append(pre)
            words.append((mant.astype(np.int64) << PACK_SHIFT) | target)
            d = c.delays if isinstance(c.delays, np.ndarray) else np.full(pre.size, c.max_delay)
            dlys.append(np.asarray(d, np.uint8))
        pre, words = np.concatenate(pres), np.concatenate(words)
        # by presynaptic neuron, then target (stable: a target's synapses keep their order,
        # so sums are formed as before; ascending targets let threads split each row)
        order = np.lexsort((words & PACK_MASK, pre))
        indptr = np.zeros(conns[0].pre.n + 1, np.int64)
        np.cumsum(np.bincount(pre, minlength=conns[0].pre.n), out=indptr[1:])
        return indptr, words[order].astype(np.int32), np.concatenate(dlys)[order]

    def thread_plan(self, num_threads: int) -> tuple:
        """``(T, bnd, c_bnd_off, min_n)`` for :func:`run_network` (built once per ``T``):
        each packed or CSC list with enough synapses gets a bounds table splitting every
        row among ``T`` threads by post, cut where the synapse counts balance; populations
        of at least ``min_n`` neurons are updated on the threads."""
        T = int(num_threads)
        C = len(self.conn_cols["pre"])
        if T <= 1:
            return (1, np.zeros(1, np.int64), np.full(C, -1, np.int64), 0)
        plans = self.__dict__.setdefault("_thread_plans", {})
        if T in plans:
            return plans[T]
        cols = self.conn_cols
        indptr, packed, csc_idx = self.syn[0], self.syn[1], self.syn[2]
        c_bnd_off = np.full(C, -1, np.int64)
        parts, pos = [], 0
        for k in range(C):
            fmt = cols["fmt"][k]
            if fmt == NK.FMT_DIRECT or cols["fused"][k] or cols["staged"][k]:
                continue
            n_pre = int(self.n[cols["pre"][k]])
            n_post = int(self.n[cols["post"][k]]) if cols["post"][k] >= 0 else int(self.acc_size)
            ip = indptr[cols["ptr_off"][k]:cols["ptr_off"][k] + n_pre + 1]
            nnz = n_pre * n_post if fmt == FMT_DENSE else int(ip[-1])
            if nnz < THREADS_MIN_CONN_SYNAPSES:
                continue
            if fmt == FMT_DENSE:
                c_bnd_off[k] = 0  # split evenly by the kernel, no table
                continue
            seg_p = packed[cols["syn_off"][k]:cols["syn_off"][k] + nnz] if fmt == FMT_PACKED else packed[:0]
            seg_c = csc_idx[cols["csc_off"][k]:cols["csc_off"][k] + nnz] if fmt == NK.FMT_CSC else csc_idx[:0]
            cum = np.cumsum(NK.key_counts(seg_p, seg_c, fmt, n_post))
            cuts = np.empty(T + 1, np.int64)
            cuts[0], cuts[T] = 0, n_post
            cuts[1:T] = np.searchsorted(cum, nnz * np.arange(1, T) / T, side="left") + 1
            np.maximum.accumulate(np.minimum(cuts, n_post), out=cuts)
            bnd = np.empty(n_pre * (T + 1), np.int64)
            if NK.thread_bounds(ip, seg_p, seg_c, fmt, cuts, bnd):
                c_bnd_off[k] = pos
                parts.append(bnd)
                pos += bnd.size
        plan = (T, _cat(parts, np.int64) if parts else np.zeros(1, np.int64), c_bnd_off,
                int(THREADS_MIN_POP_NEURONS))
        plans[T] = plan
        return plan

    def index(self, name) -> int:
        return self.net.populations[name].index

    def fresh_state(self) -> "NetworkState":
        vdt, N = self.vdt, self.N
        return NetworkState(t=0, u=np.zeros(N, vdt), v=np.zeros(N, vdt), pay=np.zeros(N, vdt),
                            ref_end=np.zeros(N, np.int64), acc=np.zeros(self.acc_size, self.acc_dtype),
                            compiled=self)


@dataclass
class NetworkState:
    """The full state of a network between steps: Lava's ``time_step`` ``t`` (steps run),
    u, v and the refractory end step of every neuron (global index space), and the
    synaptic input still on its way (``acc``: each connection's slots). Continue a run
    bit-exactly with ``simulate(net, steps, state=trace.final)``; :meth:`population` and
    :meth:`pending` read it per population / connection."""

    t: int
    u: np.ndarray
    v: np.ndarray
    ref_end: np.ndarray
    acc: np.ndarray
    compiled: _Compiled = field(repr=False)
    #: What every neuron and source sent at the last step (spike 0/1, ternary +-1, payload).
    pay: np.ndarray = field(default=None, repr=False)

    def population(self, name) -> dict:
        """``{"u", "v", "ref_end", "sent"}`` of one population (copies); ``sent`` is what
        it sent at the last step."""
        c = self.compiled
        k = c.index(name)
        sl = slice(c.off[k], c.off[k] + c.n[k])
        out = {"u": self.u[sl].copy(), "v": self.v[sl].copy(), "ref_end": self.ref_end[sl].copy()}
        if self.pay is not None:
            out["sent"] = self.pay[sl].copy()
        return out

    def pending(self, k: int) -> np.ndarray:
        """Connection ``k``'s slots, shape (nslots, n_post): slot ``s`` is read at the step
        ``t`` with ``t % nslots == s`` (raw sums, shared with the other connections into
        the same population that have the same slots and a left shift)."""
        c = self.compiled
        cols = c.conn_cols
        n_post = c.n[cols["post"][k]]
        a0, stride = cols["acc_off"][k], cols["stride"][k]
        return np.stack([self.acc[a0 + s * stride:a0 + s * stride + n_post] for s in range(cols["nslots"][k])])

    def copy(self) -> "NetworkState":
        return NetworkState(self.t, self.u.copy(), self.v.copy(), self.ref_end.copy(), self.acc.copy(),
                            self.compiled, None if self.pay is None else self.pay.copy())


class NetworkTrace(dict):
    """One :class:`~lava_eirate.Trace` per recorded population (``trace["exc"]``), plus
    ``final`` (a :class:`NetworkState`) and ``num_steps``."""

    def __init__(self, traces, final, num_steps):
        super().__init__(traces)
        self.final = final
        self.num_steps = num_steps


def _record_spec(record, net: Network) -> dict:
    neurons = [p.name for p in net.populations.values() if not p.is_source]
    if record is None:
        return {name: ("u", "v") if net.populations[name].model.model_code == NK.MODEL_RATE
                else ("s", "u", "v") for name in neurons}
    if not isinstance(record, dict):
        raise TypeError(f"record must be a dict {{population: ('s', 'u', 'v')}} or None, "
                        f"got {type(record).__name__}")
    out = {}
    for name, what in record.items():
        if name not in net.populations or net.populations[name].is_source:
            raise ValueError(f"record names {name!r}, which is not a neuron population of the "
                             f"network; neuron populations: {neurons}")
        what = (what,) if isinstance(what, str) else tuple(what or ())
        bad = [w for w in what if w not in RECORD_OPTIONS]
        if bad:
            raise ValueError(f"record[{name!r}] = {what!r} contains {bad}; legal entries: {RECORD_OPTIONS}")
        if net.populations[name].model.model_code == NK.MODEL_RATE and ("s" in what or "events" in what):
            raise ValueError(f"record[{name!r}] = {what!r}: {name!r} is a rate population, it sends "
                             f"graded payloads, not spikes; record 'v' (its state), 'u' (the payload "
                             f"it sends) or 'a'")
        out[name] = what
    return out


def _initial_state(comp: _Compiled, state, init) -> NetworkState:
    if state is not None:
        if init is not None:
            raise ValueError("pass either state= (continue a run) or init= (initial u/v), not both")
        if not isinstance(state, NetworkState) or state.compiled is not comp:
            raise ValueError("state must be the .final of a trace of this same network "
                             "(rebuilt networks need a new run)")
        return state.copy()
    st = comp.fresh_state()
    if init is None:
        return st
    if not isinstance(init, dict):
        raise TypeError(f"init must be a dict {{population: {{'u': ..., 'v': ...}}}}, got {type(init).__name__}")
    for name, values in init.items():
        if name not in comp.net.populations or comp.net.populations[name].is_source:
            raise ValueError(f"init names {name!r}, which is not a neuron population of the network")
        k = comp.index(name)
        sl = slice(comp.off[k], comp.off[k] + comp.n[k])
        for var, val in dict(values).items():
            if var not in ("u", "v"):
                raise ValueError(f"init[{name!r}] has {var!r}; legal keys: 'u', 'v'")
            label = f"init[{name!r}][{var!r}]"
            if comp.fixed:
                arr = V.int_param(label, val, *L.UV_INIT_RANGE, n=int(comp.n[k]))
            else:
                arr = V.float_param(label, val, n=int(comp.n[k]))
            getattr(st, var)[sl] = arr
    return st


def available_memory() -> int:
    """Bytes of physical memory available now (Linux/macOS sysconf; large if unknown)."""
    import os
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - other platforms
        return 2 ** 62


def check_recording(num_steps: int, bytes_per_step: int, what: str):
    """Refuse a recording larger than half the memory this machine has available."""
    need = num_steps * bytes_per_step
    have = available_memory()
    if need > have // 2:   # the rest is for the network, its synapses and the caller
        raise ValueError(f"recording {what} for num_steps={num_steps} needs {need / 2 ** 30:.3g} GiB "
                         f"but {have / 2 ** 30:.3g} GiB of memory are available (at most half is used "
                         f"for recording): record fewer variables or populations, or \"events\", or "
                         f"run in parts (state=trace.final)")


_threads_launched = False


def _launch_numba_threads():
    """Start numba's thread pool with multiprocessing's start method left as it was.

    numba starts its pool the first time a kernel with parallel parts is loaded and asks
    ``multiprocessing.get_start_method()`` on the way, which fixes the method; Lava's
    import then fails (it sets "fork" itself: "context has already been set"). Starting
    the pool here and putting the unset state back keeps ``import lava`` working after a
    simulation."""
    global _threads_launched
    if _threads_launched:
        return
    import multiprocessing as mp
    from numba.np.ufunc import parallel
    before = mp.get_start_method(allow_none=True)
    parallel._launch_threads()
    mp.set_start_method(before, force=True)
    _threads_launched = True


class _Run:
    """Scratch arrays and recorders for one call of :func:`simulate` (or repeated steps)."""

    def __init__(self, comp: _Compiled, spec: dict, num_steps: int, chunk_rows: int | None = None,
                 num_threads: int = 1):
        """``chunk_rows``: the steps of the first call to :meth:`steps`; spikes go through a
        buffer of at least that many rows (up to :data:`RASTER_BUFFER_BYTES`), the most
        steps one call runs (``rec[0].shape[0]``), then into ``s`` arrays or event lists."""
        self.comp = comp
        self.threads = comp.thread_plan(num_threads)
        _launch_numba_threads()
        P = len(comp.pops)
        chunk_rows = num_steps if chunk_rows is None else chunk_rows
        self.cols = tuple(np.full(P, -1, np.int64) for _ in RECORDABLE)
        width = dict.fromkeys(RECORDABLE, 0)
        dense_s = 0
        for name, what in spec.items():
            k = comp.index(name)
            for var, col in zip(RECORDABLE, self.cols):
                if var in what:
                    col[k] = width[var]
                    width[var] += int(comp.n[k])
            dense_s += int(comp.n[k]) * ("s" in what)
        itemsize = np.dtype(comp.vdt).itemsize
        check_recording(num_steps, dense_s + itemsize * (width["u"] + width["v"] + width["a"]),
                        f"{', '.join(f'{k}: {w}' for k, w in spec.items())}")
        if width["s"]:  # the chunk's raster buffer has room for chunks to grow (<= 8 MiB)
            chunk_rows = max(chunk_rows, min(num_steps, RASTER_BUFFER_BYTES // width["s"]))
        self.rec = (np.zeros((chunk_rows if width["s"] else 0, width["s"]), np.int8),) + tuple(
            np.zeros((num_steps if width[var] else 0, width[var]), comp.vdt) for var in RECORDABLE[1:])
        self.spikes = {name: np.zeros((num_steps, int(comp.n[comp.index(name)])), np.int8)
                       for name, what in spec.items() if "s" in what}
        self.events = {name: ([], [], []) for name, what in spec.items() if "events" in what}
        # events come straight from the kernel's sender lists (O(spikes) per step), through
        # buffers with room for a few steps of every recorded neuron spiking (>= 1M events)
        ev_on = np.zeros(P, np.bool_)
        for name in self.events:
            ev_on[comp.index(name)] = True
        ev_cap = max(4 * int(comp.n[ev_on].sum()), EVENTS_MIN_BUFFER) if ev_on.any() else 0
        if ev_cap and comp.N >= 2 ** 31:
            raise ValueError(f"the network has {comp.N} neurons; recording events takes at most 2**31 - 1")
        self.ev = (ev_on, np.zeros(ev_cap, np.int32), np.zeros(ev_cap, np.int32), np.zeros(ev_cap, np.int8),
                   np.zeros(1, np.int64))
        N = comp.N
        self.pay = np.zeros(N, comp.vdt)
        self.stage = np.zeros(comp.stage_size, np.int64 if comp.fixed else np.float64)
        self.marker = np.zeros(comp.stage_size, np.uint8)
        self.dirty = np.zeros(comp.stage_size, np.int64)
        self.work = (np.zeros(N, comp.vdt), np.zeros(N, np.int64), np.zeros(P, np.int64))

    def steps(self, st: NetworkState, row0: int, k: int) -> np.ndarray:
        """Run k steps from ``st`` (in place), recording into rows ``row0 ..``."""
        comp = self.comp
        counts = np.zeros(len(comp.pops), np.int64)
        done = 0
        while done < k:      # more than one call only when the event buffers fill up
            c, j = self._call(st, row0, done, k)
            counts += c
            st.t += j
            self._drain_events(row0 + done)
            done += j
        if st.pay is not None:
            st.pay[:] = self.pay
        for name, dense in self.spikes.items():
            col = self.cols[0][comp.index(name)]
            dense[row0:row0 + k] = self.rec[0][:k, col:col + dense.shape[1]]
        return counts

    def _call(self, st: NetworkState, row0: int, a: int, b: int):
        """One kernel call for chunk rows ``a .. b`` (steps ``row0 + a ..``): spikes into
        the chunk buffer's rows, u, v, a straight to their rows. Returns (counts, steps run)."""
        comp = self.comp
        rec = (self.rec[0][a:b],) + tuple(r[row0 + a:row0 + b] if r.shape[0] else r for r in self.rec[1:]) \
            + (self.ev,)
        args = (st.t, b - a, comp.pop_arrays + self.cols, comp.neur,
                (st.u, st.v, st.ref_end, self.pay, st.acc, self.stage, self.marker, self.dirty),
                comp.conn_arrays, comp.syn, comp.src_data, rec, self.work, self.threads)
        T = self.threads[0]
        if T <= 1:
            return NK.run_network(*args)
        import numba
        before = numba.get_num_threads()
        numba.set_num_threads(min(T, numba.config.NUMBA_NUM_THREADS))  # T parts, at most one per core
        try:
            return NK.run_network(*args)
        finally:
            numba.set_num_threads(before)

    def _drain_events(self, row0: int) -> None:
        """Move the kernel's event buffers into the per-population lists (rows offset by
        ``row0``) and empty them."""
        ev_on, ev_t, ev_i, ev_v, ev_n = self.ev
        m = int(ev_n[0])
        if m == 0:
            return
        g = ev_i[:m]
        for name, (ts, idx, vals) in self.events.items():
            kk = self.comp.index(name)
            off = int(self.comp.off[kk])
            sel = (g >= off) & (g < off + int(self.comp.n[kk])) if len(self.events) > 1 else slice(None)
            ts.append(ev_t[:m][sel].astype(np.int64) + row0)
            idx.append(g[sel].astype(np.int64) - off)
            vals.append(ev_v[:m][sel].copy())
        ev_n[0] = 0


def _check_finite(comp, st, run, steps_done):
    """Float networks: raise as soon as u or v overflows (weights or inputs too large),
    naming the population, neuron and -- where recorded -- the first step."""
    bad = ~(np.isfinite(st.u) & np.isfinite(st.v))
    if not bad.any():
        return
    g = int(np.argmax(bad))
    k = int(np.searchsorted(comp.off, g, side="right") - 1)
    i = g - int(comp.off[k])
    when = f"by step {st.t}"
    col = run.cols[2][k]
    if col >= 0:
        rows = np.nonzero(~np.isfinite(run.rec[2][:steps_done, col + i]))[0]
        if rows.size:
            when = f"at step {st.t - steps_done + int(rows[0]) + 1}"
    raise FloatingPointError(f"population {comp.pops[k].name!r}: u = {st.u[g]}, v = {st.v[g]} at neuron {i} "
                             f"{when}: the float network overflowed (weights, biases or inputs too large)")


def resolve_threads(num_threads, num_synapses: int) -> int:
    """The thread count a run uses: ``num_threads`` checked against the cores numba may
    use (``NUMBA_NUM_THREADS``), or for None every core when the network has at least
    :data:`THREADS_MIN_SYNAPSES` synapses (one inside :func:`lava_eirate.sweep` workers)."""
    import numba
    cores = int(numba.config.NUMBA_NUM_THREADS)
    if num_threads is None:
        if _default_threads is not None:
            return min(_default_threads, cores)
        return cores if num_synapses >= THREADS_MIN_SYNAPSES else 1
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)):
        raise TypeError(f"num_threads must be an int in [1, {cores}] or None, got {num_threads!r}")
    if _default_threads is not None and int(num_threads) > _default_threads:
        raise ValueError(f"num_threads = {num_threads} inside a lava_eirate.sweep worker: legal range "
                         f"[1, {_default_threads}] there (the workers already use the cores, and the "
                         f"OpenMP threads of a forked worker are not safe to start)")
    if not 1 <= int(num_threads) <= cores:
        raise ValueError(f"num_threads = {num_threads} is out of range: legal range [1, {cores}] "
                         f"(the cores numba may use, NUMBA_NUM_THREADS)")
    return int(num_threads)


def simulate(net: Network, num_steps: int, record=None, *, state=None, init=None,
             progress: bool | None = None, num_threads: int | None = None) -> NetworkTrace:
    """Run a :class:`Network` for ``num_steps`` steps.

    Parameters
    ----------
    record : ``{population: ("s", "u", "v") or a subset or one name}``; None records s, u
        and v of every neuron population. Also "a" (the synaptic input of each step) and
        "events" (spikes as ``(t, i, value)`` arrays instead of a raster).
    state : the ``.final`` of a previous trace of this network: continue from it (bit-
        identical to one long run, Lava's ``time_step`` included).
    init : initial u and/or v per population, ``{"exc": {"v": v0}}`` (scalars or (n,);
        fixed: integers in [-(2**23 - 1), 2**23 - 1]).
    progress : progress bar on stderr (None: only on an interactive stderr for long runs).
    num_threads : threads for the synaptic input, in [1, cores]; None: every core for
        networks of at least :data:`THREADS_MIN_SYNAPSES` synapses, else 1. Each thread
        adds into its own range of posts, so the result is bit-identical for any count.

    Returns
    -------
    A :class:`NetworkTrace`: ``trace["exc"].s`` (T, n) bool (int8 +-1 for ternary
    populations), ``.u``, ``.v`` (T, n) int32 (fixed) or float64; ``trace.final``.
    """
    return _simulate(net, num_steps, record, state, init, progress, "simulate", num_threads)


def _simulate(net, num_steps, record, state, init, progress, label, num_threads=None) -> NetworkTrace:
    from .simulators import Trace, _run_steps
    if not isinstance(net, Network):
        raise TypeError(f"net must be a lava_eirate.Network, got {type(net).__name__}")
    num_steps = V.as_count("num_steps", num_steps)
    spec = _record_spec(record, net)
    comp = net.compiled()
    st = _initial_state(comp, state, init)
    from .simulators import chunk_steps
    run = _Run(comp, spec, num_steps, chunk_steps(num_steps, comp.N, net.num_synapses),
               resolve_threads(num_threads, net.num_synapses))
    totals = np.zeros(len(comp.pops), np.int64)

    def chunk(t0, k):
        c = run.steps(st, t0, k)
        totals[:] += c
        if not comp.fixed:
            _check_finite(comp, st, run, t0 + k)
        return int(c.sum())

    _run_steps(chunk, label, num_steps, comp.N, net.num_synapses, progress, run.rec[0].shape[0] or None)
    traces = {}
    for name, what in spec.items():
        k = comp.index(name)
        nk = int(comp.n[k])
        got = {var: rec[:, col[k]:col[k] + nk].copy() if var in what else None
               for var, rec, col in zip(RECORDABLE[1:], run.rec[1:], run.cols[1:])}
        s = run.spikes.get(name)
        if s is not None and comp.pops[k].model.model_code != NK.MODEL_TERNARY:
            s = s.astype(bool)
        events = None
        if name in run.events:
            ts, idx, vals = run.events[name]
            events = tuple(np.concatenate(x) if x else np.zeros(0, dt)
                           for x, dt in ((ts, np.int64), (idx, np.int64), (vals, np.int8)))
        traces[name] = Trace(s=s, u=got["u"], v=got["v"], num_steps=num_steps, n=nk,
                             kind="fixed" if comp.fixed else "float", num_spikes=int(totals[k]),
                             a=got["a"], events=events)
    return NetworkTrace(traces, st, num_steps)
