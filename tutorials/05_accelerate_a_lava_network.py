"""Tutorial 05 -- an existing Lava network on lava_eirate's engine.

A Lava user's E/I network, written with Lava's own processes (two LIF populations, four
Dense connections, a RingBuffer stimulus, Monitors) exactly as one would for Lava's
runtime. Two lines run it on the engine, bit-exact and much faster:

    data = le.run_lava(exc, num_steps=T)         # {process name: {"s_out", "u", "v"}}
    net = le.from_lava(exc)                      # or: the le.Network, to simulate, sweep, ...

Then the other direction: the whole network as one Lava Process (``NetworkProcess``)
inside a larger Lava graph, under ``Loihi2SimCfg(select_tag="fixed_pt")``.

    python tutorials/05_accelerate_a_lava_network.py [--small] [--out tutorial05_output]
"""
import argparse
import os
import time

import numpy as np

import lava_eirate as le


def lava_ei_network(n_exc, n_inh, num_steps, seed=0):
    """The user's network, in Lava's own processes (nothing of lava_eirate in it)."""
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    rng = np.random.default_rng(seed)
    exc = LIF(shape=(n_exc,), du=410, dv=256, vth=7600, bias_mant=400, bias_exp=6, name="exc")
    inh = LIF(shape=(n_inh,), du=410, dv=256, vth=7600, bias_mant=400, bias_exp=6, name="inh")

    def dense(pre, post, lo, hi, p=0.1):
        shape = (post.v.shape[0], pre.v.shape[0])
        w = rng.integers(lo, hi, shape) * (rng.random(shape) < p)
        d = Dense(weights=w)
        pre.s_out.connect(d.s_in)
        d.a_out.connect(post.a_in)
        return d

    dense(exc, exc, 0, 20), dense(exc, inh, 0, 20), dense(inh, exc, -64, 0), dense(inh, inh, -64, 0)
    stim = RingBuffer(data=(rng.random((n_exc, 50)) < 0.02).astype(np.int64))
    s = Dense(weights=np.eye(n_exc, dtype=np.int64) * 250)
    stim.s_out.connect(s.s_in)
    s.a_out.connect(exc.a_in)
    monitors = []
    for proc, var in ((exc, "s_out"), (exc, "v"), (inh, "s_out")):
        mon = Monitor()
        mon.probe(getattr(proc, var), num_steps)
        monitors.append((proc, var, mon))
    return exc, inh, monitors


def run_in_lava(exc, monitors, num_steps):
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    try:
        exc.run(condition=RunSteps(num_steps=num_steps), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        return {(p.name, var): np.asarray(m.get_data()[p.name][var]) for p, var, m in monitors}
    finally:
        exc.stop()


def main(small=False, out_dir=None):
    n_exc, n_inh = (80, 20) if small else (800, 200)
    T = 100 if small else 1000
    exc, inh, monitors = lava_ei_network(n_exc, n_inh, T)

    # 1. The two lines: the Lava graph on the engine (Monitors decide what is recorded).
    t0 = time.perf_counter()
    data = le.run_lava(exc, num_steps=T)
    t_ours = time.perf_counter() - t0
    net = le.from_lava(exc)
    print(net)
    print(f"run_lava: {T} steps in {t_ours:.3f} s; recorded {sorted((k, sorted(v)) for k, v in data.items())}")

    # 2. The same graph in Lava's runtime, for comparison: identical, step by step.
    t0 = time.perf_counter()
    lava = run_in_lava(exc, monitors, T)
    t_lava = time.perf_counter() - t0
    same = all(np.array_equal(data[name][var], got.astype(np.int32)) for (name, var), got in lava.items())
    print(f"Lava runtime + Monitor read-out: {t_lava:.2f} s ({t_lava / t_ours:.0f}x slower); "
          f"bit-identical: {same}")

    # 3. The other direction: the network as one Lava Process in a larger Lava graph --
    # its inhibitory spikes drive a Lava LIF read-out through Lava's Dense.
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    from lava_eirate.proc import NetworkProcess
    proc = NetworkProcess(net)
    readout = LIF(shape=(1,), du=4095, dv=200, vth=2 ** 17 - 1, bias_mant=0, name="readout")
    d = Dense(weights=np.full((1, n_inh), 4))
    proc.out_port("inh").connect(d.s_in)
    d.a_out.connect(readout.a_in)
    mon, mon_s = Monitor(), Monitor()
    mon.probe(readout.v, T)
    mon_s.probe(proc.out_port("inh"), T)
    try:
        proc.run(condition=RunSteps(num_steps=T), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        v_readout = np.asarray(mon.get_data()["readout"]["v"]).ravel()
        inh_spikes = np.asarray(mon_s.get_data()[proc.name]["s_out_inh"])
    finally:
        proc.stop()
    inside = np.array_equal(inh_spikes.astype(bool), data["inh"]["s_out"].astype(bool))
    print(f"NetworkProcess inside a Lava graph: its inhibitory spikes equal run_lava's: {inside}; "
          f"read-out v after {T} steps: {int(v_readout[-1])}")

    if out_dir:
        from lava_eirate import plot
        if not plot.file_backend():
            print(f"(matplotlib not installed: no figure; {plot.INSTALL_HINT})")
        else:
            import matplotlib.pyplot as plt
            os.makedirs(out_dir, exist_ok=True)
            fig, (a1, a2, a3) = plt.subplots(3, 1, figsize=(8, 7), height_ratios=[3, 1.4, 1])
            w0, shown = max(0, T - 200), min(200, n_exc)     # the last 200 steps, 200 excitatory neurons
            plot.raster(data["exc"]["s_out"].astype(bool), ax=a1, color="tab:blue", steps=(w0, T),
                        neurons=np.arange(shown), markersize=2)
            a1.set_title(f"run_lava: excitatory spikes, the last {T - w0} steps ({shown} neurons)")
            steps = np.arange(1, T + 1)
            a2.plot(steps, data["exc"]["s_out"].sum(1), color="tab:blue", lw=2, label="run_lava")
            a2.plot(steps, lava["exc", "s_out"].sum(1), color="tab:orange", lw=1, ls="--", label="Lava runtime")
            a2.set_ylabel("exc spikes / step")
            a2.legend(loc="upper right", fontsize=8)
            a3.plot(steps, v_readout, color="k")
            a3.set_xlabel("time step")
            a3.set_ylabel("read-out v")
            a3.set_title("a Lava LIF driven by the NetworkProcess's inhibitory spikes", fontsize=9)
            path = os.path.join(out_dir, "lava_network.png")
            fig.tight_layout()
            fig.savefig(path, dpi=100)
            plt.close(fig)
            print("figure:", path)
    return dict(same=same, inside=inside, speedup=t_lava / t_ours, data=data)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--out", default="tutorial05_output")
    args = ap.parse_args()
    main(args.small, args.out)
