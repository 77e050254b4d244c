"""Golden traces: record, load (hash-verified), compare with the first divergence, and
the pytest plugin's ``golden`` fixture."""
import os
import zipfile

import numpy as np
import pytest

import lava_eirate as le
from lava_eirate.golden import GoldenError


def small_trace(T=60, bias=2):
    neurons = le.FixedLIF(8, du=100, dv=200, vth=20, bias_mant=np.arange(8) * bias + 5, bias_exp=6)
    w = np.where(np.arange(8) < 6, 30, -60) * (1 - np.eye(8, dtype=int))
    return le.simulate_fixed(neurons, le.FixedSynapses(w), T)


def test_record_load_roundtrip_with_params_and_metadata(tmp_path):
    tr = small_trace()
    path = tmp_path / "sub" / "net.npz"
    digest = le.golden.record(path, tr, params={"w": np.eye(2, dtype=np.int32), "seed": 3},
                              meta={"author": "ci"})
    g = le.golden.load(path)
    assert le.golden.compare(g.trace, tr) is None
    le.golden.assert_bit_exact(g.trace, tr)
    assert g.params["seed"] == 3 and g.params["w"].dtype == np.int32
    assert g.meta["versions"]["lava-nc"] == "0.10.0" and g.meta["versions"]["numpy"] == np.__version__
    assert g.meta["user"] == {"author": "ci"} and len(digest) == 64


def test_compare_reports_the_first_divergence_and_count():
    a = small_trace()
    b = small_trace()
    b.v = b.v.copy()
    b.v[10, 3] += 1
    b.v[40, 0] -= 7
    b.u = b.u.copy()
    b.u[12, 1] += 1
    d = le.golden.compare(a, b)
    assert (d.variable, d.step, d.neuron, d.expected, d.actual, d.num_differing) == \
        ("v", 11, 3, int(a.v[10, 3]), int(a.v[10, 3]) + 1, 2)
    with pytest.raises(AssertionError, match=r"first divergence in v at step 11, neuron 3"):
        le.golden.assert_bit_exact(a, b)
    c = small_trace(bias=3)
    assert le.golden.compare(a, c).variable in ("s", "u", "v")


def test_float_traces_compare_bit_for_bit():
    tr = le.simulate_float(le.FloatLIF(3, 0.1, 0.1, 1.0, 0.3), None, 20)
    other = le.simulate_float(le.FloatLIF(3, 0.1, 0.1, 1.0, 0.3), None, 20)
    assert le.golden.compare(tr, other) is None
    other.v = other.v.copy()
    other.v[5, 1] = np.nextafter(other.v[5, 1], np.inf)   # one ulp
    d = le.golden.compare(tr, other)
    assert d.variable == "v" and d.step == 6 and d.neuron == 1


def test_shape_and_missing_variable_are_divergences():
    a = small_trace(T=60)
    b = small_trace(T=50)
    assert le.golden.compare(a, b).reason == "shape differs"
    c = small_trace()
    c.u = None
    assert le.golden.compare(a, c).reason == "recorded in only one trace"


def test_corrupted_truncated_and_altered_files_are_errors(tmp_path):
    path = tmp_path / "g.npz"
    le.golden.record(path, small_trace())
    raw = path.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(GoldenError, match="corrupted or truncated"):
        le.golden.load(tmp_path / "trunc.npz")
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0xFF
    (tmp_path / "flip.npz").write_bytes(bytes(flipped))
    with pytest.raises(GoldenError):
        le.golden.load(tmp_path / "flip.npz")
    # a well-formed archive whose data was changed without updating the hash
    with np.load(path) as z:
        content = {k: z[k] for k in z.files}
    content["v"] = content["v"].copy()
    content["v"][0, 0] += 1
    np.savez_compressed(tmp_path / "altered.npz", **content)
    with pytest.raises(GoldenError, match="fails its SHA-256 check"):
        le.golden.load(tmp_path / "altered.npz")
    with pytest.raises(GoldenError, match="does not exist"):
        le.golden.load(tmp_path / "nope.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(GoldenError, match="not a lava_eirate golden file"):
        le.golden.load(tmp_path / "other.npz")


def test_pytest_plugin_records_then_checks_then_catches_a_change(pytester):
    pytester.makepyfile(test_net="""
        import numpy as np
        import lava_eirate as le

        def test_network(golden):
            neurons = le.FixedLIF(6, du=100, dv=200, vth=200, bias_mant=BIAS, bias_exp=6)
            golden.check(le.simulate_fixed(neurons, None, 30), params={"bias": BIAS})
        BIAS = 40
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no golden trace*--update-golden*"])
    pytester.runpytest("--update-golden").assert_outcomes(passed=1)
    assert os.path.exists(pytester.path / "golden" / "test_net" / "test_network.npz")
    pytester.runpytest().assert_outcomes(passed=1)
    src = (pytester.path / "test_net.py").read_text().replace("BIAS = 40", "BIAS = 41")
    (pytester.path / "test_net.py").write_text(src)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*not bit-exact with the golden trace: first divergence in*"])
