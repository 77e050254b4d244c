"""The ``lava-eirate`` command.

  demo            the whole pipeline on the Lava tutorial's E/I network (``make demo``)
  convert         rate parameters (JSON or NPZ) -> Loihi fixed-point parameters + report
  golden record   simulate a fixed-point parameter file and record a golden trace
  golden check    simulate again and compare bit for bit with a golden trace
  verify          run a parameter file through lava_eirate and Lava's runtime, compare

Parameter files: ``.json`` (lists for arrays) or ``.npz`` (one entry per key), with the
keys of :class:`lava_eirate.EILIFParams` (fixed point) or of
:func:`lava_eirate.convert_rate_to_lif_params` (rate network); unknown keys are refused.
Exit status: 0 success, 1 a check failed (not bit-exact), 2 bad input (missing, corrupt
or unknown file content, parameter out of range, bad option) with a message and no
traceback, 3 an internal error (a bug: the traceback is printed).
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
_LIF_OPTIONAL = ("bias_exp_exc", "bias_exp_inh", "weight_exp", "num_weight_bits", "sign_mode",
                 "g_factor", "q_factor")
_PARAM_SUFFIXES = (".npz", ".json")


class UsageError(Exception):
    """Bad input: reported on stderr with exit status 2."""


def _suffix(path: str, what: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _PARAM_SUFFIXES:
        raise UsageError(f"{what} {path!r} must end in .npz or .json")
    return suffix


def load_params(path: str) -> dict:
    """Read a parameter file (.json or .npz) into a dict of Python scalars and arrays."""
    suffix = _suffix(path, "parameter file")
    if not os.path.exists(path):
        raise UsageError(f"parameter file {path} does not exist")
    try:
        if suffix == ".json":
            with open(path) as fh:
                raw = json.load(fh)
            if not isinstance(raw, dict):
                raise UsageError(f"parameter file {path} holds a JSON {type(raw).__name__}; expected "
                                 f"an object {{name: value}}")
            return {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in raw.items()}
        with np.load(path, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise ValueError("it holds a single array, not named parameters")
            return {k: (z[k].item() if z[k].ndim == 0 else z[k]) for k in z.files}
    except (OSError, ValueError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = "not a .npz archive" if "pickled" in str(exc) or "zip" in str(exc).lower() else exc
        raise UsageError(f"cannot read parameter file {path}: {msg}") from None


def save_params(path: str, params: dict) -> None:
    """Write a parameter file atomically (a temporary file in the same folder, renamed)."""
    import tempfile
    suffix = _suffix(path, "output file")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            if suffix == ".json":
                fh.write(json.dumps({k: (np.asarray(v).tolist() if isinstance(v, np.ndarray) else v)
                                     for k, v in params.items()}).encode())
            else:
                np.savez_compressed(fh, **{k: np.asarray(v) for k, v in params.items()})
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _require(params: dict, keys, what: str, optional=()) -> dict:
    """``params`` when it has every key of ``keys`` and nothing outside keys + optional."""
    import difflib
    missing = [k for k in keys if k not in params]
    if missing:
        raise UsageError(f"{what} lacks parameter(s) {missing}")
    legal = tuple(keys) + tuple(optional)
    unknown = [k for k in params if k not in legal]
    if unknown:
        hints = [f"{k!r} (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(k, legal, 1)) else repr(k)
                 for k in unknown]
        raise UsageError(f"{what} has unknown parameter(s) {', '.join(hints)}; legal: {list(legal)}")
    return params


def _fixed_params(params: dict):
    """EILIFParams of a parameter file, required to be legal Loihi integers."""
    from .params import EILIFParams
    _require(params, _LIF_KEYS, "the parameter file", _LIF_OPTIONAL)
    try:
        p = EILIFParams(**{k: params[k] for k in _LIF_KEYS + _LIF_OPTIONAL if k in params})
        p.require("fixed")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return p


def cmd_convert(args) -> int:
    from .convert import convert_rate_to_lif_params, float_to_fixed
    _suffix(args.out, "--out")
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
    changed = G.compare_params(g.params, params)
    if changed:
        print(f"NOT the recorded network: {changed}")
    trace = _simulate(params, g.trace.num_steps)
    if trace.n != g.trace.n:
        raise UsageError(f"the parameter file has {trace.n} neurons, the golden trace {g.trace.n}")
    diff = G.compare(g.trace, trace)
    if diff is None and not changed:
        print(f"bit-exact with {args.golden}: {g.trace.num_steps} steps x {g.trace.n} neurons "
              f"(recorded with lava_eirate {g.meta['versions']['lava_eirate']})")
        return 0
    if diff is None:
        print(f"the traces are bit-exact with {args.golden}, but the parameters differ")
    else:
        print(f"NOT bit-exact with {args.golden}: {diff}")
    return 1


def cmd_verify(args) -> int:
    from . import golden as G
    from .lava_ref import run_eilif_params
    from .simulators import simulate_fixed
    p = _fixed_params(load_params(args.params))
    mine = simulate_fixed(*p.fixed, args.steps)
    diff = G.compare(run_eilif_params(p, args.steps, progress=sys.stderr.isatty() and args.steps > 100), mine)
    if diff is None:
        print(f"bit-exact: lava_eirate and Lava's runtime agree on s, u, v for {args.steps} steps x "
              f"{p.n} neurons")
        return 0
    print(f"NOT bit-exact with Lava's runtime: {diff}")
    return 1


def _int_at_least(lo):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"{value} is out of range: must be >= {lo}")
        return value
    return parse


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"{value} is out of range [0, 1)")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with exit status 2 and no traceback for bad options (its default), and
    help text without reST markup."""

    def format_help(self):
        return super().format_help().replace("``", "")


