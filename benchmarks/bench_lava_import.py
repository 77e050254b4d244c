"""An existing Lava graph, end to end: ``le.run_lava`` vs Lava's ``run`` + Monitors.

The graph is written with Lava's own processes (LIF + recurrent Dense at N=1,000, p=0.1;
LIF + Sparse at N=10,000, p=0.01; the 80/20 E/I network of bench_core), with Monitors
on ``s_out`` and ``v``. Both sides are timed from the built graph to the recorded data in
hand (lava_eirate: mapping the graph, simulating, read-out; Lava: compiling, running,
``Monitor.get_data()``), and the data are checked identical. Also timed: Lava's ``run``
without Monitors for the graph as Lava's processes and as one ``NetworkProcess``.
Prints a table, writes JSON.

    python benchmarks/bench_lava_import.py [--quick] [--out benchmarks/results/bench_lava_import.json]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import lava_eirate as le

from _report import write_json
from bench_core import build_network


def lava_graph(n, p, steps, connection, monitors=True):
    from lava.proc.dense.process import Dense
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    from lava.proc.sparse.process import Sparse
    neurons, W, _ = build_network(n, p, seed=0)
    lif = LIF(shape=(n,), du=int(neurons.du), dv=int(neurons.dv), vth=int(neurons.vth),
              bias_mant=np.broadcast_to(neurons.bias_mant, (n,)).copy(),
              bias_exp=np.broadcast_to(neurons.bias_exp, (n,)).copy())
    conn = Dense(weights=W.toarray()) if connection == "dense" else Sparse(weights=W)
    lif.s_out.connect(conn.s_in)
    conn.a_out.connect(lif.a_in)
    if not monitors:
        return lif, {}
    mons = {"s_out": Monitor(), "v": Monitor()}
    mons["s_out"].probe(lif.s_out, steps)
    mons["v"].probe(lif.v, steps)
    return lif, mons


def case(n, p, steps, connection):
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    lif, mons = lava_graph(n, p, steps, connection)
    le.run_lava(lif, num_steps=2)                    # kernels loaded (numba cache)
    t0 = time.perf_counter()
    ours = le.run_lava(lif, num_steps=steps)[lif.name]
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        lif.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        t_run = time.perf_counter() - t0
        theirs = {k: np.asarray(m.get_data()[lif.name][k]) for k, m in mons.items()}
    finally:
        t_lava = time.perf_counter() - t0
        lif.stop()
    same = all(np.array_equal(ours[k], theirs[k].astype(np.int32)) for k in ("s_out", "v"))
    t_fused, t_plain = inside_lava(n, p, steps, connection)
    return dict(fused_run_seconds=t_fused, lava_plain_run_seconds=t_plain,
                N=n, p=p, connection=connection, steps=steps, spike_fraction=float(ours["s_out"].mean()),
                le_seconds=t_ours, lava_seconds=t_lava, lava_run_seconds=t_run,
                lava_readout_seconds=t_lava - t_run, speedup=t_lava / t_ours, identical=bool(same))


def inside_lava(n, p, steps, connection):
    """Seconds of Lava's ``run`` (no Monitors) for the graph as Lava's own processes and as
    one ``NetworkProcess`` of ``from_lava(graph)``: what the fused process gains when the
    network must stay inside a Lava graph."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava_eirate.proc import NetworkProcess
    out = []
    for fused in (True, False):
        lif, _ = lava_graph(n, p, steps, connection, monitors=False)
        proc = NetworkProcess(le.from_lava(lif)) if fused else lif
        t0 = time.perf_counter()
        try:
            proc.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        finally:
            out.append(time.perf_counter() - t0)
            proc.stop()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_lava_import.json"))
    args = ap.parse_args(argv)
    steps = 50 if args.quick else 500
    rows = [case(1_000, 0.1, steps, "dense"), case(10_000, 0.01, steps // 5, "sparse")]
    head = (f"{'N':>7} {'p':>5} {'conn':>6} {'steps':>5} | {'run_lava s':>10} | {'Lava run s':>10} "
            f"{'read-out s':>10} {'total s':>8} | {'speedup':>8} {'same':>5} | "
            f"{'in Lava: Lava s':>15} {'NetworkProcess s':>16}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['N']:>7} {r['p']:>5} {r['connection']:>6} {r['steps']:>5} | {r['le_seconds']:10.3f} | "
              f"{r['lava_run_seconds']:10.2f} {r['lava_readout_seconds']:10.2f} {r['lava_seconds']:8.2f} | "
              f"{r['speedup']:7.0f}x {str(r['identical']):>5} | {r['lava_plain_run_seconds']:15.2f} "
              f"{r['fused_run_seconds']:16.2f}")
    write_json(args.out, dict(rows=rows, lava_eirate=le.__version__))
    return rows


if __name__ == "__main__":
    main()
