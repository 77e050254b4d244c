"""EIRateNetwork in fixed point through Lava 0.10's runtime: the fused fixed_pt model (the
engine) bit-exact with the sub-process model built from Lava's own Dense with graded
spikes around RateNeurons (numpy rules), and with the engine run directly; integer
graded input on a_in from a RingBuffer; the payload on s_out; model selection."""
import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.source import RingBuffer
from lava.proc.monitor.process import Monitor

import lava_eirate as le
from lava_eirate import EIRateNetwork
from lava_eirate.network import tutorial_networks
from lava_eirate.proc.ei_rate.models import PyEIRateModelFixed, SubEIRateModelLava
from lava_eirate.rate_network import ei_rate_network

pytestmark = pytest.mark.lava
SUB = {EIRateNetwork: SubEIRateModelLava}


def random_fixed_params(seed, n=40):
    """The tutorial's network drawn at size n (Generator), converted; then weights, table
    and biases perturbed so that the int32 and saturation corners are reachable."""
    rng = np.random.default_rng(seed)
    p = le.network.tutorial_networks_generator(seed=seed, n=n)["critical" if seed % 2 else "balanced"]
    fx, _ = le.rate_to_fixed(p, num_steps=200, max_table_entries=256)
    if seed % 3 == 0:   # large payloads and exponents: graded sums wrap, the state saturates
        fx = dict(fx, num_message_bits=24, table=np.minimum(np.asarray(fx["table"]) * 2 ** 10, 2 ** 23 - 1),
                  table_shift=min(fx["table_shift"], 4), weight_exp_exc=5, weight_exp_inh=3)
    return fx


def run(proc, cfg, T, a_in=None):
    mons = {k: Monitor() for k in ("state", "s_out")}
    mons["state"].probe(proc.state, T)
    mons["s_out"].probe(proc.s_out, T)
    if a_in is not None:
        src = RingBuffer(data=a_in.T.astype(np.int32))
        src.s_out.connect(proc.a_in)
    try:
        proc.run(condition=RunSteps(num_steps=T), run_cfg=cfg)
        out = {k: np.asarray(m.get_data()[proc.name][k]) for k, m in mons.items()}
        model = proc.model_class
    finally:
        proc.stop()
    return out["state"].astype(np.int64), out["s_out"].astype(np.int64), model


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2 ** 20), with_input=st.booleans())
@example(seed=3, with_input=True)      # the wrap / saturation variant, always run
@example(seed=4, with_input=False)
def test_fused_fixed_model_equals_lava_dense_graded_and_engine(seed, with_input):
    fx = random_fixed_params(seed)
    n, T = fx["shape_exc"] + fx["shape_inh"], 30
    rng = np.random.default_rng(seed)
    a_in = rng.integers(-2 ** 16, 2 ** 16, (T, n)) if with_input else None
    x0 = rng.integers(-2 ** 18, 2 ** 18, n)
    st_f, s_f, m_f = run(EIRateNetwork(**fx, state=x0), Loihi2SimCfg(select_tag="fixed_pt"), T, a_in)
    st_l, s_l, m_l = run(EIRateNetwork(**fx, state=x0),
                         Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map=SUB), T, a_in)
    assert m_f is PyEIRateModelFixed and m_l is SubEIRateModelLava
    net = ei_rate_network(fx)
    if a_in is not None:
        src = net.add(le.SpikeSource(a_in), name="a")
        net.connect(src, "rate")
    tr = le.simulate(net, T, record={"rate": ("u", "v")}, init={"rate": {"v": x0}})["rate"]
    assert np.any(s_f != 0) and len(np.unique(st_f)) > n
    for mine, lava, eng in ((st_f, st_l, tr.v), (s_f, s_l, tr.u)):
        assert np.array_equal(mine, lava)
        assert np.array_equal(mine, eng)


def test_tutorial_network_runs_in_lava_fixed_and_tracks_float():
    p = tutorial_networks()["balanced"]
    fx, rep = le.rate_to_fixed(p, num_steps=300)
    T = 150
    st_f, _, _ = run(EIRateNetwork(**fx), Loihi2SimCfg(select_tag="fixed_pt"), T)
    want = le.simulate_rate(*(p[k] for k in ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh",
                                             "bias_exc", "bias_inh")), T)
    assert np.max(np.abs(st_f / rep.state_scale - want)) < 0.01 * want.std()


def test_wrong_tag_is_refused():
    fx, _ = le.rate_to_fixed(tutorial_networks(n=40)["balanced"], num_steps=100)
    proc = EIRateNetwork(**fx)
    with pytest.raises(ValueError, match="fixed-point parameters.*floating_pt|select_tag='fixed_pt'"):
        proc.run(condition=RunSteps(num_steps=2), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
    proc.stop()
