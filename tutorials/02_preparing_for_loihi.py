"""Tutorial 02 -- preparing a network for Loihi.

Float LIF parameters become Loihi mantissas and exponents; the report says what the
quantization cost; values that cannot be represented are refused with a clear error.

    python tutorials/02_preparing_for_loihi.py [--small]
"""
import argparse

import numpy as np

import lava_eirate as le
from lava_eirate.network import tutorial_networks


def main(small=False):
    lif = le.convert_rate_to_lif_params(**tutorial_networks(seed=1234)["balanced"], method="lava_compat")
    fixed, report = le.float_to_fixed(lif, num_steps=100 if small else 300)
    print(report)                                   # scale, per-parameter error, weights
    print("du_exc:", lif["du_exc"], "->", fixed["du_exc"], "(Loihi adds 1: effective",
          (fixed["du_exc"] + 1) / 4096, ")")
    back = le.fixed_to_float(fixed, report.scale)   # what the integers stand for
    print("largest weight error:", float(np.max(np.abs(back["weights"] - lif["weights"]))))
    try:                                            # a request Loihi cannot hold
        le.float_to_fixed(dict(lif, weights=lif["weights"] * 1e6), u_range=1.0, v_range=1.0)
    except ValueError as exc:
        print("refused:", exc)
    try:
        le.FixedLIF(10, du=5000, dv=0, vth=100)
    except ValueError as exc:
        print("refused:", exc)
    return fixed, report


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    main(ap.parse_args().small)
