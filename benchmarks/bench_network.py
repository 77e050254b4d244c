"""Network builders at scale: N = 100,000 neurons with 10M synapses (target <= 5 s).

    python benchmarks/bench_network.py [--out benchmarks/results/bench_network.json]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from lava_eirate import network as N

from _report import write_json


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_network.json"))
    args = ap.parse_args(argv)
    rows = []
    for name, fn in (("random_topology", lambda rng: N.random_topology(100_000, 10_000_000, rng)),
                     ("fixed_indegree k=100", lambda rng: N.fixed_indegree(100_000, 100_000, 100, rng)),
                     ("ei_balanced_weights p=0.001", lambda rng: N.ei_balanced_weights(100_000, 0.001, 0.8, 1.0, 0.5, rng)[1])):
        t0 = time.perf_counter()
        m = fn(np.random.default_rng(0))
        rows.append(dict(builder=name, n=100_000, synapses=int(m.nnz), seconds=time.perf_counter() - t0))
    print(f"{'builder':<30} {'N':>8} {'synapses':>10} {'seconds':>8}")
    for r in rows:
        print(f"{r['builder']:<30} {r['n']:>8} {r['synapses']:>10} {r['seconds']:>8.2f}")
    write_json(args.out, rows)


if __name__ == "__main__":
    main()
