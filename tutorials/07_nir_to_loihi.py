"""Tutorial 07 -- a network made elsewhere (NIR) to Loihi fixed point, and back.

NIR graphs are how spiking networks leave snnTorch, Norse, Rockpool, Sinabs or Spyx. This
tutorial

1. loads the graph Norse's own NIR writer produced for the NIR paper (one LIF neuron,
   ``tests/data/nir_paper/lif_norse.nir``) and compares lava_eirate's float and fixed-point
   runs with Norse's own trace;
2. builds a two-layer graph with a recurrent layer and per-channel delays (as a trained
   model would arrive), loads it in fixed point (``le.nir.load(..., fixed=True)``) with
   the quantization report per population and connection, and compares rates;
3. runs the fixed-point network through Lava's own processes (LIF, Dense, DelayDense,
   RingBuffer) and checks it is bit-exact with the engine;
4. exports it back to NIR and reloads it: the same integers;
5. draws the traces when matplotlib is installed.

    python tutorials/07_nir_to_loihi.py [--small] [--out tutorial07_output]
"""
import argparse
import os

import numpy as np

import lava_eirate as le

HERE = os.path.dirname(os.path.abspath(__file__))
NORSE = os.path.join(HERE, "..", "tests", "data", "nir_paper")
DT = 1e-3


def two_layer_graph(rng):
    """Input(20) -> Affine -> CubaLIF(40) -> Linear -> Delay (per channel) -> LIF(10),
    the LIF recurrent, as a nir.NIRGraph."""
    import nir
    return nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type={"input": np.array([20])}),
            "fc1": nir.Affine(weight=rng.normal(0.25, 0.4, (40, 20)), bias=rng.uniform(0, 0.05, 40)),
            "hidden": nir.CubaLIF(tau_syn=np.full(40, 5e-3), tau_mem=rng.uniform(10e-3, 20e-3, 40),
                                  r=np.full(40, 3.0), v_leak=np.zeros(40), v_threshold=np.ones(40),
                                  v_reset=np.zeros(40), w_in=np.ones(40)),
            "fc2": nir.Linear(weight=rng.normal(0.1, 0.3, (10, 40))),
            "delay": nir.Delay(delay=rng.integers(0, 4, 10) * DT),
            "out": nir.LIF(tau=np.full(10, 20e-3), r=np.full(10, 5.0), v_leak=np.zeros(10),
                           v_threshold=np.full(10, 1.0), v_reset=np.zeros(10)),
            "rec": nir.Linear(weight=rng.normal(-0.2, 0.3, (10, 10))),
            "output": nir.Output(output_type={"output": np.array([10])}),
        },
        edges=[("input", "fc1"), ("fc1", "hidden"), ("hidden", "fc2"), ("fc2", "delay"), ("delay", "out"),
               ("out", "rec"), ("rec", "out"), ("out", "output")])


