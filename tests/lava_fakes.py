"""Stand-ins for Lava's process classes that run Lava's own unit tests on lava_eirate's
engine.

Lava 0.10 ships its tests in the wheel (``site-packages/tests/lava/proc/...``). Each test
builds a small graph of processes (a vector sender, LIF / Dense / ..., a receiver), runs
it and asserts Lava's expected numbers. :func:`load_with_fakes` imports such a module and
replaces the process classes it uses by the stand-ins below; the test methods then run
unchanged -- their code, their numbers, their assertions -- but the graph they build is
translated into a :class:`lava_eirate.Network` and run by :func:`lava_eirate.simulate`
(family chosen by the run config's ``select_tag``, state carried across repeated runs).
"""
from __future__ import annotations

import importlib.util
import pathlib
import types

import numpy as np
import scipy.sparse as sp

import lava_eirate as le

_REGISTRY: list = []


def reset():
    _REGISTRY.clear()


class _Port:
    def __init__(self, proc, name):
        self.proc, self.name, self.targets = proc, name, []

    def connect(self, other):
        self.targets.append(other)


class _Var:
    def __init__(self, proc, name):
        self.proc, self.name = proc, name

    def get(self):
        return self.proc.read(self.name)


class _Proc:
    """A process stand-in: keeps its keyword arguments and ports; ``run`` simulates the
    whole graph built so far."""

    ports = ("s_out", "a_in", "s_in", "a_out")
    variables = ()

    def __init__(self, **kwargs):
        self.kw = kwargs
        for name in self.ports:
            setattr(self, name, _Port(self, name))
        for name in self.variables:
            setattr(self, name, _Var(self, name))
        _REGISTRY.append(self)

    def run(self, condition, run_cfg):
        _Sim.get().advance(int(condition.num_steps), run_cfg.select_tag)

    def stop(self):
        pass

    def read(self, name):
        return _Sim.get().read(self, name)


class VecSend(_Proc):
    """VecSendProcess / VecSendandRecvProcess: vec_to_send at the steps in send_at_times."""

    def rows(self, fixed):
        vec = np.asarray(self.kw["vec_to_send"])
        at = np.asarray(self.kw["send_at_times"], bool)
        data = np.where(at[:, None], vec[None, :], 0)
        return data.astype(np.int64) if fixed else data.astype(float)


class Source(_Proc):
    """lava.proc.io.source.RingBuffer (data (n, T))."""

    def rows(self, fixed):
        data = np.asarray(self.kw["data"]).T
        return data.astype(np.int64) if fixed else data.astype(float)


class VecRecv(_Proc):
    variables = ("spk_data",)


class Sink(_Proc):
    """lava.proc.io.sink.RingBuffer (data (n, T))."""
    variables = ("data",)


class _Neurons(_Proc):
    variables = ("u", "v")


class LIF(_Neurons):
    pass


class LIFReset(_Neurons):
    pass


class TernaryLIF(_Neurons):
    pass


class LIFRefractory(_Neurons):
    pass


class _Conn(_Proc):
    variables = ("weights",)


class Dense(_Conn):
    pass


class DelayDense(_Conn):
    pass


class Sparse(_Conn):
    pass


class DelaySparse(_Conn):
    pass


class Read:
    """lava.proc.io.sink.Read: ``connect_var(var)``, ``data.get()`` -> (n, buffer)."""

    def __init__(self, buffer):
        self.buffer = buffer
        self.var = None
        self.data = types.SimpleNamespace(get=self._get)
        _REGISTRY.append(self)

    def connect_var(self, var):
        self.var = var

    def _get(self):
        sim = _Sim.get()
        return sim.read(self.var.proc, self.var.name, history=True).T[:, -self.buffer:]


def _neurons(proc, fixed):
    kw = proc.kw
    n = int(np.prod(kw["shape"]))
    common = dict(du=kw.get("du", 0), dv=kw.get("dv", 0))
    if fixed:
        common.update(bias_mant=kw.get("bias_mant", 0), bias_exp=kw.get("bias_exp", 0))
    else:
        common.update(bias=kw.get("bias_mant", 0))
    if isinstance(proc, TernaryLIF):
        cls = le.FixedTernaryLIF if fixed else le.FloatTernaryLIF
        return cls(n, vth_hi=kw.get("vth_hi", 10), vth_lo=kw.get("vth_lo", -10), **common)
    extra = {}
    if isinstance(proc, LIFReset):
        extra = dict(reset_interval=kw.get("reset_interval", 1),
                     reset_offset=kw.get("reset_offset", 0) % kw.get("reset_interval", 1))
        cls = le.FixedLIFReset if fixed else le.FloatLIFReset
    elif isinstance(proc, LIFRefractory):
        extra = dict(refractory_period=kw.get("refractory_period", 1))
        cls = le.FixedLIFRefractory if fixed else le.FloatLIFRefractory
    else:
        cls = le.FixedLIF if fixed else le.FloatLIF
    return cls(n, vth=kw.get("vth", 10), **common, **extra)


