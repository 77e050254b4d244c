"""Ensembles over local processes and a Dask cluster (issue #16, le.sweep).

64 realizations (1000 steps each) of the Lava tutorial's critical network, float and
per-connection fixed point (``ensemble_fidelity``): sequential in this process, over 2
local processes (``processes=2``), and over a 2-worker ``dask.distributed.LocalCluster``
(``client=``); wall times, speedups, and whether the results are identical. Cluster
start-up is timed apart. Prints a table, writes JSON.

    python benchmarks/bench_sweep.py [--realizations 64] [--out benchmarks/results/bench_sweep.json]
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

import lava_eirate as le
from lava_eirate.network import tutorial_networks

from _report import write_json


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realizations", type=int, default=64)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_sweep.json"))
    args = ap.parse_args(argv)
    R = args.realizations
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lif = le.convert_rate_to_lif_params(**tutorial_networks()["critical"])
    net, rep = le.convert.float_to_fixed_network(lif)
    le.convert.ensemble_fidelity(lif, net, rep.scales, realizations=1)       # kernels loaded

    def run(**kw):
        t0 = time.perf_counter()
        fid = le.convert.ensemble_fidelity(lif, net, rep.scales, realizations=R, seed=1, progress=False, **kw)
        return fid, time.perf_counter() - t0

    rows = []
    seq, t_seq = run()
    rows.append(dict(how="sequential", seconds=t_seq, speedup=1.0, identical=True))
    loc, t_loc = run(processes=2)
    rows.append(dict(how="2 local processes", seconds=t_loc, speedup=t_seq / t_loc,
                     identical=bool(np.array_equal(seq.rate_fixed, loc.rate_fixed)
                                    and np.array_equal(seq.acov_float, loc.acov_float))))
    import distributed
    t0 = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1", silence_logs=40) as cluster, distributed.Client(cluster) as client:
        t_start = time.perf_counter() - t0
        run(client=client)                                   # workers import lava_eirate, load kernels
        dsk, t_dsk = run(client=client)
    rows.append(dict(how="dask LocalCluster, 2 workers", seconds=t_dsk, speedup=t_seq / t_dsk,
                     cluster_start_seconds=t_start,
                     identical=bool(np.array_equal(seq.rate_fixed, dsk.rate_fixed)
                                    and np.array_equal(seq.acov_float, dsk.acov_float))))
    print(f"{R} realizations x 1000 steps, critical network, float + fixed point ({os.cpu_count()} cores)")
    print(f"{'how':<30} {'seconds':>8} {'speedup':>8} {'identical':>9}")
    for r in rows:
        print(f"{r['how']:<30} {r['seconds']:>8.2f} {r['speedup']:>7.2f}x {str(r['identical']):>9}")
    print(f"(cluster start-up {t_start:.1f} s, not included)")
    write_json(args.out, dict(rows=rows, realizations=R))
    return rows


if __name__ == "__main__":
    main()
