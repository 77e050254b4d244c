"""le.proc.NetworkProcess: a whole Network as one Lava Process, run through Lava's runtime
(on its own and inside a larger graph of Lava's processes) against the engine; and
le.run_lava against Lava's runtime on the same Lava processes."""
import numpy as np
import pytest
from hypothesis import given, settings

import lava_eirate as le
from lava_eirate.lava_ref import lava_processes

from strategies import build_network, network_specs
from test_network_lava import float_graph
from test_network_reference import assert_network_equal

pytestmark = pytest.mark.lava


def _run(proc, num_steps, tag, probes):
    """Run the graph of ``proc`` in Lava's runtime; ``probes`` is [(process, var name)]."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.monitor.process import Monitor
    mons = []
    for p, var in probes:
        mon = Monitor()   # a Lava 0.10 Monitor holds one probe
        mon.probe(getattr(p, var), num_steps)
        mons.append((p, var, mon))
    try:
        proc.run(condition=RunSteps(num_steps=num_steps), run_cfg=Loihi2SimCfg(select_tag=tag))
        return {(p.name, var): np.asarray(mon.get_data()[p.name][var]) for p, var, mon in mons}
    finally:
        proc.stop()


def _probes(proc, net):
    return [(proc, f"{var}_{name}") for name, pop in net.populations.items() if not pop.is_source
            for var in ("s_out", "u", "v")]


@settings(max_examples=12)
@given(spec=network_specs(max_pops=3, max_n=6, max_steps=20, max_conns=5))
def test_network_process_is_bit_exact_with_the_engine(spec):
    """Random graphs (every fixed model, refractory included; delays, graded spikes, every
    sign mode) as one NetworkProcess through Lava's runtime: s, u, v every step."""
    from lava_eirate.proc import NetworkProcess
    net = build_network(spec)
    init = spec["init"] or None
    proc = NetworkProcess(net, init=init)
    got = _run(proc, spec["num_steps"], "fixed_pt", _probes(proc, net))
    want = le.simulate(net, spec["num_steps"], init=init)
    assert_network_equal(want, {k: (got[proc.name, f"s_out_{k}"].astype(want[k].s.dtype),
                                    got[proc.name, f"u_{k}"].astype(np.int32),
                                    got[proc.name, f"v_{k}"].astype(np.int32)) for k in want})


def test_network_process_inside_a_lava_graph():
    """Lava's RingBuffer -> Dense -> the process's ``a_in_exc``; its ``s_out_inh`` -> Dense ->
    Lava's LIF: the whole graph equals one engine network with those parts added."""
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LIF
    from lava_eirate.proc import NetworkProcess
    rng = np.random.default_rng(5)
    T = 40
    net = le.Network()
    net.add(le.FixedLIF(6, du=300, dv=200, vth=50, bias_mant=rng.integers(0, 200, 6), bias_exp=6), name="exc")
    net.add(le.FixedLIF(4, du=500, dv=100, vth=80, bias_mant=100, bias_exp=6), name="inh")
    net.add(le.SpikeSource(rng.random((7, 3)) < 0.4), name="stim")
    syn = [le.FixedSynapses(rng.integers(0, 200, (4, 6)), weight_exp=2),
           le.FixedSynapses(rng.integers(-200, 0, (6, 4))),
           le.FixedSynapses(rng.integers(-100, 200, (6, 6))),
           le.FixedSynapses(rng.integers(0, 250, (6, 3)))]
    for (pre, post, d), s in zip([("exc", "inh", 2), ("inh", "exc", None), ("exc", "exc", 1),
                                  ("stim", "exc", None)], syn):
        net.connect(pre, post, s, delays=d)
    proc = NetworkProcess(net)
    ext = rng.random((T, 5)) < 0.3
    w_in, w_out = rng.integers(0, 250, (6, 5)), rng.integers(0, 250, (3, 4))
    rb, d_in, d_out = RingBuffer(data=ext.T.astype(np.int64)), Dense(weights=w_in), Dense(weights=w_out)
    lif = LIF(shape=(3,), du=400, dv=300, vth=30, bias_mant=0, bias_exp=0)
    rb.s_out.connect(d_in.s_in)
    d_in.a_out.connect(proc.in_port("exc"))
    proc.out_port("inh").connect(d_out.s_in)
    d_out.a_out.connect(lif.a_in)
    got = _run(proc, T, "fixed_pt", _probes(proc, net) + [(lif, "v"), (lif, "s_out")])

    full = le.Network()
    for name in ("exc", "inh", "stim"):
        full.add(net.populations[name].model, name=name)
    full.add(le.SpikeSource(ext), name="rb")
    full.add(le.FixedLIF(3, du=400, dv=300, vth=30, bias_mant=0), name="lif")
    for c in net.connections:
        full.connect(c.pre.name, c.post.name, c.synapses, delays={0: 2, 2: 1}.get(c.index))
    full.connect("rb", "exc", le.FixedSynapses(w_in))
    full.connect("inh", "lif", le.FixedSynapses(w_out))
    want = le.simulate(full, T)
    assert want["lif"].num_spikes > 20 and want["exc"].num_spikes > 50
    for name in ("exc", "inh"):
        assert np.array_equal(got[proc.name, f"s_out_{name}"].astype(bool), want[name].s), name
        assert np.array_equal(got[proc.name, f"u_{name}"], want[name].u), name
        assert np.array_equal(got[proc.name, f"v_{name}"], want[name].v), name
    assert np.array_equal(got[lif.name, "v"], want["lif"].v)
    assert np.array_equal(got[lif.name, "s_out"].astype(bool), want["lif"].s)


