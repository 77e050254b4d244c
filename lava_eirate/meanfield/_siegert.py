"""Pure array functions for the stationary rate of a LIF neuron driven by Gaussian noise.

Delta synapses (Siegert 1951; Brunel 2000, Eq. 21):

    1/nu = tau_r + tau_m * sqrt(pi) * Integral_{y_r}^{y_th} exp(u^2) (1 + erf(u)) du,
    y_th = (v_th - mu) / sigma,  y_r = (v_reset - mu) / sigma.

Exponential synapses (Fourcaud & Brunel 2002): both bounds shift by
``(alpha / 2) * sqrt(tau_s / tau_m)`` with ``alpha = sqrt(2) * |zeta(1/2)|`` ("shift"), or
the rate is expanded to first order in ``sqrt(tau_s / tau_m)`` ("taylor").

The integrand ``exp(u^2)(1 + erf(u)) = erfcx(-u)`` is integrated in two parts, each by
Gauss-Legendre quadrature on a smooth, bounded integrand, so nothing overflows and
nothing cancels:

* u >= 0: ``exp(b^2) * Integral exp(u^2 - b^2) (1 + erf u) du`` over the last
  ``GL_WIDTH / b`` of [max(a, 0), b] (the integrand falls as exp(-2 b (b - u)); what is
  cut off is below exp(-2 * GL_WIDTH));
* u < 0: ``Integral erfcx(|u|) d|u|`` with ``t = log(1 + |u|)`` (the 1/|u| tail becomes
  smooth).

The rate is then ``exp(-logaddexp(log(tau_r + tau_m sqrt(pi) I_neg),
log(tau_m sqrt(pi) I_pos) + b^2))``.
"""
from __future__ import annotations

import numpy as np
from scipy.special import erf, erfcx

#: sqrt(2) * |zeta(1/2)|, zeta(1/2) = -1.4603545088095868 (Fourcaud & Brunel 2002, Eq. 4.33).
ALPHA_FB = float(np.sqrt(2.0) * 1.4603545088095868)
GL_ORDER = 96
GL_WIDTH = 20.0
#: Upper bound beyond which the u >= 0 part is taken in closed form.
B_ASYMPTOTIC = 1.0e4
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(GL_ORDER)
_SQRT_PI = float(np.sqrt(np.pi))


def _gauss_legendre(func, lo, hi):
    """Integral of ``func`` over [lo, hi] (broadcast arrays), GL_ORDER-point rule."""
    lo = np.asarray(lo, float)[..., None]
    hi = np.asarray(hi, float)[..., None]
    half = 0.5 * (hi - lo)
    x = lo + half * (_NODES + 1.0)
    return (half[..., 0]) * np.sum(_WEIGHTS * func(x), axis=-1)


def _erfcx_integral_parts(a, b):
    """``(I_pos, b, I_neg)`` with Integral_a^b erfcx(-u) du = exp(b^2) I_pos + I_neg (a <= b)."""
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    # u >= 0 part, scaled by exp(-b^2)
    lo_pos = np.maximum(a, 0.0)
    has_pos = b > lo_pos
    bb = np.where(has_pos, b, 1.0)
    lo_cut = np.maximum(lo_pos, bb - GL_WIDTH / np.maximum(bb, 1.0))
    lo_cut = np.where(has_pos, lo_cut, 0.0)
    i_pos = _gauss_legendre(lambda u: np.exp((u - bb[..., None]) * (u + bb[..., None])) * (1.0 + erf(u)),
                            lo_cut, bb)
    # Far out (b > B_ASYMPTOTIC) the interval b - GL_WIDTH/b rounds to b itself; there the
    # integrand is 2 exp(-2 b s) to relative 1e-5 (s = b - u), whose integral is closed.
    with np.errstate(over="ignore"):
        far = -np.expm1(-2.0 * bb * (bb - lo_pos)) / bb
    i_pos = np.where(has_pos, np.where(bb > B_ASYMPTOTIC, far, i_pos), 0.0)
    # u < 0 part, in t = log(1 + |u|)
    hi_neg = np.minimum(b, 0.0)
    has_neg = a < hi_neg
    t_lo = np.log1p(-np.where(has_neg, hi_neg, 0.0))
    t_hi = np.log1p(-np.where(has_neg, a, 0.0))
    i_neg = _gauss_legendre(lambda t: erfcx(np.expm1(t)) * np.exp(t), t_lo, t_hi)
    i_neg = np.where(has_neg, i_neg, 0.0)
    return i_pos, np.where(has_pos, b, 0.0), i_neg


