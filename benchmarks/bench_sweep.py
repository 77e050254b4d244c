"""Ensembles over local processes and a Dask cluster (issue #16, le.sweep).

64 realizations (1000 steps each) of the Lava tutorial's critical network, float and
per-connection fixed point (``ensemble_fidelity``): sequential in this process, over 2
local processes (``processes=2``), and over a 2-worker ``dask.distributed.LocalCluster``
(``client=``), there also with the allocator left as Dask's nanny sets it; wall times
(median of ``--repeats`` runs, with their range), speedups, and whether the results are
identical. Cluster start-up and the workers' first run (imports, kernels loaded) are
timed apart. Prints a table, writes JSON.

    python benchmarks/bench_sweep.py [--realizations 64] [--repeats 3] [--out benchmarks/results/bench_sweep.json]
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


def _allocator_as_dask_sets_it():
    """On a worker: chunks run under the nanny's MALLOC_TRIM_THRESHOLD_ as it is (the
    comparison row; see lava_eirate.parallel._KeepFreedMemory)."""
    from lava_eirate import parallel
    parallel.CHUNK_TRIM_THRESHOLD = 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realizations", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_sweep.json"))
    args = ap.parse_args(argv)
    R = args.realizations
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lif = le.convert_rate_to_lif_params(**tutorial_networks()["critical"])
    net, rep = le.convert.float_to_fixed_network(lif)
    le.convert.ensemble_fidelity(lif, net, rep.scales, realizations=1)       # kernels loaded

    def run(**kw):
        times, fid = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fid = le.convert.ensemble_fidelity(lif, net, rep.scales, realizations=R, seed=1, progress=False, **kw)
            times.append(time.perf_counter() - t0)
        return fid, times

    def row(how, fid, times, **extra):
        same = fid is seq or bool(np.array_equal(seq.rate_fixed, fid.rate_fixed)
                                  and np.array_equal(seq.acov_float, fid.acov_float))
        med = float(np.median(times))
        return dict(how=how, seconds=med, seconds_min=min(times), seconds_max=max(times), repeats=len(times),
                    speedup=float(np.median(t_seq)) / med, identical=same, **extra)

    seq, t_seq = run()
    rows = [row("sequential", seq, t_seq)]
    loc, t_loc = run(processes=2)
    rows.append(row("2 local processes", loc, t_loc))
    import distributed
    t0 = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1", silence_logs=40) as cluster, distributed.Client(cluster) as client:
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        le.convert.ensemble_fidelity(lif, net, rep.scales, realizations=R, seed=1, progress=False,
                                     client=client)          # workers import lava_eirate, load kernels
        t_first = time.perf_counter() - t0
        dsk, t_dsk = run(client=client)
        client.run(_allocator_as_dask_sets_it)
        raw, t_raw = run(client=client)
    rows.append(row("dask LocalCluster, 2 workers", dsk, t_dsk, cluster_start_seconds=t_start,
                    first_run_seconds=t_first))
    rows.append(row("  same, Dask's malloc settings", raw, t_raw))
    print(f"{R} realizations x 1000 steps, critical network, float + fixed point ({os.cpu_count()} cores)")
    print(f"{'how':<30} {'seconds':>8} {'range':>13} {'speedup':>8} {'identical':>9}")
    for r in rows:
        span = f"{r['seconds_min']:.2f}-{r['seconds_max']:.2f}"
        print(f"{r['how']:<30} {r['seconds']:>8.2f} {span:>13} {r['speedup']:>7.2f}x {str(r['identical']):>9}")
    print(f"(median of {args.repeats}; cluster start-up {t_start:.1f} s and the workers' first run "
          f"{t_first:.1f} s not included)")
    write_json(args.out, dict(rows=rows, realizations=R))
    return rows


if __name__ == "__main__":
    main()