def _synapses(proc, fixed):
    kw = proc.kw
    w = kw["weights"]
    sparse = isinstance(proc, (Sparse, DelaySparse))
    w = sp.csr_matrix(w) if sparse else np.asarray(w)
    if fixed:
        mode = kw.get("sign_mode")
        return le.FixedSynapses(w, kw.get("weight_exp", 0), kw.get("num_weight_bits", 8),
                                None if mode is None else mode.value, kw.get("num_message_bits", 0),
                                lava_compat=True)
    return le.FloatSynapses(w, kw.get("num_message_bits", 0))


class _Sim:
    """The network built from the registered stand-ins, advanced run by run."""

    current = None

    @classmethod
    def get(cls):
        if cls.current is None or cls.current.procs != _REGISTRY:
            cls.current = _Sim()
        return cls.current

    def __init__(self):
        self.procs = list(_REGISTRY)
        self.net = None
        self.final = None
        self.history = {}

    def _build(self, fixed):
        net = le.Network()
        name = {}
        for k, p in enumerate(self.procs):
            if isinstance(p, (VecSend, Source)):
                name[p] = net.add(le.SpikeSource(p.rows(fixed)), name=f"src{k}").name
            elif isinstance(p, _Neurons):
                name[p] = net.add(_neurons(p, fixed), name=f"pop{k}").name
        self.init = {name[p]: {var: p.kw[var] for var in ("u", "v") if var in p.kw}
                     for p in self.procs if isinstance(p, _Neurons)}
        self.observed = {}  # receiver -> ("a" of a sink population | "s" of a population)
        for k, p in enumerate(self.procs):
            if isinstance(p, (VecRecv, Sink)):
                feeder = self._feeder(p.s_in) or self._feeder(p.a_in)
                if isinstance(feeder, _Conn):
                    n_out = self._n_out(feeder)
                    pop = net.add(le.FixedLIF(n_out, 0, 0, 0) if fixed else le.FloatLIF(n_out, 0, 0, 0.0),
                                  name=f"sink{k}")
                    name[p] = pop.name
                    self.observed[p] = (pop.name, "a")
                elif feeder is not None:
                    self.observed[p] = (name[feeder], "s")
        for p in self.procs:
            if isinstance(p, _Conn):
                pre = self._feeder(p.s_in)
                posts = [t.proc for t in p.a_out.targets if t.name in ("a_in", "s_in")]
                post = next((q for q in posts if q in name and not isinstance(q, (VecSend, Source))), None)
                if pre is None or post is None or pre not in name:
                    continue
                delays = p.kw.get("delays")
                if isinstance(p, DelaySparse) and delays is not None and sp.issparse(delays):
                    delays = delays.toarray()
                net.connect(name[pre], name[post], _synapses(p, fixed), delays=delays)
            elif isinstance(p, (VecSend, Source)):
                for t in p.s_out.targets:
                    if isinstance(t.proc, _Neurons):
                        net.connect(name[p], name[t.proc])
        self.net, self.name = net, name

    def _feeder(self, in_port):
        for p in self.procs:
            for port in (getattr(p, "s_out", None), getattr(p, "a_out", None)):
                if port is not None and in_port in port.targets:
                    return p
        return None

    @staticmethod
    def _n_out(conn):
        return np.shape(conn.kw["weights"])[0]

    def advance(self, num_steps, tag):
        fixed = tag == "fixed_pt"
        if self.net is None:
            self._build(fixed)
        record = {n: ("s", "u", "v", "a") for n, p in self.net.populations.items() if not p.is_source}
        if self.final is None:
            tr = le.simulate(self.net, num_steps, record=record, init=self.init or None)
        else:
            tr = le.simulate(self.net, num_steps, record=record, state=self.final)
        self.final = tr.final
        for n, t in tr.items():
            for var in ("s", "u", "v", "a"):
                h = self.history.setdefault((n, var), [])
                h.append(np.asarray(getattr(t, var)))

    def _hist(self, pop, var):
        return np.concatenate(self.history[(pop, var)], axis=0)

    def read(self, proc, var, history=False):
        if isinstance(proc, _Neurons):
            h = self._hist(self.name[proc], var)
            return h if history else h[-1]
        if isinstance(proc, (VecRecv, Sink)):
            pop, what = self.observed[proc]
            h = self._hist(pop, what).astype(float)
            if isinstance(proc, Sink):
                return h.T
            shape = proc.kw["shape"]
            out = np.zeros(shape)
            out[:h.shape[0]] = h[:shape[0]]
            return out
        raise NotImplementedError(f"reading {var!r} of {type(proc).__name__}")


def load_with_fakes(relpath: str, replacements: dict):
    """Import Lava's shipped test module ``relpath`` (under site-packages/tests) and
    replace the names in ``replacements`` by stand-ins."""
    import lava
    root = pathlib.Path(next(iter(lava.__path__))).resolve().parent / "tests"
    path = root / relpath
    spec = importlib.util.spec_from_file_location("lava_shipped_" + relpath.replace("/", "_")[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for key, value in replacements.items():
        setattr(mod, key, value)
    return mod