def main(argv=None) -> int:
    from . import __version__
    parser = _Parser(prog="lava-eirate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"lava-eirate {__version__}")
    sub = parser.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    demo = sub.add_parser("demo", help="the whole pipeline on the Lava tutorial's E/I network: "
                                        "rate -> float LIF -> Loihi fixed point, checked "
                                        "against Lava's own bit-accurate models")
    demo.add_argument("--network", choices=("critical", "balanced"), default="critical")
    demo.add_argument("--steps", type=_int_at_least(50), default=1000,
                      help="number of steps, at least 50 for the auto-covariance (default 1000)")
    demo.add_argument("--lava-steps", type=_int_at_least(0), default=100,
                      help="steps also run through Lava's runtime for the check (default 100; 0: skip)")
    demo.add_argument("--seed", type=int, default=1234)
    demo.add_argument("--realizations", type=_int_at_least(1), default=30,
                      help="runs from random initial v for the float vs fixed ensemble (default 30; 1: skip)")
    demo.add_argument("--out", default="demo_output", help="folder for the figures")
    conv = sub.add_parser("convert", help="rate parameters (JSON/NPZ) -> Loihi fixed-point parameters + report")
    conv.add_argument("rate_file")
    conv.add_argument("--out", default="fixed_params.npz", help="output file (.npz or .json)")
    conv.add_argument("--method", choices=("theory", "lava_compat"), default="theory")
    conv.add_argument("--headroom", type=_fraction, default=0.5,
                      help="free fraction of the 24-bit range, in [0, 1) (default 0.5)")
    gold = sub.add_parser("golden", help="record or check a golden trace of a fixed-point parameter file")
    gold.add_argument("action", choices=("record", "check"))
    gold.add_argument("params", help="fixed-point parameter file (.npz or .json)")
    gold.add_argument("golden", help="golden trace file (.npz)")
    gold.add_argument("--steps", type=_int_at_least(1), default=500, help="steps to record (default 500)")
    ver = sub.add_parser("verify", help="run a parameter file through lava_eirate and Lava's runtime")
    ver.add_argument("params", help="fixed-point parameter file (.npz or .json)")
    ver.add_argument("--steps", type=_int_at_least(1), default=50, help="steps (default 50)")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "demo":
            from .demo import run_demo
            return run_demo(network=args.network, num_steps=args.steps, lava_steps=args.lava_steps,
                            seed=args.seed, out_dir=args.out, realizations=args.realizations)
        return {"convert": cmd_convert, "golden": cmd_golden, "verify": cmd_verify}[args.cmd](args)
    except (UsageError, ValueError, TypeError) as exc:
        # lava_eirate raises ValueError/TypeError naming the parameter for bad input
        print(f"lava-eirate {args.cmd}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lava-eirate {args.cmd}: interrupted", file=sys.stderr)
        return 130
    except Exception:  # a bug: keep the traceback
        import traceback
        traceback.print_exc()
        print(f"lava-eirate {args.cmd}: internal error (please report it with the traceback above)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
