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


def raster(spikes, ax=None, *, neurons=None, n_exc=None, color="k", label=None, markersize=1.5, alpha=1.0,
           steps=None, inh_color=None):
    """Spike raster of a (T, N) array or a Trace: a dot at (step, neuron) per spike.
    ``neurons``: indices to show (default all); ``n_exc``: draw the E/I border (and, with
    ``inh_color``, the inhibitory neurons in that colour); ``steps``: a ``(start, stop)``
    window of steps (default all) -- a few hundred steps keep single spikes visible."""
    s = _spikes(spikes)
    start, stop = (0, s.shape[0]) if steps is None else (int(steps[0]), int(steps[1]))
    idx = np.arange(s.shape[1]) if neurons is None else np.asarray(neurons)
    t, k = np.nonzero(s[start:stop, idx])
    t = t + start
    ax = _axes(ax)
    if inh_color is not None and n_exc is not None:
        inh = idx[k] >= n_exc
        ax.plot(t[~inh], idx[k][~inh], ".", color=color, markersize=markersize, alpha=alpha,
                label=label, linestyle="none")
        ax.plot(t[inh], idx[k][inh], ".", color=inh_color, markersize=markersize, alpha=alpha,
                label=None if label is None else f"{label}, inhibitory", linestyle="none")
    else:
        ax.plot(t, idx[k], ".", color=color, markersize=markersize, alpha=alpha, label=label, linestyle="none")
    if n_exc is not None:
        ax.axhline(n_exc - 0.5, color="0.6", lw=0.8)
    ax.set(xlabel="step", ylabel="neuron", xlim=(start, stop))
    return ax


def population_rate(spikes, ax=None, *, tau: float = 10.0, label=None, color=None, neurons=None):
    """Population-averaged rate (spikes per neuron per step): a Gaussian kernel of ``tau``
    steps, divided by the kernel's mass inside the run so that the curve does not sag at
    the first and last steps (a zero-padded filter halves the rate there)."""
    s = _spikes(spikes)
    if neurons is not None:
        s = s[:, np.asarray(neurons)]
    mass = A.rates_kernel(np.ones((s.shape[0], 1)), tau=tau)[:, 0]
    ax = _axes(ax)
    ax.plot(A.rates_kernel(s, tau=tau).mean(axis=1) / mass, label=label, color=color)
    ax.set(xlabel="step", ylabel="population rate (spikes/neuron/step)")
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
                   offset: int = 200, n_exc=None, raster_steps: int = 200, path=None):
    """A float LIF run beside its fixed-point version: rasters of the last
    ``raster_steps`` steps side by side (inhibitory neurons in red above the grey line),
    population rates of the whole run (per population when ``n_exc`` is given), and the
    auto-covariances of ``window``-step binned spikes with their c(0) -- not normalised,
    so that a difference in c(0) shows; the rate network's curve (``rate_states``) is
    scaled to the float run's c(0) to compare shapes. Saves to ``path`` if given; returns
    the Figure."""
    plt = _plt()
    fig = plt.figure(figsize=(13, 8))
    grid = fig.add_gridspec(2, 2)
    T = _spikes(trace_float).shape[0]
    shown = (max(0, T - raster_steps), T)
    for col, (tr, title, color) in enumerate(((trace_float, "float LIF", FLOAT_COLOR),
                                              (trace_fixed, "Loihi fixed point", FIXED_COLOR))):
        ax = fig.add_subplot(grid[0, col])
        raster(tr, ax, color="#2166ac", inh_color="#b2182b", n_exc=n_exc, steps=shown, markersize=2)
        ax.set_title(f"{title}: spikes, steps {shown[0] + 1}-{shown[1]}"
                     + (" (E blue, I red)" if n_exc is not None else ""))
    ax_p = fig.add_subplot(grid[1, 0])
    n = _spikes(trace_float).shape[1]
    groups = [("", None)] if n_exc is None else [(" E", np.arange(n_exc)), (" I", np.arange(n_exc, n))]
    for tr, label, color in ((trace_float, "float", FLOAT_COLOR), (trace_fixed, "fixed point", FIXED_COLOR)):
        for suffix, neurons in groups:
            population_rate(tr, ax_p, label=label + suffix, color=color, neurons=neurons)
            if suffix == " I":
                ax_p.lines[-1].set_linestyle("--")
    ax_p.set_title("population rate (Gaussian kernel, 10 steps)")
    ax_p.legend()
    ax_c = fig.add_subplot(grid[1, 1])
    c0 = {}
    for tr, label, color in ((trace_float, "float LIF", FLOAT_COLOR), (trace_fixed, "fixed point", FIXED_COLOR)):
        lags, c = A.auto_covariance(A.box_rates(_spikes(tr), window), max_lag=max_lag, offset=offset)
        c0[label] = c[max_lag]
        auto_covariance(lags, c, ax_c, normalise=False, label=f"{label}, c(0) = {c[max_lag]:.4g}", color=color)
    if rate_states is not None:
        lags, c = A.auto_covariance(rate_states, max_lag=max_lag, offset=offset)
        scale = c0["float LIF"] / c[max_lag] if c[max_lag] != 0 else 0.0
        auto_covariance(lags, c * scale, ax_c, normalise=False, label="rate network (scaled to float c(0))",
                        color=RATE_COLOR)
    ax_c.set_title(f"auto-covariance of {window}-step spike counts")
    ax_c.legend()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def fidelity(fid, *, path=None):
    """An ensemble comparison (:func:`lava_eirate.convert.ensemble_fidelity`): per-realization
    mean rates, float vs fixed (the diagonal is perfect agreement), and the ensemble-mean
    auto-covariances, not normalised, with the change of c(0) and its standard error in
    the title. Returns the Figure."""
    plt = _plt()
    fig, (ax_s, ax_c) = plt.subplots(1, 2, figsize=(11, 4.5))
    lo = min(fid.rate_float.min(), fid.rate_fixed.min())
    hi = max(fid.rate_float.max(), fid.rate_fixed.max())
    ax_s.plot([lo, hi], [lo, hi], color="0.6", lw=0.8)
    ax_s.plot(fid.rate_float, fid.rate_fixed, "o", color=FIXED_COLOR, alpha=0.7)
    dr, se = fid.rate_change
    ax_s.set(xlabel="float LIF rate (spikes/step)", ylabel="fixed-point rate (spikes/step)",
             title=f"{fid.rate_float.size} runs: ensemble rate {dr:+.1%} +- {se:.1%}")
    auto_covariance(fid.lags, fid.acov_float, ax_c, normalise=False, label="float LIF", color=FLOAT_COLOR)
    auto_covariance(fid.lags, fid.acov_fixed, ax_c, normalise=False, label="fixed point", color=FIXED_COLOR)
    dc, se_c = fid.c0_change
    ax_c.set_title(f"ensemble-mean auto-covariance: c(0) {dc:+.1%} +- {se_c:.1%}")
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
