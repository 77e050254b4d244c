"""Engine threads: synaptic events/s on 1 thread and on every core, same network, same result.

    python benchmarks/bench_threads.py [--quick] [--out benchmarks/results/bench_threads.json]

Targets (issue 16): 2 threads >= 1.7x one thread at N = 100,000 and >= 1.0x at N = 1000
(events/s). The networks are bench_core's E/I networks (fixed point, round(p N) inputs per
neuron); after a warm-up the threaded spike raster is
checked equal to the single-thread one. Each case is timed best-of-5 (3 for the
largest), the two thread counts interleaved.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import numpy as np

import lava_eirate as le
from lava_eirate import engine as E

from _report import write_json
from bench_core import build_network


def _run(net, steps, T):
    t0 = time.perf_counter()
    tr = le.simulate(net, steps, record={"pop": "s"}, num_threads=T, progress=False)
    return time.perf_counter() - t0, tr


def case(n, p, steps, repeats, cores):
    """Best of ``repeats`` runs on 1 thread and on ``cores``, interleaved (the machine's
    speed drifts; interleaving keeps the ratio fair)."""
    neurons, W, _ = build_network(n, p, 0)
    net = le.Network()
    net.add(neurons, name="pop")
    net.connect("pop", "pop", le.FixedSynapses(W, weight_exp=0))
    nnz = net.num_synapses
    out = dict(N=n, p=p, synapses=int(nnz), steps=steps, auto_threads=E.resolve_threads(None, nnz))
    for T in (1, cores):  # warm-up (compilation, thread plan)
        le.simulate(net, min(steps, 20), record={"pop": "s"}, num_threads=T)
    best = {1: np.inf, cores: np.inf}
    traces = {}
    for _ in range(repeats):
        for T in (1, cores):
            dt, traces[T] = _run(net, steps, T)
            best[T] = min(best[T], dt)
    fan = np.diff(W.tocsc().indptr)  # synapses out of each presynaptic neuron
    s1 = traces[1]["pop"].s
    events = int((s1.astype(np.int64) @ fan).sum())
    out.update(spikes_per_step=traces[1]["pop"].num_spikes / steps, events=events,
               one_thread_s=best[1], one_thread_events_per_s=events / best[1],
               threads=cores, threaded_s=best[cores], threaded_events_per_s=events / best[cores],
               speedup=best[1] / best[cores], identical=bool(np.array_equal(s1, traces[cores]["pop"].s)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_threads.json"))
    args = ap.parse_args(argv)
    cores = int(numba.config.NUMBA_NUM_THREADS)
    q = args.quick
    rows = [case(1_000, 0.1, 2000 if not q else 200, 5, cores),
            case(10_000, 0.01, 1000 if not q else 100, 5, cores),
            case(100_000, 0.001, 300 if not q else 30, 5, cores),
            case(100_000, 0.01, 100 if not q else 10, 3, cores)]
    head = (f"{'N':>7} {'p':>6} {'synapses':>10} {'spk/step':>8} | {'1 thread ev/s':>13} "
            f"{f'{cores} threads ev/s':>15} {'speedup':>8} {'same':>5} | {'auto':>4}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['N']:>7} {r['p']:>6} {r['synapses']:>10} {r['spikes_per_step']:8.1f} | "
              f"{r['one_thread_events_per_s']:13.3e} {r['threaded_events_per_s']:15.3e} "
              f"{r['speedup']:7.2f}x {str(r['identical']):>5} | {r['auto_threads']:>4}")
    print(f"(auto: the thread count num_threads=None picks; every core from "
          f"{E.THREADS_MIN_SYNAPSES:,} synapses)")
    write_json(args.out, dict(rows=rows, cores=cores, threading_layer=numba.threading_layer(),
                              python=platform.python_version(), machine=platform.machine(),
                              lava_eirate=le.__version__))


if __name__ == "__main__":
    main()
