"""The ``lava-eirate`` command."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lava-eirate", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    demo = sub.add_parser("demo", help="the whole pipeline on the Lava tutorial's E/I network: "
                                        "rate -> float LIF -> Loihi fixed point, checked "
                                        "against Lava's own bit-accurate models")
    demo.add_argument("--network", choices=("critical", "balanced"), default="critical")
    demo.add_argument("--steps", type=int, default=1000, help="number of steps (default 1000)")
    demo.add_argument("--lava-steps", type=int, default=100,
                      help="steps also run through Lava's runtime for the check (default 100; 0: skip)")
    demo.add_argument("--seed", type=int, default=1234)
    demo.add_argument("--out", default="demo_output", help="folder for the figures")
    args = parser.parse_args(argv)
    if args.cmd == "demo":
        from .demo import run_demo
        return run_demo(network=args.network, num_steps=args.steps, lava_steps=args.lava_steps,
                        seed=args.seed, out_dir=args.out)
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
