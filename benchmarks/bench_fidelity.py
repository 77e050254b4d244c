"""Fidelity of the fixed-point network to the float LIF network (issue: converters).

For the Lava tutorial's balanced and critical networks (400 neurons, 1000 steps) and for
two pipelines -- the tutorial's (lava_compat conversion + its float->fixed mapping +
Lava's weight flooring) and lava_eirate's (theory conversion + float_to_fixed) -- prints
the single run from rest the tutorial shows, and the ensemble over R realizations
(random initial v) that can resolve a 5% effect, with the float network's run-to-run
spread; also the distance between the rate network's normalised auto-covariance and
the LIF networks' (correlation structure).

    python benchmarks/bench_fidelity.py [--realizations 60] [--out benchmarks/results/bench_fidelity.json]
"""
from __future__ import annotations

import argparse
import os
import warnings

import numpy as np

from lava_eirate import analysis as A
from lava_eirate.convert import (convert_rate_to_lif_params, ensemble_fidelity, float_to_fixed,
                                 tutorial_float_to_fixed)
from lava_eirate.network import tutorial_networks
from lava_eirate.simulators import simulate_rate

from _report import write_json

RATE_KEYS = ("shape_exc", "shape_inh", "weights", "dr_exc", "dr_inh", "bias_exc", "bias_inh")


def _normalised(c):
    return c / c[c.size // 2]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realizations", type=int, default=60)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1234, help="seed of the tutorial networks")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_fidelity.json"))
    args = ap.parse_args(argv)
    T, rows = args.steps, []
    for net in ("balanced", "critical"):
        rate = tutorial_networks(seed=args.seed)[net]
        states = simulate_rate(*(rate[k] for k in RATE_KEYS), T)
        lags, c_rate = A.auto_covariance(states, max_lag=100, offset=200)
        for pipeline in ("tutorial", "lava_eirate"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lif = convert_rate_to_lif_params(**rate, method="lava_compat" if pipeline == "tutorial" else "theory")
            if pipeline == "tutorial":
                fixed, scale = tutorial_float_to_fixed(lif, num_steps=T)
            else:
                fixed, report = float_to_fixed(lif)
                scale = report.scale
            single = ensemble_fidelity(lif, fixed, scale, num_steps=T, realizations=1)
            ens = ensemble_fidelity(lif, fixed, scale, num_steps=T, realizations=args.realizations,
                                    seed=1, progress=False)
            d_float = float(np.sqrt(np.mean((_normalised(ens.acov_float) - _normalised(c_rate)) ** 2)))
            d_fixed = float(np.sqrt(np.mean((_normalised(ens.acov_fixed) - _normalised(c_rate)) ** 2)))
            (dr, se_r), (dc, se_c) = ens.rate_change, ens.c0_change
            rows.append(dict(network=net, pipeline=pipeline, scale=scale, weight_scale=lif.diagnostics["weight_scale"],
                             single_rate_change=single.rate_change[0], single_c0_change=single.c0_change[0],
                             realizations=args.realizations, rate_float=float(ens.rate_float.mean()),
                             rate_fixed=float(ens.rate_fixed.mean()), rate_change=dr, rate_change_se=se_r,
                             c0_change=dc, c0_change_se=se_c, float_run_to_run_spread=ens.rate_spread,
                             acov_rms_distance_to_rate_float=d_float, acov_rms_distance_to_rate_fixed=d_fixed))
    print(f"{'network':<9} {'pipeline':<12} {'1 run: rate':>11} {'c(0)':>7} | {'R':>3} {'ens. rate':>16} "
          f"{'ens. c(0)':>16} {'float spread':>12} | {'acov dist float':>15} {'fixed':>6}")
    for r in rows:
        print(f"{r['network']:<9} {r['pipeline']:<12} {r['single_rate_change']:>+11.1%} {r['single_c0_change']:>+7.1%} | "
              f"{r['realizations']:>3} {r['rate_change']:>+8.1%} +- {r['rate_change_se']:>4.1%} "
              f"{r['c0_change']:>+8.1%} +- {r['c0_change_se']:>4.1%} {r['float_run_to_run_spread']:>12.1%} | "
              f"{r['acov_rms_distance_to_rate_float']:>15.4f} {r['acov_rms_distance_to_rate_fixed']:>6.4f}")
    write_json(args.out, rows)


if __name__ == "__main__":
    main()