def _siegert_from_bounds(y_th, y_r, tau_m, tau_r):
    """Delta-synapse rate from the scaled bounds (arrays broadcast)."""
    i_pos, b, i_neg = _erfcx_integral_parts(y_r, y_th)
    tau_m = np.asarray(tau_m, float)
    base = np.asarray(tau_r, float) + tau_m * _SQRT_PI * i_neg
    with np.errstate(divide="ignore"):
        log_base = np.log(base)
        log_pos = np.where(i_pos > 0, np.log(tau_m * _SQRT_PI * np.where(i_pos > 0, i_pos, 1.0)) + b ** 2,
                           -np.inf)
    return np.exp(-np.logaddexp(log_base, log_pos))


def _deterministic_rate(mu, tau_m, tau_r, v_th, v_reset):
    """sigma = 0: nu = 1 / (tau_r + tau_m log((mu - v_reset) / (mu - v_th))) above threshold."""
    above = mu > v_th
    with np.errstate(divide="ignore", invalid="ignore"):
        period = tau_r + tau_m * np.log((mu - v_reset) / np.where(above, mu - v_th, 1.0))
        return np.where(above, 1.0 / period, 0.0)


def _bounds(mu, sigma, v_th, v_reset, shift=0.0):
    safe = np.where(sigma > 0, sigma, 1.0)
    return (v_th - mu) / safe + shift, (v_reset - mu) / safe + shift


def _log_f(y):
    """log(exp(y^2) (1 + erf y)) = log erfcx(-y), without overflow."""
    y = np.asarray(y, float)
    return np.where(y > 0, y * y + np.log1p(erf(np.where(y > 0, y, 0.0))),
                    np.log(erfcx(-np.minimum(y, 0.0))))


