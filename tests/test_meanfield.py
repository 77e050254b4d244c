"""lava_eirate.meanfield against NNMT (peer, run in the same process), against its own
definitions (finite differences), and against simulations of Lava's float LIF."""
import numpy as np
import pytest

import lava_eirate as le
from lava_eirate import meanfield as mf
from lava_eirate.meanfield import _siegert as S

nnmt_delta = pytest.importorskip("nnmt.lif.delta")
nnmt_exp = pytest.importorskip("nnmt.lif.exp")

NEURON = dict(tau_m=0.02, tau_r=0.002, v_th=0.02, v_reset=0.01)   # Brunel (2000) model, SI


def test_zeta_constant():
    from mpmath import zeta
    assert S.ALPHA_FB == pytest.approx(float(np.sqrt(2) * abs(zeta(0.5))), rel=1e-15)
    assert S.ALPHA_FB == pytest.approx(2.0652, abs=1e-4)   # not sqrt(2)|zetac(1/2)| = 3.4795


def test_siegert_matches_nnmt_delta_and_exp():
    rng = np.random.default_rng(0)
    mu = rng.uniform(-0.05, 0.04, 300)
    sigma = rng.uniform(0.001, 0.02, 300)
    mine = mf.siegert_rate(mu, sigma, **NEURON)
    peer = nnmt_delta._firing_rates_for_given_input(mu, sigma, NEURON["v_reset"], NEURON["v_th"],
                                                    NEURON["tau_m"], NEURON["tau_r"])
    sel = peer > 1e-12
    np.testing.assert_allclose(mine[sel], peer[sel], rtol=1e-9)
    assert np.all(mine[~sel] < 1e-11)
    for method, fn in (("shift", nnmt_exp._firing_rate_shift), ("taylor", nnmt_exp._firing_rate_taylor)):
        mine = mf.siegert_rate(mu, sigma, **NEURON, tau_s=0.0005, method=method)
        peer = fn(mu, sigma, NEURON["v_reset"], NEURON["v_th"], NEURON["tau_m"], NEURON["tau_r"], 0.0005)
        sel = np.abs(peer) > 1e-6
        np.testing.assert_allclose(mine[sel], peer[sel], rtol=1e-9)


def test_siegert_is_stable_far_from_threshold():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        far_below = mf.siegert_rate(np.array([-100.0, -1.0, 0.0]), 0.001, **NEURON)
        far_above = mf.siegert_rate(np.array([10.0, 1e3]), 0.001, **NEURON)
    assert far_below[0] == 0.0 and far_below[1] == 0.0   # exp(-10**8) and exp(-10**6): underflow to 0
    # y_th = 20: leading order of the integral, nu ~ y_th exp(-y_th^2) / (tau_m sqrt(pi))
    y = 20.0
    assert far_below[2] == pytest.approx(y * np.exp(-y * y) / (NEURON["tau_m"] * np.sqrt(np.pi)), rel=5e-3)
    # far above threshold the rate tends to the deterministic 1/(tau_r + tau_m log(...))
    det = 1 / (NEURON["tau_r"] + NEURON["tau_m"] * np.log((np.array([10.0, 1e3]) - 0.01) / (np.array([10.0, 1e3]) - 0.02)))
    np.testing.assert_allclose(far_above, det, rtol=1e-6)
    assert mf.siegert_rate(0.03, 0.0, **NEURON) == pytest.approx(1 / (0.002 + 0.02 * np.log(2.0)))
    # continuity at sigma -> 0
    assert mf.siegert_rate(0.03, 1e-7, **NEURON) == pytest.approx(mf.siegert_rate(0.03, 0.0, **NEURON), rel=1e-4)


def brunel_network(g, nu_ext_over_thr):
    """Brunel (2000) model A: C_E = 1000, C_I = 250, J = 0.1 mV, C_ext = C_E."""
    J = 0.0001
    K = np.array([[1000.0, 250.0], [1000.0, 250.0]])
    Jm = np.array([[J, -g * J], [J, -g * J]])
    nu_thr = NEURON["v_th"] / (J * 1000 * NEURON["tau_m"])
    return dict(J=Jm, K=K, J_ext=J, K_ext=1000.0, nu_ext=nu_ext_over_thr * nu_thr, **NEURON)


@pytest.mark.parametrize("g, ext", [(5.0, 2.0), (4.5, 0.9), (6.0, 4.0), (3.0, 2.0)])
def test_brunel_network_states_match_nnmt(g, ext):
    p = brunel_network(g, ext)
    mine = mf.firing_rates(**p)
    peer = nnmt_delta._firing_rates(p["J"], p["K"], p["v_reset"], p["v_th"], p["tau_m"], p["tau_r"],
                                    np.full(2, p["J_ext"]), np.full(2, p["K_ext"]), p["nu_ext"],
                                    fixpoint_method="ODE")
    np.testing.assert_allclose(mine, peer, rtol=1e-6, atol=1e-7)
    # self-consistent: nu = Phi(mu(nu), sigma(nu))
    mu = mf.mean_input(mine, J=p["J"], K=p["K"], tau_m=p["tau_m"], J_ext=p["J_ext"], K_ext=p["K_ext"], nu_ext=p["nu_ext"])
    sig = mf.std_input(mine, J=p["J"], K=p["K"], tau_m=p["tau_m"], J_ext=p["J_ext"], K_ext=p["K_ext"], nu_ext=p["nu_ext"])
    np.testing.assert_allclose(mf.siegert_rate(mu, sig, **NEURON), mine, rtol=1e-9)


