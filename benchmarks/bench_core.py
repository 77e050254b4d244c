"""Fixed-point engine benchmark: lava_eirate vs Lava 0.10's runtime vs a plain-numpy loop.

Same network, same steps, results checked identical, side by side in one run:
  * N=1,000,   p=0.1   -- Lava LIF + Dense  (PyLifModelBitAcc + PyDenseModelBitAcc)
  * N=10,000,  p=0.01  -- Lava LIF + Sparse (PyLifModelBitAcc + PySparseModelBitAcc)
  * N=100,000, p=0.001 -- lava_eirate alone (synaptic events/s on one core)
plus weight memory per synapse and the start-up time of a second process (JIT cache).

Networks of populations (le.Network), the same synapses as the N=1,000 row:
  * E/I as 2 populations x 4 connections (E->E, E->I, I->E, I->I), each with its own
    sign mode, vs the one-matrix population; and vs Lava's LIF x 2 + Dense x 4;
  * 4 populations x 8 connections with per-synapse delays 0..20 (DelayDense), vs the
    same graph without delays; and vs Lava's LIF x 4 + DelayDense x 8.

Network: 80/20 E/I, integer weights (E in [0, 40], I in [-160, 0]), heterogeneous bias so
that roughly 5-20% of neurons spike per step. Prints a table and writes JSON.

    python benchmarks/bench_core.py [--quick] [--out benchmarks/results/bench_core.json]
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

import lava_eirate as le

from _report import write_json


def build_network(n: int, p: float, seed: int = 0):
    """E/I network with exactly round(p*n) inputs per neuron; returns (FixedLIF, W csr, params)."""
    rng = np.random.default_rng(seed)
    n_e = int(0.8 * n)
    k = max(1, int(round(p * n)))
    rows = np.repeat(np.arange(n), k)
    cols = np.concatenate([rng.choice(n, k, replace=False) for _ in range(n)]) if n <= 20000 else \
        rng.integers(0, n, n * k)
    keep = np.unique(rows.astype(np.int64) * n + cols, return_index=True)[1]  # drop repeats
    rows, cols = rows[keep], cols[keep]
    w = np.where(cols < n_e, rng.integers(0, 41, cols.size), rng.integers(-160, 1, cols.size))
    W = sp.csr_matrix((w.astype(np.int32), (rows, cols)), shape=(n, n))
    params = dict(du=410, dv=256, vth=7600, bias_mant=rng.integers(700, 1300, n), bias_exp=6)
    neurons = le.FixedLIF(n, **params)
    return neurons, W, params


def numpy_loop(neurons: le.FixedLIF, W, weight_exp: int, num_steps: int):
    """The same integer rules, one numpy vector step at a time (int64 throughout)."""
    n = neurons.n
    ukeep, vkeep, bias, vth = neurons.kernel_arrays()
    M = 2 ** 23
    Wc = sp.csr_matrix(W, dtype=np.int64)
    u = np.zeros(n, np.int64)
    v = np.zeros(n, np.int64)
    a = np.zeros(n, np.int64)
    spikes = np.zeros((num_steps, n), bool)

    def dec(x, keep):
        p_ = x * keep
        return np.sign(p_) * (np.abs(p_) >> 12)

    for t in range(num_steps):
        u = dec(u, ukeep) + (a << 6)
        u = np.where(u > M, u - 2 ** 24, np.where(u <= -M, u + 2 ** 24, u))
        v = np.clip(dec(v, vkeep) + u + bias, -(M - 1), M - 1)
        s = v > vth
        v[s] = 0
        spikes[t] = s
        acc = Wc @ s.astype(np.int64)
        a = (acc << weight_exp if weight_exp > 0 else acc >> -weight_exp).astype(np.int32).astype(np.int64)
    return spikes, u, v


def lava_run(neurons: le.FixedLIF, W, weight_exp, num_steps, connection):
    """Time Lava's runtime for num_steps after a 1-step warm-up; return (seconds, u, v)."""
    from lava.proc.dense.process import Dense
    from lava.proc.lif.process import LIF
    from lava.proc.sparse.process import Sparse

    n = neurons.n
    lif = LIF(shape=(n,), du=int(neurons.du), dv=int(neurons.dv), vth=int(neurons.vth),
              bias_mant=np.broadcast_to(neurons.bias_mant, (n,)).copy(),
              bias_exp=np.broadcast_to(neurons.bias_exp, (n,)).copy())
    conn = Dense(weights=W.toarray(), weight_exp=weight_exp) if connection == "dense" else \
        Sparse(weights=W, weight_exp=weight_exp)
    lif.s_out.connect(conn.s_in)
    conn.a_out.connect(lif.a_in)
    seconds, state = timed_lava_run(lif, num_steps, {"pop": lif})
    return seconds, *state["pop"]


