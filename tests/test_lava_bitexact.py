"""simulate_fixed against Lava 0.10 itself, run through Lava's runtime (LIF with
PyLifModelBitAcc, recurrent Dense/Sparse with their bit-accurate models, external input
through RingBuffer), s/u/v compared at every step. Few, small cases: each starts Lava."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st

import lava_eirate as le
from lava_eirate.lava_ref import run_lif_network

from strategies import fixed_objects, float_network, lif_networks

pytestmark = pytest.mark.lava


def lava_run(net, connection):
    w = sp.csr_matrix(net["weights"]) if connection == "sparse" else net["weights"]
    return run_lif_network(n=net["n"], du=net["du"], dv=net["dv"], vth=net["vth"],
                           bias_mant=net["bias_mant"], bias_exp=net["bias_exp"],
                           num_steps=net["num_steps"], weights=w, weight_exp=net["weight_exp"],
                           num_weight_bits=net["num_weight_bits"], sign_mode=net["sign_mode"],
                           a_in=net["a_in"], u0=net["u0"], v0=net["v0"], connection=connection)


def assert_bit_exact(mine, lava):
    for name in "suv":
        got, want = getattr(mine, name), getattr(lava, name)
        assert got.shape == want.shape
        if not np.array_equal(got, want):
            t, i = np.argwhere(got != want)[0]
            pytest.fail(f"{name} differs first at step {t + 1}, neuron {i}: "
                        f"lava_eirate {got[t, i]}, Lava {want[t, i]}")


@settings(max_examples=6)
@given(net=lif_networks(max_n=10, max_steps=25), connection=st.sampled_from(["dense", "sparse"]))
def test_random_networks_bit_exact_with_lava(net, connection):
    if connection == "sparse" and not np.any(net["weights"]):
        net["weights"][0, 0] = 1  # Lava's Sparse needs at least one stored weight
    neurons, syn = fixed_objects(net, sparse=connection == "sparse")
    mine = le.simulate_fixed(neurons, syn, net["num_steps"], a_in=net["a_in"],
                             u0=net["u0"], v0=net["v0"])
    assert_bit_exact(mine, lava_run(net, connection))


@settings(max_examples=3)
@given(net=lif_networks(max_n=10, max_steps=25, regime="overflow"))
def test_overflow_regime_bit_exact_with_lava(net):
    neurons, syn = fixed_objects(net)
    mine = le.simulate_fixed(neurons, syn, net["num_steps"], a_in=net["a_in"],
                             u0=net["u0"], v0=net["v0"])
    assert_bit_exact(mine, lava_run(net, "dense"))


@pytest.mark.parametrize("sign_mode, connection", [(1, "sparse"), (2, "dense"), (3, "dense"), (None, "sparse")])
def test_every_sign_mode_and_weight_corner_with_lava(sign_mode, connection):
    """Spiking network, 7-bit weights, negative weight_exp, per-neuron arrays, nonzero init."""
    rng = np.random.default_rng(11 + (sign_mode or 0))
    n, T = 16, 40
    lo, hi = {1: (-300, 300), 2: (-5, 300), 3: (-300, 5), None: (-120, 200)}[sign_mode]
    net = dict(n=n, num_steps=T, du=rng.integers(0, 4096, n), dv=rng.integers(0, 4096, n),
               vth=rng.integers(1, 60, n), bias_mant=rng.integers(0, 4096, n),
               bias_exp=rng.integers(0, 8, n), weights=rng.integers(lo, hi + 1, (n, n)) * (rng.random((n, n)) < 0.5),
               weight_exp=-3 if sign_mode != 2 else 5, num_weight_bits=7, sign_mode=sign_mode,
               a_in=rng.integers(-3000, 3000, (T, n)),
               u0=rng.integers(-(2 ** 23) + 1, 2 ** 23, n), v0=rng.integers(-(2 ** 23) + 1, 2 ** 23, n))
    neurons, syn = fixed_objects(net, sparse=connection == "sparse")
    mine = le.simulate_fixed(neurons, syn, T, a_in=net["a_in"], u0=net["u0"], v0=net["v0"])
    assert mine.num_spikes > 0
    assert_bit_exact(mine, lava_run(net, connection))


def test_float_engine_matches_lava_float_models():
    """simulate_float equals PyLifModelFloat + PyDenseModelFloat to 1e-12 relative."""
    n, T = 30, 80
    net = float_network(5, n, T, scale=2.0)
    w, du, dv, vth, bias, a, u0, v0 = (net[k] for k in ("weights", "du", "dv", "vth", "bias",
                                                        "a_in", "u0", "v0"))
    mine = le.simulate_float(le.FloatLIF(n, du, dv, vth, bias), w, T, a_in=a, u0=u0, v0=v0)
    lava = run_lif_network(n=n, du=du, dv=dv, vth=vth, bias_mant=bias, num_steps=T, weights=w,
                           a_in=a, u0=u0, v0=v0, tag="floating_pt")
    assert mine.num_spikes > 20
    assert np.array_equal(mine.s, lava.s)
    np.testing.assert_allclose(mine.u, lava.u, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mine.v, lava.v, rtol=1e-12, atol=1e-12)
