"""le.from_lava / le.run_lava: a Lava graph (LIF, LIFReset, TernaryLIF, RingBuffer, Dense,
Sparse, DelayDense, DelaySparse, Monitors) mapped onto the engine."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings

import lava_eirate as le
from lava_eirate.lava_ref import lava_processes

from strategies import build_network, network_specs
from test_network_reference import assert_network_equal


@settings(max_examples=60)
@given(spec=network_specs(kinds=("lif", "reset", "ternary"), max_pops=3, max_n=6, max_steps=25))
def test_lava_graphs_map_back_to_the_same_network(spec):
    """Network -> Lava's own processes -> from_lava -> the same dynamics, bit for bit."""
    net = build_network(spec)
    init = spec["init"] or None
    pops, _ = lava_processes(net, init)
    back = le.from_lava(*pops.values())
    neurons = [k for k, p in net.populations.items() if not p.is_source]
    assert set(neurons) <= set(back.populations)
    want = le.simulate(net, spec["num_steps"], init=init)
    got = le.simulate(back, spec["num_steps"], init=back.lava_init, record={k: ("s", "u", "v") for k in neurons})
    assert_network_equal(got, {k: (t.s, t.u, t.v) for k, t in want.items()})


def tutorial_lava_graph(num_steps):
    """The Lava E/I tutorial's fixed-point network as its notebook writes it: one LIF
    population, recurrent Dense, Monitors on s_out and v."""
    from lava.proc.dense.process import Dense
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    from lava_eirate.network import tutorial_networks
    lif_params = le.convert_rate_to_lif_params(**tutorial_networks(1234)["balanced"])
    fixed, _ = le.float_to_fixed(lif_params)
    p = le.EILIFParams(**fixed)
    arr = p.lava_arrays("fixed")
    lif = LIF(shape=(p.n,), **arr)
    dense = Dense(weights=np.asarray(fixed["weights"]), weight_exp=int(fixed["weight_exp"]),
                  num_weight_bits=int(fixed["num_weight_bits"]))
    lif.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    mon_s, mon_v = Monitor(), Monitor()
    mon_s.probe(lif.s_out, num_steps)
    mon_v.probe(lif.v, num_steps)
    return lif, dense, mon_s, mon_v


def test_monitors_decide_what_is_recorded_and_unsupported_processes_are_named():
    from lava.proc.io.sink import RingBuffer as Sink
    lif, dense, mon_s, mon_v = tutorial_lava_graph(30)
    net = le.from_lava(lif)
    assert net.lava_record == {lif.name: ("s", "v")}
    assert net.lava_report[dense.name]["num_clipped"] == 0
    data = le.run_lava(lif, num_steps=30)
    assert set(data[lif.name]) == {"s_out", "v"} and data[lif.name]["v"].shape == (30, 400)
    sink = Sink(shape=(400,), buffer=5)
    lif.s_out.connect(sink.a_in)
    with pytest.raises(ValueError, match=rf"process '{sink.name}' of type lava.proc.io.sink.RingBuffer cannot be mapped"):
        le.from_lava(dense)


def test_refractory_needs_the_float_tag():
    from lava.proc.lif.process import LIFRefractory
    proc = LIFRefractory(shape=(3,), du=0.1, dv=0.1, vth=1.0, bias_mant=0.3, refractory_period=2)
    with pytest.raises(ValueError, match="no fixed-point model"):
        le.from_lava(proc)
    net = le.from_lava(proc, tag="floating_pt")
    assert isinstance(net.populations[proc.name].model, le.FloatLIFRefractory)


@pytest.mark.lava
def test_run_lava_reproduces_lavas_own_run_of_the_tutorial_network():
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    T = 60
    lif, dense, mon_s, mon_v = tutorial_lava_graph(T)
    ours = le.run_lava(lif, num_steps=T)[lif.name]
    try:
        lif.run(condition=RunSteps(num_steps=T), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        s = mon_s.get_data()[lif.name]["s_out"]
        v = mon_v.get_data()[lif.name]["v"]
    finally:
        lif.stop()
    assert ours["s_out"].sum() > 100
    assert np.array_equal(ours["s_out"], s.astype(np.int32)) and np.array_equal(ours["v"], v.astype(np.int32))


@pytest.mark.lava
def test_write_back_lets_lava_continue_bit_exactly():
    """run_lava(write_back=True) for 30 steps, then Lava's own runtime for 20 more: the
    same as 50 steps on the engine."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    lif, dense, mon_s, mon_v = tutorial_lava_graph(20)
    whole = le.run_lava(lif, num_steps=50, record={lif.name: ("s", "v")})[lif.name]
    le.run_lava(lif, num_steps=30, record={lif.name: "s"}, write_back=True)
    assert np.array_equal(np.asarray(lif.v.init), whole["v"][29])
    try:
        lif.run(condition=RunSteps(num_steps=20), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        s = mon_s.get_data()[lif.name]["s_out"]
        v = mon_v.get_data()[lif.name]["v"]
    finally:
        lif.stop()
    assert whole["s_out"][30:].sum() > 50
    assert np.array_equal(s.astype(np.int32), whole["s_out"][30:])
    assert np.array_equal(v.astype(np.int32), whole["v"][30:])


def test_write_back_refuses_what_it_cannot_carry():
    from lava.proc.dense.process import DelayDense
    from lava.proc.lif.process import LIF
    lif = LIF(shape=(3,), du=10, dv=10, vth=5, bias_mant=100, bias_exp=2)
    conn = DelayDense(weights=np.ones((3, 3), int), delays=2)
    lif.s_out.connect(conn.s_in)
    conn.a_out.connect(lif.a_in)
    with pytest.raises(ValueError, match="write_back does not support delayed connections"):
        le.run_lava(lif, num_steps=5, write_back=True)
    with pytest.raises(TypeError, match="write_back='yes' must be True or False"):
        le.run_lava(lif, num_steps=5, write_back="yes")
