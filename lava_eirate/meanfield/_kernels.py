"""numba kernels of the mean-field module (plain arrays and scalars in, arrays out).

The linear response of a LIF neuron at angular frequency omega needs the parabolic
cylinder function Psi(z, x) = exp(x^2/4) U(z, -x), z = -1/2 + i omega tau_m, at the
scaled threshold and reset (Schuecker et al. 2015, Eq. 20; Lindner & Schimansky-Geier
2001). Up to the factor Gamma(z + 1/2), which cancels in every ratio used,

    F(x) = Integral_0^inf t^(s-1) exp(-t^2/2 + x t) dt,   s = z + 1/2,

(DLMF 12.5.1) with F' = Gamma(s) dPsi/dx and F'' = x F' + s F. F is the solution of that
ODE which stays algebraic (~ |x|^-s) as x -> -inf; it is the dominant one for increasing
x (the other one, ~ exp(x^2/2), falls there), so integrating forward is stable. We
integrate the Riccati equation of the log-derivative r = F'/F,

    r' = x r + s - r^2,        (log F)' = r,

from far below the reset, where r is the root (x + sqrt(x^2 + 4 s))/2 of the
frozen-coefficient problem; a start error decays like exp(-Integral Re sqrt(x^2 + 4s) dx)
(below exp(-50) over the margin used). Unlike a series for U at complex order, this has
no cancellation at high omega tau_m (where Gamma(s) ~ exp(-pi omega tau_m / 2)).
"""
from __future__ import annotations

import numba as nb
import numpy as np

#: start of the integration: this far (in x units) below min(x_reset, 0)
X_MARGIN = 10.0
RTOL = 1e-12

# Dormand & Prince (1980) 5(4) tableau
_C = (0.2, 0.3, 0.8, 8.0 / 9.0, 1.0)
_B5 = (35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0)
_B4 = (5179.0 / 57600.0, 0.0, 7571.0 / 16695.0, 393.0 / 640.0, -92097.0 / 339200.0,
       187.0 / 2100.0, 1.0 / 40.0)
_E = tuple(b5 - b4 for b5, b4 in zip(_B5, _B4))


@nb.njit(cache=True, inline="always")
def _f(x, r, s):
    return x * r + s - r * r


@nb.njit(cache=True)
def _riccati_segment(x, x_end, r, s):
    """Integrate r' = x r + s - r^2 and L' = r from x to x_end (adaptive Dormand-Prince
    5(4), relative tolerance RTOL). Returns (r(x_end), L(x_end) - L(x))."""
    c2, c3, c4, c5 = _C[0], _C[1], _C[2], _C[3]
    e1, e3, e4, e5, e6, e7 = _E[0], _E[2], _E[3], _E[4], _E[5], _E[6]
    b1, b3, b4, b5, b6 = _B5[0], _B5[2], _B5[3], _B5[4], _B5[5]
    big = abs(x) + np.sqrt(abs(4.0 * s)) + 1.0
    h = min(0.1, 0.5 / big)
    L = 0.0 + 0.0j
    k1 = _f(x, r, s)
    while x < x_end:
        if x + h > x_end:
            h = x_end - x
        # stage values of r (L' = r uses the same ones)
        r2 = r + h * (0.2 * k1)
        k2 = _f(x + c2 * h, r2, s)
        r3 = r + h * (3.0 / 40.0 * k1 + 9.0 / 40.0 * k2)
        k3 = _f(x + c3 * h, r3, s)
        r4 = r + h * (44.0 / 45.0 * k1 - 56.0 / 15.0 * k2 + 32.0 / 9.0 * k3)
        k4 = _f(x + c4 * h, r4, s)
        r5 = r + h * (19372.0 / 6561.0 * k1 - 25360.0 / 2187.0 * k2 + 64448.0 / 6561.0 * k3
                      - 212.0 / 729.0 * k4)
        k5 = _f(x + c5 * h, r5, s)
        r6 = r + h * (9017.0 / 3168.0 * k1 - 355.0 / 33.0 * k2 + 46732.0 / 5247.0 * k3
                      + 49.0 / 176.0 * k4 - 5103.0 / 18656.0 * k5)
        k6 = _f(x + h, r6, s)
        r_new = r + h * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6)
        k7 = _f(x + h, r_new, s)
        dL = h * (b1 * r + b3 * r3 + b4 * r4 + b5 * r5 + b6 * r6)
        err_r = h * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7)
        err_L = h * (e1 * r + e3 * r3 + e4 * r4 + e5 * r5 + e6 * r6 + e7 * r_new)
        # relative control on both: r ~ s/|x| and L ~ s are tiny at low omega
        scale_r = RTOL * max(abs(r), abs(r_new), 1e-300)
        scale_L = RTOL * max(abs(L + dL), 1e-300)
        err = max(abs(err_r) / scale_r, abs(err_L) / scale_L)
        if err <= 1.0 or h < 1e-12:
            x += h
            r = r_new
            L += dL
            k1 = k7
            fac = 5.0 if err == 0.0 else min(5.0, 0.9 * err ** -0.2)
        else:
            fac = max(0.2, 0.9 * err ** -0.2)
        h *= fac
    return r, L


