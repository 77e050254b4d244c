"""The graded rate population (FixedRate / FloatRate) on the network engine: against an
independent Python-integer transcription of its documented rules inside random graphs
(every other neuron model, delays, graded and binary connections, int32 wrap and state
saturation), and its parameter checks."""
import numpy as np
import pytest
from hypothesis import given, settings

import lava_eirate as le

import numpy_network_reference as ref
from strategies import KINDS, build_network, network_specs


def assert_equal(trace, expected):
    for name, (S, U, V) in expected.items():
        tr = trace[name]
        pairs = (("u", tr.u, U), ("v", tr.v, V)) + (() if tr.s is None else (("s", tr.s, S),))
        for var, got, want in pairs:
            got, want = np.asarray(got, np.int64), np.asarray(want, np.int64)
            if not np.array_equal(got, want):
                t, i = np.argwhere(got != want)[0]
                pytest.fail(f"{name}.{var} differs first at step {t + 1}, neuron {i}: "
                            f"engine {got[t, i]}, transcription {want[t, i]}")


def record_all(net):
    return {p.name: ("u", "v") if isinstance(p.model, le.FixedRate) else ("s", "u", "v")
            for p in net.populations.values() if not p.is_source}


@settings(max_examples=300, deadline=None)
@given(spec=network_specs(kinds=KINDS + ("rate", "rate"), max_pops=3, max_n=7, max_steps=25, max_conns=5))
def test_random_graphs_with_rate_populations_match_transcription(spec):
    net = build_network(spec)
    trace = le.simulate(net, spec["num_steps"], record=record_all(net), init=spec["init"] or None)
    assert_equal(trace, ref.run(spec))


def _rate_net(n=6, table=None, shift=4, dr=40, bias=(100, 3), w=None, nb=24, e=0):
    table = np.arange(0, 200, 10) if table is None else table
    net = le.Network()
    r = net.add(le.FixedRate(n, dr, *bias, table=table, table_shift=shift), name="r")
    if w is not None:
        net.connect(r, r, le.FixedSynapses(w, weight_exp=e, num_message_bits=nb))
    return net


def test_saturation_and_wrap_regimes_are_exercised_and_match():
    """A case built to saturate the 24-bit state and wrap the int32 graded sums."""
    rng = np.random.default_rng(5)
    n = 6
    table = np.array([0, 2 ** 22, 2 ** 23 - 1])
    spec = dict(num_steps=30, init={}, pops=[dict(name="r", kind="rate", n=n, dr=10, bias_mant=4095,
                                                  bias_exp=7, table=table, table_shift=7)],
                conns=[dict(pre="r", post="r", direct=False, weights=rng.integers(-255, 256, (n, n)), sparse=False,
                            weight_exp=3, num_weight_bits=8, sign_mode=1, num_message_bits=24, delays=None)])
    net = build_network(spec)
    tr = le.simulate(net, 30, record={"r": ("u", "v", "a")})
    exact = np.asarray(net.connections[0].synapses.effective_weights(sparse=False), np.int64)
    sums = tr["r"].u[:-1].astype(np.int64) @ exact.T
    assert np.any(np.abs(sums) > 2 ** 31)                       # the int32 sum wrapped
    assert np.any(np.abs(tr["r"].v) == 2 ** 23 - 1)             # the state saturated
    assert_equal(tr, {"r": (None, *ref.run(spec)["r"][1:])})


def test_output_rule_by_hand():
    """shift 4: |x| = 37 -> i = 2, f = 5: 20 + (10 * 5 + 8) >> 4 = 23; negative x mirrors;
    beyond the table: the last entry."""
    net = le.Network()
    r = net.add(le.FixedRate(4, dr=0, table=np.arange(0, 200, 10), table_shift=4), name="r")
    src = net.add(le.SpikeSource(np.array([[37, -37, 10 ** 6, 0]])), name="x")
    net.connect(src, r)
    tr = le.simulate(net, 1, record={"r": ("u", "v")})
    assert tr["r"].v[0].tolist() == [37, -37, 10 ** 6, 0]
    assert tr["r"].u[0].tolist() == [23, -23, 190, 0]


def test_decay_rounds_toward_zero_and_bias_adds():
    net = le.Network()
    r = net.add(le.FixedRate(2, dr=1024, bias_mant=[0, 3], bias_exp=2, table=[0]), name="r")
    tr = le.simulate(net, 2, record={"r": "v"}, init={"r": {"v": [-7, 7]}})
    # -7 * 3072 / 4096 = -5.25 -> -5; 7 -> 5 + 12 = 17; then -3.75 -> -3; 17*0.75 = 12.75 -> 12 + 12
    assert tr["r"].v.tolist() == [[-5, 17], [-3, 24]]