def _nu2_f(y_th, y_r, nu):
    """(nu^2 f(y_th), nu^2 f(y_r)), f(y) = exp(y^2)(1 + erf y), as exp(2 log nu + log f)
    (no overflow; 0 where nu = 0): the factor of the Taylor rate correction, of d nu/d mu
    and of the rate response coefficients."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_nu2 = 2 * np.log(nu)
        a, b = np.exp(log_nu2 + _log_f(y_th)), np.exp(log_nu2 + _log_f(y_r))
    return np.where(nu > 0, a, 0.0), np.where(nu > 0, b, 0.0)


def _firing_rates(mu, sigma, tau_m, tau_r, v_th, v_reset, tau_s=0.0, method="shift"):
    """Stationary rate of LIF neurons for mean ``mu`` and std ``sigma`` of the input
    (arrays broadcast). ``tau_s = 0``: Siegert; else the Fourcaud-Brunel "shift" or
    "taylor" approximation. Units: any consistent set (s and Hz, or steps and 1/step)."""
    mu, sigma = np.asarray(mu, float), np.asarray(sigma, float)
    tau_s = np.asarray(tau_s, float)
    k = np.sqrt(tau_s / tau_m)
    shift = 0.5 * ALPHA_FB * k if method == "shift" else 0.0
    y_th, y_r = _bounds(mu, sigma, v_th, v_reset, shift)
    nu = _siegert_from_bounds(y_th, y_r, tau_m, tau_r)
    if method == "taylor":
        delta = 0.5 * ALPHA_FB * k
        f_th, f_r = _nu2_f(y_th, y_r, nu)
        nu = nu - delta * tau_m * _SQRT_PI * (f_th - f_r)
    det = _deterministic_rate(mu, tau_m, tau_r, v_th, v_reset)
    return np.where(sigma > 0, nu, det)


def _rate_response_coefficients(mu, sigma, tau_m, tau_s, tau_r, v_th, v_reset):
    """(alpha, beta): d nu_out / d nu_in = alpha J + beta J^2 for a presynaptic spike
    of weight J (Helias et al. 2013, Eq. A.3; Grytskyy et al. 2013), at the working
    point (mu, sigma), with Fourcaud-Brunel shifted bounds for tau_s > 0:

        alpha = sqrt(pi) (tau_m nu)^2 / sigma * [f(y_th) - f(y_r)]
        beta  = sqrt(pi) (tau_m nu)^2 / (2 sigma^2) * [f(y_th) (y_th - c) - f(y_r) (y_r - c)]

    (c the shift, 0 for delta synapses; alpha = tau_m d nu/d mu, beta = tau_m d nu/d sigma^2)

    with f(y) = exp(y^2)(1 + erf y) (see :func:`_nu2_f`).
    """
    mu, sigma = np.asarray(mu, float), np.asarray(sigma, float)
    shift = 0.5 * ALPHA_FB * np.sqrt(np.asarray(tau_s, float) / tau_m)
    y_th, y_r = _bounds(mu, sigma, v_th, v_reset, shift)
    nu = _siegert_from_bounds(y_th, y_r, tau_m, tau_r)
    f_th, f_r = _nu2_f(y_th, y_r, nu)
    g_th, g_r = _SQRT_PI * tau_m ** 2 * f_th, _SQRT_PI * tau_m ** 2 * f_r
    alpha = (g_th - g_r) / sigma
    # beta's bracket with 1 added to each term (they cancel): below threshold each
    # sqrt(pi) f(y) y tends to -1 and the O(sigma^2) remainder would be lost
    beta = tau_m ** 2 * (_yf_plus_1(y_th, nu, f_th) - _yf_plus_1(y_r, nu, f_r)) / (2 * sigma ** 2)
    # The Fourcaud-Brunel shift is constant in y, so d y / d sigma = -(y - shift) / sigma:
    # the bracket holds (y - shift), i.e. beta loses shift * alpha / (2 sigma).
    beta = beta - shift * alpha / (2 * sigma)
    return alpha, beta


def _yf_plus_1(y, nu, nu2_f):
    """``nu^2 (sqrt(pi) f(y) y + 1)`` without cancellation: for y < 0 it is
    ``nu^2 q(-y)`` with ``q(x) = 1 - sqrt(pi) x erfcx(x)``, from its asymptotic series
    ``1/(2x^2) - 3/(4x^4) + 15/(8x^6) - 105/(16x^8)`` beyond x = 30."""
    y = np.asarray(y, float)
    x = np.maximum(-y, 0.0)
    xs = np.where(x > 30.0, x, 30.0)
    series = 1 / (2 * xs ** 2) - 3 / (4 * xs ** 4) + 15 / (8 * xs ** 6) - 105 / (16 * xs ** 8)
    q = np.where(x > 30.0, series, 1.0 - _SQRT_PI * x * erfcx(np.minimum(x, 30.0)))
    nu2 = np.asarray(nu, float) ** 2
    return np.where(y < 0, nu2 * q, _SQRT_PI * nu2_f * y + nu2)


def _cv_isi(mu, sigma, tau_m, tau_r, v_th, v_reset):
    """Coefficient of variation of the inter-spike intervals (Brunel 2000, Eq. A.23):

        CV^2 = 2 pi (tau_m nu)^2 Integral_{y_r}^{y_th} exp(x^2) Integral_{-inf}^{x}
               exp(y^2) (1 + erf y)^2 dy dx

    evaluated by nested Gauss-Legendre quadrature on scaled integrands.
    """
    mu, sigma, tau_m = np.broadcast_arrays(np.asarray(mu, float), np.asarray(sigma, float),
                                           np.asarray(tau_m, float))
    y_th, y_r = _bounds(mu, sigma, v_th, v_reset)
    nu = _siegert_from_bounds(y_th, y_r, tau_m, tau_r)
    y_th, y_r, nu, tau_m = np.broadcast_arrays(y_th, y_r, nu, tau_m)
    # inner(x) = Integral_{-inf}^{x} erfcx(-y)^2 exp(-y^2) dy; outer integrand exp(x^2) inner(x)
    out = np.empty(np.shape(y_th))
    for idx in np.ndindex(np.shape(y_th)):
        a, b = float(y_r[idx]), float(y_th[idx])
        xs = a + 0.5 * (b - a) * (_NODES + 1.0)
        log_inner = np.array([_log_inner_cv(x) for x in xs])
        # exp(x^2) inner(x) (tau_m nu)^2, in logs against overflow
        with np.errstate(divide="ignore"):
            log_terms = xs ** 2 + log_inner + 2 * np.log(tau_m[idx] * nu[idx])
        out[idx] = 2 * np.pi * 0.5 * (b - a) * np.sum(_WEIGHTS * np.exp(log_terms))
    return np.sqrt(out)


def _log_inner_cv(x):
    """log Integral_{-inf}^{x} exp(y^2) (1 + erf y)^2 dy; the integrand is
    exp(2 log f(y) - y^2), integrated over y = x - t/(1-t), t in [0, 1)."""
    from scipy.special import logsumexp
    t = 0.5 * (_NODES + 1.0)
    y = x - t / (1.0 - t)
    log_integrand = 2 * _log_f(y) - y * y - 2 * np.log1p(-t)
    return logsumexp(log_integrand, b=0.5 * _WEIGHTS)
