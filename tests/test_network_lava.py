"""The network engine against Lava 0.10 itself, run through its runtime: random graphs of
LIF, LIFReset and TernaryLIF populations with RingBuffer sources, joined by Dense, Sparse,
DelayDense and DelaySparse (every sign mode, num_weight_bits 1..8, weight_exp -8..7,
graded and binary, delays up to 62), s, u and v compared at every step; and the float
models (including LIFRefractory) against Lava's float models."""
import numpy as np
import pytest
from hypothesis import given, settings

import lava_eirate as le
from lava_eirate.lava_ref import run_network

from strategies import build_network, network_specs
from test_network_reference import assert_network_equal

pytestmark = pytest.mark.lava


@settings(max_examples=45)
@given(spec=network_specs(kinds=("lif", "reset", "ternary"), max_pops=3, max_n=6, max_steps=25,
                          max_conns=5))
def test_random_graphs_bit_exact_with_lava(spec):
    net = build_network(spec)
    init = spec["init"] or None
    mine = le.simulate(net, spec["num_steps"], init=init)
    lava = run_network(net, spec["num_steps"], init=init)
    assert_network_equal(mine, {k: (t.s, t.u, t.v) for k, t in lava.items()})


def float_graph(seed):
    rng = np.random.default_rng(seed)
    net = le.Network()
    kw = dict(du=rng.uniform(0.05, 0.3), dv=rng.uniform(0.05, 0.3))
    net.add(le.FloatLIF(7, vth=1.0, bias=rng.uniform(0, 0.15, 7), **kw), name="lif")
    net.add(le.FloatLIFReset(5, vth=0.8, bias=0.12, reset_interval=6, reset_offset=2, **kw), name="reset")
    net.add(le.FloatTernaryLIF(6, vth_hi=0.9, vth_lo=-0.7, bias=rng.uniform(-0.15, 0.15, 6), **kw), name="tern")
    net.add(le.FloatLIFRefractory(4, vth=0.7, bias=0.2, refractory_period=3, **kw), name="refr")
    net.add(le.SpikeSource(rng.normal(0, 0.5, (7, 7))), name="src")
    names = ["lif", "reset", "tern", "refr"]
    size = {"lif": 7, "reset": 5, "tern": 6, "refr": 4}
    net.connect("src", "lif")
    for k in range(7):
        pre, post = rng.choice(names, 2)
        w = rng.normal(0, 0.6, (size[post], size[pre]))
        graded = k % 2
        delays = None if k % 3 == 0 else rng.integers(0, 4, w.shape)
        net.connect(pre, post, le.FloatSynapses(w, num_message_bits=8 * graded), delays=delays)
    return net


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float_models_match_lava_float_models(seed):
    net = float_graph(seed)
    T = 60
    mine = le.simulate(net, T)
    lava = run_network(net, T)
    assert sum(t.num_spikes for t in mine.values()) > 30
    for name, tr in mine.items():
        assert np.array_equal(tr.s, lava[name].s), name
        np.testing.assert_allclose(tr.u, lava[name].u, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(tr.v, lava[name].v, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_delay_zero_is_delaydense_not_dense_where_graded_sums_wrap(sparse):
    """delays=0 runs as DelayDense/DelaySparse, delays=None as Dense/Sparse: Lava's Dense
    forms the graded sum in int32 (wrapping) before the right shift, DelayDense sums int32
    products in int64 and shifts first, so with these payloads the two send different input
    (Sparse and DelaySparse both form graded sums with scipy's int32 dot: no difference)."""
    import scipy.sparse as sps
    pay = np.array([[17442484, 26776513, 8568740, 0], [-7381741, 25745708, 0, 3]])
    w = np.array([[-256, -256, -256, 0], [-256, 0, 254, -256]])
    out = {}
    for delays in (None, 0):
        net = le.Network()
        src = net.add(le.SpikeSource(pay), name="x")
        lif = net.add(le.FixedLIF(2, 4095, 0, 2 ** 17 - 1, 0, 0), name="p")
        syn = le.FixedSynapses(sps.csr_matrix(w) if sparse else w, weight_exp=-7, num_message_bits=24,
                               lava_compat=True)
        net.connect(src, lif, syn, delays=delays)
        mine = le.simulate(net, 6)
        lava = run_network(net, 6)
        assert_network_equal(mine, {k: (t.s, t.u, t.v) for k, t in lava.items()})
        out[delays] = mine["p"].u
    assert np.array_equal(out[None], out[0]) == sparse
