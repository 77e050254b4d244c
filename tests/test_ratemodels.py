"""Rate models (SAM / LNP / GLM family): independent numpy reference, known rates, tune."""
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from lava_eirate import network as N
from lava_eirate import ratemodels as R


def reference_intensity(model, g):
    """f(g) from the module docstring's table, written out here."""
    lam, theta, beta = model._shape()
    if isinstance(model, R.ThresholdSAM):
        return (g > theta).astype(float)
    if isinstance(model, R.RectifiedSAM):        # and RectifiedLNP
        return lam * model.dt * np.maximum(g - theta, 0.0)
    if isinstance(model, R.PoissonGLM):
        return model.dt * np.exp(g)
    return 0.5 * (1.0 + np.tanh(0.5 * beta * (g - theta)))


def numpy_reference(model, W, T, rng, stim=None):
    """The module docstring's equations, step by step with dense numpy and the same uniforms."""
    n = W.shape[0]
    lam, theta, beta = model._shape()
    k, c = (1 - model.dt / model.tau, model.dt) if model._sam else (math.exp(-model.dt / model.tau), 1.0)
    u = rng.random((T, n)) if model._spiking else None
    I, b = np.zeros(n), np.broadcast_to(model.b, (n,))
    out = np.zeros((T, n), np.uint8)
    for t in range(T):
        g = model.r * I + b + (0 if stim is None else stim[t])
        mu = reference_intensity(model, g)
        if model._spiking == 0:
            x = mu.astype(int)
        elif model._spiking == 1:
            x = stats.poisson.ppf(u[t], mu).astype(int)
            x[mu == 0] = 0
        else:
            x = (u[t] < mu).astype(int)
        out[t] = x
        I = k * I + c * (W @ x)
    return out


MODELS = [R.ThresholdSAM(tau=5.0, r=0.5, b=0.2, theta=0.1),
          R.RectifiedSAM(tau=10.0, dt=1.0, r=0.1, b=0.3, lambda_0=0.5, theta=0.1),
          R.RectifiedLNP(tau=4.0, dt=0.5, r=0.3, b=0.2, lambda_0=1.0, theta=0.0),
          R.PoissonGLM(tau=3.0, r=0.4, b=-2.5),
          R.BernoulliGLM(tau=3.0, r=1.0, b=-1.0, beta=2.0, theta=0.5)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_numba_simulation_equals_the_numpy_reference(model):
    rng = np.random.default_rng(5)
    W = N.random_topology(60, 600, rng).toarray() * rng.normal(0, 0.3, (60, 60))
    stim = rng.normal(0, 0.1, (300, 60))
    tr = R.simulate(model, sp.csr_matrix(W), 300, np.random.default_rng(9), stimulus=stim, chunk=64)
    ref = numpy_reference(model, W, 300, np.random.default_rng(9), stim)
    assert np.array_equal(tr.spikes, ref)
    assert tr.spikes.sum() > 0
    again = R.simulate(model, W, 300, np.random.default_rng(9), stimulus=stim)     # dense, other chunking
    assert np.array_equal(again.spikes, tr.spikes)


def test_uncoupled_units_fire_at_their_intensity():
    W = np.zeros((500, 500))
    cases = [(R.RectifiedSAM(tau=10.0, b=0.5, lambda_0=0.4, theta=0.1), 0.4 * 0.4),
             (R.PoissonGLM(tau=3.0, dt=0.01, b=math.log(20.0)), 0.2),
             (R.BernoulliGLM(tau=3.0, b=0.0, beta=1.5, theta=0.5), 1 / (1 + math.exp(0.75)))]
    for model, expected in cases:
        tr = R.simulate(model, W, 2000, np.random.default_rng(1))
        se = math.sqrt(expected / (2000 * 500))       # Poisson / binomial sampling error
        assert tr.mean_rate() == pytest.approx(expected, abs=5 * se), type(model).__name__
        assert np.allclose(tr.expected, expected)
        assert model.intensity(np.full((2, 3), model.b)) == pytest.approx(np.full((2, 3), expected))


def test_same_seed_same_spikes_and_generator_required():
    W = N.random_topology(50, 400, np.random.default_rng(0)).toarray() * 0.01
    m = R.RectifiedSAM(tau=10.0, b=0.3, lambda_0=0.5)
    a = R.simulate(m, W, 200, np.random.default_rng(3)).spikes
    assert np.array_equal(a, R.simulate(m, W, 200, np.random.default_rng(3)).spikes)
    assert not np.array_equal(a, R.simulate(m, W, 200, np.random.default_rng(4)).spikes)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        R.simulate(m, W, 10, rng=3)


def test_tune_finds_the_background_for_a_target_rate():
    rng = np.random.default_rng(2)
    W = N.random_topology(400, 16_000, rng).toarray().astype(float)
    W[:, 320:] *= -4.0                                 # 320 E, 80 I
    W *= 0.005
    model = R.RectifiedSAM(tau=10.0, r=1.0, lambda_0=0.5, theta=0.2)
    res = R.tune(model, W, 0.05, num_steps=1000, seed=0)
    assert res.rate == pytest.approx(0.05, rel=0.02) and res.evaluations < 60
    fresh = R.simulate(res.model, W, 4000, np.random.default_rng(123))     # independent draws
    assert fresh.mean_rate() == pytest.approx(0.05, rel=0.05)
    glm = R.tune(R.PoissonGLM(tau=3.0, r=1.0), W, 0.02, num_steps=1000)
    assert R.simulate(glm.model, W, 4000, np.random.default_rng(7)).mean_rate() == pytest.approx(0.02, rel=0.05)
    with pytest.raises(ValueError, match="target_rate .* must be below 1"):
        R.tune(R.BernoulliGLM(tau=2.0), W, 1.5)


@pytest.mark.parametrize("make, message", [
    (lambda: R.RectifiedSAM(tau=-1.0), r"tau = -1.0 is out of range"),
    (lambda: R.RectifiedSAM(tau=1.0, dt=2.0), r"dt = 2.0 exceeds tau = 1.0"),
    (lambda: R.RectifiedSAM(tau=1.0, lambda_0=-0.5), r"lambda_0 = -0.5 is out of range \[0.0, inf\]"),
    (lambda: R.BernoulliGLM(tau=1.0, beta=float("nan")), r"beta = nan is not finite"),
    (lambda: R.PoissonGLM(tau=1.0, b=np.ones((2, 2))), r"b must be a scalar or \(n,\) array"),
])
def test_bad_parameters_raise_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs_and_runaway_raise_clearly():
    m = R.RectifiedSAM(tau=10.0, b=0.3)
    with pytest.raises(ValueError, match=r"square \(n, n\) matrix"):
        R.simulate(m, np.zeros((3, 4)), 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"stimulus has shape \(5, 3\); expected \(10, 3\)"):
        R.simulate(m, np.zeros((3, 3)), 10, np.random.default_rng(0), stimulus=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="b has 4 elements|b .* 4|shape"):
        R.simulate(R.RectifiedSAM(tau=10.0, b=np.ones(4)), np.zeros((3, 3)), 10, np.random.default_rng(0))
    runaway = R.RectifiedSAM(tau=10.0, r=1.0, b=1.0, lambda_0=1.0)
    with pytest.raises(ValueError, match=r"exceeds 50.0 per step .*runaway"):
        R.simulate(runaway, np.full((5, 5), 2.0), 500, np.random.default_rng(0))
