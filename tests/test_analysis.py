"""lava_eirate.analysis: estimators recover known rates, derivatives equal finite
differences, the auto-covariance equals the Lava tutorial's loop."""
import numpy as np
import pytest

from lava_eirate import analysis as A


def poisson(rate_hz, dt, T, N, seed):
    rng = np.random.default_rng(seed)
    return rng.random((T, N)) < rate_hz * dt


@pytest.mark.parametrize("encoding", ["bool", "ones", "amplitude"])
def test_kernel_rates_are_in_hz_for_every_encoding(encoding):
    dt, rate = 0.001, 20.0
    s = poisson(rate, dt, 20000, 50, seed=1)
    data = {"bool": s, "ones": s.astype(int), "amplitude": s / dt}[encoding]
    for kind in ("expon", "gauss", "alpha", "expogauss"):
        r = A.rates_kernel(data, tau=0.05, dt=dt, kind=kind)
        # mean over 50 neurons x ~19 s: relative std error ~ 1/sqrt(20*19*50) = 0.7%
        assert r[1000:-1000].mean() == pytest.approx(rate, rel=0.03), kind


def test_isi_rates_and_spike_on_first_time_point():
    s = np.zeros((10, 1), bool)
    s[[0, 4, 9], 0] = True
    r = A.rates_isi(s, dt=0.5)
    assert r[:4, 0].tolist() == [0.5] * 4          # 1 / (4 * 0.5)
    assert r[4:9, 0].tolist() == [0.4] * 5        # 1 / (5 * 0.5)
    assert A.spike_times(s, dt=0.5)[0].tolist() == [0.0, 2.0, 4.5]
    dt, rate = 0.001, 30.0
    ps = poisson(rate, dt, 50000, 40, seed=2)
    est = np.nanmean(np.where(A.rates_isi(ps, dt) > 0, A.rates_isi(ps, dt), np.nan))
    # time-weighted 1/ISI of a Poisson train has expectation ~ rate (within a few %)
    assert est == pytest.approx(rate, rel=0.1)


def test_cv_and_population_rate_of_poisson_and_regular_trains():
    ps = poisson(0.05, 1.0, 100000, 20, seed=3)
    assert np.nanmean(A.cv_isi(ps)) == pytest.approx(1.0, abs=0.03)
    reg = np.zeros((1000, 3), bool)
    reg[::10] = True
    assert np.allclose(A.cv_isi(reg), 0.0)
    assert A.population_rate(reg).mean() == pytest.approx(0.1)


def test_box_rates_match_the_tutorial_binning():
    s = poisson(0.1, 1.0, 300, 7, seed=4)
    window = 25
    tutorial = np.asarray([np.convolve(s[:, i], np.ones(window)) for i in range(7)])[:, :-window + 1].T
    assert np.array_equal(A.box_rates(s, window), tutorial)


def tutorial_auto_cov(acts, max_lag=100, offset=200):
    """The Lava E/I tutorial's auto_cov_fct, transcribed."""
    acts_local = acts.copy()[offset:-offset]
    n = acts_local.shape[1]
    acts_local -= np.mean(acts_local, axis=0)
    out = np.zeros(2 * max_lag + 1)
    lags = np.linspace(-max_lag, max_lag, 2 * max_lag + 1, dtype=int)
    for i, lag in enumerate(lags):
        shifted = np.roll(acts_local, shift=lag, axis=0)
        corrs = [np.dot(a - a.mean(), b - b.mean()) / n for a, b in zip(acts_local, shifted)]
        out[i] = np.mean(corrs)
    return lags, out


def test_auto_covariance_equals_the_tutorial_loop():
    rng = np.random.default_rng(5)
    x = np.cumsum(rng.normal(size=(700, 30)), axis=0) * 0.1
    lags, c = A.auto_covariance(x, max_lag=40, offset=100)
    lags_t, c_t = tutorial_auto_cov(x, max_lag=40, offset=100)
    assert np.array_equal(lags, lags_t)
    np.testing.assert_allclose(c, c_t, rtol=1e-10, atol=1e-14)
    assert c[40] == c.max()


@pytest.mark.parametrize("fn, dfn, kwargs", [
    (A.lif_rate, A.lif_rate_derivative, {}),
    (A.soft_lif_rate, A.soft_lif_rate_derivative, {"sigma": 0.3}),
])
def test_rate_curve_derivatives_equal_finite_differences(fn, dfn, kwargs):
    j = np.linspace(1.05, 6.0, 50)
    h = 1e-6
    numeric = (fn(j + h, **kwargs) - fn(j - h, **kwargs)) / (2 * h)
    np.testing.assert_allclose(dfn(j, **kwargs), numeric, rtol=1e-6)


def test_soft_lif_is_smooth_and_tends_to_lif():
    j = np.linspace(0.0, 3.0, 301)
    assert np.all(np.diff(A.soft_lif_rate(j, sigma=0.05)) >= 0)
    np.testing.assert_allclose(A.soft_lif_rate(j[j > 1.5], sigma=1e-3), A.lif_rate(j[j > 1.5]), rtol=1e-6)
    assert A.lif_rate(0.5) == 0.0 and A.soft_lif_rate(0.5, sigma=0.2) > 0.0


def test_ratio_of_means_propagates_both_standard_errors():
    rng = np.random.default_rng(7)
    a, b = rng.normal(2.0, 0.3, 5), rng.normal(-6.0, 1.0, 9)   # unequal sizes, negative ratio
    r, se = A.ratio_of_means(a, b)
    assert r == pytest.approx(b.mean() / a.mean(), rel=1e-14)
    # the same error by the delta method written with the two means' standard errors
    sa, sb = a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size)
    assert se == pytest.approx(abs(r) * np.hypot(sa / a.mean(), sb / b.mean()), rel=1e-12)
    assert se > 0
    r1, se1 = A.ratio_of_means([4.0], b)
    assert r1 == pytest.approx(b.mean() / 4.0) and np.isnan(se1)
    with pytest.raises(ValueError, match="non-empty"):
        A.ratio_of_means([], b)
