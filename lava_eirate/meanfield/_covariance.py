"""Linear-response covariances of spiking networks (pure functions on arrays).

A spiking network near a stable stationary state behaves as a linear rate network driven
by the neurons' own spike-train noise (Grytskyy et al. 2013, "A unified view on weakly
correlated recurrent networks"; Lindner, Doiron & Longtin 2005): in the frequency domain

    s(w) = H(w) W s(w) + x(w),   C(w) = (I - H W)^-1 D(w) (I - H W)^-H,

with ``W`` the effective connectivity (``alpha J + beta J**2``: the output rate change
per input rate), ``H`` the normalised low-pass rate response times the synaptic delay,
and ``D(w)`` the diagonal spectrum of each neuron's spike train without the network's
feedback. Here everything is in discrete time (Lava steps).
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammainc


def discrete_gamma_spectrum(nu: float, cv: float, M: int) -> np.ndarray:
    """Power spectrum (per step, at w_j = 2 pi j / M, j = 0..M/2) of a stationary renewal
    spike train on integer steps whose inter-spike intervals follow a gamma law of mean
    ``1/nu`` steps and coefficient of variation ``cv``, binned to whole steps:
    ``S(w) = nu Re[(1 + F(w)) / (1 - F(w))]`` with F the ISI's characteristic function
    (Cox's renewal formula), ``S(0) = nu cv_d**2`` from the binned law's CV. Intervals are
    rounded to the nearest step (at least 1), which keeps their mean."""
    k_shape = 1.0 / cv ** 2
    theta = cv ** 2 / nu
    mean = 1.0 / nu
    kmax = int(np.ceil(mean + 40.0 * mean * cv + 10))
    edges = np.arange(kmax + 1, dtype=float) + 0.5
    cdf = gammainc(k_shape, edges / theta)
    pmf = np.diff(cdf)                             # P(ISI in (k - 1/2, k + 1/2]) -> ISI = k steps
    pmf[0] += cdf[0]                               # and everything below 1.5 -> 1 step
    pmf /= pmf.sum()
    steps = np.arange(1, kmax + 1)                 # pmf[j] is ISI = j + 1
    folded = np.zeros(M)
    np.add.at(folded, steps % M, pmf)              # F on the M-point grid: fold mod M
    F = np.fft.rfft(folded)
    m1 = float(np.sum(steps * pmf))
    var = float(np.sum(steps ** 2 * pmf)) - m1 ** 2
    nu_d = 1.0 / m1
    with np.errstate(divide="ignore", invalid="ignore"):
        S = nu_d * ((1.0 + F) / (1.0 - F)).real
    S[0] = nu_d * var / m1 ** 2                    # nu CV^2 (the limit w -> 0)
    return S


def population_auto_covariance(W, pop, H, D, window: int, M: int, eig=None) -> np.ndarray:
    """The Lava E/I tutorial's population auto-covariance (lags 0..M-1, circular):
    ``c(t) = (1/N) tr C(t) - (1/N**2) 1^T C(t) 1`` of ``window``-step box-binned spike
    trains, where C(w) = (I - H W)^-1 D (I - H W)^-H.

    W (N, N) effective connectivity; pop (N,) population index of each neuron;
    H (F,) rate response (normalised, delay included) on w_j = 2 pi j / M, F = M//2 + 1;
    D (F, P) spike spectrum per population; ``eig``: ``np.linalg.eig(W)`` if already
    computed. One eigendecomposition of W, then O(P N**2) per frequency (matrix products)."""
    N = W.shape[0]
    lam, V = np.linalg.eig(W) if eig is None else eig
    Vi = np.linalg.inv(V)
    A = V.conj().T @ V                              # V^H V
    u = V.T @ np.ones(N)                            # (1^T V)^T
    g = 1.0 / (1.0 - H[:, None] * lam[None, :])     # (F, N): (I - H W)^-1 in W's eigenbasis
    wk = 2 * np.pi * np.arange(H.size) / M
    B = np.abs(np.exp(-1j * np.outer(wk, np.arange(window))).sum(axis=1)) ** 2
    tr = np.zeros(H.size)
    ones = np.zeros(H.size)
    ug = g * u[None, :]
    for p in range(D.shape[1]):
        Mp = (Vi * (pop == p)) @ Vi.conj().T        # V^-1 P_p V^-H
        # tr C = sum_kl A[l, k] g_k Mp[k, l] conj(g_l);  1^T C 1 = sum_kl ug_k Mp[k, l] conj(ug_l)
        tr += D[:, p] * np.einsum("fl,fl->f", g @ (Mp * A.T), g.conj()).real
        ones += D[:, p] * np.einsum("fl,fl->f", ug @ Mp, ug.conj()).real
    S = B * (tr / N - ones / N ** 2)
    return np.fft.irfft(S, n=M)
