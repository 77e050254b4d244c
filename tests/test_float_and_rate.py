"""Float LIF and rate engines against plain transcriptions of Lava's float models and
of the E/I tutorial's rate update."""
import numpy as np
import scipy.sparse as sp
from scipy.special import erf

import lava_eirate as le

from strategies import float_network


def float_lif_loop(W, du, dv, vth, bias, T, a_in, u0, v0):
    """Lava PyLifModelFloat + PyDenseModelFloat, transcribed with numpy, step by step."""
    n = W.shape[0]
    u, v, a_buff = u0.copy(), v0.copy(), np.zeros(n)
    S, U, Vv = np.zeros((T, n), bool), np.zeros((T, n)), np.zeros((T, n))
    for t in range(T):
        a = a_buff + a_in[t]
        u = u * (1 - du)
        u = u + a
        v = v * (1 - dv) + u + bias
        s = v > vth
        v[s] = 0
        S[t], U[t], Vv[t] = s, u, v
        a_buff = W[:, s].sum(axis=1)
    return S, U, Vv


def test_float_engine_matches_transcription_dense_and_sparse():
    n, T = 80, 300
    net = float_network(2, n, T)
    W, du, dv, vth, bias, a, u0, v0 = (net[k] for k in ("weights", "du", "dv", "vth", "bias",
                                                        "a_in", "u0", "v0"))
    S, U, V = float_lif_loop(W, du, dv, vth, bias, T, a, u0, v0)
    for weights in (W, sp.csr_matrix(W), np.where(W == 0, 1e-300, W)):
        tr = le.simulate_float(le.FloatLIF(n, du, dv, vth, bias), weights, T, a_in=a, u0=u0, v0=v0)
        assert tr.num_spikes > 200
        assert np.array_equal(tr.s, S)
        np.testing.assert_allclose(tr.u, U, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(tr.v, V, rtol=1e-12, atol=1e-13)


def tutorial_rate_loop(W, dr, bias, T):
    """The tutorial's rate update, written out: r <- (1-dr) r + (dr W) erf(r) + bias."""
    r = np.zeros(W.shape[0])
    out = []
    for _ in range(T):
        r = (1 - dr) * r + (dr[:, None] * W) @ erf(r) + bias
        out.append(r.copy())
    return np.array(out)


def test_rate_network_matches_transcription():
    rng = np.random.default_rng(0)
    n_e, n_i = 40, 10
    n = n_e + n_i
    W = np.empty((n, n))
    W[:, :n_e] = rng.normal(0.5, 0.2, (n, n_e)) / np.sqrt(n)
    W[:, n_e:] = -4.5 * rng.normal(0.5, 0.2, (n, n_i)) / np.sqrt(n)
    states = le.simulate_rate(n_e, n_i, W, 0.01, 0.02, 0.1, 0.05, 500)
    dr = np.r_[np.full(n_e, 0.01), np.full(n_i, 0.02)]
    bias = np.r_[np.full(n_e, 0.1), np.full(n_i, 0.05)]
    expected = tutorial_rate_loop(W, dr, bias, 500)
    np.testing.assert_allclose(states, expected, rtol=1e-12, atol=1e-14)
    assert np.abs(states[-1]).max() > 0.1


def test_rate_network_external_input_is_added_per_step():
    n_e, n_i = 3, 1
    W = np.zeros((4, 4))
    a = np.zeros((5, 4))
    a[2, 1] = 1.0
    states = le.simulate_rate(n_e, n_i, W, 0.5, 0.5, 0.0, 0.0, 5, a_in=a)
    assert states[:2].tolist() == [[0] * 4, [0] * 4]
    assert states[2:, 1].tolist() == [1.0, 0.5, 0.25]
