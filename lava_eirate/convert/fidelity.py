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
from functools import partial

import numpy as np

from .. import _validate as V
from ..analysis import ratio_of_means


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
        r, se = ratio_of_means(a, b)
        return r - 1.0, se

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


def ensemble_fidelity(lif_params: dict, fixed_params, scale, *, num_steps: int = 1000,
                      realizations: int = 30, seed: int = 0, window: int = 25, max_lag: int = 100,
                      offset: int = 200, progress: bool | None = None, processes: int = 1,
                      client=None) -> Fidelity:
    """Run the float LIF network (``lif_params``) and its fixed-point version from the same
    ``realizations`` initial conditions -- realization 0 from rest, the others from
    membrane potentials drawn uniformly in [0, vth) by ``numpy.random.default_rng(seed)``
    (u = 0) -- and collect rates and auto-covariances.

    The fixed-point version is either ``fixed_params`` (``float_to_fixed`` output) with
    its voltage ``scale`` (a float), or a fixed-point :class:`~lava_eirate.Network` with
    populations "exc" and "inh" (``float_to_fixed_network`` output) with ``scale`` the
    report's per-population ``{"exc": S_e, "inh": S_i}``; the float network is then run as
    the same two populations (``ei_float_network``); rounding neurons
    (``net.rounding_neurons``) start at rest and are left out of the statistics.

    ``processes`` > 1 or a ``dask.distributed.Client`` (``client``) run the realizations
    in parallel through :func:`lava_eirate.sweep` (in chunks); every initial condition is
    drawn here first, so the result is identical to the sequential one.
    """
    from ..params import EILIFParams
    from ..parallel import sweep

    R = V.as_count("realizations", realizations)
    num_steps = V.as_count("num_steps", num_steps)
    processes = V.as_count("processes", processes)
    offset, max_lag = V.as_count("offset", offset, lo=0), V.as_count("max_lag", max_lag, lo=0)
    if num_steps - 2 * offset <= max_lag:
        raise ValueError(f"num_steps = {num_steps} leaves {num_steps - 2 * offset} steps after dropping offset = "
                         f"{offset} at both ends; the auto-covariance up to max_lag = {max_lag} needs more "
                         f"(num_steps > 2 offset + max_lag)")
    pf = EILIFParams(**{k: v for k, v in lif_params.items() if k not in ("g_factor", "q_factor")})
    neurons_f, _ = pf.require("float")
    spec = (lif_params, fixed_params, scale, num_steps, window, max_lag, offset)
    _runners(spec)       # validates here, before any worker starts
    vth = np.broadcast_to(np.asarray(neurons_f.vth, float), (pf.n,))
    rng = np.random.default_rng(seed)
    v0s = [np.zeros(pf.n) if r == 0 else rng.uniform(0.0, 1.0, pf.n) * vth for r in range(R)]
    parallel = client is not None or processes > 1
    # chunks: two per worker (each ships the networks once and builds its runners once);
    # sequentially ~10 realizations each, so that the progress bar moves
    workers = processes if client is None else max(sum(client.nthreads().values()), 1)
    parts = np.array_split(np.arange(R), min(R, 2 * workers) if parallel else -(-R // 10))
    chunks = [[v0s[r] for r in part] for part in parts if part.size]
    results = sweep(partial(_realizations, spec), chunks, client, processes=processes if parallel else 1,
                    progress=progress)
    stats = [row for chunk in results for row in chunk]
    rate_f, rate_x, c0_f, c0_x = (np.array([row[k] for row in stats]) for k in range(4))
    lags = stats[0][4]
    acov_f = sum(row[5] for row in stats) / R
    acov_x = sum(row[6] for row in stats) / R
    return Fidelity(rate_f, rate_x, c0_f, c0_x, lags, acov_f, acov_x, num_steps)


def _runners(spec):
    from ..engine import Network
    from ..params import EILIFParams
    lif_params, fixed, scale, num_steps = spec[:4]
    pf = EILIFParams(**{k: v for k, v in lif_params.items() if k not in ("g_factor", "q_factor")})
    if isinstance(fixed, Network):
        return _network_runners(lif_params, fixed, scale, pf, num_steps)
    return _population_runners(pf, fixed, scale, num_steps)


def _realizations(spec, v0s):
    """(rate_float, rate_fixed, c0_float, c0_fixed, lags, acov_float, acov_fixed) of each
    initial condition in ``v0s`` (a picklable unit of work for :func:`sweep`)."""
    from .. import analysis as A
    window, max_lag, offset = spec[4:]
    run_float, run_fixed = _runners(spec)
    out = []
    for v0 in v0s:
        sf, sx = run_float(v0), run_fixed(v0)
        lags, cf = A.auto_covariance(A.box_rates(sf, window), max_lag=max_lag, offset=offset)
        _, cx = A.auto_covariance(A.box_rates(sx, window), max_lag=max_lag, offset=offset)
        out.append((float(sf.mean()), float(sx.mean()), float(cf[max_lag]), float(cx[max_lag]), lags, cf, cx))
    return out


def _population_runners(pf, fixed_params, scale, num_steps):
    """(v0 -> spikes) of the one-population float and fixed networks."""
    from ..params import EILIFParams
    from ..simulators import simulate_fixed, simulate_float
    scale = float(V.float_param("scale", scale, 0.0))
    if scale <= 0:
        raise ValueError(f"scale = {scale} must be positive")
    px = EILIFParams(**fixed_params)
    if pf.n != px.n:
        raise ValueError(f"lif_params has {pf.n} neurons, fixed_params {px.n}")
    neurons_f, syn_f = pf.require("float")
    neurons_x, syn_x = px.require("fixed")
    return (lambda v0: simulate_float(neurons_f, syn_f, num_steps, v0=v0, record=("s",)).s,
            lambda v0: simulate_fixed(neurons_x, syn_x, num_steps, v0=np.rint(v0 * scale).astype(np.int64),
                                      record=("s",)).s)


def _network_runners(lif_params, fixed_net, scales, pf, num_steps):
    """(v0 -> spikes, exc then inh) of the float E/I network and a fixed-point Network."""
    from ..engine import simulate
    from .network_fixed import ei_float_network
    fnet = ei_float_network(lif_params)
    pops = list(fnet.populations)
    extra = {p: int(p in getattr(fixed_net, "rounding_neurons", {})) for p in pops}
    if fixed_net.family != "fixed" or list(fixed_net.populations) != pops or \
            any(fixed_net.populations[p].n != fnet.populations[p].n + extra[p] for p in pops):
        raise ValueError(f"the fixed network must be fixed-point with populations {pops} of the float "
                         f"network's sizes (float_to_fixed_network output); got {fixed_net!r}")
    if not isinstance(scales, dict) or set(scales) != set(pops):
        raise ValueError(f"scale must be {{population: scale}} for {pops} (the report's .scales), got {scales!r}")
    scales = {p: float(V.float_param(f"scale[{p!r}]", scales[p], 0.0)) for p in pops}
    bounds = {"exc": (0, pf.n_e), "inh": (pf.n_e, pf.n)}
    rec = {p: "s" for p in pops}

    def run(net, v0, to_fixed):
        if to_fixed:      # rounding neurons (last, if any) start at rest
            init = {p: {"v": np.append(np.rint(v0[slice(*bounds[p])] * scales[p]), [0] * extra[p]).astype(np.int64)}
                    for p in pops}
        else:
            init = {p: {"v": v0[slice(*bounds[p])]} for p in pops}
        tr = simulate(net, num_steps, record=rec, init=init)
        return np.concatenate([tr[p].s[:, :fnet.populations[p].n] for p in pops], axis=1)

    return (lambda v0: run(fnet, v0, False), lambda v0: run(fixed_net, v0, True))
