"""The engine on several threads: bit-identical to one thread (and so to the numpy
transcription of Lava's processes) on random graphs of every connection kind, floats
included; the thread count checked at the boundary and chosen by network size."""
from unittest import mock

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings

import lava_eirate as le
from lava_eirate import engine as E
from lava_eirate.loihi import network_kernel as NK
from lava_eirate.loihi.kernels import FMT_CSC, FMT_PACKED, PACK_SHIFT

import numpy_network_reference as ref
from strategies import KINDS, build_network, network_specs
from test_rate_fixed import assert_equal, record_all

CORES = int(numba.config.NUMBA_NUM_THREADS)


def run_parts(net, num_steps, parts, **kw):
    """simulate with ``parts`` thread ranges (may exceed the cores: ranges are split among
    the threads numba has), every connection threaded however small."""
    with mock.patch.object(E, "THREADS_MIN_CONN_SYNAPSES", 0), mock.patch.object(E, "THREADS_MIN_POP_NEURONS", 1), \
            mock.patch.object(E, "resolve_threads", lambda n, s: n):
        net._compiled = None
        return E._simulate(net, num_steps, kw.get("record"), None, kw.get("init"), False, "t", parts)


@settings(max_examples=120, deadline=None)
@given(spec=network_specs(kinds=KINDS + ("rate",), max_n=10))
def test_threads_match_the_numpy_transcription(spec):
    net = build_network(spec)
    expected = ref.run(spec)
    for parts in (2, 3):
        trace = run_parts(net, spec["num_steps"], parts, init=spec["init"] or None, record=record_all(net))
        assert_equal(trace, expected)
        # at least one connection really went through the threaded path when one could
        plan = net.compiled().thread_plan(parts)
        threadable = [c for c in net.connections if c.synapses is not None and c.delays is None]
        if threadable:
            assert (plan[2] >= 0).any()