def main(small=False, out_dir=None):
    T = 400 if small else 2000
    rng = np.random.default_rng(7)

    # 1. a graph written by Norse, against Norse's own simulation of it
    ref = np.loadtxt(os.path.join(NORSE, "lif_norse.csv"), delimiter=",")
    path = os.path.join(NORSE, "lif_norse.nir")
    flt = le.nir.load(path, dt=1e-4, inputs={"input": ref[:, :1]})
    fx = le.nir.load(path, dt=1e-4, inputs={"input": ref[:, :1]}, fixed=True)
    tf = le.simulate(flt, ref.shape[0], record={"1": ("s", "v")})["1"]
    tx = le.simulate(fx, ref.shape[0], record={"1": ("s", "v")})["1"]
    S1 = fx.quantization.populations["1"]["scale"]
    norse_spikes = np.flatnonzero(ref[:, 2])
    same_as_norse = bool(np.array_equal(np.flatnonzero(tf.s[:, 0]), norse_spikes + 1))
    v_err = float(np.max(np.abs(tf.v[1:, 0] - ref[:-1, 1])))
    print(f"Norse's graph: spikes at steps {norse_spikes.tolist()} in Norse, "
          f"{np.flatnonzero(tf.s[:, 0]).tolist()} here (one step later: Lava's Dense delivers on the next "
          f"step); largest |v - v_Norse| {v_err:.1e}; fixed point spikes at "
          f"{np.flatnonzero(tx.s[:, 0]).tolist()}")

    # 2. a two-layer graph in fixed point, with its report
    g = two_layer_graph(rng)
    x = (rng.random((T, 20)) < 0.1).astype(float)
    net_f = le.nir.load(g, dt=DT, inputs={"input": x})
    net_x = le.nir.load(g, dt=DT, inputs={"input": x}, fixed=True, num_steps=T)
    print(net_x.quantization)
    a = le.simulate(net_f, T, record={"hidden": "s", "out": ("s", "v")})
    b = le.simulate(net_x, T, record={"hidden": "s", "out": ("s", "v")})
    rates = {k: (a[k].num_spikes / a[k].n / (T * DT), b[k].num_spikes / b[k].n / (T * DT)) for k in ("hidden", "out")}
    for k, (rf, rx) in rates.items():
        print(f"{k}: {rf:.1f} Hz float, {rx:.1f} Hz fixed point ({rx / rf - 1:+.1%})")

    # 3. the fixed-point network through Lava's own processes
    from lava_eirate.lava_ref import run_network
    lava_T = 50 if small else 200
    lava = run_network(net_x, lava_T, record={"out": ("s", "v")})
    engine = le.simulate(net_x, lava_T, record={"out": ("s", "v")})
    in_lava = bool(np.array_equal(lava["out"].v, engine["out"].v) and np.array_equal(lava["out"].s, engine["out"].s))
    print(f"Lava's own LIF/Dense/DelayDense/RingBuffer vs the engine, {lava_T} steps, bit-exact: {in_lava}")

    # 4. back to NIR and in again: the same integers
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out_path = os.path.join(tmp, "two_layer_fixed.nir")
        le.nir.export(net_x, out_path, dt=DT)
        again = le.nir.load(out_path, dt=DT, inputs={"input": x}, fixed=True)
    same_ints = bool(np.array_equal(le.simulate(again, T, record={"out": "v"})["out"].v, b["out"].v))
    print(f"export -> load (fixed): same trace, bit for bit: {same_ints}")

    if out_dir:
        from lava_eirate import plot
        if not plot.file_backend():
            print(f"(matplotlib not installed: no figure; {plot.INSTALL_HINT})")
        else:
            import matplotlib.pyplot as plt
            os.makedirs(out_dir, exist_ok=True)
            fig, ax = plt.subplots(1, 2, figsize=(12, 4))
            t = np.arange(ref.shape[0]) * 0.1
            ax[0].plot(t, ref[:, 1], color="k", lw=2.5, label="Norse (its own simulation)")
            ax[0].plot(t[:-1], tf.v[1:, 0], color="tab:blue", lw=1.2, label="lava_eirate float (1 step earlier)")
            ax[0].plot(t[:-1], tx.v[1:, 0] / S1, color="tab:orange", lw=1, ls="--", label="fixed point / S")
            ax[0].set_xlabel("time (ms)")
            ax[0].set_ylabel("v")
            ax[0].set_title("Norse's NIR graph of one LIF neuron")
            ax[0].legend(fontsize=8)
            for k, (col, lab) in enumerate((("tab:blue", "float"), ("tab:orange", "fixed point"))):
                tr = (a, b)[k]["hidden"].s
                tt, ii = np.nonzero(tr[: min(T, 400)])
                ax[1].scatter(tt, ii + k * 0.4, s=2, color=col, label=lab)
            ax[1].set_xlabel("time step")
            ax[1].set_ylabel("hidden neuron")
            ax[1].set_title(f"two-layer graph: hidden spikes ({rates['hidden'][0]:.0f} vs "
                            f"{rates['hidden'][1]:.0f} Hz)")
            ax[1].legend(fontsize=8, markerscale=4)
            fig.tight_layout()
            path = os.path.join(out_dir, "nir_to_loihi.png")
            tmp = path + ".tmp.png"
            fig.savefig(tmp, dpi=100)
            os.replace(tmp, path)
            plt.close(fig)
            print("figure:", path)
    return dict(same_as_norse=same_as_norse, norse_v_error=v_err, fixed_norse_spikes=np.flatnonzero(tx.s[:, 0]),
                norse_spikes=norse_spikes, rates=rates, in_lava=in_lava, same_ints=same_ints,
                report=net_x.quantization)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--out", default="tutorial07_output")
    args = ap.parse_args()
    main(small=args.small, out_dir=args.out)
