"""lava_eirate.plot draws what the data say (checked on the artists, not by eye)."""
import sys

import numpy as np
import pytest

import matplotlib  # the 'plot' extra, which `make test` installs

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lava_eirate import analysis as A  # noqa: E402
from lava_eirate import plot  # noqa: E402
from lava_eirate.simulators import Trace  # noqa: E402


def _spikes(T=300, n=20, p=0.05, seed=0):
    return np.random.default_rng(seed).random((T, n)) < p


def test_raster_puts_one_dot_per_spike_at_step_and_neuron():
    s = _spikes()
    ax = plot.raster(s, n_exc=16)
    x, y = ax.lines[0].get_data()
    assert sorted(zip(x, y)) == sorted(zip(*np.nonzero(s)))
    assert ax.lines[1].get_ydata()[0] == pytest.approx(15.5)       # E/I border
    sub = plot.raster(s, neurons=[3, 7])
    x, y = sub.lines[0].get_data()
    assert set(y) <= {3, 7} and len(x) == s[:, [3, 7]].sum()
    plt.close("all")


def test_population_rate_and_normalised_auto_covariance_curves():
    s = _spikes()
    ax = plot.population_rate(s, tau=5)
    mass = A.rates_kernel(np.ones((s.shape[0], 1)), tau=5)[:, 0]
    assert np.allclose(ax.lines[0].get_ydata(), A.rates_kernel(s, tau=5).mean(axis=1) / mass)
    t, i = np.meshgrid(np.arange(400), np.arange(40), indexing="ij")
    steady = (t + i) % 4 == 0                           # 10 of 40 neurons spike at every step
    y = plot.population_rate(steady, tau=10).lines[-1].get_ydata()
    assert np.allclose(y, 0.25)                          # flat, no sag at the edges
    lags, c = A.auto_covariance(A.box_rates(s, 10), max_lag=20, offset=50)
    ax = plot.auto_covariance(lags, c)
    y = ax.lines[0].get_ydata()
    assert y[lags == 0][0] == 1.0 and np.allclose(y, c / c[20])
    with pytest.raises(ValueError, match="lags .* and c .* differ in shape"):
        plot.auto_covariance(lags, c[:-1])
    with pytest.raises(ValueError, match="no spikes"):
        plot.raster(Trace(s=None, u=None, v=None, num_steps=1, n=1, kind="fixed"))
    plt.close("all")


def test_float_vs_fixed_overlays_both_runs_and_saves(tmp_path):
    a, b = _spikes(seed=1), _spikes(seed=2)
    states = np.random.default_rng(3).standard_normal((300, 20))
    fig = plot.float_vs_fixed(a, b, rate_states=states, max_lag=20, offset=50, n_exc=16, raster_steps=100,
                              path=tmp_path / "f.png")
    ax_float, ax_fixed, rate_ax, cov_ax = fig.axes
    for ax, s in ((ax_float, a), (ax_fixed, b)):           # E and I dots of the last 100 steps
        dots = [line for line in ax.lines if line.get_marker() == "."]
        assert sum(len(line.get_xdata()) for line in dots) == s[-100:].sum()
        assert min(line.get_xdata().min() for line in dots if len(line.get_xdata())) >= s.shape[0] - 100
    assert "E blue, I red" in ax_float.get_title()
    labels = [l.get_label() for l in cov_ax.lines]
    assert labels[0].startswith("float LIF, c(0) = ") and labels[1].startswith("fixed point, c(0) = ")
    assert labels[2] == "rate network (scaled to float c(0))"
    assert cov_ax.lines[2].get_ydata()[20] == pytest.approx(cov_ax.lines[0].get_ydata()[20])
    assert [l.get_label() for l in rate_ax.lines] == ["float E", "float I", "fixed point E", "fixed point I"]
    assert (tmp_path / "f.png").stat().st_size > 10_000
    plt.close("all")


def test_missing_matplotlib_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'lava_eirate\[plot\]'"):
        plot.raster(_spikes())


def test_fidelity_figure_shows_every_realization_and_the_ensemble_change():
    from lava_eirate.convert import Fidelity
    rf, rx = np.array([0.2, 0.25, 0.3]), np.array([0.21, 0.24, 0.33])
    lags = np.arange(-5, 6)
    fid = Fidelity(rf, rx, rf * 100, rx * 100, lags, np.exp(-np.abs(lags)), np.exp(-np.abs(lags) / 2), 1000)
    fig = plot.fidelity(fid)
    scatter = fig.axes[0].lines[1]
    assert np.array_equal(scatter.get_xdata(), rf) and np.array_equal(scatter.get_ydata(), rx)
    assert f"{fid.rate_change[0]:+.1%}" in fig.axes[0].get_title()
    assert f"c(0) {fid.c0_change[0]:+.1%}" in fig.axes[1].get_title()
    assert np.array_equal(fig.axes[1].lines[1].get_ydata(), fid.acov_fixed)   # not normalised
    plt.close("all")


def test_transfer_function_bode_plot_draws_amplitude_phase_and_fit(tmp_path):
    from lava_eirate import meanfield as mf
    omega = 2 * np.pi * np.logspace(0, 2.5, 30)
    H = mf.transfer_function(np.array([0.01, 0.016]), np.array([0.005, 0.004]), omega, tau_m=0.01,
                             tau_s=0.0005, tau_r=0.0, v_th=0.015, v_reset=0.0)
    fit = mf.fit_transfer_function(H, omega)
    fig = plot.transfer_function(omega, H, fit=fit, labels=["E", "I"], path=tmp_path / "tf.png")
    amp, phase = fig.axes
    assert len(amp.lines) == 4 and len(phase.lines) == 4
    np.testing.assert_allclose(amp.lines[0].get_ydata(), np.abs(H[:, 0]))
    np.testing.assert_allclose(phase.lines[2].get_ydata(), np.angle(H[:, 1]))
    np.testing.assert_allclose(amp.lines[3].get_ydata(), np.abs(fit(omega)[:, 1]))
    assert amp.lines[1].get_label().startswith("low-pass fit, tau = ")
    assert (tmp_path / "tf.png").stat().st_size > 10_000
    plt.close("all")
