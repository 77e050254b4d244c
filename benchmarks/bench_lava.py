"""EILIFNetwork inside Lava's runtime.

1. Getting results out: a 400-neuron network run 1000 steps; the whole spike raster read
   through a Monitor on ``s_out`` and through a RingBuffer sink (values stream one at a
   time) vs ``EILIFNetwork.recorded()`` (shared memory, one read). Target: >= 10x.
2. Per-step cost at N=1,000 (p=0.1, fixed_pt) of the fused model vs the LIF + Dense
   sub-model (Lava's own processes). Target: fused >= 3x faster per step.

    python benchmarks/bench_lava.py [--quick] [--out benchmarks/results/bench_lava.json]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.sink import RingBuffer as SinkRingBuffer
from lava.proc.monitor.process import Monitor

import lava_eirate as le
from lava_eirate import EILIFNetwork
from lava_eirate.proc.ei_lif.models import SubEILIFModelLava

from _report import write_json


def ei_kwargs(n: int, p: float, seed: int = 0) -> dict:
    """A spiking integer E/I network (80/20), ~10% of neurons spiking per step."""
    rng = np.random.default_rng(seed)
    n_e = int(0.8 * n)
    w = np.zeros((n, n), np.int64)
    w[:, :n_e] = rng.integers(0, 41, (n, n_e))
    w[:, n_e:] = rng.integers(-160, 1, (n, n - n_e))
    w *= rng.random((n, n)) < p
    return dict(shape_exc=n_e, shape_inh=n - n_e, weights=w,
                du_exc=410, dv_exc=256, vth_exc=7600, bias_mant_exc=rng.integers(700, 1300, n_e),
                bias_exp_exc=6, du_inh=410, dv_inh=256, vth_inh=7600,
                bias_mant_inh=rng.integers(700, 1300, n - n_e), bias_exp_inh=6)


def extraction(n=400, steps=1000):
    kw = ei_kwargs(n, 0.1)
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    out = {}
    # Monitor on s_out
    net = EILIFNetwork(**kw, record=("s",), record_steps=steps)
    mon = Monitor()
    mon.probe(net.s_out, steps)
    sink = SinkRingBuffer(shape=(n,), buffer=steps)
    net.s_out.connect(sink.a_in)
    try:
        net.run(condition=RunSteps(num_steps=steps), run_cfg=cfg)
        t0 = time.perf_counter()
        s_mon = np.asarray(mon.get_data()[net.name]["s_out"]).astype(bool)
        out["monitor_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        s_sink = np.asarray(sink.data.get()).T.astype(bool)
        out["ringbuffer_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        rec = net.recorded()
        out["recorded_s"] = time.perf_counter() - t0
    finally:
        net.stop()
    out["identical"] = bool(np.array_equal(s_mon, rec.s) and np.array_equal(s_sink, rec.s))
    out["speedup_vs_monitor"] = out["monitor_s"] / out["recorded_s"]
    out["speedup_vs_ringbuffer"] = out["ringbuffer_s"] / out["recorded_s"]
    out.update(n=n, steps=steps, spikes=int(rec.s.sum()))
    return out


def per_step(n=1000, p=0.1, steps=300):
    kw = ei_kwargs(n, p)
    res = {}
    finals = {}
    for label, cfg in (("fused", Loihi2SimCfg(select_tag="fixed_pt")),
                       ("lif_dense", Loihi2SimCfg(select_tag="fixed_pt",
                                                  exception_proc_model_map={EILIFNetwork: SubEILIFModelLava}))):
        net = EILIFNetwork(**kw)
        try:
            net.run(condition=RunSteps(num_steps=1), run_cfg=cfg)   # compile, start, warm up
            t0 = time.perf_counter()
            net.run(condition=RunSteps(num_steps=steps), run_cfg=cfg)
            res[label] = (time.perf_counter() - t0) / steps
            finals[label] = net.v.get()
        finally:
            net.stop()
    tr = le.simulate_fixed(*le.EILIFParams(**kw).fixed, steps + 1, record=("s",))
    return dict(n=n, p=p, steps=steps, fused_ms_per_step=res["fused"] * 1e3,
                lif_dense_ms_per_step=res["lif_dense"] * 1e3, speedup=res["lif_dense"] / res["fused"],
                spike_fraction=float(tr.s.mean()),
                identical=bool(np.array_equal(finals["fused"], finals["lif_dense"])
                               and np.array_equal(finals["fused"], tr.final["v"])))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "bench_lava.json"))
    args = ap.parse_args(argv)
    ex = extraction(steps=200 if args.quick else 1000)
    ps = per_step(steps=50 if args.quick else 300)
    print(f"raster {ex['n']} x {ex['steps']} ({ex['spikes']} spikes), read after run:")
    print(f"  {'Monitor on s_out':<28} {ex['monitor_s']:8.3f} s")
    print(f"  {'RingBuffer sink':<28} {ex['ringbuffer_s']:8.3f} s")
    print(f"  {'EILIFNetwork.recorded()':<28} {ex['recorded_s']:8.4f} s   "
          f"({ex['speedup_vs_monitor']:.0f}x vs Monitor, {ex['speedup_vs_ringbuffer']:.0f}x vs "
          f"RingBuffer; identical: {ex['identical']})")
    print(f"per step, N={ps['n']}, p={ps['p']}, fixed_pt, {ps['spike_fraction']:.1%} spiking:")
    print(f"  {'fused PyEILIFModelFixed':<28} {ps['fused_ms_per_step']:8.3f} ms")
    print(f"  {'Lava LIF + Dense (sub-model)':<28} {ps['lif_dense_ms_per_step']:8.3f} ms   "
          f"({ps['speedup']:.1f}x; identical: {ps['identical']})")
    write_json(args.out, dict(extraction=ex, per_step=ps))


if __name__ == "__main__":
    main()