def test_float_network_process_matches_the_float_engine():
    from lava_eirate.proc import NetworkProcess
    net = float_graph(1)
    T = 50
    proc = NetworkProcess(net)
    got = _run(proc, T, "floating_pt", _probes(proc, net))
    want = le.simulate(net, T)
    assert sum(t.num_spikes for t in want.values()) > 30
    for name, tr in want.items():
        assert np.array_equal(got[proc.name, f"s_out_{name}"] != 0, tr.s != 0), name
        np.testing.assert_allclose(got[proc.name, f"v_{name}"], tr.v, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got[proc.name, f"u_{name}"], tr.u, rtol=1e-12, atol=1e-12)


def test_network_process_refuses_the_other_family_and_bad_names():
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava_eirate.proc import NetworkProcess
    net = le.Network()
    net.add(le.FixedLIF(3, du=1, dv=1, vth=5), name="exc")
    proc = NetworkProcess(net)
    with pytest.raises(ValueError, match=r"fixed-point network; run it with Loihi2SimCfg\(select_tag='fixed_pt'\)"):
        proc.run(condition=RunSteps(num_steps=2), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
    with pytest.raises(ValueError, match="'nope' has no a_in; populations with one: \\['exc'\\]"):
        proc.in_port("nope")
    bad = le.Network()
    bad.add(le.FixedLIF(3, du=1, dv=1, vth=5), name="exc pop")
    with pytest.raises(ValueError, match="'exc pop' is not a Python identifier"):
        NetworkProcess(bad)
    with pytest.raises(TypeError, match="net must be a lava_eirate.Network"):
        NetworkProcess({"exc": 1})
    with pytest.raises(ValueError, match=r"init\['exc'\]\['v'\]"):
        NetworkProcess(net, init={"exc": {"v": 2 ** 24}})


@settings(max_examples=10)
@given(spec=network_specs(kinds=("lif", "ternary"), max_pops=3, max_n=6, max_steps=20, max_conns=5))
def test_run_lava_equals_lavas_runtime_on_the_same_processes(spec):
    """A graph of Lava's own processes, with Monitors: le.run_lava on it, then Lava's runtime
    on the very same processes -- s, u, v equal at every step."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.monitor.process import Monitor
    from lava_eirate.lava_ref import _components
    net = build_network(spec)
    pops, _ = lava_processes(net, spec["init"] or None)
    T = spec["num_steps"]
    neurons = [k for k, p in net.populations.items() if not p.is_source]
    mons = {}
    for name in neurons:
        for var in ("s_out", "u", "v"):
            mons[name, var] = mon = Monitor()
            mon.probe(getattr(pops[name], var), T)
    ours = le.run_lava(*pops.values(), num_steps=T)
    lava = {}
    for comp in _components(net):
        first = pops[comp[0]]
        try:
            first.run(condition=RunSteps(num_steps=T), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
            for (name, var), mon in mons.items():
                if name in comp:
                    lava[name, var] = np.asarray(mon.get_data()[pops[name].name][var]).astype(np.int32)
        finally:
            first.stop()
    for name in neurons:
        for var in ("s_out", "u", "v"):
            assert np.array_equal(ours[pops[name].name][var], lava[name, var]), (name, var)
