"""Pure array functions for the linear response of LIF neurons to a modulation of the
mean input: the transfer function at zero and non-zero frequency and its low-pass fit.

Notation as in ``_siegert``: y = (V - mu) / sigma; the parabolic-cylinder argument of
Schuecker et al. (2015) is x = sqrt(2) y. Units: any consistent set (s, Hz and rad/s, or
steps, spikes per step and rad/step); the transfer function is in rate per unit of mu.
"""
from __future__ import annotations

import numpy as np

from . import _siegert as S
from ._kernels import psi_log_derivatives

_SQRT2 = float(np.sqrt(2.0))
#: largest |x| = sqrt(2) |v_reset - mu| / sigma integrated over (cost ~ x^2: ~0.1 s per
#: frequency at the limit)
X_REACH = 2000.0


def _dnu_dmu(y_th, y_r, nu, sigma, tau_m):
    """d nu / d mu of the Siegert rate at fixed sigma (Brunel & Hakim 1999):
    sqrt(pi) tau_m nu^2 [f(y_th) - f(y_r)] / sigma, f(y) = exp(y^2)(1 + erf y)."""
    f_th, f_r = S._nu2_f(y_th, y_r, nu)
    return np.sqrt(np.pi) * tau_m * (f_th - f_r) / sigma


def _dnu_dmu_taylor(y_th, y_r, nu0, sigma, tau_m, k):
    """d nu_T / d mu of the first-order (Taylor) colored-noise rate
    nu_T = nu0 - delta tau_m sqrt(pi) nu0^2 [f(y_th) - f(y_r)], delta = ALPHA_FB k / 2
    (Fourcaud & Brunel 2002), differentiated in closed form using f' = 2 y f + 2/sqrt(pi)."""
    delta = 0.5 * S.ALPHA_FB * k
    f_th, f_r = S._nu2_f(y_th, y_r, nu0)                     # nu0^2 f(y)
    d0 = np.sqrt(np.pi) * tau_m * (f_th - f_r) / sigma
    with np.errstate(divide="ignore", invalid="ignore"):
        nu_g = np.where(nu0 > 0, (f_th - f_r) / nu0, 0.0)   # nu0 [f(y_th) - f(y_r)]
    nu2_yg = y_th * f_th - y_r * f_r
    return d0 - delta * tau_m * np.sqrt(np.pi) * (2 * nu_g * d0 - 2 * nu2_yg / sigma)


def _transfer_function(mu, sigma, omega, tau_m, tau_s, tau_r, v_th, v_reset, method="shift",
                       synaptic_filter=True):
    """Rate response per unit modulation of the mean input at angular frequencies
    ``omega``; shape ``omega.shape + broadcast(mu, sigma, ...).shape`` (complex).

    ``method="shift"``: Schuecker et al. (2015), Eq. 30, with threshold and reset shifted
    as in the Fourcaud-Brunel rate,

        H(w) = sqrt(2)/sigma * nu / (1 + i w tau_m) * [Psi'(x_th) - Psi'(x_r)] / [Psi(x_th) - Psi(x_r)],

    ``method="taylor"``: the first-order expansion in sqrt(tau_s/tau_m) (Schuecker et al.
    2015, Eq. 29; Schuecker 2014, Eq. 93). At w = 0 both equal d nu / d mu of the matching
    stationary rate. ``synaptic_filter`` multiplies by 1/(1 + i w tau_s): the response to
    a modulation of the synaptic input current rather than of the filtered current.
    ``tau_s = 0`` gives the white-noise (delta synapse) response of Brunel & Hakim (1999).

    Refractoriness: the flux that leaves at threshold re-enters at reset tau_r later, so
    the reset terms carry exp(-i w tau_r) (as in Lindner & Schimansky-Geier 2001). With
    it the response tends to d nu/d mu (which contains tau_r) as w -> 0; Schuecker et al.
    (2015) and NNMT omit the factor (equal to this for tau_r = 0), which leaves a jump
    at w = 0 of relative size ~ nu tau_r.
    """
    omega = np.asarray(omega, float)
    arrays = np.broadcast_arrays(*(np.asarray(a, float) for a in
                                   (mu, sigma, tau_m, tau_s, tau_r, v_th, v_reset)))
    pop_shape = arrays[0].shape
    mu, sigma, tau_m, tau_s, tau_r, v_th, v_reset = (a.ravel() for a in arrays)
    k = np.sqrt(tau_s / tau_m)
    shift = 0.5 * S.ALPHA_FB * k if method == "shift" else np.zeros_like(k)
    y_th, y_r = S._bounds(mu, sigma, v_th, v_reset, shift)
    nu0 = S._siegert_from_bounds(y_th, y_r, tau_m, tau_r)      # delta rate at (shifted) bounds
    w = omega.ravel()[:, None]
    P = mu.size
    out = np.zeros((w.shape[0], P), complex)

    zero = (w[:, 0] == 0.0)
    if method == "shift":
        nu = nu0
        out[zero] = _dnu_dmu(y_th, y_r, nu0, sigma, tau_m)
    else:
        nu = S._firing_rates(mu, sigma, tau_m, tau_r, v_th, v_reset, tau_s, "taylor")
        out[zero] = _dnu_dmu_taylor(y_th, y_r, nu0, sigma, tau_m, k)

    wi, pi = np.nonzero(~zero[:, None] & (nu0 > 0)[None, :])
    far = np.flatnonzero((nu0 > 0) & (_SQRT2 * y_r < -X_REACH))
    if wi.size and far.size:
        j = far[0]
        raise ValueError(f"transfer_function: sigma = {sigma[j]:.4g} at mu = {mu[j]:.4g} puts the reset "
                         f"{abs(y_r[j]):.4g} sigma from the mean input; supported up to "
                         f"{X_REACH / _SQRT2:.0f} sigma (the cost grows with its square). In this "
                         f"near-deterministic regime raise sigma or use the zero-frequency response.")
    if wi.size:
        wabs = np.abs(w[wi, 0])
        x_t, x_r = _SQRT2 * y_th[pi], _SQRT2 * y_r[pi]
        s = 1j * wabs * tau_m[pi]
        r_r, r_t, inv = psi_log_derivatives(x_r, x_t, s)
        # reset terms carry the refractory delay: c = exp(-i w tau_r)
        c = np.exp(-1j * wabs * tau_r[pi])
        denom = 1.0 + (-np.expm1(-1j * wabs * tau_r[pi])) * inv
        frac = (r_t + (r_t - c * r_r) * inv) / denom          # [F'(x_t) - c F'(x_r)] / [F(x_t) - c F(x_r)]
        if method == "taylor":
            g_t, g_r = x_t * r_t + s, x_r * r_r + s             # F''/F = x r + s
            frac2 = (g_t + (g_t - c * g_r) * inv) / denom       # same with F''
            # A / tau_m with A = ALPHA_FB tau_m nu0 k / sqrt(2) (Schuecker 2014, Eq. 93)
            frac = frac + S.ALPHA_FB * k[pi] * nu0[pi] / (_SQRT2 * nu[pi]) * (frac2 - frac ** 2)
        h = _SQRT2 / sigma[pi] * nu[pi] / (1.0 + s) * frac
        out[wi, pi] = np.where(w[wi, 0] < 0, np.conj(h), h)
    if synaptic_filter:
        out = out / (1.0 + 1j * w * tau_s[None, :])
    return out.reshape(omega.shape + pop_shape)


