"""simulate_fixed against an independent plain-numpy transcription of the rules, on many
randomised networks, plus hand-checked corners of the integer arithmetic."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

import lava_eirate as le
from lava_eirate.loihi import kernels as K

import numpy_reference as ref
from strategies import fixed_objects, lif_networks


def run_both(net, sparse=False):
    neurons, syn = fixed_objects(net, sparse=sparse)
    tr = le.simulate_fixed(neurons, syn, net["num_steps"], a_in=net["a_in"],
                           u0=net["u0"], v0=net["v0"])
    w_eff = ref.prepare_weights(net["weights"], net["sign_mode"], net["num_weight_bits"])
    S, U, V = ref.run(w_eff, net["weight_exp"], net["du"], net["dv"], net["vth"],
                      net["bias_mant"], net["bias_exp"], net["num_steps"], net["a_in"],
                      net["u0"], net["v0"])
    return tr, (S, U, V), syn, w_eff


def assert_same(tr, expected):
    S, U, V = expected
    for name, got, want in (("s", tr.s, S), ("u", tr.u, U), ("v", tr.v, V)):
        if not np.array_equal(got, want):
            t, i = np.argwhere(got != want)[0]
            pytest.fail(f"{name} differs first at step {t + 1}, neuron {i}: "
                        f"got {got[t, i]}, expected {want[t, i]}")


@settings(max_examples=300)
@given(net=lif_networks(), sparse=st.booleans())
def test_matches_numpy_reference(net, sparse):
    tr, expected, syn, w_eff = run_both(net, sparse)
    assert_same(tr, expected)
    assert np.array_equal(syn.effective_weights(sparse=False), w_eff)


@settings(max_examples=60)
@given(net=lif_networks(max_n=40, max_steps=60, regime="overflow"))
def test_overflow_regime_matches(net):
    tr, expected, _, _ = run_both(net)
    assert_same(tr, expected)


def test_overflow_regime_is_reached():
    """The overflow strategy really drives u past 2**23 (wrap) and v into the clip."""
    n, T = 20, 30
    rng = np.random.default_rng(3)
    neurons = le.FixedLIF(n, du=0, dv=0, vth=2 ** 17 - 1, bias_mant=4095, bias_exp=7)
    a_in = rng.integers(2 ** 16, 2 ** 17, (T, n))
    tr = le.simulate_fixed(neurons, None, T, a_in=a_in)
    S, U, V = ref.run(None, 0, 0, 0, 2 ** 17 - 1, 4095, 7, T, a_in)
    assert_same(tr, (S, U, V))
    raw_u = np.cumsum(a_in.astype(np.int64) << 6, axis=0)  # no decay: pure integration
    assert (raw_u > 2 ** 23).any() and (tr.u < 0).any(), "u must have wrapped"
    assert (tr.v == 2 ** 23 - 1).any() or (tr.v == -(2 ** 23 - 1)).any(), "v must have clipped"


def test_u_equal_to_M_is_kept_and_M_plus_1_wraps():
    n = 2
    neurons = le.FixedLIF(n, du=4095, dv=4095, vth=2 ** 17 - 1, bias_mant=0)
    a = np.array([[2 ** 17, 2 ** 17 + 1]])  # << 6: 2**23 and 2**23 + 64
    tr = le.simulate_fixed(neurons, None, 1, a_in=a)
    assert tr.u[0, 0] == 2 ** 23
    assert tr.u[0, 1] == 2 ** 23 + 64 - 2 ** 24
    a = np.array([[-(2 ** 17), -(2 ** 17) + 1]])  # -2**23 wraps (<=), -2**23 + 64 stays
    tr = le.simulate_fixed(neurons, None, 1, a_in=a)
    assert tr.u[0, 0] == -(2 ** 23) + 2 ** 24
    assert tr.u[0, 1] == -(2 ** 23) + 64


def test_decay_rounds_toward_zero_symmetrically():
    for x, keep in [(5, 2048), (-5, 2048), (4097, 1), (-4097, 1), (123456, 4095), (-123456, 4095)]:
        want = int(np.sign(x) * ((abs(x) * keep) >> 12))
        assert K.decay(np.int64(x), np.int64(keep)) == want
        assert K.decay(np.int64(-x), np.int64(keep)) == -want


def test_du_4095_clears_u_and_du_0_still_leaks():
    neurons = le.FixedLIF(2, du=[4095, 0], dv=0, vth=2 ** 17 - 1, bias_mant=0)
    tr = le.simulate_fixed(neurons, None, 3, u0=[4096 * 1000, 4096 * 1000])
    assert tr.u[0, 0] == 0
    assert tr.u[0, 1] == 4096 * 1000 - 1000  # 1/4096 of u leaks even at du = 0


def test_negative_weight_exp_floors_negative_sums():
    syn = le.FixedSynapses(np.array([[-3, -2], [3, 2]]), weight_exp=-1, sign_mode="mixed")
    # MIXED at 8 bits floors to even: [-4, -2], [2, 2]; sums -6 >> 1 = -3, 4 >> 1 = 2
    assert syn.activation(np.array([True, True])).tolist() == [-3, 2]
    syn = le.FixedSynapses(np.array([[-1], [1]]), weight_exp=-3)
    # -1 floors to -2 (MIXED); -2 >> 3 = -1 (floor), not 0 (truncation)
    assert syn.activation(np.array([True])).tolist() == [-1, 0]


def test_lif_golden_vectors_from_lava_tests():
    """Expected values of Lava's tests/lava/proc/lif/test_models.py (TestLIFProcessModelsFixed
    and the fixed ternary-LIF impulse test, which shares AbstractPyLifModelFixed)."""
    # test_bitacc_pm_no_decay: bias 2 << 6, vth 8 << 6, du = dv = 0 -> spikes at steps 5, 10
    tr = le.simulate_fixed(le.FixedLIF(10, du=0, dv=0, vth=8, bias_mant=2, bias_exp=6), None, 10)
    expected = np.zeros((10, 10), bool)
    expected[4:10:5] = True
    assert np.array_equal(tr.s, expected)
    # test_bitacc_pm_impulse_du: 128 at step 1, du = 2047 -> u = 1 << (13 - j)
    a = np.zeros((8, 1), int)
    a[0] = 128
    tr = le.simulate_fixed(le.FixedLIF(1, du=2047, dv=0, vth=256, bias_mant=0, bias_exp=1), None, 8, a_in=a)
    assert tr.u[:, 0].tolist() == [1 << (13 - j) for j in range(8)]
    # test_bitacc_pm_impulse_dv: du = 0, dv = 2048
    tr = le.simulate_fixed(le.FixedLIF(1, du=0, dv=2048, vth=256, bias_mant=0, bias_exp=1), None, 8, a_in=a)
    assert tr.v[:, 0].tolist() == [8192, 12286, 14331, 15351, 15859, 16111, 16235, 16295]
    # test_fixed_pm_neg_impulse_du (ternary LIF, same subthreshold code): -128 at step 1
    tr = le.simulate_fixed(le.FixedLIF(1, du=2047, dv=0, vth=2, bias_mant=0, bias_exp=1), None, 8, a_in=-a)
    assert tr.u[:, 0].tolist() == [-(1 << (13 - j)) for j in range(8)]


@pytest.mark.parametrize("column, kwargs, expected", [
    # Lava tests/lava/proc/dense/test_models.py, TestDenseProcessModelFixed
    ([0.5, 300, 40], dict(sign_mode=le.SignMode.EXCITATORY), [0, 255, 40]),   # fan_out_excitatory
    ([300, -300, 39], dict(sign_mode=le.SignMode.MIXED), [254, -256, 38]),     # fan_out_mixed_sign
    ([300, -300, 39], dict(weight_exp=1), [508, -512, 76]),                    # fan_out_weight_exp
    ([300, -300, 39], dict(num_weight_bits=7), [252, -256, 36]),               # fan_out_weight_precision
])
def test_dense_golden_vectors_fan_out(column, kwargs, expected):
    w = np.zeros((3, 4))
    w[:, 2] = column
    syn = le.FixedSynapses(w, lava_compat=True, **kwargs)
    assert syn.activation(np.ones(4, bool)).tolist() == expected


def test_dense_golden_vector_fan_in_mixed():
    w = np.zeros((3, 4))
    w[2, :] = [300, -300, 39, -0.4]
    syn = le.FixedSynapses(w, sign_mode=le.SignMode.MIXED, lava_compat=True)
    assert syn.activation(np.ones(4, bool)).tolist() == [0, 0, 36]
    assert syn.num_clipped == 2 and syn.num_cast == 1


@settings(max_examples=40)
@given(net=lif_networks(max_n=20, max_steps=50), split=st.integers(1, 49))
def test_continuing_a_run_equals_one_run(net, split):
    T = net["num_steps"]
    if T < 2:
        return
    split = min(split, T - 1)
    neurons, syn = fixed_objects(net)
    whole = le.simulate_fixed(neurons, syn, T, a_in=net["a_in"], u0=net["u0"], v0=net["v0"])
    a = net["a_in"]
    first = le.simulate_fixed(neurons, syn, split, a_in=None if a is None else a[:split],
                              u0=net["u0"], v0=net["v0"])
    second = le.simulate_fixed(neurons, syn, T - split, a_in=None if a is None else a[split:],
                               state=first.final)
    for k in "suv":
        assert np.array_equal(np.concatenate([getattr(first, k), getattr(second, k)]),
                              getattr(whole, k))


def test_dense_and_csc_storage_agree():
    rng = np.random.default_rng(7)
    n = 60
    w = rng.integers(-256, 256, (n, n))
    neurons = le.FixedLIF(n, du=200, dv=300, vth=500, bias_mant=rng.integers(0, 4096, n), bias_exp=4)
    dense = le.FixedSynapses(w, weight_exp=1)
    packed = le.FixedSynapses(sp.csr_matrix(w), weight_exp=1)
    assert dense.fmt == K.FMT_DENSE and packed.fmt == K.FMT_PACKED
    # the unpacked CSC layout (used above 2**23 neurons), built from the same mantissas
    csc = le.FixedSynapses(sp.csr_matrix(w), weight_exp=1)
    eff = sp.csc_matrix(csc.effective_weights(sparse=True))
    csc.fmt, csc.indices, csc.data = K.FMT_CSC, eff.indices.astype(np.uint32), eff.data.astype(np.int16)
    runs = [le.simulate_fixed(neurons, syn, 200) for syn in (dense, packed, csc)]
    assert runs[0].num_spikes > 100
    for other in runs[1:]:
        for k in "suv":
            assert np.array_equal(getattr(runs[0], k), getattr(other, k))


def test_weights_take_two_bytes_per_synapse_plus_indices():
    rng = np.random.default_rng(0)
    n = 2000
    w = sp.random(n, n, density=0.01, random_state=np.random.RandomState(0), format="csr",
                  data_rvs=lambda k: rng.integers(1, 255, k))
    syn = le.FixedSynapses(w)
    assert syn.fmt == K.FMT_PACKED and syn.data.dtype == np.int32
    # one int32 per synapse: a 9-bit mantissa (<= 2 bytes) and a 23-bit target index
    assert syn.nbytes <= 4 * syn.nnz + 8 * (n + 1)
    assert np.array_equal(syn.effective_weights(sparse=False),
                          ref.prepare_weights(w.toarray(), None, 8))


def test_record_subset_and_rates():
    neurons = le.FixedLIF(5, du=0, dv=0, vth=8, bias_mant=2, bias_exp=6)
    tr = le.simulate_fixed(neurons, None, 10, record=("s",))
    assert tr.u is None and tr.v is None
    assert tr.spike_counts().tolist() == [2] * 5
    assert tr.mean_rate() == pytest.approx(0.2)
    tr = le.simulate_fixed(neurons, None, 10, record=())
    assert tr.s is None and tr.num_spikes == 10


def test_chunks_grow_while_fast_and_shrink_while_slow(monkeypatch):
    """Chunk sizes adapt to the wall time of the calls (results never depend on them)."""
    import time
    import lava_eirate.simulators as sim
    monkeypatch.setattr(sim, "_CHUNK_WORK", 5 * 100)         # first chunk: 5 steps of n = 100
    sizes = []

    def fast(t0, k):
        sizes.append((t0, k))
        return 1
    assert sim._run_steps(fast, "x", 100, 100, 0, False) == len(sizes)
    assert sizes == [(0, 5), (5, 10), (15, 20), (35, 40), (75, 25)]
    sizes.clear()
    assert sim._run_steps(fast, "x", 100, 100, 0, False, max_steps=8) == 13
    assert [k for _, k in sizes] == [5] + [8] * 11 + [7]
    monkeypatch.setattr(sim, "_CHUNK_SECONDS", 0.001)
    monkeypatch.setattr(sim, "_CHUNK_WORK", 40 * 100)

    def slow(t0, k):
        sizes.append(k)
        time.sleep(0.01)
        return 0
    sizes.clear()
    sim._run_steps(slow, "x", 100, 100, 0, False)
    assert sizes[:4] == [40, 20, 10, 5] and sum(sizes) == 100


def test_chunked_run_with_progress_bar_equals_one_call(monkeypatch, capsys):
    import lava_eirate.simulators as sim
    rng = np.random.default_rng(9)
    n = 50
    neurons = le.FixedLIF(n, du=300, dv=200, vth=2000, bias_mant=rng.integers(500, 1500, n), bias_exp=6)
    syn = le.FixedSynapses(rng.integers(-100, 100, (n, n)) * (rng.random((n, n)) < 0.3))
    whole = le.simulate_fixed(neurons, syn, 97)
    monkeypatch.setattr(sim, "_CHUNK_WORK", 500)          # ~10 steps per chunk
    monkeypatch.setattr(sim, "_CHUNK_SECONDS", 0.0)      # chunks do not grow
    chunked = le.simulate_fixed(neurons, syn, 97, progress=True)
    err = capsys.readouterr().err
    assert "simulate_fixed:" in err and "97/97" in err
    for k in "suv":
        assert np.array_equal(getattr(whole, k), getattr(chunked, k))
    fl = le.FloatLIF(n, 0.1, 0.05, 1.0, rng.uniform(0, 0.1, n))
    w = rng.normal(0, 0.3, (n, n))
    a = le.simulate_float(fl, w, 97)
    b = le.simulate_float(fl, w, 97, progress=True)
    assert np.array_equal(a.v, b.v) and a.num_spikes == b.num_spikes


def _as_format(dense, fmt, rng):
    """``dense`` as a scipy matrix of format ``fmt``; "coo" splits some values into
    duplicates and adds explicit zeros, "csr_dup" is a CSR with unsorted duplicates."""
    if fmt in ("csr", "csc"):
        return sp.csr_matrix(dense) if fmt == "csr" else sp.csc_matrix(dense)
    r, c = np.nonzero(dense)
    v = dense[r, c]
    half = v // 2
    z = rng.integers(0, dense.shape[0], 3), rng.integers(0, dense.shape[1], 3)
    rows = np.concatenate([r, r, z[0]])
    cols = np.concatenate([c, c, z[1]])
    vals = np.concatenate([half, v - half, np.zeros(3, v.dtype)])
    order = rng.permutation(rows.size)
    coo = sp.coo_matrix((vals[order], (rows[order], cols[order])), shape=dense.shape)
    if fmt == "coo":
        return coo
    if fmt == "csc_shuffled":   # CSC without duplicates, each column's rows reversed
        m = sp.csc_matrix(dense)
        idx = m.indices.copy()
        for j in range(m.shape[1]):
            a, b = m.indptr[j], m.indptr[j + 1]
            idx[a:b], m.data[a:b] = idx[a:b][::-1].copy(), m.data[a:b][::-1].copy()
        return sp.csc_matrix((m.data, idx, m.indptr), shape=dense.shape)
    major, minor = (coo.row, coo.col) if fmt == "csr_dup" else (coo.col, coo.row)
    counts = np.bincount(major, minlength=dense.shape[0 if fmt == "csr_dup" else 1])   # unsorted, duplicates kept
    by = np.argsort(major, kind="stable")
    cls = sp.csr_matrix if fmt == "csr_dup" else sp.csc_matrix
    m = cls((coo.data[by], minor[by], np.concatenate([[0], np.cumsum(counts)])), shape=dense.shape)
    assert not m.has_canonical_format or not coo.nnz
    return m


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_sparse_weights_of_any_format_are_stored_by_presynaptic_neuron(data):
    """Sparse weights in any format, converted in chunks of any size, are stored as the
    dense path stores them (the reference's mantissas, posts ascending per presynaptic
    neuron, zeros dropped), with the same counts; the caller's matrix is not modified."""
    from unittest import mock
    import lava_eirate.params as P
    seed = data.draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    n_post, n_pre = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    lo, hi = data.draw(st.sampled_from([(-256, 255), (0, 255), (-255, 0), (-300, 300)]))
    dense = rng.integers(lo, hi + 1, (n_post, n_pre)) * (rng.random((n_post, n_pre)) < 0.4)
    as_float = data.draw(st.booleans())
    fmt = data.draw(st.sampled_from(["csr", "csc", "coo", "csr_dup", "csc_dup", "csc_shuffled"]))
    w = _as_format(dense.astype(np.float64) if as_float else dense, fmt, rng)
    before = (w.copy(), w.format)
    nwb = data.draw(st.integers(1, 8))
    lava_compat = lo == -300
    chunk = data.draw(st.sampled_from([1, 3, 7, 1 << 20]))
    with mock.patch.object(P, "SPARSE_CHUNK", chunk):
        syn = le.FixedSynapses(w, num_weight_bits=nwb, lava_compat=lava_compat)
    want = le.FixedSynapses(dense, num_weight_bits=nwb, lava_compat=lava_compat)
    eff = ref.prepare_weights(dense, None, nwb)
    assert np.array_equal(syn.effective_weights(sparse=False), eff)
    assert syn.sign_mode is want.sign_mode and syn.nnz == np.count_nonzero(eff)
    for k in ("num_cast", "num_clipped", "num_truncated", "num_zeroed"):
        assert getattr(syn, k) == getattr(want, k), k
    by_pre = sp.csc_matrix(eff)
    by_pre.eliminate_zeros()
    by_pre.sort_indices()
    assert syn.fmt == K.FMT_PACKED and np.array_equal(syn.indptr, by_pre.indptr)
    assert np.array_equal(syn.data, (by_pre.data.astype(np.int32) << K.PACK_SHIFT) | by_pre.indices)
    assert w.format == before[1] and (w != before[0]).nnz == 0