def _float_net(rng, n=300, dense=False):
    net = le.Network()
    net.add(le.FloatLIF(n, du=0.1, dv=0.05, vth=1.0, bias=rng.uniform(0.0, 0.08, n)), name="e")
    net.add(le.FloatLIF(n // 3, du=0.2, dv=0.1, vth=0.8, bias=0.03), name="i")
    w_ee = sp.random(n, n, 0.1, random_state=np.random.RandomState(1), format="csr") * 0.3
    w_ie = rng.normal(0.1, 0.05, (n // 3, n)) * (rng.random((n // 3, n)) < 0.2)
    w_ei = -np.abs(rng.normal(0.2, 0.1, (n, n // 3))) * (rng.random((n, n // 3)) < 0.3)
    net.connect("e", "e", le.FloatSynapses(w_ee.toarray() if dense else w_ee),
                delays=rng.integers(0, 4, (n, n)) * (w_ee.toarray() != 0))
    net.connect("e", "i", le.FloatSynapses(w_ie if dense else sp.csr_matrix(w_ie)))
    net.connect("i", "e", le.FloatSynapses(w_ei), delays=2)
    return net


@pytest.mark.parametrize("dense", [False, True])
def test_float_networks_are_bit_identical_on_threads(dense):
    """Float sums depend on their order: each post must receive its additions in the
    single-thread order for the traces to be equal bit for bit."""
    net = _float_net(np.random.default_rng(3), dense=dense)
    one = run_parts(net, 200, 1)
    assert one["e"].num_spikes > 100
    for parts in (2, 5):
        many = run_parts(net, 200, parts)
        for name in ("e", "i"):
            assert np.array_equal(one[name].v.view(np.int64), many[name].v.view(np.int64)), (parts, name)
            assert np.array_equal(one[name].s, many[name].s)


def test_public_num_threads_equals_one_thread_on_a_large_network():
    rng = np.random.default_rng(0)
    n = 3000
    W = sp.random(n, n, 0.02, random_state=np.random.RandomState(0), format="csr")
    W.data = rng.integers(-40, 60, W.nnz).astype(float)
    net = le.Network()
    net.add(le.FixedLIF(n, du=400, dv=300, vth=900, bias_mant=rng.integers(50, 90, n), bias_exp=6), name="pop")
    net.connect("pop", "pop", le.FixedSynapses(W, weight_exp=0))
    assert net.num_synapses > E.THREADS_MIN_CONN_SYNAPSES
    one = le.simulate(net, 150, num_threads=1)
    two = le.simulate(net, 150, num_threads=CORES)
    assert one["pop"].num_spikes > 1000
    assert np.array_equal(one["pop"].v, two["pop"].v) and np.array_equal(one["pop"].u, two["pop"].u)
    if CORES > 1:
        assert (net.compiled().thread_plan(CORES)[2] >= 0).all()


@pytest.mark.parametrize("bad, err", [(0, ValueError), (CORES + 1, ValueError), (-2, ValueError),
                                      (1.5, TypeError), (True, TypeError), ("2", TypeError)])
def test_num_threads_out_of_range_is_refused(bad, err):
    net = le.Network()
    net.add(le.FixedLIF(4, du=1, dv=1, vth=10, bias_mant=3, bias_exp=6), name="pop")
    with pytest.raises(err, match="num_threads"):
        le.simulate(net, 3, num_threads=bad)


def test_default_thread_count_follows_network_size_and_sweep_workers():
    assert E.resolve_threads(None, E.THREADS_MIN_SYNAPSES - 1) == 1
    assert E.resolve_threads(None, E.THREADS_MIN_SYNAPSES) == CORES
    got = le.sweep(_worker_default, [0, 1, 2], processes=2, progress=False)
    assert got == [1, 1, 1]


def _worker_default(_):
    """Runs in a forked worker after the parent used threads (the earlier tests)."""
    net = le.Network()
    net.add(le.FixedLIF(4, du=1, dv=1, vth=10, bias_mant=300, bias_exp=6), name="pop")
    spikes = le.simulate(net, 20)["pop"].num_spikes
    with pytest.raises(ValueError, match="sweep worker"):
        le.simulate(net, 2, num_threads=2)
    return E.resolve_threads(None, 10 ** 9) * (spikes > 0)


@pytest.mark.parametrize("fmt", [FMT_PACKED, FMT_CSC])
def test_thread_bounds_split_each_row_by_post(fmt):
    rng = np.random.default_rng(5)
    n_pre, n_post, T = 50, 40, 3
    rows = [np.sort(rng.choice(n_post, rng.integers(0, 12), replace=False)) for _ in range(n_pre)]
    rows[3] = np.array([2, 10, 35])
    indptr = np.zeros(n_pre + 1, np.int64)
    indptr[1:] = np.cumsum([r.size for r in rows])
    post = np.concatenate(rows).astype(np.uint32)
    packed = ((rng.integers(-5, 5, post.size) << PACK_SHIFT) | post).astype(np.int32)
    cuts = np.array([0, 9, 30, n_post], np.int64)
    bnd = np.empty(n_pre * (T + 1), np.int64)
    args = (packed, post[:0]) if fmt == FMT_PACKED else (packed[:0], post)
    assert NK.thread_bounds(indptr, *args, fmt, cuts, bnd)
    bnd = bnd.reshape(n_pre, T + 1)
    for j in range(n_pre):
        assert bnd[j, 0] == indptr[j] and bnd[j, T] == indptr[j + 1]
        for th in range(T):
            seg = post[bnd[j, th]:bnd[j, th + 1]]
            assert ((seg >= cuts[th]) & (seg < cuts[th + 1])).all()
    # a row whose posts are not ascending has no table
    post[indptr[3]:indptr[4]] = post[indptr[3]:indptr[4]][::-1].copy()
    if indptr[4] - indptr[3] > 1:
        packed = ((packed >> PACK_SHIFT) << PACK_SHIFT) | post.astype(np.int32)
        args = (packed, post[:0]) if fmt == FMT_PACKED else (packed[:0], post)
        assert not NK.thread_bounds(indptr, *args, fmt, cuts, np.empty(n_pre * (T + 1), np.int64))


def test_lava_imports_after_a_simulation():
    """numba's thread pool start fixes multiprocessing's start method, after which Lava's
    import (which sets "fork") fails; the engine puts the unset state back. Checked in a
    fresh interpreter (this one imported Lava long ago)."""
    from test_parallel import _fresh
    code = ("import lava_eirate as le\n"
            "net = le.Network()\n"
            "net.add(le.FixedLIF(3, du=1, dv=1, vth=1, bias_mant=2, bias_exp=6), name='p')\n"
            "le.simulate(net, 5)\n"
            "from lava.proc.lif.process import LIF\n"
            "print('imported')\n")
    assert "imported" in _fresh(code)