def _low_pass(omega, tau, h0):
    return h0 / (1.0 + 1j * omega * tau)


def _fit_low_pass(H, omega):
    """Least-squares fit of |h0 / (1 + i w tau)| to |H| per population (columns of the
    (n_omega, P) array H), as in Senk et al. (2020), Sec. F. Returns (tau, h0, fit_error,
    rel_rms): fit_error is the combined relative standard error of (tau, h0) from the
    fit covariance; rel_rms the RMS of |H_fit - H| / |H| over frequencies (phase included).
    Started from the exact line fit of 1/|H|^2 = (1 + w^2 tau^2) / h0^2."""
    import scipy.optimize as sopt

    H = np.asarray(H, complex).reshape(len(omega), -1)
    omega = np.asarray(omega, float)
    P = H.shape[1]
    tau, h0, err, rms = (np.zeros(P) for _ in range(4))
    for p in range(P):
        mag = np.abs(H[:, p])
        # Two starts: the exact line fit of 1/|H|^2 against w^2, and the -3 dB point.
        slope, icpt = np.polyfit(omega ** 2, 1.0 / mag ** 2, 1)
        starts = []
        if icpt > 0 and slope > 0:
            starts.append((np.sqrt(slope / icpt), 1.0 / np.sqrt(icpt)))
        below = np.nonzero(mag < mag[0] / np.sqrt(2.0))[0]
        starts.append((1.0 / omega[below[0]] if below.size else 1.0 / omega[-1], mag[0]))
        best = None
        for t0, h_0 in starts:
            # log-parameters: positive by construction and on one scale (tau ~ 1e-2 s
            # beside h0 ~ 1e3 /s/V drove the bounded fit off to tau -> inf)
            try:
                popt, pcov = sopt.curve_fit(lambda w, lt, lh: np.abs(_low_pass(w, np.exp(lt), np.exp(lh))),
                                            omega, mag, p0=(np.log(t0), np.log(h_0)), maxfev=20000)
            except (RuntimeError, ValueError):
                continue
            resid = np.sum((np.abs(_low_pass(omega, *np.exp(popt))) - mag) ** 2)
            if np.all(np.isfinite(popt)) and (best is None or resid < best[0]):
                best = (resid, popt, pcov)
        if best is None:
            raise ValueError(f"the low-pass fit of population {p} did not converge")
        _, popt, pcov = best
        tau[p], h0[p] = np.exp(popt)
        if not (np.isfinite(tau[p]) and np.isfinite(h0[p])) or tau[p] * omega[0] > 1e3 \
                or tau[p] * omega[-1] < 1e-3:
            where = "below the lowest" if tau[p] * omega[0] > 1e3 else "above the highest"
            raise ValueError(f"the low-pass fit of population {p} failed: tau = {tau[p]:.3g} puts the "
                             f"cut-off far {where} frequency given (omega in [{omega[0]:.3g}, "
                             f"{omega[-1]:.3g}]); |H| is not a first-order low-pass on this range")
        se = np.sqrt(np.abs(np.diag(pcov)))   # log-parameters: standard errors are relative
        err[p] = np.hypot(se[0], se[1]) if np.all(np.isfinite(se)) else np.inf
        rms[p] = np.sqrt(np.mean(np.abs(_low_pass(omega, tau[p], h0[p]) - H[:, p]) ** 2 / mag ** 2))
    return tau, h0, err, rms
