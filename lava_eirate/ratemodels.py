"""Stochastic rate models of spiking networks: the synaptic-activation (SAM), linear-
nonlinear-Poisson (LNP) and generalized linear (GLM) family.

One discrete-time scheme (step ``dt``, weights ``W[post, pre]``) covers the family:

* input     ``g_i(t) = r I_i(t) + b_i + E_i(t)``    (``E``: optional stimulus)
* intensity ``mu_i(t) = f(g_i(t))``, spikes ``X_i(t) ~ Poisson(mu)`` or ``Bernoulli(mu)``
* coupling  ``I(t+1) = k I(t) + c W X(t)``

======================  ==============================  ===========  ==================
model                   f(g)                            spikes       k, c
======================  ==============================  ===========  ==================
:class:`ThresholdSAM`   1 if g > theta else 0           determin.    1 - dt/tau, dt
:class:`RectifiedSAM`   lambda_0 dt [g - theta]_+       Poisson      1 - dt/tau, dt
:class:`RectifiedLNP`   lambda_0 dt [g - theta]_+       Poisson      exp(-dt/tau), 1
:class:`PoissonGLM`     dt exp(g)                       Poisson      exp(-dt/tau), 1
:class:`BernoulliGLM`   1 / (1 + exp(-beta (g-theta)))  Bernoulli    exp(-dt/tau), 1
======================  ==============================  ===========  ==================

The SAMs keep the synaptic activation ``s(t+1) = s(t)(1 - dt/tau) + X(t) dt`` as state
and feed ``W s`` (Lepperød et al., "Systematic errors in connectivity inferred from
activity in strongly coupled recurrent circuits", bioRxiv 512053, section S.5); the LNP
and GLM models filter spike counts through an exponential coupling kernel
``exp(-m dt/tau)``, m = 0, 1, ... steps since the spike. Since ``I = W s`` is linear in
the spikes, it is updated event by event (spikes x fan-out), exactly.

Randomness: the Poisson and Bernoulli draws invert the distribution function at
uniforms drawn from the ``numpy.random.Generator`` you pass, so a seed fixes the run;
:func:`tune` uses that (common random numbers) to find the background input ``b`` that
gives a target rate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numba import njit

from . import _validate as V
from ._progress import Progress
from ._sparse import checked, csc_parts, is_sparse

_F_THRESHOLD, _F_RECTIFIED, _F_EXP, _F_SIGMOID = 0, 1, 2, 3
_S_DETERMINISTIC, _S_POISSON, _S_BERNOULLI = 0, 1, 2
#: Cap on the expected spike count per step (Poisson inversion beyond it is meaningless
#: for a spiking model and would loop long); reaching it raises.
MU_MAX = 50.0


def _positive(name, value):
    v = float(V.float_param(name, value, 0.0))
    if v <= 0:
        raise ValueError(f"{name} = {value} is out of range (0, inf)")
    return v


@dataclass(frozen=True)
class _Model:
    tau: float
    dt: float = 1.0
    r: float = 1.0
    b: object = 0.0

    def __post_init__(self):
        tau = _positive("tau", self.tau)
        dt = _positive("dt", self.dt)
        if self._sam and dt > tau:
            raise ValueError(f"dt = {dt} exceeds tau = {tau}: the activation decay 1 - dt/tau would be negative")
        object.__setattr__(self, "tau", tau)
        object.__setattr__(self, "dt", dt)
        object.__setattr__(self, "r", float(V.float_param("r", self.r)))
        b = V.float_param("b", self.b)
        if b.ndim > 1:
            raise ValueError(f"b must be a scalar or (n,) array; got shape {b.shape}")
        object.__setattr__(self, "b", b.item() if b.ndim == 0 else b)
        self._shape()       # validates the nonlinearity's parameters

    _sam = False
    _nonlinearity = _F_THRESHOLD
    _spiking = _S_DETERMINISTIC

    def _coupling(self):
        if self._sam:
            return 1.0 - self.dt / self.tau, self.dt
        return math.exp(-self.dt / self.tau), 1.0

    def _shape(self):
        """(lambda_0 or 1, theta, beta) for the kernel."""
        return 1.0, 0.0, 1.0

    def intensity(self, g):
        """The expected spike count per step (or spike probability) for input ``g``."""
        lam, theta, beta = self._shape()
        g = np.asarray(g, float)
        out = _intensities(np.ascontiguousarray(g).ravel(), self._nonlinearity, lam, theta, beta, self.dt)
        return out.reshape(g.shape)


@dataclass(frozen=True)
class ThresholdSAM(_Model):
    """Deterministic threshold unit on the synaptic activation: ``X = [g > theta]``."""

    theta: float = 0.0
    _sam = True
    _nonlinearity = _F_THRESHOLD
    _spiking = _S_DETERMINISTIC

    def _shape(self):
        return 1.0, float(V.float_param("theta", self.theta)), 1.0


@dataclass(frozen=True)
class RectifiedSAM(_Model):
    """Rectified-linear intensity on the synaptic activation with Poisson spiking
    (Lepperød et al., section S.5): ``mu = lambda_0 dt [g - theta]_+``."""

    lambda_0: float = 1.0
    theta: float = 0.0
    _sam = True
    _nonlinearity = _F_RECTIFIED
    _spiking = _S_POISSON

    def _shape(self):
        return (float(V.float_param("lambda_0", self.lambda_0, 0.0)), float(V.float_param("theta", self.theta)), 1.0)


@dataclass(frozen=True)
class RectifiedLNP(RectifiedSAM):
    """Rectified-linear intensity, Poisson spiking, exponential coupling kernel on counts."""

    _sam = False


@dataclass(frozen=True)
class PoissonGLM(_Model):
    """Exponential (canonical) link, Poisson spiking: ``mu = dt exp(g)``."""

    _nonlinearity = _F_EXP
    _spiking = _S_POISSON


@dataclass(frozen=True)
class BernoulliGLM(_Model):
    """Logistic link, Bernoulli spiking: ``p = 1 / (1 + exp(-beta (g - theta)))``."""

    beta: float = 1.0
    theta: float = 0.0
    _nonlinearity = _F_SIGMOID
    _spiking = _S_BERNOULLI

    def _shape(self):
        return 1.0, float(V.float_param("theta", self.theta)), float(V.float_param("beta", self.beta, 0.0))


@njit(cache=True, nogil=True)
def _intensity(g, kind, lam, theta, beta, dt):
    """f(g) of the table in the module docstring (exp argument capped at 700)."""
    if kind == 0:
        return 1.0 if g > theta else 0.0
    if kind == 1:
        return lam * dt * max(g - theta, 0.0)
    if kind == 2:
        return dt * math.exp(min(g, 700.0))
    return 0.5 * (1.0 + math.tanh(0.5 * beta * (g - theta)))


@njit(cache=True, nogil=True)
def _intensities(g, kind, lam, theta, beta, dt):
    out = np.empty(g.size)
    for i in range(g.size):
        out[i] = _intensity(g[i], kind, lam, theta, beta, dt)
    return out


@njit(cache=True, nogil=True)
def _poisson_inverse(mu, u):
    """Smallest k with P(X <= k) >= u for X ~ Poisson(mu) (sequential search)."""
    k = 0
    p = math.exp(-mu)
    cdf = p
    while cdf < u and p > 0.0:
        k += 1
        p *= mu / k
        cdf += p
    return k


@njit(cache=True, nogil=True)
def _run_rate_model(indptr, post, w, I, b, stim, uniforms, spikes, mu_sum, t0,
                    kind, spiking, lam, theta, beta, dt, r, k_decay, c_in, mu_max):
    """Steps ``t0 .. t0 + spikes.shape[0] - 1``. Updates ``I`` in place; writes spike
    counts (uint8, saturating at 255) and accumulates the expected count per neuron.
    Returns -1, or the index of the first neuron whose intensity exceeded ``mu_max``."""
    T, n = spikes.shape
    has_stim = stim.shape[0] > 0
    for t in range(T):
        for i in range(n):
            g = r * I[i] + b[i]
            if has_stim:
                g += stim[t0 + t, i]
            mu = _intensity(g, kind, lam, theta, beta, dt)
            if spiking == 1 and mu > mu_max:
                return i
            mu_sum[i] += mu
            if spiking == 0:
                x = int(mu)
            elif spiking == 1:
                x = _poisson_inverse(mu, uniforms[t, i])
            else:
                x = 1 if uniforms[t, i] < mu else 0
            spikes[t, i] = min(x, 255)
        for i in range(n):
            I[i] *= k_decay
        for j in range(n):
            x = spikes[t, j]
            if x:
                scale = c_in * x
                for s in range(indptr[j], indptr[j + 1]):
                    I[post[s]] += scale * w[s]
    return -1


@dataclass
class RateModelTrace:
    """``spikes``: (T, n) uint8 spike counts per step; ``I``: the coupling state after the
    last step (continue a run with ``I0=trace.I``); ``expected``: mean intensity per neuron."""

    spikes: np.ndarray
    I: np.ndarray
    expected: np.ndarray
    dt: float

    def mean_rate(self) -> float:
        """Mean spike count per neuron per step."""
        return float(self.spikes.mean())

    def rates_hz(self) -> np.ndarray:
        """Per-neuron rates in spikes per unit of ``dt`` (Hz when dt is in seconds)."""
        return self.spikes.mean(axis=0) / self.dt


def _weights(weights):
    shape = weights.shape if is_sparse(checked("weights", weights)) else np.shape(weights)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"weights must be a square (n, n) matrix W[post, pre]; got shape {shape}")
    indptr, post, w = csc_parts(weights)
    w = np.asarray(w, float)
    if not np.all(np.isfinite(w)):
        raise ValueError("weights contain non-finite values")
    return shape[0], indptr, np.ascontiguousarray(post, dtype=np.int64), np.ascontiguousarray(w)


def simulate(model: _Model, weights, num_steps: int, rng: np.random.Generator, *, stimulus=None,
             I0=None, progress: bool | None = None, chunk: int = 2048) -> RateModelTrace:
    """Run ``model`` on ``weights`` (W[post, pre], dense or scipy.sparse) for ``num_steps``.

    ``rng``: a ``numpy.random.Generator`` (required for the stochastic models; uniforms are
    drawn from it ``chunk`` steps at a time); ``stimulus``: optional (num_steps, n) input
    E added to g; ``I0``: initial coupling state (default 0)."""
    if not isinstance(model, _Model):
        raise TypeError(f"model must be one of the ratemodels classes, got {type(model).__name__}")
    n, indptr, post, w = _weights(weights)
    num_steps = V.as_count("num_steps", num_steps)
    chunk = V.as_count("chunk", chunk)
    if model._spiking != _S_DETERMINISTIC:
        V.generator(rng)
    b = V.full(V.float_param("b", model.b, n=n), n, np.float64)
    stim = np.zeros((0, n))
    if stimulus is not None:
        stim = np.ascontiguousarray(V.float_param("stimulus", stimulus), dtype=np.float64)
        if stim.shape != (num_steps, n):
            raise ValueError(f"stimulus has shape {stim.shape}; expected ({num_steps}, {n})")
    I = np.zeros(n) if I0 is None else V.full(V.float_param("I0", I0, n=n), n, np.float64)
    lam, theta, beta = model._shape()
    k_decay, c_in = model._coupling()
    spikes = np.zeros((num_steps, n), np.uint8)
    mu_sum = np.zeros(n)
    empty = np.zeros((0, 0))
    with Progress(num_steps, type(model).__name__, enabled=progress) as bar:
        for t0 in range(0, num_steps, chunk):
            T = min(chunk, num_steps - t0)
            uniforms = rng.random((T, n)) if model._spiking != _S_DETERMINISTIC else empty
            bad = _run_rate_model(indptr, post, w, I, b, stim, uniforms, spikes[t0:t0 + T], mu_sum, t0,
                                  model._nonlinearity, model._spiking, lam, theta, beta, model.dt,
                                  model.r, k_decay, c_in, MU_MAX)
            if bad >= 0:
                raise ValueError(f"{type(model).__name__}: the expected spike count of neuron {bad} exceeds "
                                 f"{MU_MAX} per step within steps {t0}..{t0 + T - 1} (runaway activity); "
                                 f"lower r, b or dt")
            bar.update(T)
    return RateModelTrace(spikes=spikes, I=I, expected=mu_sum / num_steps, dt=model.dt)


@dataclass
class TuneResult:
    """``model``: the input model with the tuned background ``b``; ``rate``: its mean spike
    count per neuron per step on the tuning run; ``evaluations``: simulations used."""

    model: _Model
    rate: float
    evaluations: int


def tune(model: _Model, weights, target_rate: float, *, num_steps: int = 2000, seed: int = 0,
         b_bounds=None, rtol: float = 0.02) -> TuneResult:
    """The uniform background input ``b`` at which ``model`` on ``weights`` fires at
    ``target_rate`` (mean spikes per neuron per step, i.e. Hz x dt).

    Each evaluation simulates ``num_steps`` with ``numpy.random.default_rng(seed)`` and
    measures the mean intensity (the expected spike count, an unbiased and less noisy
    estimate of the rate than the counts):
    with the same uniforms, the rate is a non-decreasing function of ``b`` for these
    intensities (excitatory-dominated or feed-forward networks; with strong inhibition,
    nearly so), so bisection on ``b`` converges. Stops when the rate is within
    ``rtol`` of the target. Raises ValueError when the target cannot be reached in
    ``b_bounds`` (default: found by expansion from the intensity's own scale)."""
    target = float(V.float_param("target_rate", target_rate, 0.0))
    if target <= 0:
        raise ValueError(f"target_rate = {target_rate} is out of range (0, inf)")
    if model._spiking == _S_BERNOULLI and target >= 1:
        raise ValueError(f"target_rate = {target} must be below 1 spike per step for Bernoulli spiking")
    evals = [0]

    def rate(b):
        evals[0] += 1
        tr = simulate(replace(model, b=float(b)), weights, num_steps, np.random.default_rng(seed))
        return float(tr.expected.mean())     # E[X] = intensity: less sampling noise than counts

    if b_bounds is None:
        lo, hi = _initial_bracket(model, target)
        step = max(abs(hi - lo), 1.0)
        r_lo, r_hi = rate(lo), rate(hi)
        for _ in range(60):
            if r_lo <= target:
                break
            lo -= step
            step *= 2
            r_lo = rate(lo)
        step = max(abs(hi - lo), 1.0)
        for _ in range(60):
            if r_hi >= target:
                break
            hi += step
            step *= 2
            try:
                r_hi = rate(hi)
            except ValueError:      # runaway before the target: shrink back
                hi -= step / 2
                break
    else:
        lo, hi = (float(x) for x in b_bounds)
        r_lo, r_hi = rate(lo), rate(hi)
    if not r_lo <= target <= r_hi:
        raise ValueError(f"tune: target_rate {target} is not reached for b in [{lo:.4g}, {hi:.4g}] "
                         f"(rates {r_lo:.4g} .. {r_hi:.4g} spikes per step)")
    best_b, best_r = (lo, r_lo) if abs(r_lo - target) < abs(r_hi - target) else (hi, r_hi)
    for _ in range(80):
        if abs(best_r - target) <= rtol * target:
            break
        mid = 0.5 * (lo + hi)
        r_mid = rate(mid)
        if abs(r_mid - target) < abs(best_r - target):
            best_b, best_r = mid, r_mid
        if r_mid < target:
            lo = mid
        else:
            hi = mid
    if abs(best_r - target) > rtol * target:
        raise ValueError(f"tune: closest rate {best_r:.4g} at b = {best_b:.6g} misses target_rate {target} "
                         f"by more than rtol = {rtol}; raise num_steps")
    return TuneResult(model=replace(model, b=best_b), rate=best_r, evaluations=evals[0])


def _initial_bracket(model, target):
    """A b-interval around where an uncoupled unit fires at ``target``."""
    lam, theta, beta = model._shape()
    dt = model.dt
    if model._nonlinearity == _F_RECTIFIED:
        b0 = theta + target / max(lam * dt, 1e-300)
    elif model._nonlinearity == _F_EXP:
        b0 = math.log(target / dt)
    elif model._nonlinearity == _F_SIGMOID:
        b0 = theta + math.log(target / (1 - target)) / max(beta, 1e-300)
    else:
        b0 = theta
    return b0 - 1.0, b0 + 1.0
