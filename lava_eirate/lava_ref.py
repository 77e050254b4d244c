"""Reference runs through Lava 0.10's own processes and runtime.

A LIF population (``lava.proc.lif.process.LIF``) with recurrent ``Dense`` or ``Sparse``
weights and optional external input from Lava's ``RingBuffer``, run with
``Loihi2SimCfg(select_tag="fixed_pt")`` (``PyLifModelBitAcc``, ``PyDenseModelBitAcc``,
``PySparseModelBitAcc``) or ``"floating_pt"``; s, u and v are read with Monitors. These
are the ground truth that :func:`lava_eirate.simulate_fixed` is tested against.

Weights are passed to Lava *raw*: Lava does its own int32 cast, sign-mode detection,
clipping and truncation.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .simulate import Trace


def _lava_sign_mode(sign_mode):
    if sign_mode is None:
        return None
    from lava.utils.weightutils import SignMode as LavaSignMode
    from .loihi.weights import as_sign_mode
    return LavaSignMode(as_sign_mode(sign_mode).value)


def run_lif_network(*, n, du, dv, vth, bias_mant, num_steps, weights=None, bias_exp=0,
                    weight_exp=0, num_weight_bits=8, sign_mode=None, a_in=None,
                    u0=0, v0=0, connection="dense", tag="fixed_pt",
                    record=("s", "u", "v"), progress: bool = False) -> Trace:
    """Run LIF (+ Dense/Sparse recurrence, + RingBuffer input) in Lava's runtime.

    ``weights`` is the raw ``W[post, pre]`` (None: no recurrence); ``connection`` is
    "dense" or "sparse"; ``a_in`` is (num_steps, n) external input sent to LIF's
    ``a_in`` on the same step; per-neuron ``du``/``dv``/``vth`` arrays are accepted.
    ``tag`` selects "fixed_pt" (bit-accurate) or "floating_pt" models. ``progress``
    runs in chunks of 10 steps with a progress bar on stderr.
    """
    from ._progress import Progress
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    from lava.proc.sparse.process import Sparse

    fixed = tag == "fixed_pt"
    dtype = np.int64 if fixed else np.float64

    def vec(x):
        return np.array(np.broadcast_to(np.asarray(x, dtype=dtype), (n,)))

    def scalar_or_vec(x):
        x = np.asarray(x, dtype=dtype)
        return x.item() if x.ndim == 0 else vec(x)

    lif = LIF(shape=(n,), du=scalar_or_vec(du), dv=scalar_or_vec(dv), vth=scalar_or_vec(vth),
              bias_mant=vec(bias_mant), bias_exp=vec(bias_exp), u=vec(u0), v=vec(v0))
    if weights is not None:
        kwargs = dict(weight_exp=int(weight_exp), num_weight_bits=int(num_weight_bits))
        mode = _lava_sign_mode(sign_mode)
        if mode is not None:
            kwargs["sign_mode"] = mode
        if not fixed:
            kwargs = {}
        if connection == "dense":
            w = weights.toarray() if sp.issparse(weights) else np.asarray(weights)
            conn = Dense(weights=w, **kwargs)
        elif connection == "sparse":
            conn = Sparse(weights=sp.csr_matrix(weights), **kwargs)
        else:
            raise ValueError(f"connection={connection!r}; legal values: 'dense', 'sparse'")
        lif.s_out.connect(conn.s_in)
        conn.a_out.connect(lif.a_in)
    if a_in is not None:
        src = RingBuffer(data=np.ascontiguousarray(np.asarray(a_in, dtype=dtype).T))
        src.s_out.connect(lif.a_in)
    monitors = {}
    for name in record:
        mon = Monitor()
        mon.probe(lif.s_out if name == "s" else getattr(lif, name), num_steps)
        monitors[name] = mon
    try:
        cfg = Loihi2SimCfg(select_tag=tag)
        chunk = 10 if progress else num_steps
        with Progress(num_steps, "Lava runtime", enabled=progress) as bar:
            done = 0
            while done < num_steps:
                k = min(chunk, num_steps - done)
                lif.run(condition=RunSteps(num_steps=k), run_cfg=cfg)
                done += k
                bar.update(k)
        data = {}
        for name, mon in monitors.items():
            key = "s_out" if name == "s" else name
            data[name] = np.asarray(mon.get_data()[lif.name][key])
    finally:
        lif.stop()
    s = data.get("s")
    out_dtype = np.int32 if fixed else np.float64
    return Trace(s=None if s is None else s.astype(bool),
                 u=data["u"].astype(out_dtype) if "u" in data else None,
                 v=data["v"].astype(out_dtype) if "v" in data else None,
                 num_steps=num_steps, n=n, kind="lava-" + tag,
                 num_spikes=int(s.sum()) if s is not None else 0)


def run_eilif_params(params, num_steps: int, *, progress: bool = False) -> Trace:
    """Lava's own fixed-point LIF + Dense for an :class:`lava_eirate.EILIFParams` (its raw
    weights, weight_exp, num_weight_bits and sign_mode), the reference
    ``simulate_fixed(*params.fixed, num_steps)`` must equal bit for bit."""
    return run_lif_network(n=params.n, num_steps=num_steps, weights=params.weights,
                           weight_exp=int(params.weight_exp), num_weight_bits=int(params.num_weight_bits),
                           sign_mode=params.sign_mode, progress=progress, **params.lava_arrays("fixed"))
