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
    assert "NOT the recorded network: parameter 'bias_mant_exc' differs: recorded 900, checked with 901" in out
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


def run_cli(args):
    """(exit status, stdout, stderr) of the installed command in a fresh process."""
    out = subprocess.run([sys.executable, "-m", "lava_eirate.cli", *args], capture_output=True, text=True)
    return out.returncode, out.stdout, out.stderr


def test_cli_contract_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path, fixed_file):
    path, params = fixed_file
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2, 3]")
    png = tmp_path / "picture.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    fake_npz = tmp_path / "picture.npz"
    fake_npz.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    typo = tmp_path / "typo.json"
    save_params(str(typo), dict(params, bias_exp_ex=3))
    rate = tmp_path / "rate.json"
    rate.write_text(json.dumps({k: (v.tolist() if isinstance(v, np.ndarray) else v)
                                for k, v in tutorial_networks(1234)["balanced"].items()}))
    cases = [
        (["golden", "record", str(path), str(tmp_path / "g.npz"), "--steps", "0"], "0 is out of range: must be >= 1"),
        (["verify", str(path), "--steps", "-3"], "-3 is out of range: must be >= 1"),
        (["convert", str(rate), "--headroom", "1.5"], r"1.5 is out of range [0, 1)"),
        (["convert", str(rate), "--out", str(tmp_path / "c.txt")], "must end in .npz or .json"),
        (["golden", "record", str(listed), str(tmp_path / "g.npz")], "holds a JSON list; expected an object"),
        (["verify", str(png)], "must end in .npz or .json"),
        (["verify", str(fake_npz)], "cannot read parameter file"),
        (["golden", "record", str(typo), str(tmp_path / "g.npz")],
         "unknown parameter(s) 'bias_exp_ex' (did you mean 'bias_exp_exc'?)"),
        (["demo", "--lava-steps", "-1"], "-1 is out of range: must be >= 0"),
        (["demo", "--steps", "400x"], "'400x' is not an integer"),
    ]
    for args, message in cases:
        code, out, err = run_cli(args)
        assert code == 2, (args, code, err)
        assert message in err, (args, err)
        assert "Traceback" not in err, (args, err)
    assert not (tmp_path / "c.txt").exists() and not (tmp_path / "c.txt.npz").exists()


def test_version_and_help_without_markup():
    code, out, _ = run_cli(["--version"])
    assert code == 0 and out.strip().startswith("lava-eirate ")
    for args in (["--help"], ["convert", "--help"], ["golden", "--help"]):
        code, out, _ = run_cli(args)
        assert code == 0 and "``" not in out and ":func:" not in out


def test_parameter_files_are_written_atomically(tmp_path, monkeypatch):
    """A failed write leaves neither a partial file nor a temporary one behind."""
    target = tmp_path / "p.npz"
    save_params(str(target), {"a": np.arange(3)})
    before = target.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(OSError, match="disk full"):
        save_params(str(target), {"a": np.arange(5)})
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.npz"]
