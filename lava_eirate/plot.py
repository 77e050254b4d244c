"""Figures for E/I networks: raster, population rate, auto-covariance, float vs fixed.

matplotlib is an optional extra (``pip install lava_eirate[plot]``). Every function
draws into ``ax`` when given (else a new figure) and returns the Axes, so panels
compose; :func:`float_vs_fixed` and :func:`fidelity` build whole figures.
"""
from __future__ import annotations

import numpy as np

from . import analysis as A

FLOAT_COLOR, FIXED_COLOR, RATE_COLOR = "tab:orange", "tab:blue", "0.3"


INSTALL_HINT = "pip install 'lava_eirate[plot]'"


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"lava_eirate.plot needs matplotlib: {INSTALL_HINT}") from None
    return plt


def file_backend() -> bool:
    """Select matplotlib's Agg backend (figures go to files; no display needed) and say
    whether matplotlib is installed -- for scripts that draw only when they can."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    return True


def _axes(ax):
    if ax is None:
        _, ax = _plt().subplots()
    return ax


def _spikes(s):
    s = getattr(s, "s", s)
    if s is None:
        raise ValueError("no spikes: the trace did not record 's'")
    s = np.asarray(s)
    if s.ndim != 2:
        raise ValueError(f"spikes must be (T, N); got shape {s.shape}")
    return s


def raster(spikes, ax=None, *, neurons=None, n_exc=None, color="k", label=None, markersize=1.5, alpha=1.0):
    """Spike raster of a (T, N) array or a Trace: a dot at (step, neuron) per spike.
    ``neurons``: indices to show (default all); ``n_exc``: draw the E/I border."""
    s = _spikes(spikes)
    idx = np.arange(s.shape[1]) if neurons is None else np.asarray(neurons)
    t, k = np.nonzero(s[:, idx])
    ax = _axes(ax)
    ax.plot(t, idx[k], ".", color=color, markersize=markersize, alpha=alpha, label=label, linestyle="none")
    if n_exc is not None:
        ax.axhline(n_exc - 0.5, color="0.6", lw=0.8)
    ax.set(xlabel="step", ylabel="neuron", xlim=(0, s.shape[0]))
    return ax


def population_rate(spikes, ax=None, *, tau: float = 10.0, label=None, color=None):
    """Population-averaged rate (spikes per neuron per step), Gaussian kernel of ``tau`` steps."""
    s = _spikes(spikes)
    ax = _axes(ax)
    ax.plot(A.rates_kernel(s, tau=tau).mean(axis=1), label=label, color=color)
    ax.set(xlabel="step", ylabel="population rate (spikes/step)")
    return ax


def auto_covariance(lags, c, ax=None, *, normalise: bool = True, label=None, color=None):
    """Auto-covariance curve ``c(lag)``; with ``normalise`` divided by c(0)."""
    lags, c = np.asarray(lags), np.asarray(c, float)
    if lags.shape != c.shape:
        raise ValueError(f"lags {lags.shape} and c {c.shape} differ in shape")
    zero = np.flatnonzero(lags == 0)
    if normalise:
        if zero.size == 0 or c[zero[0]] == 0:
            raise ValueError("normalise=True needs lag 0 with c(0) != 0")
        c = c / c[zero[0]]
    ax = _axes(ax)
    ax.plot(lags, c, label=label, color=color)
    ax.set(xlabel="lag (steps)", ylabel="c(lag) / c(0)" if normalise else "c(lag)")
    return ax


def float_vs_fixed(trace_float, trace_fixed, *, rate_states=None, window: int = 25, max_lag: int = 100,
                   offset: int = 200, n_exc=None, path=None):
    """Overlay of a float LIF run and its fixed-point version: rasters on one axes,
    population rates, normalised auto-covariances of ``window``-step binned spikes (and
    of the rate network's states when given). Saves to ``path`` if given; returns the
    Figure."""
    plt = _plt()
    fig = plt.figure(figsize=(13, 7))
    grid = fig.add_gridspec(2, 2)
    ax_r = fig.add_subplot(grid[0, :])
    raster(trace_float, ax_r, color=FLOAT_COLOR, label="float LIF", alpha=0.5, n_exc=n_exc)
    raster(trace_fixed, ax_r, color=FIXED_COLOR, label="Loihi fixed point", alpha=0.5)
    ax_r.legend(loc="upper right", markerscale=6)
    ax_p = fig.add_subplot(grid[1, 0])
    population_rate(trace_float, ax_p, label="float LIF", color=FLOAT_COLOR)
    population_rate(trace_fixed, ax_p, label="fixed point", color=FIXED_COLOR)
    ax_p.legend()
    ax_c = fig.add_subplot(grid[1, 1])
    if rate_states is not None:
        lags, c = A.auto_covariance(rate_states, max_lag=max_lag, offset=offset)
        auto_covariance(lags, c, ax_c, label="rate network", color=RATE_COLOR)
    for tr, label, color in ((trace_float, "float LIF", FLOAT_COLOR), (trace_fixed, "fixed point", FIXED_COLOR)):
        lags, c = A.auto_covariance(A.box_rates(_spikes(tr), window), max_lag=max_lag, offset=offset)
        auto_covariance(lags, c, ax_c, label=label, color=color)
    ax_c.legend()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def fidelity(fid, *, path=None):
    """An ensemble comparison (:func:`lava_eirate.convert.ensemble_fidelity`): per-realization
    mean rates, float vs fixed (the diagonal is perfect agreement), and the
    ensemble-mean normalised auto-covariances. Returns the Figure."""
    plt = _plt()
    fig, (ax_s, ax_c) = plt.subplots(1, 2, figsize=(11, 4.5))
    lo = min(fid.rate_float.min(), fid.rate_fixed.min())
    hi = max(fid.rate_float.max(), fid.rate_fixed.max())
    ax_s.plot([lo, hi], [lo, hi], color="0.6", lw=0.8)
    ax_s.plot(fid.rate_float, fid.rate_fixed, "o", color=FIXED_COLOR, alpha=0.7)
    dr, se = fid.rate_change
    ax_s.set(xlabel="float LIF rate (spikes/step)", ylabel="fixed-point rate (spikes/step)",
             title=f"{fid.rate_float.size} runs: ensemble rate {dr:+.1%} +- {se:.1%}")
    auto_covariance(fid.lags, fid.acov_float, ax_c, label="float LIF", color=FLOAT_COLOR)
    auto_covariance(fid.lags, fid.acov_fixed, ax_c, label="fixed point", color=FIXED_COLOR)
    ax_c.legend()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def transfer_function(omega, H, *, fit=None, labels=None, path=None):
    """Bode plot of LIF transfer functions (:func:`lava_eirate.meanfield.transfer_function`),
    one curve per column of ``H`` (n_omega, P), against the frequency omega / 2 pi (in
    cycles per time unit of omega), with the low-pass fit
    (:func:`lava_eirate.meanfield.fit_transfer_function`) dashed when given. Returns the
    Figure (amplitude axis first, phase second)."""
    plt = _plt()
    omega = np.asarray(omega, float)
    H = np.asarray(H, complex).reshape(omega.size, -1)
    labels = labels or [f"population {p}" for p in range(H.shape[1])]
    fig, (ax_a, ax_p) = plt.subplots(2, 1, sharex=True, figsize=(6.5, 6))
    f = omega / (2 * np.pi)
    for p in range(H.shape[1]):
        line, = ax_a.loglog(f, np.abs(H[:, p]), label=labels[p])
        ax_p.semilogx(f, np.angle(H[:, p]), color=line.get_color())
        if fit is not None:
            Hf = fit(omega)[:, p]
            ax_a.loglog(f, np.abs(Hf), "--", color=line.get_color(),
                        label=f"low-pass fit, tau = {fit.tau_rate[p]:.3g}")
            ax_p.semilogx(f, np.angle(Hf), "--", color=line.get_color())
    ax_a.set(ylabel="|H| (rate per unit mean input)")
    ax_p.set(xlabel="frequency (cycles per time unit)", ylabel="phase (rad)")
    ax_a.legend(fontsize=8)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
