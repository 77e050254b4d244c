"""Every tutorial runs (at a small size) and shows what it claims."""
import importlib.util
import os

import numpy as np
import pytest

HERE = os.path.join(os.path.dirname(__file__), "..", "tutorials")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_01_end_to_end(capsys, tmp_path):
    tr_float, tr_fixed, c = load("01_ei_network_end_to_end").main(small=True, out_dir=str(tmp_path))
    assert tr_fixed.s.mean() == pytest.approx(tr_float.s.mean(), rel=0.05)
    assert "c(0)" in capsys.readouterr().out
    assert (tmp_path / "float_vs_fixed.png").stat().st_size > 10_000


def test_02_preparing_for_loihi(capsys):
    fixed, report = load("02_preparing_for_loihi").main(small=True)
    out = capsys.readouterr().out
    assert out.count("refused:") == 2 and "scale S" in out
    assert report.weights["clipped"] == 0


def test_03_regression_tests(capsys):
    diff = load("03_bit_accuracy_regression_tests").main(small=True)
    assert diff is not None and diff.step is not None
    assert "same parameters: bit-exact" in capsys.readouterr().out


def test_04_quantization_fidelity(capsys, tmp_path):
    per_conn, ours, theirs = load("04_quantization_fidelity").main(small=True, out_dir=str(tmp_path))
    assert abs(per_conn.rate_change[0]) < abs(theirs.rate_change[0])  # the tutorial loses more rate
    assert abs(ours.rate_change[0]) < abs(theirs.rate_change[0])
    assert theirs.rate_change[0] < -0.15
    assert (tmp_path / "fidelity_lava_eirate.png").exists() and (tmp_path / "fidelity_per_connection.png").exists()
    assert "ensemble" in capsys.readouterr().out


def readme_block(section):
    text = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    return text.split(section, 1)[1].split("```python", 1)[1].split("```", 1)[0]


def test_readme_network_example_runs_and_continues_bit_exactly():
    """The README's multi-population example, as written; its claim that continuing from
    trace.final equals one long run is checked."""
    import numpy as np
    import lava_eirate as le
    ns = {}
    exec(readme_block("## Networks of populations and connections"), ns)
    net, trace, more = ns["net"], ns["trace"], ns["more"]
    assert trace["exc"].s.shape == (1000, 320) and trace["inh"].v is None
    assert 0 < trace["exc"].num_spikes < 320 * 1000 and trace["inh"].num_spikes > 0
    whole = le.simulate(net, 1500, record={"exc": ("s", "v"), "inh": "s"})
    assert np.array_equal(whole["exc"].v[1000:], more["exc"].v)
    assert np.array_equal(whole["inh"].s[1000:], more["inh"].s)


def test_readme_mean_field_example_runs():
    import numpy as np
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    ns = {}
    exec(readme_block("## Mean-field theory"), ns)
    assert np.allclose(ns["nu"], ns["nu"][0]) and 30 < ns["nu"][0] < 45      # Brunel A, g=5, eta=2
    assert 1e-4 < ns["fit"].tau_rate[0] < 0.1 and np.isfinite(ns["fit"].fit_error).all()
    assert all(0 < r < 1 for r in ns["rates"])


@pytest.mark.lava
def test_05_accelerate_a_lava_network(capsys, tmp_path):
    out = load("05_accelerate_a_lava_network").main(small=True, out_dir=str(tmp_path))
    assert out["same"] and out["inside"]
    assert out["data"]["exc"]["s_out"].sum() > 30         # the small network (80 + 20, 100 steps) spikes
    assert "bit-identical: True" in capsys.readouterr().out
    if (tmp_path / "lava_network.png").exists():
        assert (tmp_path / "lava_network.png").stat().st_size > 10_000


@pytest.mark.lava
def test_06_rate_network_fixed_point(capsys, tmp_path):
    out = load("06_rate_network_fixed_point").main(small=True, out_dir=str(tmp_path))
    assert out["same"]
    assert out["balanced_error"] < 0.01 * out["float_std"]
    assert out["acov_rms"] < 0.05
    assert "erf table" in capsys.readouterr().out
    if (tmp_path / "rate_fixed_point.png").exists():
        assert (tmp_path / "rate_fixed_point.png").stat().st_size > 10_000


@pytest.mark.lava
def test_07_nir_to_loihi(capsys, tmp_path):
    out = load("07_nir_to_loihi").main(small=True, out_dir=str(tmp_path))
    assert out["same_as_norse"] and out["norse_v_error"] < 1e-6
    assert np.array_equal(out["fixed_norse_spikes"], out["norse_spikes"] + 1)
    for rf, rx in out["rates"].values():
        assert rf > 5 and abs(rx / rf - 1) < 0.05
    assert out["in_lava"] and out["same_ints"]
    assert "weight_exp" in capsys.readouterr().out
    if (tmp_path / "nir_to_loihi.png").exists():
        assert (tmp_path / "nir_to_loihi.png").stat().st_size > 10_000


def test_readme_nir_example_runs(tmp_path, monkeypatch, capsys):
    """The README's NIR example, as written (run from the repository root; the export
    goes to a temporary file)."""
    block = readme_block("## NIR graphs in and out")
    out = tmp_path / "lif_norse_fixed.nir"
    assert '"lif_norse_fixed.nir"' in block
    monkeypatch.chdir(os.path.join(os.path.dirname(__file__), ".."))
    ns = {}
    exec(block.replace('"lif_norse_fixed.nir"', repr(str(out))), ns)
    assert ns["trace"]["1"].num_spikes == 4 and out.stat().st_size > 1000
    assert "weight_exp" in capsys.readouterr().out
