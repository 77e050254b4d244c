"""Network builders: exact synapse counts, no autapses, reproducible from the Generator,
balanced E/I weights."""
import numpy as np
import pytest

from lava_eirate import network as N


def test_random_topology_exact_count_no_autapses_and_seeded():
    a = N.random_topology(500, 20000, np.random.default_rng(1))
    assert a.nnz == 20000 and a.diagonal().sum() == 0 and a.max() == 1
    b = N.random_topology(500, 20000, np.random.default_rng(1))
    c = N.random_topology(500, 20000, np.random.default_rng(2))
    assert (a != b).nnz == 0 and (a != c).nnz > 0
    full = N.random_topology(20, 380, np.random.default_rng(0))   # every off-diagonal entry
    assert full.nnz == 380 and full.diagonal().sum() == 0
    with pytest.raises(ValueError, match=r"n_syn = 381 is out of range \[0, 380\]"):
        N.random_topology(20, 381, np.random.default_rng(0))
    # uniform: in- and out-degrees concentrate around the mean
    deg = np.asarray(a.sum(axis=1)).ravel()
    assert abs(deg.mean() - 40) < 1e-9 and deg.std() < 10


def test_fixed_indegree():
    a = N.fixed_indegree(300, 300, 25, np.random.default_rng(3))
    assert np.all(np.asarray(a.sum(axis=1)).ravel() == 25)
    assert a.diagonal().sum() == 0 and a.max() == 1
    assert (a != N.fixed_indegree(300, 300, 25, np.random.default_rng(3))).nnz == 0
    assert a.has_canonical_format and a.indices.dtype == np.int32   # built as CSR, no COO pass
    rows = np.split(a.indices, a.indptr[1:-1])
    assert all(np.unique(r).size == 25 for r in rows)                 # distinct partners
    empty = N.fixed_indegree(4, 3, 0, np.random.default_rng(3))
    assert empty.shape == (4, 3) and empty.nnz == 0


def test_fixed_indegree_draws_the_partners_of_an_int64_draw():
    """The partners are drawn as int32 (half the memory); the network is the one the
    Generator's default int64 draw with the same redraw rule gives."""
    for n_post, n_pre, k, allow in ((200, 200, 150, False), (50, 3000, 40, True)):
        rng = np.random.default_rng(11)
        pre = rng.integers(0, n_pre, (n_post, k))
        while True:
            pre.sort(axis=1)
            bad = np.zeros_like(pre, dtype=bool)
            bad[:, 1:] = pre[:, 1:] == pre[:, :-1]
            if not allow:
                bad |= pre == np.arange(n_post)[:, None]
            if not bad.any():
                break
            pre[bad] = rng.integers(0, n_pre, int(bad.sum()))
        a = N.fixed_indegree(n_post, n_pre, k, np.random.default_rng(11), allow_autapses=allow)
        assert np.array_equal(a.indices, pre.ravel()) and a.indices.dtype == np.int32


def test_balanced_weights_give_zero_mean_input():
    n, p, f = 2000, 0.05, 0.8
    _, w, _ = N.ei_balanced_weights(n, p, f, mu_e=1.0, sigma_0=0.5, rng=np.random.default_rng(4))
    assert w.nnz == round(n * n * p) and w.diagonal().sum() == 0
    exc = w[:, :1600]
    assert exc.data.mean() == pytest.approx(1.0 / np.sqrt(n * p), rel=0.02)
    # equal presynaptic rates: mean input per neuron = row sum; zero within sampling error
    row = np.asarray(w.sum(axis=1)).ravel()
    sem = 0.5 / np.sqrt(n * p) * np.sqrt(n * p) / np.sqrt(n)      # sd of a row sum / sqrt(n)
    assert abs(row.mean()) < 5 * sem + 0.05
    w_in, _, w_out = N.ei_balanced_weights(100, 0.1, 0.8, 1.0, 0.5, np.random.default_rng(0), 10, 3)
    assert w_in.shape == (100, 10) and w_out.shape == (3, 100)
