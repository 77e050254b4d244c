"""Spike-train and state analysis: rates, filters, auto-covariance, ISI statistics,
LIF rate curves. Arrays are (T, N): time along axis 0, neurons along axis 1. Spikes may
be given as booleans, 0/1 counts or amplitudes 1/dt: every estimator counts nonzero
entries, so rates come out in spikes per unit of ``dt`` (Hz when ``dt`` is in seconds).
"""
from __future__ import annotations

import numpy as np

from . import _validate as V


def _spikes(spikes) -> np.ndarray:
    s = np.asarray(spikes)
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2:
        raise ValueError(f"spikes must be (T, N) or (T,); got shape {s.shape}")
    return (s != 0).astype(np.float64)


def spike_times(spikes, dt: float = 1.0, t0: float = 0.0) -> list:
    """Event times per neuron: ``t0 + dt * step`` for every nonzero entry (a spike on the
    first time point included)."""
    s = _spikes(spikes)
    return [t0 + dt * np.flatnonzero(s[:, i]) for i in range(s.shape[1])]


def population_rate(spikes, dt: float = 1.0) -> np.ndarray:
    """Mean rate across neurons at each time point, (T,), in spikes per unit of dt."""
    return _spikes(spikes).mean(axis=1) / dt


def box_rates(spikes, window: int = 25) -> np.ndarray:
    """Spike counts in a causal box window of ``window`` steps (the Lava E/I tutorial's
    binning: ``convolve(spikes, ones(window))[:T]``), (T, N)."""
    window = V.as_count("window", window)
    s = _spikes(spikes)
    c = np.cumsum(s, axis=0)
    out = c.copy()
    out[window:] -= c[:-window]
    return out


def rates_isi(spikes, dt: float = 1.0) -> np.ndarray:
    """Instantaneous rate 1/ISI, piecewise constant from each spike to the next, (T, N);
    zero before a neuron's first spike and after its last. A spike on the first time
    point is handled like any other."""
    s = _spikes(spikes)
    T, N = s.shape
    out = np.zeros((T, N))
    for i in range(N):
        ev = np.flatnonzero(s[:, i])
        for a, b in zip(ev[:-1], ev[1:]):
            out[a:b, i] = 1.0 / ((b - a) * dt)
    return out


def _kernel(kind: str, tau: float):
    """Discrete kernel (unit area in steps) and the index of its time origin."""
    if kind == "expon":
        t = np.arange(0, int(np.ceil(8 * tau)) + 1)
        k = np.exp(-t / tau)
        return k / k.sum(), 0
    if kind == "alpha":
        t = np.arange(0, int(np.ceil(12 * tau)) + 1)
        k = t * np.exp(-t / tau)
        return k / k.sum(), 0
    if kind == "gauss":
        half = int(np.ceil(5 * tau))
        t = np.arange(-half, half + 1)
        k = np.exp(-0.5 * (t / tau) ** 2)
        return k / k.sum(), half
    raise ValueError(f"kind={kind!r}; legal values: 'expon', 'alpha', 'gauss', 'expogauss'")


def lowpass(x, tau: float, kind: str = "expon") -> np.ndarray:
    """Filter ``x`` (T,) or (T, N) along time with a unit-area kernel: causal
    exponential or alpha (time constant ``tau`` steps), or a centred Gaussian (std
    ``tau``). ``expogauss``: exponential followed by a Gaussian of std ``tau / 4``."""
    tau = float(V.float_param("tau", tau, 0.0))
    if tau <= 0:
        raise ValueError("tau must be > 0")
    x = np.asarray(x, float)
    squeeze = x.ndim == 1
    x2 = x[:, None] if squeeze else x
    if kind == "expogauss":
        return lowpass(lowpass(x, tau, "expon"), tau / 4.0, "gauss")
    k, origin = _kernel(kind, tau)
    T = x2.shape[0]
    out = np.empty_like(x2)
    for i in range(x2.shape[1]):
        full = np.convolve(x2[:, i], k)
        out[:, i] = full[origin:origin + T]
    return out[:, 0] if squeeze else out


def rates_kernel(spikes, tau: float, dt: float = 1.0, kind: str = "gauss") -> np.ndarray:
    """Kernel rate estimate in spikes per unit of ``dt`` (Hz for dt in s), whatever the
    spike encoding (bool, 0/1 or 1/dt amplitudes); ``tau`` in the units of dt."""
    dt = float(V.float_param("dt", dt, 0.0))
    return lowpass(_spikes(spikes), float(tau) / dt, kind) / dt


def cv_isi(spikes, min_spikes: int = 3) -> np.ndarray:
    """Coefficient of variation of inter-spike intervals per neuron (NaN with fewer than
    ``min_spikes`` spikes)."""
    s = _spikes(spikes)
    out = np.full(s.shape[1], np.nan)
    for i in range(s.shape[1]):
        ev = np.flatnonzero(s[:, i])
        if ev.size >= max(min_spikes, 3):
            isi = np.diff(ev).astype(float)
            out[i] = isi.std() / isi.mean()
    return out