def test_ode_and_lstsq_agree_and_failure_is_reported():
    p = brunel_network(5.0, 2.0)
    ode = mf.firing_rates(**p)
    lsq = mf.firing_rates(**p, method="lstsq", nu0=ode * 1.2)
    np.testing.assert_allclose(lsq, ode, rtol=1e-7)
    with pytest.raises(RuntimeError, match=r"firing_rates\(method='ode'\).*\|Phi\(nu\) - nu\|"):
        mf.firing_rates(**p, max_iter=1, t_span=0.5, nu0=[0.0, 500.0])
    with pytest.raises(ValueError, match="method='newton'"):
        mf.firing_rates(**p, method="newton")


def test_rate_response_coefficients_are_the_derivatives():
    mu, sigma = 0.015, 0.004
    alpha, beta = mf.rate_response_coefficients(mu, sigma, tau_s=0.0, **NEURON)
    h = 1e-7
    d_mu = (mf.siegert_rate(mu + h, sigma, **NEURON) - mf.siegert_rate(mu - h, sigma, **NEURON)) / (2 * h)
    var = sigma ** 2
    d_var = (mf.siegert_rate(mu, np.sqrt(var + h * 1e-3), **NEURON)
             - mf.siegert_rate(mu, np.sqrt(var - h * 1e-3), **NEURON)) / (2 * h * 1e-3)
    # d nu / d nu_in = (d nu / d mu) tau_m J + (d nu / d sigma^2) tau_m J^2
    assert alpha == pytest.approx(NEURON["tau_m"] * d_mu, rel=1e-5)
    assert beta == pytest.approx(NEURON["tau_m"] * d_var, rel=1e-4)


def test_cv_isi_limits():
    # fluctuation-driven, low rate: close to Poisson; mean-driven: regular
    cv_low = mf.cv_isi(0.005, 0.006, **NEURON)
    cv_reg = mf.cv_isi(0.04, 0.0005, **NEURON)
    assert 0.8 < float(cv_low) < 1.05
    assert float(cv_reg) < 0.05


@pytest.mark.parametrize("kwargs, message", [
    (dict(sigma=-0.1), r"sigma = -0.1 is out of range"),
    (dict(tau_m=0.0), r"tau_m = 0.0 is out of range"),
    (dict(tau_r=-1.0), r"tau_r = -1.0 is out of range"),
    (dict(v_th=0.01), r"v_th must exceed v_reset"),
    (dict(mu=np.zeros(3), sigma=np.ones(2)), r"shapes do not broadcast"),
])
def test_bad_input(kwargs, message):
    args = dict(mu=0.01, sigma=0.005, **NEURON)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        mf.siegert_rate(args.pop("mu"), args.pop("sigma"), **args)


def poisson_driven_lif(du, seed, n=300, T=30000, dv=0.01):
    """n float Lava LIF neurons (vth 1, reset 0) driven by 400 E and 100 I Poisson inputs."""
    rng = np.random.default_rng(seed)
    ke, ki, nu_in, we, wi, bias = 400, 100, 0.02, 0.001, -0.003, 0.006
    ext = we * rng.poisson(ke * nu_in, (T, n)) + wi * rng.poisson(ki * nu_in, (T, n))
    tr = le.simulate_float(le.FloatLIF(n, du, dv, 1.0, bias), None, T, a_in=ext, record=("s",))
    th = mf.lava_lif_theory(du=du, dv=dv, vth=1.0)
    J = np.array([we, wi]) / du
    mu = th["tau_m"] * (ke * J[0] * nu_in + ki * J[1] * nu_in + bias)
    sigma = np.sqrt(th["tau_m"] * (ke * J[0] ** 2 + ki * J[1] ** 2) * nu_in)
    pred = mf.siegert_rate(mu, sigma, tau_m=th["tau_m"], tau_r=0.0, v_th=1.0, v_reset=0.0,
                           tau_s=th["tau_s"])
    return tr.s[2000:].mean(), pred


def test_single_lif_rate_prediction_du_02():
    sim, pred = poisson_driven_lif(0.2, seed=1)
    assert pred == pytest.approx(sim, rel=0.05)


def test_single_lif_rate_prediction_du_007_documents_the_gap():
    # sqrt(tau_s / tau_m) = 0.37 here: the first-order Fourcaud-Brunel shift
    # underestimates by ~5%; the issue asks for 5% -- not met yet (see issue notes).
    sim, pred = poisson_driven_lif(0.07, seed=2)
    assert -0.08 < pred / sim - 1 < 0.0


def test_predicts_the_rate_of_a_whole_ei_lif_network():
    """The tutorial's balanced network after conversion: mean-field rates vs simulation."""
    from lava_eirate.network import tutorial_networks
    lif = le.convert_rate_to_lif_params(**tutorial_networks(1234)["balanced"])
    nu_e, nu_i = mf.predict_ei_rates(**lif)
    p = le.EILIFParams(**lif)
    tr = le.simulate_float(*p.float, 3000, record=("s",))
    sim = tr.s[500:]
    assert nu_e == pytest.approx(sim[:, :320].mean(), rel=0.05)
    assert nu_i == pytest.approx(sim[:, 320:].mean(), rel=0.05)


def test_predict_ei_rates_reports_runaway_excitation():
    """All-excitatory strong coupling: Phi(nu) > nu for every nu, no fixed point."""
    from lava_eirate.network import tutorial_networks
    lif = le.convert_rate_to_lif_params(**tutorial_networks(1234)["balanced"])
    runaway = dict(lif, weights=np.abs(lif["weights"]) * 20)
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(RuntimeError, match=r"no self-consistent rates, max \|Phi\(nu\) - nu\| = "):
        mf.predict_ei_rates(**runaway)
