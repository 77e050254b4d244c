"""Self-consistent firing rates: lava_eirate.meanfield vs NNMT (nnmt.lif.delta) on the same
problems in the same run, same answer required (1e-7 relative).

  * 2 populations: Brunel (2000) model A, g = 5, nu_ext = 2 nu_thr (target <= 20 ms)
  * 8 populations: four E/I layer pairs with layer-specific in-degrees (target <= 200 ms)

    python benchmarks/bench_meanfield.py [--out benchmarks/results/bench_meanfield.json]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from lava_eirate import meanfield as mf

from _report import write_json

NEURON = dict(tau_m=0.02, tau_r=0.002, v_th=0.02, v_reset=0.01)


def brunel():
    J = 0.0001
    nu_thr = NEURON["v_th"] / (J * 1000 * NEURON["tau_m"])
    return dict(J=np.array([[J, -5 * J], [J, -5 * J]]), K=np.array([[1000.0, 250.0], [1000.0, 250.0]]),
                J_ext=np.full(2, J), K_ext=np.full(2, 1000.0), nu_ext=2 * nu_thr)


def layered(seed=0):
    """Four Brunel-type E/I pairs (C_E = 800, C_I = 200, g = 6 within a pair) coupled
    weakly across pairs (5-20 inputs); each pair has its own external drive
    (1.5-2.5 nu_thr), the same for its E and I population as in Brunel (2000)."""
    rng = np.random.default_rng(seed)
    P = 8
    K = rng.uniform(5, 20, (P, P))
    for layer in range(4):
        K[2 * layer:2 * layer + 2, 2 * layer:2 * layer + 2] = [[800, 200], [800, 200]]
    J = np.tile([0.0001, -0.0006], (P, 4))
    nu_thr = NEURON["v_th"] / (0.0001 * 1000 * NEURON["tau_m"])
    # one external population per population: (P, E) matrices, NNMT's convention
    return dict(J=J, K=K, J_ext=np.full((P, P), 0.0001), K_ext=np.diag(np.full(P, 1000.0)),
                nu_ext=np.repeat(rng.uniform(1.5, 2.5, 4), 2) * nu_thr)


def time_best(fn, repeats=5):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_case(name, p):
    from nnmt.lif.delta import _firing_rates as nnmt_rates
    ours_t, ours = time_best(lambda: mf.firing_rates(J=p["J"], K=p["K"], J_ext=p["J_ext"], K_ext=p["K_ext"],
                                                     nu_ext=p["nu_ext"], **NEURON))
    peer_t, peer = time_best(lambda: nnmt_rates(p["J"], p["K"], NEURON["v_reset"], NEURON["v_th"],
                                                NEURON["tau_m"], NEURON["tau_r"], p["J_ext"], p["K_ext"],
                                                p["nu_ext"], fixpoint_method="ODE"))
    rel = float(np.max(np.abs(ours - peer) / np.maximum(np.abs(peer), 1e-12)))
    return dict(case=name, populations=len(ours), lava_eirate_ms=ours_t * 1e3, nnmt_ms=peer_t * 1e3,
                speedup=peer_t / ours_t, max_rel_diff=rel, rates_hz=ours.tolist())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_meanfield.json"))
    args = ap.parse_args(argv)
    rows = [run_case("Brunel A, 2 pops", brunel()), run_case("layered E/I, 8 pops", layered())]
    print(f"{'case':<22} {'pops':>4} {'lava_eirate ms':>14} {'NNMT ms':>9} {'speedup':>8} {'max rel diff':>12}")
    for r in rows:
        print(f"{r['case']:<22} {r['populations']:>4} {r['lava_eirate_ms']:>14.2f} {r['nnmt_ms']:>9.2f} "
              f"{r['speedup']:>7.1f}x {r['max_rel_diff']:>12.1e}")
    write_json(args.out, rows)


if __name__ == "__main__":
    main()
