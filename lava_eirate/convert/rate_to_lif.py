"""Rate E/I network -> float LIF E/I network (EILIFNetwork keyword arguments).

``method="lava_compat"`` reproduces the Lava E/I tutorial's ``convert_params.py``
arithmetic, its defects included, so the tutorial's users can switch without a change of
behaviour. ``method="theory"`` (default) does the mapping the tutorial intends
(Grytskyy et al. 2013: match the LIF network's effective coupling ``alpha J + beta J^2``
at its own working point to the rate network's mean excitatory weight), correcting it:

1. Fourcaud-Brunel shift constant ``sqrt(2)|zeta(1/2)|/2`` (the tutorial uses
   ``scipy.special.zetac`` = zeta - 1, i.e. 1.7397 instead of 1.0326);
2. a standard deviation with tau_m, ``sqrt(tau_m K J^2 nu)`` (the tutorial uses a
   variance without tau_m);
3. gamma = N_inh / N_exc where the formulas need it (the tutorial uses N_exc / N_inh);
4. the output-rate prefactor ``(tau_m nu)^2`` of alpha and beta (the tutorial uses
   ``(mean * dv * 0.01)^2``);
5. each population's own du (the tutorial passes du_inh where du_exc is meant);
6. solver failure is reported (a RuntimeWarning and ``diagnostics``) instead of silently
   keeping the start value;
7. zero or negative biases are handled (the tutorial divides by them).

The working point comes from :mod:`lava_eirate.meanfield` with the Lava LIF mapped onto
the theory by :func:`lava_eirate.meanfield.lava_lif_theory`.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _validate as V


class LIFParams(dict):
    """EILIFNetwork keyword arguments; ``.diagnostics`` says how they were obtained."""

    diagnostics: dict


def _rate_inputs(shape_exc, dr_exc, bias_exc, shape_inh, dr_inh, bias_inh, g_factor, weights):
    n_e = V.as_count("shape_exc", shape_exc)
    n_i = V.as_count("shape_inh", shape_inh)
    w = np.asarray(weights.toarray() if hasattr(weights, "toarray") else weights, float)
    if w.shape != (n_e + n_i, n_e + n_i):
        raise ValueError(f"weights have shape {w.shape}; expected ({n_e + n_i}, {n_e + n_i})")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights contain non-finite values")
    dr_e = float(V.float_param("dr_exc", dr_exc, 0.0, 1.0))
    dr_i = float(V.float_param("dr_inh", dr_inh, 0.0, 1.0))
    if dr_e <= 0 or dr_i <= 0:
        raise ValueError(f"dr_exc and dr_inh must be in (0, 1]; got {dr_e}, {dr_i}")
    return (n_e, n_i, w, dr_e, dr_i, float(V.float_param("bias_exc", bias_exc)),
            float(V.float_param("bias_inh", bias_inh)), float(V.float_param("g_factor", g_factor, 0.0)))


def convert_rate_to_lif_params(shape_exc, dr_exc, bias_exc, shape_inh, dr_inh, bias_inh,
                               g_factor, q_factor, weights, method="theory", **_rate_only):
    """Float LIF parameters (EILIFNetwork keyword arguments) for a rate E/I network.

    Parameters
    ----------
    shape_exc, shape_inh : population sizes n_e, n_i (n = n_e + n_i).
    dr_exc, dr_inh : rate decay per step in (0, 1] (scalars).
    bias_exc, bias_inh : rate biases per step (scalars or (n_e,), (n_i,)).
    g_factor, q_factor : the tutorial's inhibition ratio and weight scale (information).
    weights : (n, n) rate weights ``W[post, pre]`` (columns 0..n_e-1 excitatory).
    method : "theory" (Grytskyy et al. 2013 on lava_eirate.meanfield) or "lava_compat"
        (the tutorial's convert_params.py, defects included).

    The rate network's parameters are named as ``network.tutorial_networks()`` returns them.

    Returns
    -------
    LIFParams, a dict: ``shape_exc``, ``shape_inh``, ``weights`` (n, n) float LIF weights
    (u increment per presynaptic spike, in units of vth), ``du_*``, ``dv_*`` per step in
    (0, 1], ``vth_*`` (= 1), ``bias_mant_*`` (v increment per step), ``g_factor``,
    ``q_factor``; and ``.diagnostics`` (method, weight_scale, converged, residual,
    working point). Both methods set dv = dr, du = 7 dr, vth = 1 per population and a
    suprathreshold bias ``5 vth dv`` scaled by the ratio of the rate biases; they differ in
    the weight scale (module docstring). Extra rate-network keys (e.g. ``state``) are
    ignored.
    """
    n_e, n_i, w, dr_e, dr_i, b_e, b_i, g = _rate_inputs(shape_exc, dr_exc, bias_exc, shape_inh,
                                                         dr_inh, bias_inh, g_factor, weights)
    if method == "lava_compat":
        out, diag = _lava_compat(n_e, n_i, w, dr_e, dr_i, b_e, b_i, g)
    elif method == "theory":
        out, diag = _theory(n_e, n_i, w, dr_e, dr_i, b_e, b_i, g)
    else:
        raise ValueError(f"method={method!r}; legal values: 'theory', 'lava_compat'")
    out["g_factor"] = g_factor
    out["q_factor"] = q_factor
    res = LIFParams(out)
    res.diagnostics = diag
    return res


def _lava_compat(n_e, n_i, w, dr_e, dr_i, b_e, b_i, g):
    """The tutorial's convert_params.py, operation for operation (defects included)."""
    from scipy.optimize import fsolve
    from scipy.special import erf, zetac

    gamma = float(n_e) / float(n_i)
    if not gamma * g > 1:
        raise ValueError(f"network not balanced: (N_exc/N_inh) * g_factor = {gamma * g} must exceed 1")
    dv_e, du_e, dv_i, du_i = 1 * dr_e, 7 * dr_e, 1 * dr_i, 7 * dr_i
    vth = 1
    if b_e == 0 or b_i == 0:
        raise ValueError("lava_compat divides by the rate biases (as the tutorial does): bias_exc "
                         f"and bias_inh must be nonzero, got {b_e}, {b_i}; use method='theory'")
    if b_e >= b_i:
        rel_ei, rel_ie = b_e / b_i, 1
    else:
        rel_ie, rel_ei = b_i / b_e, 1
    bias_e = 5 * vth * dv_e * rel_ei
    bias_i = 5 * vth * dv_i * rel_ie
    mean_exc_weight = np.mean(w[:, :n_e])
    bias = (bias_e / dv_e + bias_i / dv_i) / 2
    rate = (bias - vth) / (gamma * g - 1)
    shift = np.sqrt(2) * np.abs(zetac(0.5)) * np.sqrt(dv_e / du_i) / 2

    def f(y):
        return np.exp(y ** 2) * (1 + erf(y))

    def func(weight):
        mean = n_e * (1 - gamma * g) * weight * rate + bias
        std = n_e * (1 + gamma * g ** 2) * weight ** 2 * rate
        y_th = (vth - mean) / std
        y_th += shift
        y_r = (-1 * mean) / std
        y_r += shift
        alpha = np.sqrt(np.pi) * (mean * dv_e * 0.01) ** 2
        alpha *= 1 / std
        alpha *= (f(y_th) - f(y_r))
        beta = np.sqrt(np.pi) * (mean * dv_e * 0.01) ** 2
        beta *= 1 / (2 * std ** 2)
        beta *= (f(y_th) * (vth - mean) / std - f(y_r) * (-1 * mean) / std)
        return mean_exc_weight - alpha * weight - beta * weight ** 2

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "", RuntimeWarning)
        sol, info, ier, msg = fsolve(func, mean_exc_weight, full_output=True)
    weight_scale = sol[0] / mean_exc_weight
    w_out = w.copy()
    if weight_scale > 0:
        w_out *= weight_scale
    w_out[:, :n_e] *= du_e
    w_out[:, n_e:] *= du_i
    out = dict(shape_exc=n_e, vth_exc=vth, du_exc=du_e, dv_exc=dv_e, bias_mant_exc=bias_e,
               shape_inh=n_i, vth_inh=vth, du_inh=du_i, dv_inh=dv_i, bias_mant_inh=bias_i,
               weights=w_out)
    diag = dict(method="lava_compat", weight_scale=float(weight_scale), converged=bool(ier == 1),
                residual=float(np.abs(info["fvec"]).max()), message=str(msg))
    return out, diag


