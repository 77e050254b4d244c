"""What quantization does to a network's dynamics: float LIF vs its Loihi fixed-point twin.

A chaotic network (the Lava tutorial's critical network) cannot keep one trajectory
through quantization: any change of a parameter by 1e-3 gives a different spike train
after some tens of steps. What quantization must keep is the *statistics*: the
distribution of the mean rate and of the auto-covariance over realizations. For the
critical network the 1000-step mean rate of one run varies by 10-20% from one initial
condition to the next, so a single pair of runs cannot resolve a 5% effect;
:func:`ensemble_fidelity` compares the two networks over ``realizations`` runs that
start from the same random membrane potentials, and reports the ratios with their
standard errors next to that run-to-run spread.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V


@dataclass
class Fidelity:
    """Per-realization statistics (arrays of length R) and their ensemble comparison.

    ``rate_*``: mean spikes per neuron per step; ``c0_*``: the tutorial's auto-covariance
    at lag 0 of ``window``-step binned spikes; ``acov_*``: ensemble-mean auto-covariance
    curves over ``lags``. Realization 0 starts from rest (u = v = 0), as Lava does.
    """

    rate_float: np.ndarray
    rate_fixed: np.ndarray
    c0_float: np.ndarray
    c0_fixed: np.ndarray
    lags: np.ndarray
    acov_float: np.ndarray
    acov_fixed: np.ndarray
    num_steps: int

    @staticmethod
    def _ratio(a, b):
        """(mean(b)/mean(a) - 1, its standard error) for independent samples a, b."""
        ma, mb = a.mean(), b.mean()
        r = mb / ma
        n = a.size
        if n < 2:
            return r - 1.0, float("nan")
        se = r * np.sqrt(a.var(ddof=1) / (n * ma ** 2) + b.var(ddof=1) / (n * mb ** 2))
        return float(r - 1.0), float(se)

    @property
    def rate_change(self):
        """(relative change of the ensemble-mean rate, fixed vs float; its standard error)."""
        return self._ratio(self.rate_float, self.rate_fixed)

    @property
    def c0_change(self):
        """(relative change of the ensemble-mean c(0), fixed vs float; its standard error)."""
        return self._ratio(self.c0_float, self.c0_fixed)

    @property
    def rate_spread(self) -> float:
        """Run-to-run coefficient of variation of the float network's mean rate."""
        return float(self.rate_float.std(ddof=1) / self.rate_float.mean()) if self.rate_float.size > 1 else 0.0

    def summary(self) -> str:
        dr, se_r = self.rate_change
        dc, se_c = self.c0_change
        return (f"{self.rate_float.size} realizations x {self.num_steps} steps: "
                f"rate float {self.rate_float.mean():.4f}, fixed {self.rate_fixed.mean():.4f} "
                f"({dr:+.1%} +- {se_r:.1%}); c(0) float {self.c0_float.mean():.4g}, "
                f"fixed {self.c0_fixed.mean():.4g} ({dc:+.1%} +- {se_c:.1%}); "
                f"run-to-run spread of the float rate {self.rate_spread:.1%}")


def ensemble_fidelity(lif_params: dict, fixed_params: dict, scale: float, *, num_steps: int = 1000,
                      realizations: int = 30, seed: int = 0, window: int = 25, max_lag: int = 100,
                      offset: int = 200, progress: bool | None = None) -> Fidelity:
    """Run the float LIF network (``lif_params``) and its fixed-point version
    (``fixed_params``, at voltage ``scale`` as returned by ``float_to_fixed``) from the
    same ``realizations`` initial conditions -- realization 0 from rest, the others from
    membrane potentials drawn uniformly in [0, vth) by ``numpy.random.default_rng(seed)``
    (u = 0) -- and collect rates and auto-covariances."""
    from .. import analysis as A
    from .._progress import Progress
    from ..params import EILIFParams
    from ..simulators import simulate_fixed, simulate_float

    R = V.as_count("realizations", realizations)
    num_steps = V.as_count("num_steps", num_steps)
    scale = float(V.float_param("scale", scale, 0.0))
    if scale <= 0:
        raise ValueError(f"scale = {scale} must be positive")
    pf = EILIFParams(**lif_params)
    px = EILIFParams(**fixed_params)
    if pf.n != px.n:
        raise ValueError(f"lif_params has {pf.n} neurons, fixed_params {px.n}")
    neurons_f, syn_f = pf.require("float")
    neurons_x, syn_x = px.require("fixed")
    vth = np.broadcast_to(np.asarray(neurons_f.vth, float), (pf.n,))
    rng = np.random.default_rng(seed)
    rate_f, rate_x, c0_f, c0_x = (np.empty(R) for _ in range(4))
    acov_f = acov_x = 0.0
    lags = None
    with Progress(R, "realizations", enabled=progress) as bar:
        for r in range(R):
            v0 = np.zeros(pf.n) if r == 0 else rng.uniform(0.0, 1.0, pf.n) * vth
            trf = simulate_float(neurons_f, syn_f, num_steps, v0=v0, record=("s",))
            trx = simulate_fixed(neurons_x, syn_x, num_steps, v0=np.rint(v0 * scale).astype(np.int64),
                                 record=("s",))
            lags, cf = A.auto_covariance(A.box_rates(trf.s, window), max_lag=max_lag, offset=offset)
            _, cx = A.auto_covariance(A.box_rates(trx.s, window), max_lag=max_lag, offset=offset)
            rate_f[r], rate_x[r] = trf.s.mean(), trx.s.mean()
            c0_f[r], c0_x[r] = cf[max_lag], cx[max_lag]
            acov_f, acov_x = acov_f + cf / R, acov_x + cx / R
            bar.update(1)
    return Fidelity(rate_f, rate_x, c0_f, c0_x, lags, acov_f, acov_x, num_steps)
