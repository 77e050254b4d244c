"""The ``lava-eirate`` command.

  demo            the whole pipeline on the Lava tutorial's E/I network (``make demo``)
  convert         rate parameters (JSON or NPZ) -> Loihi fixed-point parameters + report
  golden record   simulate a fixed-point parameter file and record a golden trace
  golden check    simulate again and compare bit for bit with a golden trace
  verify          run a parameter file through lava_eirate and Lava's runtime, compare

Parameter files: ``.json`` (lists for arrays) or ``.npz`` (one entry per key), with the
keys of :class:`lava_eirate.EILIFParams` (fixed point) or of
:func:`lava_eirate.convert_rate_to_lif_params` (rate network). Exit status: 0 success,
1 a check failed (not bit-exact), 2 bad input (missing/corrupt file, missing parameter).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

_RATE_KEYS = ("shape_exc", "dr_exc", "bias_exc", "shape_inh", "dr_inh", "bias_inh", "g_factor",
              "q_factor", "weights")
_LIF_KEYS = ("shape_exc", "shape_inh", "weights", "du_exc", "dv_exc", "vth_exc", "bias_mant_exc",
             "du_inh", "dv_inh", "vth_inh", "bias_mant_inh")
_LIF_OPTIONAL = ("bias_exp_exc", "bias_exp_inh", "weight_exp", "num_weight_bits", "sign_mode")


class UsageError(Exception):
    """Bad input: reported on stderr with exit status 2."""


def load_params(path: str) -> dict:
    """Read a parameter file (.json or .npz) into a dict of Python scalars and arrays."""
    if not os.path.exists(path):
        raise UsageError(f"parameter file {path} does not exist")
    try:
        if path.endswith(".json"):
            with open(path) as fh:
                raw = json.load(fh)
            return {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in raw.items()}
        with np.load(path, allow_pickle=False) as z:
            return {k: (z[k].item() if z[k].ndim == 0 else z[k]) for k in z.files}
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read parameter file {path}: {exc}") from None


def save_params(path: str, params: dict) -> None:
    if path.endswith(".json"):
        with open(path, "w") as fh:
            json.dump({k: (np.asarray(v).tolist() if isinstance(v, np.ndarray) else v)
                       for k, v in params.items()}, fh)
    else:
        np.savez_compressed(path, **{k: np.asarray(v) for k, v in params.items()})


def _require(params: dict, keys, what: str) -> dict:
    missing = [k for k in keys if k not in params]
    if missing:
        raise UsageError(f"{what} lacks parameter(s) {missing}")
    return params


def _fixed_params(params: dict):
    """EILIFParams of a parameter file, required to be legal Loihi integers."""
    from .params import EILIFParams
    _require(params, _LIF_KEYS, "the parameter file")
    try:
        p = EILIFParams(**{k: params[k] for k in _LIF_KEYS + _LIF_OPTIONAL if k in params})
        p.require("fixed")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return p


def cmd_convert(args) -> int:
    from .convert import convert_rate_to_lif_params, float_to_fixed
    rate = _require(load_params(args.rate_file), _RATE_KEYS, f"rate file {args.rate_file}")
    lif = convert_rate_to_lif_params(**{k: rate[k] for k in _RATE_KEYS}, method=args.method)
    fixed, report = float_to_fixed(lif, headroom=args.headroom)
    save_params(args.out, fixed)
    print(f"rate -> LIF ({args.method}): weight scale {lif.diagnostics['weight_scale']:.4g}, "
          f"converged {lif.diagnostics['converged']}")
    print(report)
    print(f"wrote {args.out}")
    return 0


def _simulate(params, steps):
    from .simulators import simulate_fixed
    return simulate_fixed(*_fixed_params(params).fixed, steps)


def cmd_golden(args) -> int:
    from . import golden as G
    params = load_params(args.params)
    if args.action == "record":
        trace = _simulate(params, args.steps)
        digest = G.record(args.golden, trace, params=params, meta={"command": "lava-eirate golden record"})
        print(f"recorded {args.golden} ({trace.num_steps} steps x {trace.n} neurons, sha256 {digest[:16]})")
        return 0
    try:
        g = G.load(args.golden)
    except G.GoldenError as exc:
        raise UsageError(str(exc)) from None
    trace = _simulate(params, g.trace.num_steps)
    if trace.n != g.trace.n:
        raise UsageError(f"the parameter file has {trace.n} neurons, the golden trace {g.trace.n}")
    diff = G.compare(g.trace, trace)
    if diff is None:
        print(f"bit-exact with {args.golden}: {g.trace.num_steps} steps x {g.trace.n} neurons "
              f"(recorded with lava_eirate {g.meta['versions']['lava_eirate']})")
        return 0
    print(f"NOT bit-exact with {args.golden}: {diff}")
    return 1


def cmd_verify(args) -> int:
    from . import golden as G
    from .lava_ref import run_eilif_params
    from .simulators import simulate_fixed
    p = _fixed_params(load_params(args.params))
    mine = simulate_fixed(*p.fixed, args.steps)
    diff = G.compare(run_eilif_params(p, args.steps), mine)
    if diff is None:
        print(f"bit-exact: lava_eirate and Lava's runtime agree on s, u, v for {args.steps} steps x "
              f"{p.n} neurons")
        return 0
    print(f"NOT bit-exact with Lava's runtime: {diff}")
    return 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lava-eirate", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    demo = sub.add_parser("demo", help="the whole pipeline on the Lava tutorial's E/I network: "
                                        "rate -> float LIF -> Loihi fixed point, checked "
                                        "against Lava's own bit-accurate models")
    demo.add_argument("--network", choices=("critical", "balanced"), default="critical")
    demo.add_argument("--steps", type=int, default=1000, help="number of steps (default 1000)")
    demo.add_argument("--lava-steps", type=int, default=100,
                      help="steps also run through Lava's runtime for the check (default 100; 0: skip)")
    demo.add_argument("--seed", type=int, default=1234)
    demo.add_argument("--realizations", type=int, default=30,
                      help="runs from random initial v for the float vs fixed ensemble (default 30; 1: skip)")
    demo.add_argument("--out", default="demo_output", help="folder for the figures")
    conv = sub.add_parser("convert", help="rate parameters (JSON/NPZ) -> Loihi fixed-point parameters + report")
    conv.add_argument("rate_file")
    conv.add_argument("--out", default="fixed_params.npz", help="output file (.npz or .json)")
    conv.add_argument("--method", choices=("theory", "lava_compat"), default="theory")
    conv.add_argument("--headroom", type=float, default=0.5, help="free fraction of the 24-bit range")
    gold = sub.add_parser("golden", help="record or check a golden trace of a fixed-point parameter file")
    gold.add_argument("action", choices=("record", "check"))
    gold.add_argument("params", help="fixed-point parameter file (.npz or .json)")
    gold.add_argument("golden", help="golden trace file (.npz)")
    gold.add_argument("--steps", type=int, default=500, help="steps to record (default 500)")
    ver = sub.add_parser("verify", help="run a parameter file through lava_eirate and Lava's runtime")
    ver.add_argument("params", help="fixed-point parameter file (.npz or .json)")
    ver.add_argument("--steps", type=int, default=50, help="steps (default 50)")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "demo":
            from .demo import run_demo
            return run_demo(network=args.network, num_steps=args.steps, lava_steps=args.lava_steps,
                            seed=args.seed, out_dir=args.out, realizations=args.realizations)
        return {"convert": cmd_convert, "golden": cmd_golden, "verify": cmd_verify}[args.cmd](args)
    except UsageError as exc:
        print(f"lava-eirate {args.cmd}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