def test_sparse_duplicates_are_summed_without_wrapping_and_bool_weights_count_one():
    for cls in (sp.csr_matrix, sp.csc_matrix):  # unsorted CSR/CSC duplicates: folded, not copied
        m = cls((np.array([100, 7, 100], np.int8), np.array([1, 0, 1]), np.array([0, 3, 3])), shape=(2, 2))
        eff = le.FixedSynapses(m).effective_weights(sparse=False)
        want = [[7, 200], [0, 0]] if cls is sp.csr_matrix else [[7, 0], [200, 0]]
        assert eff.tolist() == want and m.data.tolist() == [100, 7, 100] and m.indices.tolist() == [1, 0, 1]
    coo = sp.coo_matrix((np.array([100, 100], np.int8), ([0, 0], [1, 1])), shape=(2, 2))
    syn = le.FixedSynapses(coo)            # 200 in int8 would wrap to -56
    assert syn.effective_weights(sparse=False).tolist() == [[0, 200], [0, 0]]
    assert syn.sign_mode is le.SignMode.EXCITATORY
    coo = sp.coo_matrix((np.array([100, 100, 100], np.int8), ([0, 0, 0], [1, 1, 1])), shape=(2, 2))
    with pytest.raises(ValueError, match=r"weights\[0, 1\] = 300 is out of range \[0, 255\]"):
        le.FixedSynapses(coo)
    b = sp.csr_matrix(np.array([[True, False], [True, True]]))
    assert le.FixedSynapses(b).effective_weights(sparse=False).tolist() == [[1, 0], [1, 1]]
    with pytest.raises(ValueError, match=r"weights \(stored values\) contain 1 non-integer value\(s\) \(e.g. 0.5\)"):
        le.FixedSynapses(sp.csr_matrix(np.array([[0.5, 0.0], [1.0, 2.0]])))
    with pytest.raises(ValueError, match=r"weights \(stored values\) contain 1 non-finite"):
        le.FixedSynapses(sp.csr_matrix(np.array([[np.inf, 0.0], [1.0, 2.0]])))