def _theory(n_e, n_i, w, dr_e, dr_i, b_e, b_i, g):
    from scipy.optimize import brentq

    from .. import meanfield as mf
    from ..meanfield import _siegert as S

    dv = np.array([dr_e, dr_i])
    du = np.minimum(7 * dv, 1.0)
    vth = 1.0
    b_max = max(b_e, b_i)
    if b_max <= 0:
        raise ValueError(f"bias_exc = {b_e} and bias_inh = {b_i}: with no positive bias the LIF "
                         f"network is silent and has no working point")
    # suprathreshold drive 5 vth dv for the larger bias, the other scaled by its ratio
    bias = 5 * vth * dv * np.array([b_e, b_i]) / b_max
    target = float(np.mean(w[:, :n_e]))
    theory = mf.lava_lif_theory(du=du, dv=dv, vth=vth)
    tau_m, tau_s, gain = theory["tau_m"], theory["tau_s"], theory["drive_gain"]
    K, Jm, J2 = mf.ei_couplings(w, n_e, n_i)

    last = {"nu": np.zeros(2)}

    def settled(nu, res):
        return res <= 1e-5 * max(np.max(nu), 1e-12)

    def working_point(scale):
        # LIF weight w_lif = scale * w_rate * du (target du): voltage jump J = gain * scale * w_rate
        jump = gain[:, None] * scale       # per target row
        inputs = mf._population_inputs(K * jump * Jm, K * jump ** 2 * J2, gain * bias, 0.0, tau_m)

        def phi(x):
            return S._firing_rates(*inputs(x), tau_m, 0.0, vth, 0.0, tau_s, "shift")

        nu, res = mf._relax(phi, last["nu"], 1e-7, 1, 20.0)
        if not settled(nu, res):       # warm start failed: relax from rest
            nu, res = mf._relax(phi, np.zeros(2), 1e-7, 1, 20.0)
        last["nu"] = nu
        mu, sigma = inputs(nu)
        sigma = np.maximum(sigma, 1e-150)
        alpha, beta = S._rate_response_coefficients(mu, sigma, tau_m, tau_s, 0.0, vth, 0.0)
        J_e = gain[0] * scale * Jm[0, 0]
        mismatch = float(alpha[0] * J_e + beta[0] * J_e ** 2 - target)
        return nu, mu, sigma, alpha, beta, res, mismatch

    def mismatch(scale):
        nu, *_, res, value = working_point(scale)
        # no stationary working point at this scale (e.g. runaway excitation): no answer
        return value if settled(nu, res) else np.nan

    scales = np.geomspace(1e-3, 1e3, 25)
    vals = np.array([mismatch(s) for s in scales])
    with np.errstate(invalid="ignore"):
        sign = np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)
    converged = sign.size > 0
    if converged:
        k = sign[0]
        scale = brentq(mismatch, scales[k], scales[k + 1], xtol=1e-14, rtol=1e-12)
    else:
        scale = 1.0
        warnings.warn("convert_rate_to_lif_params(method='theory'): no LIF weight scale in "
                      "[1e-3, 1e3] matches the rate network's coupling (alpha J + beta J^2 = "
                      f"{target:.4g}); using scale 1 (see .diagnostics)", RuntimeWarning, stacklevel=3)
    nu, mu, sigma, alpha, beta, res, residual = working_point(scale)
    w_out = scale * w.copy()
    w_out[:n_e] *= du[0]          # J = w / du of the target (rows), as in lava_lif_theory
    w_out[n_e:] *= du[1]
    out = dict(shape_exc=n_e, vth_exc=vth, du_exc=float(du[0]), dv_exc=float(dv[0]),
               bias_mant_exc=float(bias[0]), shape_inh=n_i, vth_inh=vth, du_inh=float(du[1]),
               dv_inh=float(dv[1]), bias_mant_inh=float(bias[1]), weights=w_out)
    diag = dict(method="theory", weight_scale=float(scale), converged=bool(converged),
                residual=residual, target_coupling=target,
                rates_per_step=nu.tolist(), mu=mu.tolist(), sigma=sigma.tolist(),
                alpha=np.asarray(alpha).tolist(), beta=np.asarray(beta).tolist(),
                working_point_residual=float(res))
    # is the working point the network's state? (linear stability of the fixed point)
    st = mf.ei_stability(out, nu)
    diag.update(spectral_abscissa=st.spectral_abscissa, bulk_radius=st.bulk_radius, stable=st.stable)
    if not st.stable:
        warnings.warn(f"convert_rate_to_lif_params(method='theory'): the working point nu = ({nu[0]:.4g}, "
                      f"{nu[1]:.4g}) spikes/step is linearly unstable (spectral abscissa of the effective "
                      f"connectivity minus 1 = {st.spectral_abscissa:+.3f} >= 0, bulk radius "
                      f"{st.bulk_radius:.3f}): the LIF network is not in the asynchronous state the mapping "
                      f"assumes, so the mapping's rates and correlations do not apply (see .diagnostics)",
                      mf.MeanFieldValidityWarning, stacklevel=3)
    return out, diag