def timed_lava_run(first, num_steps, pops):
    """Seconds Lava's runtime takes for num_steps after a 1-step warm-up (the graph of
    process ``first``), and the final ``(u, v)`` of each process in ``pops``."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    try:
        first.run(condition=RunSteps(num_steps=1), run_cfg=cfg)
        t0 = time.perf_counter()
        first.run(condition=RunSteps(num_steps=num_steps), run_cfg=cfg)
        seconds = time.perf_counter() - t0
        state = {k: (p.u.get().astype(np.int64), p.v.get().astype(np.int64)) for k, p in pops.items()}
    finally:
        first.stop()
    return seconds, state


def events(trace_s: np.ndarray, W) -> int:
    """Synaptic events: for every spike, the fan-out (out-degree) of the spiking neuron."""
    fan_out = np.diff(sp.csc_matrix(W).indptr)
    return int(trace_s.sum(axis=0) @ fan_out)


def best_of(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def second_process_start(repeats: int = 5) -> dict:
    """A fresh interpreter imports lava_eirate and simulates a small network (kernels come
    from numba's on-disk cache). Returns median seconds from launch to the first result
    in hand, and to process exit."""
    code = ("import time, numpy as np, lava_eirate as le;"
            "n=le.FixedLIF(100,10,10,100,500,3);"
            "tr=le.simulate_fixed(n, le.FixedSynapses(np.eye(100, dtype=int)), 10);"
            "print(time.time(), tr.num_spikes)")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # fill cache
    first, total = [], []
    for _ in range(repeats):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        total.append(time.time() - t0)
        first.append(float(out.stdout.split()[0]) - t0)
    return dict(first_result_s=float(np.median(first)), exit_s=float(np.median(total)))


def case(n, p, steps, connection, lava_steps, numpy_steps, repeats=3, seed=0):
    neurons, W, _ = build_network(n, p, seed)
    syn = le.FixedSynapses(W if connection != "dense" else W.toarray(), weight_exp=0)
    total = 1 + steps
    t_le, tr = best_of(lambda: le.simulate_fixed(neurons, syn, total, record=("s",)), repeats)
    row = dict(N=n, p=p, connection=connection, steps=steps, nnz=int(W.nnz),
               spike_fraction=float(tr.s.mean()), bytes_per_synapse=syn.nbytes / W.nnz,
               weight_bytes_per_synapse=syn.data.nbytes / W.nnz if syn.data.size else
               syn.w_t.nbytes / W.nnz)
    ev = events(tr.s, W)
    row.update(le_seconds=t_le, le_steps_per_s=total / t_le, le_events_per_s=ev / t_le)
    if lava_steps:
        sub = le.simulate_fixed(neurons, syn, 1 + lava_steps, record=("s",))
        t_lava, u, v = lava_run(neurons, W, 0, lava_steps, connection)
        same = bool(np.array_equal(u, sub.final["u"]) and np.array_equal(v, sub.final["v"]))
        row.update(lava_steps=lava_steps, lava_seconds=t_lava, lava_steps_per_s=lava_steps / t_lava,
                   lava_events_per_s=events(sub.s[1:], W) / t_lava,
                   speedup_vs_lava=(total / t_le) / (lava_steps / t_lava), identical_to_lava=same)
    if numpy_steps:
        w_eff = syn.effective_weights(sparse=True)  # the mantissas Loihi holds
        t_np, (s_np, u_np, v_np) = best_of(lambda: numpy_loop(neurons, w_eff, 0, numpy_steps), 1)
        sub = le.simulate_fixed(neurons, syn, numpy_steps, record=("s",))
        same = bool(np.array_equal(s_np, sub.s) and np.array_equal(u_np, sub.final["u"]))
        row.update(numpy_steps=numpy_steps, numpy_steps_per_s=numpy_steps / t_np,
                   speedup_vs_numpy=(total / t_le) / (numpy_steps / t_np), identical_to_numpy=same)
    return row


def population_net(neurons, W, n_pops, delays_max=0, seed=1, dense=True):
    """The network of ``W`` split into ``n_pops`` populations (edges at equal sizes, or
    80/20 for 2), one connection per nonempty block, optional per-synapse delays."""
    rng = np.random.default_rng(seed)
    n = W.shape[0]
    edges = np.array([0, int(0.8 * n), n]) if n_pops == 2 else np.linspace(0, n, n_pops + 1).astype(int)
    net = le.Network()
    for a in range(n_pops):
        sl = slice(edges[a], edges[a + 1])
        net.add(le.FixedLIF(edges[a + 1] - edges[a], neurons.du, neurons.dv, neurons.vth,
                            np.broadcast_to(neurons.bias_mant, (n,))[sl],
                            np.broadcast_to(neurons.bias_exp, (n,))[sl]), name=f"p{a}")
    W = sp.csr_matrix(W)
    for b in range(n_pops):
        for a in range(n_pops):
            block = W[edges[a]:edges[a + 1], edges[b]:edges[b + 1]]
            if block.nnz == 0:
                continue
            delays = rng.integers(0, delays_max + 1, block.shape) if delays_max else None
            net.connect(f"p{b}", f"p{a}", le.FixedSynapses(block.toarray() if dense else block), delays=delays)
    return net, edges


def net_events(trace, net) -> int:
    total = 0
    for c in net.connections:
        fan_out = np.diff(sp.csc_matrix(c.synapses.effective_weights(sparse=True)).indptr)
        total += int(trace[c.pre.name].s.sum(axis=0) @ fan_out)
    return total


def lava_run_network(net, num_steps):
    """Lava's own processes for ``net``: seconds for num_steps after a 1-step warm-up, and
    the final u, v of every population."""
    from lava_eirate.lava_ref import lava_processes
    pops, _ = lava_processes(net)
    return timed_lava_run(next(iter(pops.values())), num_steps, pops)


def multi_case(label, net, steps, lava_steps, repeats=3, baseline=None):
    """Time a Network; events/s relative to ``baseline`` (a row's events/s) when given."""
    total = 1 + steps
    rec = {name: ("s",) for name in net.populations}
    le.simulate(net, 2, record=rec)
    t, tr = best_of(lambda: le.simulate(net, total, record=rec), repeats)
    ev = net_events(tr, net)
    nnz = net.num_synapses
    nbytes = sum(c.synapses.nbytes + (c.delays.nbytes if isinstance(c.delays, np.ndarray) else 0)
                 for c in net.connections)
    n = sum(p.n for p in net.populations.values())
    row = dict(label=label, N=n, populations=len(net.populations), connections=len(net.connections),
               nnz=nnz, steps=steps, spike_fraction=sum(x.num_spikes for x in tr.values()) / (n * total),
               bytes_per_synapse=nbytes / nnz, le_seconds=t, le_steps_per_s=total / t,
               le_events_per_s=ev / t)
    if baseline is not None:
        row["cost_vs_baseline"] = baseline / row["le_events_per_s"]
    if lava_steps:
        sub = le.simulate(net, 1 + lava_steps, record=rec)
        t_lava, state = lava_run_network(net, lava_steps)
        same = all(np.array_equal(state[k][0], sub.final.population(k)["u"]) and
                   np.array_equal(state[k][1], sub.final.population(k)["v"]) for k in state)
        sub_ev = net_events({k: type("T", (), {"s": v.s[1:]})() for k, v in sub.items()}, net)
        row.update(lava_steps=lava_steps, lava_seconds=t_lava, lava_steps_per_s=lava_steps / t_lava,
                   lava_events_per_s=sub_ev / t_lava, speedup_vs_lava=(total / t) / (lava_steps / t_lava),
                   identical_to_lava=bool(same))
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_core.json"))
    args = ap.parse_args(argv)
    q = args.quick
    rows = [
        case(1_000, 0.1, 2000 if not q else 200, "dense", 300 if not q else 50, 300 if not q else 50),
        case(10_000, 0.01, 1000 if not q else 100, "sparse", 30 if not q else 5, 100 if not q else 10),
        case(100_000, 0.001, 300 if not q else 20, "sparse", 0, 20 if not q else 0, repeats=2 if not q else 1),
    ]
    neurons, W, _ = build_network(1_000, 0.1, 0)
    one = rows[0]["le_events_per_s"]
    steps_m = 2000 if not q else 200
    lava_m = 200 if not q else 20
    ei, _ = population_net(neurons, W, 2)
    multi = [multi_case("E/I: 2 pops x 4 conns", ei, steps_m, lava_m, baseline=one)]
    four, _ = population_net(neurons, W, 4)
    multi.append(multi_case("4 pops x 16 conns", four, steps_m, 0, baseline=one))
    four_d, _ = population_net(neurons, W, 4, delays_max=20)
    multi.append(multi_case("4 pops x 16 conns, delays 0..20", four_d, steps_m, lava_m,
                            baseline=multi[-1]["le_events_per_s"]))
    start = second_process_start()
    header = (f"{'N':>7} {'p':>6} {'conn':>6} {'spk/step':>8} {'B/syn':>6} | {'lava_eirate steps/s':>19} "
              f"{'events/s':>9} | {'Lava steps/s':>12} {'speedup':>8} {'same':>5} | "
              f"{'numpy steps/s':>13} {'speedup':>8} {'same':>5}")
    print(header)
    print("-" * len(header))
    for r in rows:
        lava = (f"{r['lava_steps_per_s']:12.1f} {r['speedup_vs_lava']:7.0f}x {str(r['identical_to_lava']):>5}"
                if "lava_steps_per_s" in r else f"{'-':>12} {'-':>8} {'-':>5}")
        nump = (f"{r['numpy_steps_per_s']:13.1f} {r['speedup_vs_numpy']:7.0f}x {str(r['identical_to_numpy']):>5}"
                if "numpy_steps_per_s" in r else f"{'-':>13} {'-':>8} {'-':>5}")
        print(f"{r['N']:>7} {r['p']:>6} {r['connection']:>6} {r['spike_fraction']:8.1%} "
              f"{r['weight_bytes_per_synapse']:6.1f} | {r['le_steps_per_s']:19.1f} "
              f"{r['le_events_per_s']:9.2e} | {lava} | {nump}")
    print()
    head = (f"{'network (N=1,000, p=0.1)':<32} {'B/syn':>6} {'steps/s':>9} {'events/s':>9} "
            f"{'cost':>6} | {'Lava steps/s':>12} {'speedup':>8} {'same':>5}")
    print(head)
    print("-" * len(head))
    print(f"{'1 pop x 1 conn (row 1)':<32} {rows[0]['bytes_per_synapse']:6.2f} "
          f"{rows[0]['le_steps_per_s']:9.0f} {one:9.2e} {'1.00x':>6} |")
    for r in multi:
        lava = (f"{r['lava_steps_per_s']:12.1f} {r['speedup_vs_lava']:7.0f}x {str(r['identical_to_lava']):>5}"
                if "lava_steps_per_s" in r else f"{'-':>12} {'-':>8} {'-':>5}")
        print(f"{r['label']:<32} {r['bytes_per_synapse']:6.2f} {r['le_steps_per_s']:9.0f} "
              f"{r['le_events_per_s']:9.2e} {r['cost_vs_baseline']:5.2f}x | {lava}")
    print("(cost: the one-matrix population's events/s divided by this row's; for the delay row, "
          "the same graph's without delays)")
    print(f"second process (JIT cached on disk): first result {start['first_result_s']:.2f} s "
          f"after launch, exit {start['exit_s']:.2f} s")
    result = dict(rows=rows, multi_population=multi, second_process=start, python=platform.python_version(),
                  numpy=np.__version__, machine=platform.machine(), cpu_count=os.cpu_count(),
                  lava_eirate=le.__version__)
    write_json(args.out, result)
    return result


if __name__ == "__main__":
    main()