@pytest.mark.parametrize("dtype", ["i1", "u1", "i2", "i4", "i8", "u4", "f4", "f8", "bool"])
def test_sparse_exact_mantissas_are_read_in_place_lossy_ones_copied(dtype):
    """Stored values that already are Loihi's mantissas (integers in range, no low bits to
    drop) are laid out straight from the caller's array (no int16 copy of the network's
    size); any other value makes an int16 copy. Either way the layout and counts are the
    dense path's."""
    import lava_eirate.params as P
    rng = np.random.default_rng(7)
    hi = 1 if dtype == "bool" else (100 if dtype in ("i1", "u1") else 255)
    dense = (rng.integers(1, hi + 1, (30, 40)) * (rng.random((30, 40)) < 0.3)).astype(dtype)
    if dtype != "bool" and dtype[0] in "if":
        dense[:5] *= -1 if dtype[0] == "f" or dtype in ("i2", "i4", "i8") else 1
    for nwb in (8, 3):
        w = sp.csr_matrix(dense)
        syn, want = le.FixedSynapses(w, num_weight_bits=nwb), le.FixedSynapses(np.asarray(dense), num_weight_bits=nwb)
        lossless = np.array_equal(want.effective_weights(sparse=False), dense)
        assert lossless == (nwb == 8 and syn.sign_mode is not le.SignMode.MIXED)
        mant = P._sparse_mantissas(w, syn.sign_mode, nwb)[0]
        assert np.shares_memory(mant, w.data) == lossless
        assert lossless or mant.dtype == np.int16
        assert np.array_equal(syn.effective_weights(sparse=False), want.effective_weights(sparse=False))
        assert np.array_equal(syn.data, want.data) and np.array_equal(syn.indptr, want.indptr)
        for k in ("num_cast", "num_clipped", "num_truncated", "num_zeroed"):
            assert getattr(syn, k) == getattr(want, k), k
    f = sp.csr_matrix(np.array([[0.0, 2.7], [-300.0, 1.0]]))  # lava_compat: truncated and clipped
    syn = le.FixedSynapses(f, lava_compat=True)
    assert syn.effective_weights(sparse=False).tolist() == [[0, 2], [-256, 0]]  # MIXED: even mantissas
    assert (syn.num_cast, syn.num_clipped, syn.num_truncated, syn.num_zeroed) == (1, 1, 1, 1)
    assert not np.shares_memory(P._sparse_mantissas(f, syn.sign_mode, 8)[0], f.data)
