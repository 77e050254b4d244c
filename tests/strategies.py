"""Hypothesis strategies: random Loihi LIF networks over the full legal ranges."""
import numpy as np
from hypothesis import strategies as st


@st.composite
def lif_networks(draw, max_n=12, max_steps=40, regime=None):
    """A dict of raw network parameters. ``regime`` in (None, "overflow", "quiet")."""
    n = draw(st.integers(1, max_n))
    num_steps = draw(st.integers(1, max_steps))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    regime = regime or draw(st.sampled_from(["overflow", "normal", "sparse_input"]))
    per_neuron = draw(st.booleans())

    def param(lo, hi):
        return rng.integers(lo, hi + 1, n) if per_neuron else int(rng.integers(lo, hi + 1))

    sign_mode = draw(st.sampled_from([None, 1, 2, 3]))
    num_weight_bits = draw(st.integers(1, 8))
    weight_exp = draw(st.integers(-8, 7))
    density = draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]))
    lo, hi = {None: (-300, 300), 1: (-300, 300), 2: (-20, 300), 3: (-300, 20)}[sign_mode]
    weights = rng.integers(lo, hi + 1, (n, n)) * (rng.random((n, n)) < density)
    if regime == "overflow":
        weight_exp = draw(st.integers(4, 7))
        a_scale = 2 ** draw(st.integers(18, 31))
        bias_exp = param(5, 7)
        vth = param(0, 200)
    else:
        a_scale = 2 ** draw(st.integers(0, 16))
        bias_exp = param(0, 7)
        vth = param(0, 2 ** 17 - 1)
    with_input = draw(st.booleans())
    a_in = None
    if with_input:
        a_in = rng.integers(-a_scale, a_scale, (num_steps, n))
        a_in = np.clip(a_in, -2 ** 31, 2 ** 31 - 1)
        if regime == "sparse_input":
            a_in = a_in * (rng.random((num_steps, n)) < 0.1)
    nonzero_init = draw(st.booleans())
    u0 = rng.integers(-(2 ** 23) + 1, 2 ** 23, n) if nonzero_init else 0
    v0 = rng.integers(-(2 ** 23) + 1, 2 ** 23, n) if nonzero_init else 0
    return dict(n=n, num_steps=num_steps, du=param(0, 4095), dv=param(0, 4095), vth=vth,
                bias_mant=param(-4096, 4095), bias_exp=bias_exp, weights=weights,
                weight_exp=weight_exp, num_weight_bits=num_weight_bits, sign_mode=sign_mode,
                a_in=a_in, u0=u0, v0=v0)


def fixed_objects(net, sparse=False):
    """FixedLIF / FixedSynapses built with Lava-compatible clipping from a raw network."""
    import scipy.sparse as sp
    import lava_eirate as le
    neurons = le.FixedLIF(net["n"], net["du"], net["dv"], net["vth"], net["bias_mant"],
                          net["bias_exp"])
    w = sp.csr_matrix(net["weights"]) if sparse else net["weights"]
    syn = le.FixedSynapses(w, net["weight_exp"], net["num_weight_bits"], net["sign_mode"],
                           lava_compat=True)
    return neurons, syn


def float_network(seed, n, num_steps, scale=1.0):
    """A random float LIF network: dict(weights, du, dv, vth, bias, a_in, u0, v0)."""
    rng = np.random.default_rng(seed)
    return dict(weights=rng.normal(0, 0.2 * scale, (n, n)) * (rng.random((n, n)) < 0.25),
                du=rng.uniform(0.01, 0.4, n), dv=rng.uniform(0.01, 0.4, n),
                vth=rng.uniform(0.5, 1.5, n), bias=rng.uniform(0.0, 0.1 * scale, n),
                a_in=rng.normal(0, 0.05 * scale, (num_steps, n)),
                u0=rng.normal(0, 0.2 * scale, n), v0=rng.normal(0, 0.2 * scale, n))
