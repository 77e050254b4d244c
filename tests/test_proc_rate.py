"""EIRateNetwork in Lava's runtime equals simulate_rate and a plain transcription of the
Lava E/I tutorial's rate update, on the tutorial's balanced and critical networks."""
import numpy as np
import pytest
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.monitor.process import Monitor
from scipy.special import erf

import lava_eirate as le
from lava_eirate.network import tutorial_networks

pytestmark = pytest.mark.lava

RATE_KEYS = ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh", "bias_exc", "bias_inh")


def tutorial_transcription(p, num_steps):
    """The tutorial's RateEINetworkModel.state_update, written out (equal drs)."""
    n_e, n_i = p["shape_exc"], p["shape_inh"]
    dr = np.array([p["dr_exc"]] * n_e + [p["dr_inh"]] * n_i)
    w = p["weights"].copy()
    w[:, n_e:] *= p["dr_exc"]     # the tutorial scales columns, drs swapped
    w[:, :n_e] *= p["dr_inh"]
    bias = np.hstack([np.full(n_e, p["bias_exc"]), np.full(n_i, p["bias_inh"])])
    state = np.zeros(n_e + n_i)
    out = []
    for _ in range(num_steps):
        new = (1 - dr) * state
        new += bias
        new += w @ erf(state)
        state = new
        out.append(state)
    return np.array(out)


@pytest.mark.parametrize("which", ["balanced", "critical"])
def test_tutorial_networks_in_lava_equal_simulate_rate(which):
    p = tutorial_networks(seed=1234)[which]
    assert p["weights"].shape == (400, 400)
    T = 1000
    net = le.EIRateNetwork(*(p[k] for k in RATE_KEYS))
    mon = Monitor()
    mon.probe(net.state, T)
    try:
        net.run(condition=RunSteps(num_steps=T), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
        lava_states = np.asarray(mon.get_data()[net.name]["state"])
    finally:
        net.stop()
    engine = le.simulate_rate(*(p[k] for k in RATE_KEYS), T)
    transcription = tutorial_transcription(p, T)
    np.testing.assert_allclose(lava_states, engine, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(engine, transcription, rtol=1e-12, atol=1e-14)
    assert np.std(engine[-1]) > 0.01  # a real, heterogeneous network state


def test_tutorial_weights_follow_its_rules_and_are_reproducible():
    nets = tutorial_networks(seed=5)
    for name, p in nets.items():
        w, n_e = p["weights"], p["shape_exc"]
        assert (w[:, :n_e] >= 0).all() and (w[:, n_e:] <= 0).all()
        # excitatory entries are the positive half of N(0, J): mean J * sqrt(2/pi) / 2
        J = (2 * p["q_factor"]) ** 2 / 400      # the notebook's code (its comment says q**2 * 6 / N)
        assert w[:, :n_e].mean() == pytest.approx(J / np.sqrt(2 * np.pi), rel=0.05)
        assert w[:, n_e:].mean() == pytest.approx(-4.5 * J / np.sqrt(2 * np.pi), rel=0.05)
        assert np.array_equal(w, tutorial_networks(seed=5)[name]["weights"])
    assert not np.array_equal(nets["balanced"]["weights"], tutorial_networks(seed=6)["balanced"]["weights"])


def test_rate_network_validation():
    with pytest.raises(ValueError, match=r"weights have shape \(4, 4\); expected \(5, 5\)"):
        le.EIRateNetwork(4, 1, np.zeros((4, 4)), 0.1, 0.1, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"dr_inh = 1.5 is out of range \[0.0, 1.0\]"):
        le.EIRateNetwork(4, 1, np.zeros((5, 5)), 0.1, 1.5, 0.0, 0.0)
