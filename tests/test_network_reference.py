"""The network engine against an independent plain-numpy transcription of Lava 0.10's
processes (numpy_network_reference) on hundreds of random graphs, and the network API's
own contracts: continuation, initial state, recording, errors at the boundary."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings

import lava_eirate as le

import numpy_network_reference as ref
from strategies import build_network, network_specs


def assert_network_equal(trace, expected, names=None):
    for name in names or expected:
        S, U, V = expected[name]
        tr = trace[name]
        for var, got, want in (("s", tr.s, S), ("u", tr.u, U), ("v", tr.v, V)):
            got = np.asarray(got).astype(np.int64)
            want = np.asarray(want).astype(np.int64)
            assert got.shape == want.shape, (name, var, got.shape, want.shape)
            if not np.array_equal(got, want):
                t, i = np.argwhere(got != want)[0]
                pytest.fail(f"{name}.{var} differs first at step {t + 1}, neuron {i}: "
                            f"engine {got[t, i]}, reference {want[t, i]}")


@settings(max_examples=300)
@given(spec=network_specs())
def test_random_graphs_match_numpy_transcription(spec):
    net = build_network(spec)
    trace = le.simulate(net, spec["num_steps"], init=spec["init"] or None)
    assert_network_equal(trace, ref.run(spec))


@settings(max_examples=40)
@given(spec=network_specs(max_steps=40))
def test_continuing_from_final_state_equals_one_run(spec):
    """Split anywhere: the second half from trace.final equals the tail of one long run
    (delay rings, staged sums, refractory counters and Lava's time step carried over)."""
    net = build_network(spec)
    T = spec["num_steps"] + 5
    init = spec["init"] or None
    whole = le.simulate(net, T, init=init)
    k = max(1, T // 3)
    first = le.simulate(net, k, init=init)
    rest = le.simulate(net, T - k, state=first.final)
    for name, tr in whole.items():
        for var in "suv":
            assert np.array_equal(getattr(tr, var)[k:], getattr(rest[name], var)), (name, var)
    assert rest.final.t == T


def small_net():
    net = le.Network()
    e = net.add(le.FixedLIF(4, du=100, dv=100, vth=10, bias_mant=500, bias_exp=3), name="e")
    i = net.add(le.FixedLIF(3, du=100, dv=100, vth=10), name="i")
    return net, e, i


def test_connect_errors_name_the_populations_and_shape():
    net, e, i = small_net()
    with pytest.raises(ValueError, match=r"'e' -> 'i'.*shape \(4, 3\).*expected \(post.n, pre.n\) = \(3, 4\)"):
        net.connect(e, i, le.FixedSynapses(np.ones((4, 3), int)))
    with pytest.raises(ValueError, match=r"post='x' is not in the network; populations: \['e', 'i'\]"):
        net.connect(e, "x", le.FixedSynapses(np.ones((3, 4), int)))
    with pytest.raises(ValueError, match=r"delays of 'e' -> 'i'.*= 63 is out of range \[0, 62\]"):
        net.connect(e, i, le.FixedSynapses(np.ones((3, 4), int)), delays=63)
    with pytest.raises(ValueError, match=r"delays of 'e' -> 'i'\[1, 2\] = -1 is out of range \[0, 62\]"):
        d = np.zeros((3, 4), int)
        d[1, 2] = -1
        net.connect(e, i, le.FixedSynapses(np.ones((3, 4), int)), delays=d)
    with pytest.raises(ValueError, match=r"delays of 'e' -> 'i' have shape \(4, 3\); expected the weights' shape \(3, 4\)"):
        net.connect(e, i, le.FixedSynapses(np.ones((3, 4), int)), delays=np.zeros((4, 3), int))
    with pytest.raises(ValueError, match="only for a SpikeSource"):
        net.connect(e, i)
    with pytest.raises(TypeError, match="network is fixed-point"):
        net.connect(e, i, le.FloatSynapses(np.ones((3, 4))))
    with pytest.raises(TypeError, match="network is fixed-point"):
        net.add(le.FloatLIF(2, 0.1, 0.1, 1.0))
    with pytest.raises(ValueError, match="already in the network"):
        net.add(le.FixedLIF(2, 0, 0, 0), name="e")
    other, e2, _ = small_net()
    with pytest.raises(ValueError, match="population of another network"):
        net.connect(e2, i, le.FixedSynapses(np.ones((3, 4), int)))
    src = net.add(le.SpikeSource(np.ones((5, 2), bool)), name="src")
    with pytest.raises(ValueError, match="source 'src' has n=2 but population 'i' has n=3"):
        net.connect(src, i)
    with pytest.raises(ValueError, match="is a SpikeSource; connections must end at neurons"):
        net.connect(e, src, le.FixedSynapses(np.ones((2, 4), int)))
    with pytest.raises(TypeError, match="population must be one of"):
        net.add(np.ones(3))


def test_bad_source_data_and_state_are_refused():
    net, e, i = small_net()
    net.add(le.SpikeSource(np.array([[2 ** 31, 0, 0, 0]])), name="big")
    net.connect("big", "e")
    with pytest.raises(ValueError, match=r"data\[0, 0\] = 2147483648 is out of range"):
        le.simulate(net, 3)
    net2, e2, _ = small_net()
    with pytest.raises(ValueError, match="state must be the .final of a trace of this same network"):
        le.simulate(net2, 3, state=le.simulate(small_net()[0], 3).final)
    with pytest.raises(ValueError, match=r"init\['e'\]\['v'\]\[0\] = 8388608 is out of range"):
        le.simulate(net2, 3, init={"e": {"v": [2 ** 23, 0, 0, 0]}})
    with pytest.raises(ValueError, match=r"record names 'x'"):
        le.simulate(net2, 3, record={"x": "s"})
    with pytest.raises(ValueError, match=r"contains \['w'\]"):
        le.simulate(net2, 3, record={"e": ("s", "w")})
    with pytest.raises(ValueError, match="num_steps=0"):
        le.simulate(net2, 0)
    with pytest.raises(ValueError, match="vth_lo = 5 is above vth_hi = 3"):
        le.FixedTernaryLIF(2, 0, 0, vth_hi=3, vth_lo=5)
    with pytest.raises(ValueError, match=r"refractory_period = 63 is out of range \[1, 62\]"):
        le.FixedLIFRefractory(2, 0, 0, 10, refractory_period=63)
    with pytest.raises(ValueError, match=r"reset_offset = 4 is out of range \[0, 3\]"):
        le.FixedLIFReset(2, 0, 0, 10, reset_interval=4, reset_offset=4)
    with pytest.raises(ValueError, match=r"num_message_bits = 25 is out of range \[0, 24\]"):
        le.FixedSynapses(np.ones((2, 2), int), num_message_bits=25)


def test_connections_into_one_population_add_up():
    """Two connections with the same weights equal one connection with doubled weights
    (int32 sums, same step), and a connection can be given twice (they add)."""
    rng = np.random.default_rng(4)
    w = 2 * rng.integers(-30, 30, (5, 5))  # even: MIXED 8-bit truncation keeps w and 2w
    bias = rng.integers(100, 900, 5)

    def run(conns):
        net = le.Network()
        p = net.add(le.FixedLIF(5, du=200, dv=100, vth=300, bias_mant=bias, bias_exp=4), name="p")
        for weights in conns:
            net.connect(p, p, le.FixedSynapses(weights))
        return le.simulate(net, 50)["p"]
    once = run([2 * w])
    twice = run([w, w])
    assert once.num_spikes > 10
    assert np.array_equal(once.v, twice.v) and np.array_equal(once.s, twice.s)


def test_spike_source_is_cyclic_and_direct_input_is_same_step():
    """RingBuffer semantics: row (t-1) % T at step t; a direct input reaches u on its own
    step, through a connection one step later (plus the delay)."""
    net = le.Network()
    p = net.add(le.FixedLIF(1, du=4095, dv=4095, vth=2 ** 17 - 1), name="p")
    q = net.add(le.FixedLIF(1, du=4095, dv=4095, vth=2 ** 17 - 1), name="q")
    net.add(le.SpikeSource(np.array([[1], [2], [3]])), name="s")
    net.connect("s", p)
    net.connect("s", q, le.FixedSynapses(np.array([[10]]), num_message_bits=8), delays=2)
    tr = le.simulate(net, 8, record={"p": "a", "q": "a"})
    assert tr["p"].a[:, 0].tolist() == [1, 2, 3, 1, 2, 3, 1, 2]
    assert tr["q"].a[:, 0].tolist() == [0, 0, 0, 10, 20, 30, 10, 20]


@pytest.mark.parametrize("buffer, threads", [(1 << 20, 1), (0, 1), (0, 2)])
def test_spike_events_equal_the_dense_raster_across_chunks(monkeypatch, buffer, threads):
    """Events come from the kernel's sender lists; ``buffer`` 0 leaves room for 4 steps of
    every neuron spiking, so the run stops and empties the buffers again and again; 2
    threads compact the populations on threads."""
    import lava_eirate.engine as E
    import lava_eirate.simulators as sim
    monkeypatch.setattr(sim, "_CHUNK_WORK", 300)        # many chunks
    monkeypatch.setattr(sim, "_CHUNK_SECONDS", 0.0)      # chunks do not grow
    monkeypatch.setattr(E, "EVENTS_MIN_BUFFER", buffer)
    monkeypatch.setattr(E, "THREADS_MIN_POP_NEURONS", 1)
    monkeypatch.setattr(E, "THREADS_MIN_CONN_SYNAPSES", 0)
    monkeypatch.setattr(E, "_default_threads", threads)
    rng = np.random.default_rng(8)
    net = le.Network()
    a = net.add(le.FixedLIF(20, 300, 200, 40, rng.integers(200, 900, 20), 4), name="a")
    b = net.add(le.FixedTernaryLIF(10, 300, 200, 30, -30, rng.integers(-900, 900, 10), 4), name="b")
    net.connect(a, b, le.FixedSynapses(rng.integers(-50, 50, (10, 20))), delays=3)
    net.connect(b, a, le.FixedSynapses(rng.integers(-50, 50, (20, 10)), num_message_bits=2))
    dense = le.simulate(net, 400, record={"a": "s", "b": "s"})
    ev = le.simulate(net, 400, record={"a": ("events", "v"), "b": "events"})
    for name in ("a", "b"):
        s = dense[name].s.astype(np.int8)
        t, i, val = ev[name].events
        assert ev[name].s is None and len(t) == np.count_nonzero(s) > 50
        rebuilt = np.zeros_like(s)
        rebuilt[t, i] = val
        assert np.array_equal(rebuilt, s)
        assert np.all(np.diff(t) >= 0)                       # in time order
    assert (ev["b"].events[2] == -1).any()
    assert np.array_equal(ev["a"].v, le.simulate(net, 400, record={"a": "v"})["a"].v)


def test_ei_graph_with_fused_synapse_lists_matches_numpy_transcription():
    """E -> E and E -> I at one delay share one synapse list with one slot per step; I -> E
    and I -> I at two delays share one with a delay per synapse: both as the reference."""
    rng = np.random.default_rng(21)
    pops = [dict(name="E", kind="lif", n=9, du=300, dv=200, vth=900, bias_mant=rng.integers(200, 900, 9), bias_exp=3),
            dict(name="I", kind="refractory", n=4, du=500, dv=300, vth=700, bias_mant=300, bias_exp=2,
                 refractory_period=2)]
    conns = []
    for pre, post, sign, d in (("E", "E", 1, 2), ("E", "I", 1, 2), ("I", "E", -1, 1), ("I", "I", -1, 3)):
        n_post, n_pre = (9 if post == "E" else 4), (9 if pre == "E" else 4)
        w = sign * rng.integers(1, 120, (n_post, n_pre)) * (rng.random((n_post, n_pre)) < 0.5)
        conns.append(dict(pre=pre, post=post, direct=False, weights=w, sparse=True, weight_exp=1,
                          num_weight_bits=8, sign_mode=None, num_message_bits=0, delays=d))
    spec = dict(pops=pops, conns=conns, num_steps=60, init={})
    net = build_network(spec)
    cols = net.compiled().conn_cols
    fused = cols["post"] == -1
    assert fused.sum() == 2 and sorted(cols["per_syn"][fused].tolist()) == [0, 1]
    want = ref.run(spec)
    assert sum(np.asarray(want[p][0]).sum() for p in "EI") > 20
    for T in (1, 2):
        assert_network_equal(le.simulate(net, 60, num_threads=T), want)


def test_compiled_network_stores_each_synapse_once(monkeypatch):
    """After compiling, every connection's synapse arrays are views of the network's flat
    arrays (no second copy), a synapse object used twice is laid out once, groups above
    FUSE_MAX_SYNAPSES stay unfused, and the run is the reference's either way."""
    import lava_eirate.engine as E
    rng = np.random.default_rng(5)
    pops = [dict(name="E", kind="lif", n=12, du=300, dv=200, vth=800, bias_mant=rng.integers(200, 900, 12),
                 bias_exp=3),
            dict(name="I", kind="lif", n=6, du=500, dv=300, vth=700, bias_mant=300, bias_exp=2)]
    conns = []
    for pre, post, sign, sparse in (("E", "E", 1, True), ("E", "I", 1, True), ("I", "E", -1, False),
                                    ("I", "I", -1, True)):
        n_post, n_pre = (12 if post == "E" else 6), (12 if pre == "E" else 6)
        w = sign * rng.integers(1, 120, (n_post, n_pre)) * (rng.random((n_post, n_pre)) < (0.4 if sparse else 1))
        conns.append(dict(pre=pre, post=post, direct=False, weights=w, sparse=sparse, weight_exp=1,
                          num_weight_bits=8, sign_mode=None, num_message_bits=0, delays=2))
    spec = dict(pops=pops, conns=conns, num_steps=50, init={})
    want = ref.run(spec)
    assert sum(np.asarray(want[p][0]).sum() for p in "EI") > 20
    monkeypatch.setattr(E, "FUSE_MAX_SYNAPSES", 0)
    net = build_network(spec)
    comp = net.compiled()
    assert not comp.conn_cols["fused"].any()
    for c in net.connections:
        s = c.synapses
        stored = s.w_t if s.fmt == le.loihi.kernels.FMT_DENSE else s.data
        assert np.shares_memory(stored, comp.syn[4] if s.fmt == le.loihi.kernels.FMT_DENSE else comp.syn[1])
        assert np.shares_memory(s.indptr, comp.syn[0])
    assert comp.syn[1].size == sum(c.synapses.data.size for c in net.connections)
    assert_network_equal(le.simulate(net, 50), want)
    # one FixedSynapses object in two connections: laid out once, both read it
    syn = net.connections[0].synapses
    twice = le.Network()
    twice.add(le.SpikeSource(np.random.default_rng(1).random((50, 12)) < 0.3), "src")
    twice.add(le.FixedLIF(n=12, du=300, dv=200, vth=800), "a")
    twice.add(le.FixedLIF(n=12, du=300, dv=200, vth=800), "b")
    twice.connect("src", "a", syn)
    twice.connect("src", "b", syn)
    tc = twice.compiled()
    assert tc.syn[1].size == syn.data.size and len(set(tc.conn_cols["syn_off"].tolist())) == 1
    tr = le.simulate(twice, 50)
    assert tr["a"].s.sum() > 0 and np.array_equal(tr["a"].v, tr["b"].v)


def test_compiling_a_large_network_trims_the_heap(monkeypatch):
    """Networks with TRIM_MIN_BYTES of synapses or more hand freed memory back (glibc's
    malloc_trim, where there is glibc); smaller ones do not."""
    import lava_eirate.engine as E
    from lava_eirate._malloc import glibc
    calls = []
    monkeypatch.setattr(E, "release_freed_memory", lambda: calls.append(1))

    def build(two=False):
        net = le.Network()
        net.add(le.SpikeSource(np.ones((2, 50), bool)), "src")
        net.add(le.FixedLIF(n=40, du=300, dv=200, vth=800), "a")
        net.connect("src", "a", le.FixedSynapses(np.ones((40, 50), np.int64) * 3, weight_exp=0))
        if two:  # two lists are copied into the flat arrays: trimmed first as well
            net.add(le.FixedLIF(n=40, du=300, dv=200, vth=800), "b")
            net.connect("a", "b", le.FixedSynapses(sp.random(40, 40, 0.2, "csr", random_state=np.random.default_rng(1), data_rvs=lambda k: np.full(k, 2.0))))
        return net.compiled()
    build()
    build(two=True)
    assert calls == []
    monkeypatch.setattr(E, "TRIM_MIN_BYTES", 1)
    build()
    assert calls == [1]
    build(two=True)
    assert calls == [1, 1, 1]
    import ctypes.util
    if ctypes.util.find_library("c") and "libc.so" in ctypes.util.find_library("c"):
        assert glibc() is not None and glibc().malloc_trim(0) in (0, 1)
