"""Peak memory of a large network (issue #16): N neurons with K synapses each.

Builds the weights as scipy CSC (K random targets per presynaptic neuron, 80% excitatory
mantissa 3, 20% inhibitory -12), FixedSynapses, a one-population FixedLIF network, and runs
it with spikes recorded as events; reports the peak resident memory (ru_maxrss) after each
stage, in a fresh process per size. Prints a table, writes JSON.

    python benchmarks/bench_memory.py [--n 1000000] [--k 100] [--steps 100]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from _report import write_json

STAGE = r"""
import json, resource, time, numpy as np, scipy.sparse as sp, lava_eirate as le
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
N, K, T = {n}, {k}, {steps}
out = dict(N=N, K=K, steps=T, after_import=peak())
rng = np.random.default_rng(0)
t0 = time.perf_counter()
indptr = np.arange(0, N * K + 1, K, dtype=np.int64)
indices = rng.integers(0, N, N * K, dtype=np.int32)
data = np.full(N * K, 3, np.int16)
data[rng.integers(0, 5, N * K, dtype=np.int8) == 0] = -12
W = sp.csc_matrix((data, indices, indptr), shape=(N, N))
del data, indices
out["after_weights"] = peak()
syn = le.FixedSynapses(W)
del W
out["after_synapses"] = peak()
out["synapse_bytes"] = int(syn.nbytes)
net = le.Network()
net.add(le.FixedLIF(N, du=400, dv=300, vth=1000, bias_mant=rng.integers(60, 80, N), bias_exp=6), name="pop")
net.connect("pop", "pop", syn)
t1 = time.perf_counter()
tr = le.simulate(net, T, record={{"pop": "events"}})
out["run_seconds"] = time.perf_counter() - t1
out["spikes_per_neuron_step"] = tr["pop"].num_spikes / (N * T)
out["after_run"] = peak()
print(json.dumps(out))
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_memory.json"))
    args = ap.parse_args(argv)
    rows = []
    for n in sorted({args.n // 10, args.n}):
        res = subprocess.run([sys.executable, "-c", STAGE.format(n=n, k=args.k, steps=args.steps)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    gib = 2 ** 30
    print(f"{'N':>9} {'K':>4} | {'peak GiB: import':>16} {'weights':>8} {'synapses':>9} {'run':>6} | "
          f"{'B/synapse':>9} {'rate':>6} {'run s':>6}")
    for r in rows:
        print(f"{r['N']:>9} {r['K']:>4} | {r['after_import'] / gib:>16.2f} {r['after_weights'] / gib:>8.2f} "
              f"{r['after_synapses'] / gib:>9.2f} {r['after_run'] / gib:>6.2f} | "
              f"{r['synapse_bytes'] / (r['N'] * r['K']):>9.2f} {r['spikes_per_neuron_step']:>6.3f} {r['run_seconds']:>6.2f}")
    write_json(args.out, rows)
    return rows


if __name__ == "__main__":
    main()
