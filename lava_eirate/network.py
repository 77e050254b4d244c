"""Connectivity and E/I weight builders. All return ``W[post, pre]``; every random draw
goes through the ``numpy.random.Generator`` passed in."""
from __future__ import annotations

import numpy as np

from . import _validate as V


def _generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")


def tutorial_gaussian_weights(shape_exc: int, shape_inh: int, q_factor: float, g_factor: float,
                              rng) -> np.ndarray:
    """The Lava E/I tutorial's Gaussian E/I weights, drawn from ``rng``.

    ``W ~ N(0, J)`` with standard deviation ``J = q_factor**2 * 6 / N``; negative entries
    in excitatory columns and positive ones in inhibitory columns are set to zero, and
    inhibitory columns are multiplied by ``g_factor`` (Lava tutorial 02,
    ``EINetwork.generate_gaussian_weights``). The tutorial's critical network uses
    ``q_factor = sqrt(N / 6)``, i.e. ``J = 1``.
    """
    n_e = V.as_count("shape_exc", shape_exc, lo=0)
    n_i = V.as_count("shape_inh", shape_inh, lo=0)
    n = n_e + n_i
    if n < 1:
        raise ValueError("shape_exc + shape_inh must be >= 1")
    q = float(V.float_param("q_factor", q_factor, 0.0))
    g = float(V.float_param("g_factor", g_factor, 0.0))
    rng = _generator(rng)
    std = q ** 2 * 6.0 / n
    w = rng.normal(0.0, std, (n, n))
    exc = w[:, :n_e]
    exc[exc < 0] = 0.0
    inh = w[:, n_e:]
    inh[inh > 0] = 0.0
    inh *= g
    return w


def tutorial_networks(seed: int = 1234, n: int = 400, exc_fraction: float = 0.8) -> dict:
    """The tutorial's two rate networks: ``{"balanced": params, "critical": params}``.

    Both: 80% excitatory, dr 0.01, bias 0.1, g_factor 4.5; q_factor 1 (balanced) and
    sqrt(n / 6) (critical). Each params dict holds shape_exc, shape_inh, dr_exc, dr_inh,
    bias_exc, bias_inh, g_factor, q_factor and weights (drawn from ``default_rng(seed)``).
    """
    n_e = int(n * exc_fraction)
    n_i = n - n_e
    nets = {}
    for k, (name, q) in enumerate((("balanced", 1.0), ("critical", float(np.sqrt(n / 6.0))))):
        rng = np.random.default_rng([seed, k])
        nets[name] = dict(shape_exc=n_e, shape_inh=n_i, dr_exc=0.01, dr_inh=0.01,
                          bias_exc=0.1, bias_inh=0.1, g_factor=4.5, q_factor=q,
                          weights=tutorial_gaussian_weights(n_e, n_i, q, 4.5, rng))
    return nets
