"""The lava-eirate command: convert, golden record/check, verify; bad input -> exit 2."""
import json
import subprocess
import sys

import numpy as np
import pytest

from lava_eirate.cli import main, save_params
from lava_eirate.network import tutorial_networks


@pytest.fixture
def fixed_file(tmp_path):
    rng = np.random.default_rng(0)
    n_e, n_i = 24, 8
    w = np.zeros((32, 32), np.int64)
    w[:, :n_e] = rng.integers(0, 60, (32, n_e))
    w[:, n_e:] = rng.integers(-200, 1, (32, n_i))
    w *= rng.random((32, 32)) < 0.3
    params = dict(shape_exc=n_e, shape_inh=n_i, weights=w, du_exc=300, dv_exc=200, vth_exc=3000,
                  bias_mant_exc=900, bias_exp_exc=6, du_inh=300, dv_inh=200, vth_inh=3000,
                  bias_mant_inh=900, bias_exp_inh=6)
    path = tmp_path / "fixed.npz"
    save_params(str(path), params)
    return path, params


def test_golden_record_check_and_divergence(tmp_path, fixed_file, capsys):
    path, params = fixed_file
    gold = tmp_path / "g.npz"
    assert main(["golden", "record", str(path), str(gold), "--steps", "80"]) == 0
    assert main(["golden", "check", str(path), str(gold)]) == 0
    assert "bit-exact with" in capsys.readouterr().out
    changed = tmp_path / "changed.json"
    save_params(str(changed), dict(params, bias_mant_exc=901))
    assert main(["golden", "check", str(changed), str(gold)]) == 1
    out = capsys.readouterr().out
    assert "NOT bit-exact" in out and "first divergence in" in out and "step" in out
    gold.write_bytes(gold.read_bytes()[:100])
    assert main(["golden", "check", str(path), str(gold)]) == 2
    assert "corrupted or truncated" in capsys.readouterr().err


def test_bad_input_exits_2_with_a_clear_message(tmp_path, fixed_file, capsys):
    path, params = fixed_file
    partial = tmp_path / "partial.json"
    save_params(str(partial), {k: v for k, v in params.items() if k != "vth_inh"})
    assert main(["golden", "record", str(partial), str(tmp_path / "x.npz")]) == 2
    assert "lacks parameter(s) ['vth_inh']" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "missing.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    save_params(str(bad), dict(params, du_exc=5000))
    assert main(["golden", "record", str(bad), str(tmp_path / "y.npz")]) == 2
    assert "du_exc = 5000 is out of range [0, 4095]" in capsys.readouterr().err


def test_convert_writes_fixed_parameters_and_report(tmp_path, capsys):
    rate = tutorial_networks(1234)["balanced"]
    src = tmp_path / "rate.json"
    src.write_text(json.dumps({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in rate.items()}))
    out = tmp_path / "fixed.npz"
    assert main(["convert", str(src), "--out", str(out), "--method", "lava_compat"]) == 0
    text = capsys.readouterr().out
    assert "scale S" in text and "weights:" in text
    assert main(["golden", "record", str(out), str(tmp_path / "g.npz"), "--steps", "20"]) == 0


@pytest.mark.lava
def test_verify_against_lava(fixed_file, capsys):
    path, _ = fixed_file
    assert main(["verify", str(path), "--steps", "30"]) == 0
    assert "bit-exact: lava_eirate and Lava's runtime agree" in capsys.readouterr().out


def test_every_subcommand_has_help():
    for args in (["--help"], ["demo", "--help"], ["convert", "--help"], ["golden", "--help"], ["verify", "--help"]):
        out = subprocess.run([sys.executable, "-m", "lava_eirate.cli", *args], capture_output=True, text=True)
        assert out.returncode == 0 and "usage: lava-eirate" in out.stdout
