"""The ``lava-eirate`` command."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lava-eirate", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    demo = sub.add_parser("demo", help="simulate a small E/I network in fixed point and "
                                        "check it bit for bit against Lava's own models")
    demo.add_argument("--n", type=int, default=200, help="number of neurons (default 200)")
    demo.add_argument("--steps", type=int, default=500, help="number of steps (default 500)")
    demo.add_argument("--lava-steps", type=int, default=100,
                      help="steps also run through Lava's runtime for the check (default 100)")
    demo.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.cmd == "demo":
        from .demo import run_demo
        return run_demo(n=args.n, num_steps=args.steps, lava_steps=args.lava_steps, seed=args.seed)
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
