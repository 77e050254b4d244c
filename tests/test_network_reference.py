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
