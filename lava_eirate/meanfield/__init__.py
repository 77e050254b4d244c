"""Mean-field theory of LIF networks: stationary rates, self-consistency, linear response.

Pure functions on arrays do the math (``_siegert``); the functions here validate
arguments and broadcast. Units are free as long as they are consistent (s, V, Hz; or
Lava's steps, voltage units and spikes per step). See :func:`lava_lif_theory` for the
mapping from a Lava LIF (du, dv, vth, bias, weights) onto the theory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from . import _siegert as S
from . import _transfer as T
from ._siegert import ALPHA_FB

__all__ = ["MeanFieldValidityWarning", "Stability", "ei_stability", "auto_covariance_prediction", "siegert_rate", "mean_input", "std_input", "firing_rates",
           "rate_response_coefficients", "transfer_function", "fit_transfer_function",
           "LowPassFit", "simulate_diffusion_lif", "cv_isi", "lava_lif_theory", "predict_ei_rates", "ALPHA_FB"]


def _arr(name, x, lo=-np.inf, hi=np.inf, lo_open=False):
    a = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(a)):
        label, val = V._where(name, a, ~np.isfinite(a))
        raise ValueError(f"{label} = {val} must be finite")
    bad = (a <= lo) if lo_open else (a < lo)
    if np.any(bad | (a > hi)):
        val = a[np.asarray(bad | (a > hi))].flat[0] if a.ndim else a.item()
        rng = f"({lo}, {hi}]" if lo_open else f"[{lo}, {hi}]"
        raise ValueError(f"{name} = {val} is out of range {rng}")
    return a


def _neuron_args(tau_m, tau_r, v_th, v_reset, tau_s=0.0):
    tau_m = _arr("tau_m", tau_m, 0.0, lo_open=True)
    tau_r = _arr("tau_r", tau_r, 0.0)
    tau_s = _arr("tau_s", tau_s, 0.0)
    v_th, v_reset = _arr("v_th", v_th), _arr("v_reset", v_reset)
    if np.any(v_th <= v_reset):
        raise ValueError(f"v_th must exceed v_reset; got v_th={v_th}, v_reset={v_reset}")
    return tau_m, tau_r, v_th, v_reset, tau_s


def _broadcast(**arrays):
    try:
        return np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = {k: np.shape(v) for k, v in arrays.items()}
        raise ValueError(f"shapes do not broadcast: {shapes}") from None


#: Largest sqrt(tau_s/tau_m) at which the first-order "taylor" rate is offered.
TAYLOR_MAX_K = 0.5


def siegert_rate(mu, sigma, *, tau_m, tau_r, v_th, v_reset, tau_s=0.0, method="shift"):
    """Stationary firing rate of a LIF neuron whose input has mean ``mu`` and standard
    deviation ``sigma`` (diffusion approximation; ``sigma`` in the convention
    Var(V) = sigma^2 / 2 of Brunel 2000).

    ``tau_s == 0``: delta synapses, the Siegert formula. ``tau_s > 0``: exponential
    synapses, by the Fourcaud-Brunel shift of threshold and reset by
    ``sigma * sqrt(2)|zeta(1/2)|/2 * sqrt(tau_s/tau_m)`` (``method="shift"``) or by its
    first-order Taylor expansion (``method="taylor"``). Vectorised; numerically stable
    for any ``|y|`` (no overflow, no cancellation). ``sigma == 0`` gives the deterministic
    rate.
    """
    if method not in ("shift", "taylor"):
        raise ValueError(f"method={method!r}; legal values: 'shift', 'taylor'")
    tau_m, tau_r, v_th, v_reset, tau_s = _neuron_args(tau_m, tau_r, v_th, v_reset, tau_s)
    mu = _arr("mu", mu)
    sigma = _arr("sigma", sigma, 0.0)
    _broadcast(mu=mu, sigma=sigma, tau_m=tau_m, tau_r=tau_r, v_th=v_th, v_reset=v_reset, tau_s=tau_s)
    if method == "taylor":
        k = float(np.max(np.sqrt(tau_s / tau_m)))
        if k > TAYLOR_MAX_K:
            raise ValueError(f"method='taylor' at sqrt(tau_s/tau_m) = {k:.3g}: the first-order expansion "
                             f"needs sqrt(tau_s/tau_m) << 1 (here at most {TAYLOR_MAX_K}); use method='shift'")
    out = S._firing_rates(mu, sigma, tau_m, tau_r, v_th, v_reset, tau_s, method)
    if method == "taylor" and np.any(out < 0):
        import warnings
        warnings.warn(f"method='taylor' gives {int(np.count_nonzero(out < 0))} negative rate(s) (down to "
                      f"{np.min(out):.3g}): the first-order correction overshoots where the rate is near 0",
                      RuntimeWarning, stacklevel=2)
    return out.item() if np.ndim(out) == 0 else out


def _input_args(nu, J, K, tau_m, J_ext, K_ext, nu_ext):
    nu = _arr("nu", nu, 0.0)
    J, K = np.atleast_2d(_arr("J", J)), np.atleast_2d(_arr("K", K, 0.0))
    if J.shape != K.shape or J.shape[1] != nu.shape[-1]:
        raise ValueError(f"J {J.shape}, K {K.shape} and nu {nu.shape} must be (P, P), (P, P), (P,)")
    J_ext, K_ext = _arr("J_ext", J_ext), _arr("K_ext", K_ext, 0.0)
    nu_ext = _arr("nu_ext", nu_ext, 0.0)
    return nu, J, K, _arr("tau_m", tau_m, 0.0, lo_open=True), J_ext, K_ext, nu_ext


def _ext_term(K_ext, J_ext, nu_ext, power, P):
    prod = np.asarray(K_ext * J_ext ** power, float)
    if prod.ndim == 2:
        return prod @ np.atleast_1d(nu_ext)
    return np.broadcast_to(prod * nu_ext, (P,)) if prod.ndim <= 1 else prod


def _mean_input(nu, J, K, tau_m, J_ext=0.0, K_ext=0.0, nu_ext=0.0):
    """mu = tau_m (K * J) nu + tau_m (K_ext * J_ext) nu_ext (Fourcaud & Brunel 2002, Eq. 3.4)."""
    P = J.shape[0]
    return tau_m * ((K * J) @ nu + _ext_term(K_ext, J_ext, nu_ext, 1, P))


def _std_input(nu, J, K, tau_m, J_ext=0.0, K_ext=0.0, nu_ext=0.0):
    """sigma = sqrt(tau_m (K * J^2) nu + tau_m (K_ext * J_ext^2) nu_ext)."""
    P = J.shape[0]
    return np.sqrt(tau_m * ((K * J ** 2) @ nu + _ext_term(K_ext, J_ext, nu_ext, 2, P)))


def _population_inputs(KJ, KJ2, ext_mu, ext_var, tau_m):
    """``inputs(nu) -> (mu, sigma)`` for a (P,) or batch (B, P) of rates (clipped at 0):
    ``mu = tau_m (KJ nu + ext_mu)``, ``sigma = sqrt(tau_m (KJ2 nu + ext_var))``, with
    ``KJ = K * J`` and ``KJ2 = K * J**2`` (J[a, b] from population b to a)."""
    def inputs(nu):
        nu = np.maximum(nu, 0.0)
        mu = tau_m * (nu @ KJ.T + ext_mu)
        sigma = np.sqrt(np.maximum(tau_m * (nu @ KJ2.T + ext_var), 0.0))
        return mu, sigma
    return inputs


def mean_input(nu, *, J, K, tau_m, J_ext=0, K_ext=0, nu_ext=0):
    """Mean input per population; J, K (P, P) with J[a, b] the weight from b to a;
    external populations: K_ext, J_ext (P, E) with nu_ext (E,), or per-population
    scalars/arrays (P,)."""
    return _mean_input(*_input_args(nu, J, K, tau_m, J_ext, K_ext, nu_ext))


def std_input(nu, *, J, K, tau_m, J_ext=0, K_ext=0, nu_ext=0):
    """Standard deviation of the input per population (same arguments as mean_input)."""
    return _std_input(*_input_args(nu, J, K, tau_m, J_ext, K_ext, nu_ext))


def firing_rates(*, J, K, tau_m, tau_r, v_th, v_reset, J_ext=0, K_ext=0, nu_ext=0, tau_s=0.0,
                 method="ode", nu0=None, synapse_method="shift", tol=1e-10, max_iter=200,
                 t_span=20.0, on_unstable="warn"):
    """Self-consistent stationary rates ``nu = Phi(mu(nu), sigma(nu))`` per population.

    ``J`` (P, P) synaptic weights (V, or any voltage unit), ``K`` (P, P) in-degrees,
    ``J_ext``/``K_ext``/``nu_ext`` (scalars or (P,)) external Poisson input, ``tau_m``,
    ``tau_r``, ``tau_s`` in s (or steps), ``v_th``, ``v_reset`` in the unit of J. Returns
    the rates, shape (P,), in 1/unit of time (Hz for seconds). ``method="ode"``: relax ``d nu / ds = Phi(nu) - nu`` from ``nu0`` (default 0) to a
    stable fixed point by pseudo-transient continuation (:func:`_relax`: it follows the
    ODE for small pseudo-time steps and turns into Newton's method as the residual
    falls), stopping at ``max |Phi(nu) - nu| <= tol max|nu|``. ``method="lstsq"``: bounded least squares
    on ``Phi(nu) - nu`` (``nu >= 0``), which also finds unstable fixed points given a
    good ``nu0``. Raises RuntimeError naming the method and the residual on failure.

    The result's linear stability is checked on the population level: where ``max Re
    eig(dPhi/dnu - I) >= 0`` the fixed point is not a state the network stays in, and
    ``on_unstable`` decides: "warn" (default, :class:`MeanFieldValidityWarning`), "raise"
    (RuntimeError) or "ignore". (Random connectivity can destabilise a population-stable
    fixed point; :func:`ei_stability` checks the neuron-level spectrum of E/I networks.)
    """
    import scipy.optimize as sopt

    tau_m, tau_r, v_th, v_reset, tau_s = _neuron_args(tau_m, tau_r, v_th, v_reset, tau_s)
    J, K = np.atleast_2d(_arr("J", J)), np.atleast_2d(_arr("K", K, 0.0))
    if J.shape != K.shape or J.shape[0] != J.shape[1]:
        raise ValueError(f"J and K must be square (P, P) and equal in shape; got {J.shape}, {K.shape}")
    P = J.shape[0]
    J_ext, K_ext, nu_ext = _arr("J_ext", J_ext), _arr("K_ext", K_ext, 0.0), _arr("nu_ext", nu_ext, 0.0)
    nu0 = np.zeros(P) if nu0 is None else np.broadcast_to(_arr("nu0", nu0, 0.0), (P,)).astype(float)

    inputs = _population_inputs(K * J, K * J ** 2, _ext_term(K_ext, J_ext, nu_ext, 1, P),
                                _ext_term(K_ext, J_ext, nu_ext, 2, P), tau_m)

    def phi(nu):
        """Phi for one (P,) or a batch (B, P) of rate vectors."""
        return S._firing_rates(*inputs(nu), tau_m, tau_r, v_th, v_reset, tau_s, synapse_method)

    def residual(nu):
        return phi(nu) - nu

    if on_unstable not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_unstable={on_unstable!r}; legal values: 'warn', 'raise', 'ignore'")
    if method == "ode":
        nu, res = _relax(phi, nu0, tol, max_iter, t_span)
        if res > max(1e-8, 1e3 * tol * max(1.0, np.max(np.abs(nu)))):
            raise RuntimeError(f"firing_rates(method='ode') did not converge: "
                               f"max |Phi(nu) - nu| = {res:.3e} at nu = {nu}")
    elif method == "lstsq":
        sol = sopt.least_squares(residual, nu0, bounds=(0, np.inf), xtol=1e-15, ftol=1e-15, gtol=1e-15)
        nu = sol.x
        res = np.max(np.abs(residual(nu)))
        if res > max(1e-7, 1e-9 * np.max(np.abs(nu))):
            raise RuntimeError(f"firing_rates(method='lstsq') ended in a local minimum: "
                               f"max |Phi(nu) - nu| = {res:.3e} at nu = {nu}")
    else:
        raise ValueError(f"method={method!r}; legal values: 'ode', 'lstsq'")
    if on_unstable != "ignore":
        eps = 1e-7 * np.maximum(np.abs(nu), 1e-3)
        jac = (phi(nu + np.diag(eps)) - phi(nu)).T / eps          # jac[:, k] = dPhi / dnu_k
        if np.all(np.isfinite(jac)):
            abscissa = float(np.max(np.linalg.eigvals(jac - np.eye(P)).real))
            if abscissa >= 0:
                _on_unstable(on_unstable, f"firing_rates: the fixed point nu = {nu} is linearly unstable: "
                                          f"max Re eig(dPhi/dnu - I) = {abscissa:+.3g} >= 0; it is not a state "
                                          f"the network stays in")
    return nu


def _relax(phi, nu0, tol, max_iter, t_span):
    """Relax d nu/ds = Phi(nu) - nu to a stable fixed point by pseudo-transient
    continuation: backward-Euler steps (I/h - DF) delta = F with the pseudo-time step h
    grown as the residual falls (switched evolution relaxation, Mulder & van Leer 1985)
    and kept below 0.5/lambda where DF has growing directions (lambda > 0).
    Small h follows the ODE trajectory from nu0; large h is Newton's method. DF comes
    from one batched evaluation of Phi per step. Returns (nu, max |F(nu)|)."""
    nu = np.array(nu0, float)
    P = nu.size
    h = 0.5
    F = phi(nu) - nu
    res = np.max(np.abs(F))
    if not np.isfinite(res):
        return nu, np.inf
    steps = 0
    budget = max(int(max_iter), 1) * 100
    s_total = 0.0
    while res > max(tol * np.max(np.abs(nu)), 1e-15) and steps < budget:
        steps += 1
        eps = 1e-7 * np.maximum(np.abs(nu), 1e-3)
        batch = nu + np.diag(eps)
        jac = ((phi(batch) - batch) - F).T / eps      # jac[:, k] = dF / dnu_k
        if not np.all(np.isfinite(jac)):
            break     # Phi overflows here: the rates run away, there is no fixed point ahead
        lam = float(np.max(np.linalg.eigvals(jac).real))
        if lam > 0:   # locally unstable (growing) direction: backward Euler needs h lam < 1
            h = min(h, 0.5 / lam)
        try:
            delta = np.linalg.solve(np.eye(P) / h - jac, F)
        except np.linalg.LinAlgError:
            h *= 0.25
            continue
        trial = np.maximum(nu + delta, 0.0)
        F_trial = phi(trial) - trial
        res_trial = np.max(np.abs(F_trial))
        if not np.isfinite(res_trial):
            h *= 0.25
            if h < 1e-12:
                break
            continue
        if res_trial < res:
            s_total += h
            h = min(h * min(res / max(res_trial, 1e-300), 10.0), 1e12)
            nu, F, res = trial, F_trial, res_trial
        elif h <= 0.05:
            # small steps follow the ODE even where its residual grows for a while
            s_total += h
            h *= 1.5
            nu, F, res = trial, F_trial, res_trial
        else:
            h *= 0.25
        if s_total > t_span * max_iter and h < 1.0:
            break
    return nu, res


def rate_response_coefficients(mu, sigma, *, tau_m, tau_s, tau_r, v_th, v_reset):
    """(alpha, beta) of the effective-weight expansion: the change of the output rate per
    unit input spike rate through a synapse of weight J is ``alpha J + beta J**2``
    (Helias et al. 2013, Eq. A.3; Grytskyy et al. 2013), at the working point
    (mu, sigma), with Fourcaud-Brunel shifted bounds for ``tau_s > 0``."""
    tau_m, tau_r, v_th, v_reset, tau_s = _neuron_args(tau_m, tau_r, v_th, v_reset, tau_s)
    mu = _arr("mu", mu)
    sigma = _arr("sigma", sigma, 0.0, lo_open=True)
    _broadcast(mu=mu, sigma=sigma, tau_m=tau_m)
    return S._rate_response_coefficients(mu, sigma, tau_m, tau_s, tau_r, v_th, v_reset)


def transfer_function(mu, sigma, omega, *, tau_m, tau_s, tau_r, v_th, v_reset, method="shift",
                      synaptic_filter=True):
    """Linear rate response of LIF neurons to a sinusoidal modulation of the mean input,
    d nu(omega) / d mu(omega), at angular frequencies ``omega`` (rad per time unit):
    complex array of shape ``omega.shape + broadcast(mu, sigma, ...).shape``.

    Schuecker et al. (2015): ``method="shift"`` (Eq. 30, Fourcaud-Brunel shifted threshold
    and reset) or ``"taylor"`` (Eq. 29, first order in sqrt(tau_s/tau_m)); ``tau_s = 0`` is
    the white-noise response (Brunel & Hakim 1999). At omega = 0 it is d nu/d mu of
    :func:`siegert_rate` with the same method. ``synaptic_filter`` adds the factor
    1/(1 + i omega tau_s) (modulation of the synaptic input rather than of the filtered
    current). Negative omega gives the complex conjugate. The parabolic cylinder functions
    are evaluated by integrating their ODE (see ``_kernels``): no cancellation at large
    omega tau_m, no series in complex order. Their cost grows with
    ``(|v_reset - mu| / sigma)^2``: beyond 1414 sigma (near-deterministic firing) a ValueError says so rather
    than running for minutes.
    """
    if method not in ("shift", "taylor"):
        raise ValueError(f"method={method!r}; legal values: 'shift', 'taylor'")
    tau_m, tau_r, v_th, v_reset, tau_s = _neuron_args(tau_m, tau_r, v_th, v_reset, tau_s)
    mu = _arr("mu", mu)
    sigma = _arr("sigma", sigma, 0.0, lo_open=True)
    omega = _arr("omega", omega)
    _broadcast(mu=mu, sigma=sigma, tau_m=tau_m, tau_r=tau_r, v_th=v_th, v_reset=v_reset, tau_s=tau_s)
    return T._transfer_function(mu, sigma, omega, tau_m, tau_s, tau_r, v_th, v_reset, method,
                                synaptic_filter)


@dataclass(frozen=True)
class LowPassFit:
    """Low-pass rate model fitted to LIF transfer functions (Senk et al. 2020, Sec. F):
    per population, H(omega) ~ h0 / (1 + i omega tau_rate).

    ``W_rate[a, b] = h0[a] tau_m[a] J[a, b] K[a, b]``: the dimensionless weights of the
    matching rate model (None when J and K were not given); ``fit_error``: combined
    relative standard error of (tau_rate, h0); ``rel_rms``: RMS of ``|H_fit - H| / |H|`` over
    the fitted frequencies, phase included."""
    tau_rate: np.ndarray
    h0: np.ndarray
    fit_error: np.ndarray
    rel_rms: np.ndarray
    W_rate: np.ndarray | None = None

    def __call__(self, omega):
        """The fitted transfer function at ``omega``: (len(omega), P) complex."""
        return T._low_pass(np.asarray(omega, float)[:, None], self.tau_rate, self.h0)


def fit_transfer_function(H, omega, *, tau_m=None, J=None, K=None) -> LowPassFit:
    """Fit a first-order low-pass h0 / (1 + i omega tau) to the magnitude of each column
    of ``H`` (n_omega, P), e.g. from :func:`transfer_function` (Senk et al. 2020, Sec. F).
    With ``tau_m``, ``J`` and ``K`` (P, P) the rate model's weight matrix is returned too.
    """
    omega = _arr("omega", omega)
    H = np.asarray(H, complex)
    if H.ndim == 1:
        H = H[:, None]
    if H.ndim != 2 or H.shape[0] != omega.size:
        raise ValueError(f"H must be (len(omega), P) = ({omega.size}, P); got {H.shape}")
    if omega.size < 3:
        raise ValueError(f"need at least 3 frequencies for a 2-parameter fit; got {omega.size}")
    if not np.all(np.isfinite(H)) or np.any(H == 0):
        raise ValueError("H must be finite and nonzero at every frequency")
    want_w = J is not None or K is not None or tau_m is not None
    if want_w:
        P = H.shape[1]
        if J is None or K is None or tau_m is None:
            raise ValueError("W_rate needs all of tau_m, J and K")
        J, K = np.atleast_2d(_arr("J", J)), np.atleast_2d(_arr("K", K, 0.0))
        tau_m = _arr("tau_m", tau_m, 0.0, lo_open=True)
        if J.shape != (P, P) or K.shape != J.shape:
            raise ValueError(f"J and K must be ({P}, {P}); got {J.shape}, {K.shape}")
    tau, h0, err, rms = T._fit_low_pass(H, omega)
    W = (h0 * np.broadcast_to(tau_m, h0.shape))[:, None] * J * K if want_w else None
    return LowPassFit(tau, h0, err, rms, W)


def simulate_diffusion_lif(mu, sigma, *, tau_m, tau_r, v_th, v_reset, n, duration, dt, rng,
                           eps=0.0, omega=0.0, chunk=2000, progress=None):
    """Population rate of ``n`` LIF neurons under the diffusion approximation the theory
    assumes (white noise, Euler-Maruyama with step ``dt``): the reference against which
    :func:`siegert_rate` and :func:`transfer_function` are checked. The mean input may be
    modulated, mu + eps cos(omega t). Start: V ~ U[v_reset, v_th). Noise from ``rng``
    (numpy Generator), drawn ``chunk`` steps at a time. Returns the rate per step
    (spikes / (n dt)), one value per step. The Euler scheme misses crossings between
    steps: rates come out low by O(sqrt(dt / tau_m)) (a few % at dt = tau_m / 500).
    """
    from ._kernels import euler_lif_chunk
    from .._progress import Progress

    tau_m, tau_r, v_th, v_reset, _ = _neuron_args(tau_m, tau_r, v_th, v_reset)
    sigma = float(_arr("sigma", sigma, 0.0))
    mu, eps, omega = float(_arr("mu", mu)), float(_arr("eps", eps)), float(_arr("omega", omega))
    dt = float(_arr("dt", dt, 0.0, float(tau_m) / 10, lo_open=True))
    V.generator(rng)
    n = V.as_count("n", n)
    steps = int(round(float(duration) / dt))
    if steps < 1:
        raise ValueError(f"duration = {duration} is shorter than dt = {dt}")
    v = rng.uniform(float(v_reset), float(v_th), n)
    ref = np.zeros(n)
    counts = np.zeros(steps)
    with Progress(steps, "diffusion LIF", enabled=progress) as bar:
        for t0 in range(0, steps, chunk):
            k = min(chunk, steps - t0)
            euler_lif_chunk(v, ref, rng.standard_normal((k, n)), t0, dt, float(tau_m), float(tau_r),
                            float(v_th), float(v_reset), mu, sigma, eps, omega, counts[t0:t0 + k])
            bar.update(k)
    return counts / (n * dt)


def cv_isi(mu, sigma, *, tau_m, tau_r, v_th, v_reset):
    """Coefficient of variation of the inter-spike intervals (Brunel 2000, Eq. A.23)."""
    tau_m, tau_r, v_th, v_reset, _ = _neuron_args(tau_m, tau_r, v_th, v_reset)
    mu = _arr("mu", mu)
    sigma = _arr("sigma", sigma, 0.0, lo_open=True)
    return S._cv_isi(mu, sigma, tau_m, tau_r, v_th, v_reset)


def lava_lif_theory(*, du, dv, vth):
    """Map a Lava float LIF (per-step du, dv, threshold vth, reset 0, no refractory
    period) onto the theory, in step units: the per-step decays ``(1 - d)^t = exp(-t/tau)``
    give ``tau_m = -1/log(1 - dv)`` and ``tau_s = -1/log(1 - du)`` steps (``tau_s = 0``
    when du = 1), ``v_th = vth``, ``v_reset = 0``, ``tau_r = 0``.

    A spike through weight ``w`` adds ``w`` to u, which feeds v a total of ``w / du``;
    a bias b adds ``b`` to v each step. The discrete membrane passes a constant drive d
    per step to a stationary v = d / dv, where the continuous one reaches tau_m d: inputs
    are scaled by ``drive_gain = 1 / (dv tau_m)`` (1.005 at dv = 0.01; it moves predicted
    rates by ~1% in the mean-driven regime), so the equivalent voltage jump is
    ``J = drive_gain * w / du`` and the bias adds ``tau_m * drive_gain * b`` to the mean
    input. Rates are in spikes per step.
    """
    du = _arr("du", du, 0.0, 1.0, lo_open=True)
    dv = _arr("dv", dv, 0.0, 1.0, lo_open=True)
    with np.errstate(divide="ignore"):
        tau_s = np.where(du < 1.0, -1.0 / np.log1p(-np.minimum(du, 0.5 + 0.5 * du)), 0.0)
        tau_m = np.where(dv < 1.0, -1.0 / np.log1p(-np.minimum(dv, 0.5 + 0.5 * dv)), 0.0)
    if np.any(tau_m <= 0):
        raise ValueError("dv = 1 leaves no membrane memory (tau_m = 0); the diffusion theory needs dv < 1")
    return dict(tau_m=tau_m, tau_s=tau_s, tau_r=0.0, v_th=_arr("vth", vth, 0.0, lo_open=True),
                v_reset=0.0, drive_gain=1.0 / (dv * tau_m))


def ei_couplings(weights, n_exc: int, n_inh: int):
    """Per population pair (target a, source b): mean in-degree K[a, b], mean nonzero
    weight J[a, b] and mean squared nonzero weight J2[a, b] of ``weights`` W[post, pre]."""
    w = _arr("weights", weights.toarray() if hasattr(weights, "toarray") else weights)
    pops = [slice(0, n_exc), slice(n_exc, n_exc + n_inh)]
    K, J, J2 = np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2))
    for a, sa in enumerate(pops):
        for b, sb in enumerate(pops):
            blk = w[sa, sb]
            nz = blk[blk != 0]
            K[a, b] = nz.size / max(blk.shape[0], 1)
            if nz.size:
                J[a, b], J2[a, b] = nz.mean(), np.mean(nz ** 2)
    return K, J, J2


class MeanFieldValidityWarning(RuntimeWarning):
    """The mean-field fixed point returned is not a state the network stays in."""


def _on_unstable(what: str, message: str):
    import warnings
    if what == "raise":
        raise RuntimeError(message)
    if what == "warn":
        warnings.warn(message, MeanFieldValidityWarning, stacklevel=3)
    elif what != "ignore":
        raise ValueError(f"on_unstable={what!r}; legal values: 'warn', 'raise', 'ignore'")


def _ei_theory(p):
    """The mean-field pieces of a float E/I LIF network given as converter parameters:
    (phi, inputs, theory, K, J, J2, weights, n_e, n_i, vth) in step units."""
    w = _arr("weights", p["weights"].toarray() if hasattr(p["weights"], "toarray") else p["weights"])
    n_e, n_i = int(p["shape_exc"]), int(p["shape_inh"])
    du = np.array([np.mean(p["du_exc"]), np.mean(p["du_inh"])], float)
    dv = np.array([np.mean(p["dv_exc"]), np.mean(p["dv_inh"])], float)
    vth = np.array([np.mean(p["vth_exc"]), np.mean(p["vth_inh"])], float)
    bias = np.array([np.mean(p["bias_mant_exc"]), np.mean(p["bias_mant_inh"])], float)
    K, Jm, J2 = ei_couplings(w, n_e, n_i)
    theory = lava_lif_theory(du=du, dv=dv, vth=vth)
    tau_m, gain = theory["tau_m"], theory["drive_gain"]
    J = gain[:, None] * Jm / du[:, None]
    J2 = (gain[:, None] / du[:, None]) ** 2 * J2
    inputs = _population_inputs(K * J, K * J2, gain * bias, 0.0, tau_m)   # sigma from E[J^2]

    def phi(nu):
        return S._firing_rates(*inputs(nu), tau_m, 0.0, vth, 0.0, theory["tau_s"], "shift")

    return phi, inputs, theory, K, J, J2, w, n_e, n_i, vth, du


@dataclass
class Stability:
    """Linear stability of a mean-field fixed point of an E/I LIF network.

    ``rates`` (nu_exc, nu_inh) spikes per step; ``alpha``, ``beta`` per population (the
    rate response, :func:`rate_response_coefficients`); ``population_eigenvalues``: of the
    population-averaged effective connectivity ``K (alpha J + beta J**2)``;
    ``eigenvalues``: of the neuron-level effective connectivity ``W_ij = alpha J_ij +
    beta J_ij**2`` (the linearised rate dynamics ``dr = -r + W r``, Grytskyy et al. 2013);
    ``spectral_abscissa``: ``max Re eig(W - I)``: the fixed point is linearly stable
    where it is < 0; at >= 0 the asynchronous state the theory describes does not exist
    (the network fluctuates away from it: oscillations, or chaos where the random bulk
    of radius ``bulk_radius`` crosses 1).
    """

    rates: tuple
    alpha: np.ndarray
    beta: np.ndarray
    population_eigenvalues: np.ndarray
    eigenvalues: np.ndarray
    spectral_abscissa: float
    bulk_radius: float

    @property
    def stable(self) -> bool:
        return self.spectral_abscissa < 0

    def __str__(self):
        return (f"mean-field rates {self.rates[0]:.4g}, {self.rates[1]:.4g} spikes/step; spectral abscissa of the "
                f"effective connectivity minus 1: {self.spectral_abscissa:+.3f} ({'stable' if self.stable else 'UNSTABLE'}); "
                f"bulk radius {self.bulk_radius:.3f}; population eigenvalues "
                + ", ".join(f"{z:.3f}" for z in self.population_eigenvalues))


def _ei_fixed_point(theory, nu0=None) -> np.ndarray:
    """The self-consistent rates of an :func:`_ei_theory` network, relaxed from ``nu0`` (0)."""
    nu, res = _relax(theory[0], np.zeros(2) if nu0 is None else np.asarray(nu0, float), 1e-10, 1, 200.0)
    if not res <= 1e-6:
        raise RuntimeError(f"predict_ei_rates: no self-consistent rates, max |Phi(nu) - nu| = {res:.2e}")
    return nu


def _ei_linearised(theory, nu):
    """At rates ``nu``: (alpha, beta) per population, the population of each neuron, the
    neuron-level effective connectivity ``W = alpha J + beta J**2`` (N, N) and its
    population average ``K (alpha J + beta J**2)`` (2, 2)."""
    phi, inputs, th, K, J, J2, w, n_e, n_i, vth, du = theory
    mu, sigma = inputs(nu)
    alpha, beta = S._rate_response_coefficients(mu, sigma, th["tau_m"], th["tau_s"], 0.0, vth, 0.0)
    pop = np.r_[np.zeros(n_e, int), np.ones(n_i, int)]
    Jij = th["drive_gain"][pop][:, None] * w / du[pop][:, None]
    W = alpha[pop][:, None] * Jij + beta[pop][:, None] * Jij ** 2
    return alpha, beta, pop, W, K * (alpha[:, None] * J + beta[:, None] * J2)


def _stability(nu, alpha, beta, eigenvalues, W_pop) -> Stability:
    ev = np.asarray(eigenvalues)
    return Stability((float(nu[0]), float(nu[1])), alpha, beta, np.linalg.eigvals(W_pop), ev,
                     float(ev.real.max() - 1.0), float(np.abs(ev).max()))


def _ei_rates(theory, rates):
    if rates is None:
        return _ei_fixed_point(theory)
    nu = _arr("rates", rates, 0.0)
    if nu.shape != (2,):
        raise ValueError(f"rates must be (nu_exc, nu_inh), got shape {nu.shape}")
    return nu


def ei_stability(lif_params: dict, rates=None) -> Stability:
    """Linear stability (:class:`Stability`) of the mean-field fixed point ``rates``
    (default: :func:`predict_ei_rates`) of the float E/I LIF network ``lif_params``.
    The neuron-level spectrum is computed in full (an N x N eigenvalue problem: ~0.1 s at
    N = 400, seconds at N = 2000)."""
    theory = _ei_theory(lif_params)
    nu = _ei_rates(theory, rates)
    alpha, beta, _, W, W_pop = _ei_linearised(theory, nu)
    return _stability(nu, alpha, beta, np.linalg.eigvals(W), W_pop)


def predict_ei_rates(*, shape_exc, shape_inh, weights, du_exc, dv_exc, vth_exc, bias_mant_exc,
                     du_inh, dv_inh, vth_inh, bias_mant_inh, nu0=None, on_unstable="warn", **unused):
    """Mean-field rates (spikes per step) of a float E/I LIF network given as
    EILIFNetwork / converter parameters: ``(nu_exc, nu_inh)``.

    In-degrees K and weights are taken per population pair from ``weights`` (J = mean
    nonzero weight / du of the target; sigma uses the mean squared weight), the biases
    enter the mean input as an external drive of ``tau_m * bias``.

    The fixed point's linear stability is checked (:func:`ei_stability`): where the
    spectral abscissa of the effective connectivity minus 1 is >= 0 the rates are not
    the network's state, and ``on_unstable`` decides: "warn" (default,
    :class:`MeanFieldValidityWarning` naming the quantity), "raise" (RuntimeError) or
    "ignore".
    """
    params = dict(shape_exc=shape_exc, shape_inh=shape_inh, weights=weights, du_exc=du_exc, dv_exc=dv_exc,
                  vth_exc=vth_exc, bias_mant_exc=bias_mant_exc, du_inh=du_inh, dv_inh=dv_inh, vth_inh=vth_inh,
                  bias_mant_inh=bias_mant_inh)
    if on_unstable not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_unstable={on_unstable!r}; legal values: 'warn', 'raise', 'ignore'")
    theory = _ei_theory(params)
    nu = _ei_fixed_point(theory, nu0)
    if on_unstable != "ignore":
        alpha, beta, _, W, W_pop = _ei_linearised(theory, nu)
        st = _stability(nu, alpha, beta, np.linalg.eigvals(W), W_pop)
        if not st.stable:
            _on_unstable(on_unstable, f"predict_ei_rates: the fixed point nu = ({nu[0]:.4g}, {nu[1]:.4g}) spikes/step "
                                      f"is linearly unstable: spectral abscissa of the effective connectivity "
                                      f"minus 1 = {st.spectral_abscissa:+.3f} >= 0 (bulk radius "
                                      f"{st.bulk_radius:.3f}); the network is not in the asynchronous state the "
                                      f"theory describes, and these are not its rates")
    return float(nu[0]), float(nu[1])


def auto_covariance_prediction(lif_params: dict, max_lag: int, *, window: int = 25, rates=None,
                               num_freq: int = 4096, on_unstable: str = "raise"):
    """The normalised population auto-covariance of an E/I LIF network that linear-response
    theory predicts: ``(lags, c)`` for lags ``-max_lag..max_lag`` with ``c(0) = 1``, in the
    Lava tutorial's definition (``lava_eirate.analysis.auto_covariance`` of
    ``box_rates(spikes, window)``, divided by its value at lag 0).

    How (Grytskyy et al. 2013; steps as the unit of time):

    * working point: the mean-field rates (:func:`predict_ei_rates`, or ``rates``), the
      input mean and std of each population, and its rate response ``alpha``, ``beta``;
    * effective connectivity ``W_ij = alpha J_ij + beta J_ij**2`` of the neurons
      (``J = drive_gain w / du``, :func:`lava_lif_theory`);
    * rate response in time: a first-order low-pass fitted to the LIF transfer function
      at the working point (:func:`transfer_function`, :func:`fit_transfer_function`),
      the population mean of its time constant, times the one-step synaptic delay;
    * noise: each neuron's spike train as a renewal process on integer steps with gamma
      inter-spike intervals of the mean-field rate and the CV of :func:`cv_isi` (a
      Poisson noise would miss the regular, mean-driven firing of the balanced network);
    * the cross-spectrum ``(I - H W)^-1 D (I - H W)^-H``, box-filtered, reduced to the
      tutorial's population measure and transformed back (``num_freq``-point grid).

    It holds where the fixed point is stable; where :func:`ei_stability` finds it unstable
    (the critical network), ``on_unstable`` decides: "raise" (default, RuntimeError),
    "warn" (:class:`MeanFieldValidityWarning`, and the formula's value) or "ignore".
    """
    from . import _covariance as C
    max_lag = V.as_count("max_lag", max_lag, lo=0)
    window = V.as_count("window", window)
    num_freq = V.as_count("num_freq", num_freq, lo=8)
    if num_freq < 2 * max_lag + 2 * window:
        raise ValueError(f"num_freq = {num_freq} is out of range: must be >= 2 (max_lag + window) = "
                         f"{2 * (max_lag + window)} (the grid is circular)")
    if on_unstable not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_unstable={on_unstable!r}; legal values: 'warn', 'raise', 'ignore'")
    model = _ei_theory(lif_params)
    inputs, theory, vth = model[1], model[2], model[9]
    nu = _ei_rates(model, rates)
    alpha, beta, pop, W, W_pop = _ei_linearised(model, nu)
    eig = np.linalg.eig(W)                            # once: for the stability and the spectra
    st = _stability(nu, alpha, beta, eig[0], W_pop)
    if not st.stable:
        _on_unstable(on_unstable, f"auto_covariance_prediction: the working point is linearly unstable "
                                  f"(spectral abscissa of the effective connectivity minus 1 = "
                                  f"{st.spectral_abscissa:+.3f} >= 0): linear-response theory does not "
                                  f"describe this network's correlations")
    if np.any(nu <= 0):
        raise ValueError(f"the working point's rates {nu} are not positive: a silent population has no "
                         f"spike-train covariance to predict")
    mu, sigma = inputs(nu)
    omega = np.geomspace(1e-3, np.pi, 60)
    Hlif = transfer_function(mu, sigma, omega, tau_m=theory["tau_m"], tau_s=theory["tau_s"], tau_r=0.0, v_th=vth,
                             v_reset=0.0)
    tau_rate = float(np.mean(fit_transfer_function(Hlif, omega).tau_rate))
    a = np.exp(-1.0 / tau_rate)
    z = np.exp(-1j * 2 * np.pi * np.arange(num_freq // 2 + 1) / num_freq)
    H = (1.0 - a) / (1.0 - a * z) * z                 # discrete low-pass, unit gain, one-step delay
    cv = np.asarray(S._cv_isi(mu, sigma, theory["tau_m"], 0.0, vth, 0.0), float)
    D = np.stack([C.discrete_gamma_spectrum(float(nu[k]), float(cv[k]), num_freq) for k in range(2)], axis=1)
    c = C.population_auto_covariance(W, pop, H, D, window, num_freq, eig=eig)
    lags = np.arange(-max_lag, max_lag + 1)
    out = c[lags % num_freq]
    return lags, out / out[max_lag]