def test_float_rate_network_matches_simulate_rate():
    from lava_eirate.network import tutorial_networks
    p = tutorial_networks(n=80)["critical"]
    n_e, n = p["shape_exc"], p["shape_exc"] + p["shape_inh"]
    want = le.simulate_rate(p["shape_exc"], p["shape_inh"], p["weights"], p["dr_exc"], p["dr_inh"],
                            p["bias_exc"], p["bias_inh"], 200)
    dr = np.r_[np.full(n_e, p["dr_exc"]), np.full(n - n_e, p["dr_inh"])]
    net = le.Network()
    r = net.add(le.FloatRate(n, dr, 0.1), name="r")
    net.connect(r, r, le.FloatSynapses(dr[:, None] * p["weights"], num_message_bits=24))
    got = le.simulate(net, 200, record={"r": ("u", "v")})
    assert np.max(np.abs(got["r"].v - want)) < 1e-9 * np.max(np.abs(want))
    from scipy.special import erf
    assert np.allclose(got["r"].u, erf(got["r"].v), atol=1e-15)


@pytest.mark.parametrize("kwargs, match", [
    (dict(dr=4096), r"dr.*\[0, 4095\]"),
    (dict(table=[[1, 2]]), "1-D"),
    (dict(table=[0, 2 ** 23]), r"table.*8388607"),
    (dict(table=[0, 2 ** 20], table_shift=12), "int32"),
    (dict(table_shift=24), r"table_shift.*\[0, 23\]"),
    (dict(bias_exp=8), r"bias_exp.*\[0, 7\]"),
])
def test_bad_parameters_are_refused_naming_them(kwargs, match):
    args = dict(dr=10, table=[0, 5, 9], table_shift=2) | kwargs
    with pytest.raises(ValueError, match=match):
        le.FixedRate(3, **args)


def test_payload_must_fit_message_bits_and_spikes_are_not_recorded():
    net = _rate_net(table=[0, 100, 200])
    with pytest.raises(ValueError, match=r"num_message_bits=8 carries \[-127, 127\].*>= 9"):
        net.connect("r", "r", le.FixedSynapses(np.ones((6, 6), int), num_message_bits=8))
    net.connect("r", "r", le.FixedSynapses(np.ones((6, 6), int), num_message_bits=9))
    with pytest.raises(ValueError, match="rate population.*graded"):
        le.simulate(net, 3, record={"r": "s"})
    tr = le.simulate(net, 3)
    assert tr["r"].s is None and tr["r"].u.shape == (3, 6)


def test_rate_to_fixed_balanced_tracks_float_and_critical_keeps_statistics():
    """Balanced: one 1000-step trajectory within 1% of the float trajectory's std at every
    step. Critical (chaotic), reduced ensemble (12 x 600 steps): c(0) within 10% + 3 SE,
    normalised auto-covariance curves within 0.05 RMS."""
    from lava_eirate import analysis as A
    from lava_eirate.network import tutorial_networks
    from lava_eirate.rate_network import ei_rate_network
    keys = ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh", "bias_exc", "bias_inh")
    nets = tutorial_networks()
    p = nets["balanced"]
    fx, rep = le.rate_to_fixed(p)
    x = le.simulate(ei_rate_network(fx), 1000, record={"rate": "v"})["rate"].v / rep.state_scale
    f = le.simulate_rate(*(p[k] for k in keys), 1000)
    assert np.max(np.abs(x - f)) < 0.01 * f.std()
    assert rep.params["bias_exc"]["rel_error"] < 1e-3 and rep.table_error <= 1.0
    p = nets["critical"]
    fx, rep = le.rate_to_fixed(p, num_steps=600)
    net, S = ei_rate_network(fx), rep.state_scale
    rng = np.random.default_rng(1)
    c0, acov = {"f": [], "x": []}, {"f": [], "x": []}
    for r in range(12):
        r0 = rng.normal(0.0, 1.0, 400)
        runs = {"f": le.simulate_rate(*(p[k] for k in keys), 600, r0=r0),
                "x": le.simulate(net, 600, record={"rate": "v"},
                                 init={"rate": {"v": np.rint(r0 * S).astype(np.int64)}})["rate"].v / S}
        for k, arr in runs.items():
            _, c = A.auto_covariance(arr, max_lag=50, offset=100)
            c0[k].append(c[50])
            acov[k].append(c)
    a, b = np.array(c0["f"]), np.array(c0["x"])
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size) / a.mean()
    assert abs(b.mean() / a.mean() - 1) < 0.10 + 3 * se
    af, ax = np.mean(acov["f"], 0), np.mean(acov["x"], 0)
    assert np.sqrt(np.mean((af / af[50] - ax / ax[50]) ** 2)) < 0.05


@pytest.mark.parametrize("change, match", [
    (dict(dr_exc=1.0), r"dr_exc=1 cannot be represented.*\[0, 4095\]"),
    (dict(dr_inh=1e-5), r"dr_inh=1e-05 cannot be represented"),
])
def test_rate_to_fixed_refuses_unrepresentable_values(change, match):
    from lava_eirate.network import tutorial_networks
    p = dict(tutorial_networks(n=40)["balanced"], **change)
    with pytest.raises(ValueError, match=match):
        le.rate_to_fixed(p, num_steps=50)
