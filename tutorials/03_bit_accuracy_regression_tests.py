"""Tutorial 03 -- bit-accuracy regression tests.

Record a golden trace once; later runs are compared bit for bit and the first divergence
is reported. In a pytest suite the ``golden`` fixture does this in one line:

    def test_my_network(golden):
        golden.check(le.simulate_fixed(neurons, synapses, 500))

(run ``pytest --update-golden`` once to record). This script shows the library calls.

    python tutorials/03_bit_accuracy_regression_tests.py [--small]
"""
import argparse
import os
import tempfile

import numpy as np

import lava_eirate as le


def network(bias=900):
    rng = np.random.default_rng(0)
    w = np.where(np.arange(40) < 32, rng.integers(0, 60, (40, 40)), rng.integers(-200, 1, (40, 40)))
    w = w * (rng.random((40, 40)) < 0.3)
    return le.FixedLIF(40, du=300, dv=200, vth=3000, bias_mant=bias, bias_exp=6), le.FixedSynapses(w)


def main(small=False):
    steps = 100 if small else 1000
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "net.npz")
    trace = le.simulate_fixed(*network(), steps)
    le.golden.record(path, trace, params={"bias": 900})          # once
    golden = le.golden.load(path)                                # hash-verified
    assert le.golden.compare(golden.trace, le.simulate_fixed(*network(), steps)) is None
    print("same parameters: bit-exact")
    diff = le.golden.compare(golden.trace, le.simulate_fixed(*network(bias=901), steps))
    print("bias 900 -> 901:", diff)
    return diff


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    main(ap.parse_args().small)
