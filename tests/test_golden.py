"""Golden traces: record, load (hash-verified), compare with the first divergence, and
the pytest plugin's ``golden`` fixture."""
import os
import zipfile

import numpy as np
import pytest

import lava_eirate as le
from lava_eirate import golden as G
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
            neurons = le.FixedLIF(6, du=100, dv=200, vth=VTH, bias_mant=BIAS, bias_exp=6)
            golden.check(le.simulate_fixed(neurons, None, 30), params={"bias": BIAS})
        BIAS = 40
        VTH = 200
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no golden trace*--update-golden*"])
    pytester.runpytest("--update-golden").assert_outcomes(passed=1)
    assert os.path.exists(pytester.path / "golden" / "test_net" / "test_network.npz")
    pytester.runpytest().assert_outcomes(passed=1)
    src = (pytester.path / "test_net.py").read_text().replace("VTH = 200", "VTH = 150")
    (pytester.path / "test_net.py").write_text(src)
    result = pytester.runpytest()        # same declared parameters, another network
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*not bit-exact with the golden trace: first divergence in*"])
    src = src.replace("BIAS = 40", "BIAS = 41")
    (pytester.path / "test_net.py").write_text(src)
    result = pytester.runpytest()        # declared parameters differ from the recorded ones
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*recorded with other parameters -- parameter 'bias' differs: "
                                 "recorded 40, checked with 41*"])


def _trace(n=4, T=6):
    return le.simulate_fixed(le.FixedLIF(n, 100, 100, 20, 900, 4), None, T)


def test_concurrent_records_to_one_path_leave_a_valid_file(tmp_path):
    import threading
    path = tmp_path / "g.npz"
    traces = [_trace(n=4 + k) for k in range(4)]
    for _ in range(10):
        threads = [threading.Thread(target=G.record, args=(path, tr)) for tr in traces]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        g = G.load(path)                      # one of the writers, whole and verified
        assert any(G.compare(g.trace, tr) is None for tr in traces)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.npz"]


def test_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(OSError, match="disk full"):
        G.record(tmp_path / "g.npz", _trace())
    assert list(tmp_path.iterdir()) == []


def _rewrite(path, **members):
    """A golden file with some members replaced by raw bytes."""
    import zipfile
    with zipfile.ZipFile(path) as zf:
        content = {name: zf.read(name) for name in zf.namelist()}
    content.update(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            zf.writestr(name, data)


def test_malformed_golden_files_raise_golden_error(tmp_path):
    import io as _io
    base = tmp_path / "base.npz"
    G.record(base, _trace())

    def npy(obj):
        buf = _io.BytesIO()
        np.save(buf, obj)
        return buf.getvalue()

    variants = {
        "meta_not_json": {"__meta__.npy": npy(np.array("{not json"))},
        "meta_list": {"__meta__.npy": npy(np.array("[1, 2]"))},
        "meta_no_shape": {"__meta__.npy": npy(np.array('{"format": 1}'))},
        "params_not_json": {"__params__.npy": npy(np.array("{oops"))},
        "bad_npy": {"u.npy": b"\x93NUMPY garbage"},
        "zip_bomb": {"u.npy": npy(np.zeros((4000, 4000), np.int32))},
    }
    for name, members in variants.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(base.read_bytes())
        _rewrite(path, **members)
        with pytest.raises(G.GoldenError):
            G.load(path)
    (tmp_path / "deflate.npz").write_bytes(base.read_bytes()[:-30])
    with pytest.raises(G.GoldenError):
        G.load(tmp_path / "deflate.npz")


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    import time
    import zipfile
    path = tmp_path / "bomb.npz"
    G.record(path, _trace())
    with zipfile.ZipFile(path) as zf:
        content = {name: zf.read(name) for name in zf.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            if name != "u.npy":
                zf.writestr(name, data)
        with zf.open("u.npy", "w", force_zip64=True) as fh:   # 2 GiB of zeros, ~2 MB on disk
            block = bytes(2 ** 24)
            for _ in range(128):
                fh.write(block)
    assert path.stat().st_size < 10 * 2 ** 20
    t0 = time.perf_counter()
    with pytest.raises(G.GoldenError, match="would inflate to 2147483648 bytes"):
        G.load(path)
    assert time.perf_counter() - t0 < 2


def test_plugin_file_names_are_distinct_for_distinct_ids():
    from lava_eirate._pytest_plugin import GoldenFixture

    class Req:
        class config:
            @staticmethod
            def getoption(_):
                return False

        class node:
            fspath = "/x/test_mod.py"
            name = "t"
    fx = GoldenFixture(Req)
    names = ["a b", "a_b", "a/b", "a:b", "test_ok[1-2]", "x" * 3]
    paths = [fx.path(n) for n in names]
    assert len(set(paths)) == len(paths)
    assert fx.path("a_b").endswith("/golden/test_mod/a_b.npz")
