"""Fidelity of the fixed-point network to the float LIF network (issue #18).

Networks: the Lava tutorial's balanced and critical networks with the notebook's own
weights (``tutorial_networks()``: legacy stream seeded 1234, balanced then critical), and
E/I networks drawn here (other sizes, g, q) from ``tutorial_networks_generator``-style
Generator streams. Rate -> float LIF by both conversion methods ("lava_compat", "theory");
float -> fixed by

* ``tutorial``: the Lava tutorial's own mapping (lava_compat conversion only);
* ``single-grid``: ``float_to_fixed`` (one scale, one MIXED weight grid, EILIFNetwork);
* ``per-conn/<rounding>/<shift_rounding>``: ``float_to_fixed_network`` (a scale per
  population, a weight_exp and sign mode per connection; weights rounded by error
  diffusion, to nearest or stochastically; the floor of negative weight exponents turned
  into round-to-nearest by a rounding neuron ("offset"), compensated through the bias
  ("bias"), or left ("none")).

For each: the ensemble over R realizations (random initial v; realization 0 from rest) of
the mean rate and c(0), fixed vs float, as relative change +- standard error. A change
under 2 SE is no claim. Prints a table, writes JSON.

    python benchmarks/bench_fidelity.py [--realizations 200] [--quick] [--out benchmarks/results/bench_fidelity.json]
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

from lava_eirate.convert import (convert_rate_to_lif_params, ensemble_fidelity, float_to_fixed,
                                 float_to_fixed_network, tutorial_float_to_fixed)
from lava_eirate.network import tutorial_gaussian_weights, tutorial_networks

from _report import write_json


def drawn_network(n, g, q_of_critical, seed):
    """An E/I rate network like the tutorial's (80% E, dr 0.01, bias 0.1), size n, g_factor
    g, q_factor a fraction of the critical sqrt(n / 6)."""
    n_e = int(0.8 * n)
    q = q_of_critical * np.sqrt(n / 6.0)
    return dict(shape_exc=n_e, shape_inh=n - n_e, dr_exc=0.01, dr_inh=0.01, bias_exc=0.1, bias_inh=0.1,
                g_factor=g, q_factor=q,
                weights=tutorial_gaussian_weights(n_e, n - n_e, q, g, np.random.default_rng(seed)))


def quantizers(lif, method, T):
    """(name, make) of every float -> fixed mapping for one float network; ``make()``
    returns (fixed, scale) or raises ValueError where the mapping refuses the network."""
    if method == "lava_compat":
        yield "tutorial", lambda: tutorial_float_to_fixed(lif, num_steps=T)

    def single():
        fixed, report = float_to_fixed(lif)
        return fixed, report.scale
    yield "single-grid", single
    for rounding, shift in (("diffusion", "offset"), ("nearest", "offset"), ("stochastic", "offset"),
                            ("diffusion", "bias"), ("diffusion", "none")):
        def per_conn(rounding=rounding, shift=shift):
            net, rep = float_to_fixed_network(lif, rounding=rounding, shift_rounding=shift)
            return net, rep.scales
        yield f"per-conn/{rounding}/{shift}", per_conn


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realizations", type=int, default=200)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="20 realizations, tutorial networks only")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_fidelity.json"))
    args = ap.parse_args(argv)
    T = args.steps
    R = 20 if args.quick else args.realizations
    nets = dict(tutorial_networks())
    if not args.quick:
        nets["drawn n=800 g=5 q=0.7qc"] = drawn_network(800, 5.0, 0.7, seed=11)
        nets["drawn n=1200 g=4 q=qc"] = drawn_network(1200, 4.0, 1.0, seed=12)
    rows = []
    head = (f"{'network':<26} {'method':<11} {'quantizer':<27} {'rate float':>10} | "
            f"{'rate change':>16} | {'c(0) change':>16} | {'spread':>6}")
    print(f"R = {R} realizations x {T} steps")
    print(head)
    print("-" * len(head))
    for name, rate in nets.items():
        for method in ("lava_compat", "theory"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lif = convert_rate_to_lif_params(**rate, method=method)
            for qname, make in quantizers(lif, method, T):
                try:
                    fixed, scale = make()
                except ValueError as err:      # the mapping refuses: say so, go on
                    rows.append(dict(network=name, method=method, quantizer=qname, refused=str(err)))
                    print(f"{name:<26} {method:<11} {qname:<27} refused: {err}", flush=True)
                    continue
                t0 = time.perf_counter()
                ens = ensemble_fidelity(lif, fixed, scale, num_steps=T, realizations=R, seed=1, progress=False)
                (dr, se_r), (dc, se_c) = ens.rate_change, ens.c0_change
                row = dict(network=name, method=method, quantizer=qname, realizations=R, steps=T,
                           rate_float=float(ens.rate_float.mean()), rate_fixed=float(ens.rate_fixed.mean()),
                           rate_change=dr, rate_change_se=se_r, c0_change=dc, c0_change_se=se_c,
                           float_run_to_run_spread=ens.rate_spread, seconds=time.perf_counter() - t0)
                rows.append(row)
                print(f"{name:<26} {method:<11} {qname:<27} {row['rate_float']:>10.4f} | "
                      f"{dr:>+7.1%} +- {se_r:>5.1%} | {dc:>+7.1%} +- {se_c:>5.1%} | {ens.rate_spread:>6.1%}",
                      flush=True)
    write_json(args.out, dict(rows=rows, realizations=R, steps=T))
    return rows


if __name__ == "__main__":
    main()