def auto_covariance(acts, max_lag: int = 100, offset: int = 200):
    """The Lava E/I tutorial's auto-covariance function: ``(lags, c)`` with
    ``c(lag) = mean_t (1/N) sum_i x_i(t) x_i(t - lag)``, where ``x`` is the activity
    with ``offset`` steps dropped at both ends, centred per neuron over time and then
    across neurons at each time; the shift is circular (``np.roll``), as in the
    tutorial. ``acts`` is (T, N): rates, binned spikes or states."""
    a = np.asarray(acts, float)
    if a.ndim != 2:
        raise ValueError(f"acts must be (T, N); got shape {a.shape}")
    offset = V.as_count("offset", offset, lo=0)
    max_lag = V.as_count("max_lag", max_lag, lo=0)
    x = a[offset:a.shape[0] - offset] if offset else a
    if max_lag >= a.shape[0] or x.shape[0] < 1:
        raise ValueError(f"max_lag={max_lag} and offset={offset} leave no data of T={a.shape[0]} steps")
    x = x - x.mean(axis=0)
    x = x - x.mean(axis=1, keepdims=True)
    lags = np.arange(-max_lag, max_lag + 1)
    T, n = x.shape
    # circular autocorrelation of every neuron at once (Wiener-Khinchin), summed over neurons
    power = np.sum(np.abs(np.fft.rfft(x, axis=0)) ** 2, axis=1)
    r = np.fft.irfft(power, n=T)
    return lags, r[lags % T] / (n * T)


def ratio_of_means(a, b) -> tuple:
    """``(mean(b) / mean(a), its standard error)`` for independent samples ``a`` and ``b``
    (1-D, any sizes): first-order propagation of both means' standard errors,
    ``|r| sqrt(var_a / (n_a mean_a^2) + var_b / (n_b mean_b^2))`` with ``ddof=1``
    variances; the error is NaN when either sample has fewer than 2 values."""
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if a.size < 1 or b.size < 1:
        raise ValueError(f"ratio_of_means needs non-empty samples; got sizes {a.size} and {b.size}")
    ma, mb = a.mean(), b.mean()
    r = mb / ma
    if a.size < 2 or b.size < 2:
        return float(r), float("nan")
    se = abs(r) * np.sqrt(a.var(ddof=1) / (a.size * ma ** 2) + b.var(ddof=1) / (b.size * mb ** 2))
    return float(r), float(se)


def lif_rate(j, tau_rc: float = 0.02, tau_ref: float = 0.002, amplitude: float = 1.0):
    """Rate of a LIF neuron with normalised input current ``j`` (threshold at j = 1):
    ``amplitude / (tau_ref + tau_rc log(1 + 1/(j - 1)))`` for j > 1, else 0."""
    j = np.asarray(j, float)
    x = np.where(j > 1, j - 1, 1.0)
    return np.where(j > 1, amplitude / (tau_ref + tau_rc * np.log1p(1.0 / x)), 0.0)


def lif_rate_derivative(j, tau_rc: float = 0.02, tau_ref: float = 0.002, amplitude: float = 1.0):
    """d lif_rate / d j = tau_rc r^2 / (amplitude x (x + 1)), x = j - 1 > 0."""
    j = np.asarray(j, float)
    x = np.where(j > 1, j - 1, 1.0)
    r = lif_rate(j, tau_rc, tau_ref, amplitude)
    return np.where(j > 1, tau_rc * r * r / (amplitude * x * (x + 1)), 0.0)


def _softplus(y, sigma):
    z = np.asarray(y, float) / sigma
    return sigma * np.where(z > 34, z, np.log1p(np.exp(np.minimum(z, 34))))


def soft_lif_rate(j, sigma: float = 1.0, tau_rc: float = 0.02, tau_ref: float = 0.002,
                  amplitude: float = 1.0):
    """SoftLIF rate (Hunsberger & Eliasmith 2015): the LIF curve with ``j - 1`` replaced
    by ``softplus(j - 1) = sigma log(1 + exp((j - 1)/sigma))``; smooth at threshold."""
    if sigma <= 0:
        raise ValueError(f"sigma = {sigma} is out of range (0, inf)")
    x = _softplus(np.asarray(j, float) - 1.0, sigma)
    xs = np.where(x > 0, x, 1.0)
    return np.where(x > 0, amplitude / (tau_ref + tau_rc * np.log1p(1.0 / xs)), 0.0)


def soft_lif_rate_derivative(j, sigma: float = 1.0, tau_rc: float = 0.02, tau_ref: float = 0.002,
                             amplitude: float = 1.0):
    """d soft_lif_rate / d j = tau_rc r^2 / (amplitude x (x + 1)) * sigmoid((j - 1)/sigma)."""
    y = np.asarray(j, float) - 1.0
    x = _softplus(y, sigma)
    xs = np.where(x > 0, x, 1.0)
    r = soft_lif_rate(j, sigma, tau_rc, tau_ref, amplitude)
    return np.where(x > 0, tau_rc * r * r / (amplitude * xs * (xs + 1)) / (1 + np.exp(-y / sigma)), 0.0)