@nb.njit(cache=True, inline="always")
def _cexpm1(z):
    """exp(z) - 1 for complex z, without cancellation near 0."""
    sb = np.sin(0.5 * z.imag)
    return np.expm1(z.real) * np.cos(z.imag) - 2.0 * sb * sb + 1j * np.exp(z.real) * np.sin(z.imag)


@nb.njit(cache=True)
def psi_log_derivatives(x_r, x_t, s):
    """For each element: (r(x_r), r(x_t), 1 / (F(x_t)/F(x_r) - 1)) with r = F'/F, F as in
    the module docstring, s = i omega tau_m (Re s >= 0, s != 0). Arrays of equal length;
    the last is 0 where F(x_t)/F(x_r) overflows."""
    n = x_r.size
    r_r = np.empty(n, np.complex128)
    r_t = np.empty(n, np.complex128)
    inv_m1 = np.empty(n, np.complex128)
    for i in range(n):
        si = s[i]
        x0 = min(x_r[i], 0.0) - X_MARGIN
        r0 = 0.5 * (x0 + np.sqrt(x0 * x0 + 4.0 * si))
        ra, _ = _riccati_segment(x0, x_r[i], r0, si)
        rb, dL = _riccati_segment(x_r[i], x_t[i], ra, si)
        if dL.real > 0.0:      # 1/(e^dL - 1) = e^-dL / (1 - e^-dL), no overflow
            inv = np.exp(-dL) / (-_cexpm1(-dL))
        else:
            inv = 1.0 / _cexpm1(dL)
        r_r[i], r_t[i], inv_m1[i] = ra, rb, inv
    return r_r, r_t, inv_m1


@nb.njit(cache=True)
def euler_lif_chunk(v, ref, noise, t0, dt, tau_m, tau_r, v_th, v_reset, mu, sigma, eps, omega, counts):
    """Advance n white-noise LIF neurons by noise.shape[0] Euler-Maruyama steps of dt:
    dV = (mu + eps cos(omega t) - V) dt / tau_m + sigma sqrt(dt / tau_m) xi (Var V = sigma^2/2),
    spike at V >= v_th, V = v_reset, silent for tau_r. ``noise`` (steps, n) standard
    normal draws; v, ref updated in place; counts[k] = spikes in step t0 + k."""
    sq = sigma * np.sqrt(dt / tau_m)
    for k in range(noise.shape[0]):
        m = mu + eps * np.cos(omega * (t0 + k) * dt)
        c = 0
        for i in range(v.size):
            if ref[i] > 0.0:
                ref[i] -= dt
                continue
            v[i] += dt * (m - v[i]) / tau_m + sq * noise[k, i]
            if v[i] >= v_th:
                v[i] = v_reset
                ref[i] = tau_r
                c += 1
        counts[k] = c
