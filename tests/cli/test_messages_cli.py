"""Messages a studio reads first: missing weights and extras, offline pulls, --quiet, doctor, mask-model names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from colorframes.cli import app

ROOT = Path(__file__).resolve().parents[2]
SHOT = ROOT / "examples" / "shot01"
SHEET = ROOT / "examples" / "sheet.png"
# Runs the CLI in a fresh interpreter and reports on stderr whether torch got imported.
WATCH_TORCH = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('torch imported: %s\\n' % ('torch' in sys.modules)))\n"
    "sys.argv = ['colorframes', *sys.argv[1:]]\n"
    "from colorframes.cli import main\n"
    "main()\n"
)


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "cfhome"
    home.mkdir()
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COLORFRAMES_HOME": str(home),
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_CACHE": str(tmp_path / "hf" / "hub"),
    }


def cli(*args, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WATCH_TORCH, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


def test_diffusion_without_weights_names_every_model_once_before_any_folder(tmp_path, env):
    out = tmp_path / "out"
    result = cli("run", SHOT, "--ref", SHEET, "--backend", "diffusion", "-o", out, env=env)
    assert result.returncode == 3, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    line = errors[0]
    assert "switch-eps for --model switch-eps (switch-eps.safetensors, 4.33 GB" in line
    assert "clip-vit-h-14 for --model switch-eps (open_clip_model.safetensors, 3.94 GB" in line
    assert "`colorframes models pull switch-eps clip-vit-h-14`" in line
    assert not out.exists()  # nothing created
    assert "torch imported: False" in result.stderr


def test_models_pull_offline_fails_fast_and_says_where_a_hand_copied_file_goes(env):
    for extra in ({"HF_HUB_OFFLINE": "1"}, {"HF_ENDPOINT": "http://127.0.0.1:9"}):  # flag, or nothing listening
        started = time.monotonic()
        result = cli("models", "pull", "isnetis-onnx", env={**env, **extra})
        assert result.returncode == 3, result.stderr
        assert time.monotonic() - started < 15  # no download-library retries
        assert "$COLORFRAMES_HOME/isnetis-onnx/isnetis.onnx" in result.stderr
        assert f"COLORFRAMES_HOME is {env['COLORFRAMES_HOME']}" in result.stderr
        assert "Traceback" not in result.stderr


def test_models_list_shows_size_and_licence(env, monkeypatch):
    monkeypatch.setenv("COLORFRAMES_HOME", env["COLORFRAMES_HOME"])
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split()[:4] == ["name", "state", "size", "licence"]
    row = next(r for r in rows if r.startswith("isnetis-onnx"))
    assert "176 MB" in row and "Apache-2.0" in row and "missing" in row
    assert "4.33 GB" in next(r for r in rows if r.startswith("switch-eps"))


def test_flat_run_with_a_named_mask_model_without_weights_exits_3(tmp_path, env, monkeypatch):
    for key in ("COLORFRAMES_HOME", "HF_HOME", "HF_HUB_CACHE"):
        monkeypatch.setenv(key, env[key])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(SHOT), "--ref", str(SHEET), "--mask-model", "isnet", "-o", str(out)])
    assert result.exit_code == 3, result.output
    assert "isnetis.safetensors" in result.stderr and "--mask-model isnet" in result.stderr
    assert not out.exists()


def test_doctor_and_run_agree_on_mask_model_names(tmp_path, env, monkeypatch):
    for key in ("COLORFRAMES_HOME", "HF_HOME", "HF_HUB_CACHE"):
        monkeypatch.setenv(key, env[key])
    missing = CliRunner().invoke(app, ["doctor", "--mask-model", "isnet"])
    assert missing.exit_code == 3
    assert "[FAIL] weights isnetis" in missing.stdout  # the report is data: stdout
    assert missing.stderr.startswith("error: this setup cannot run")  # the verdict: stderr
    folder = Path(env["COLORFRAMES_HOME"]) / "isnetis"
    folder.mkdir()
    (folder / "isnetis.safetensors").write_bytes(b"placeholder")
    found = CliRunner().invoke(app, ["doctor", "--mask-model", "isnet"])
    assert found.exit_code == 0, found.output
    assert "[ok] requirements" in found.stdout and found.stderr == ""
    path = CliRunner().invoke(app, ["models", "path", "isnet"])  # the --mask-model name works here too
    assert path.exit_code == 0 and path.stdout.strip() == str(folder / "isnetis.safetensors")


def test_quiet_prints_errors_only_and_silences_opencv(tmp_path, env):
    shot = tmp_path / "shot01"
    shutil.copytree(SHOT, shot)
    (shot / "shot01.1003.png").unlink()  # a gap: a warning
    data = (shot / "shot01.1004.png").read_bytes()
    (shot / "shot01.1004.png").write_bytes(data[: len(data) // 2])  # truncated: OpenCV logs a WARN line
    args = ("run", shot, "--ref", SHEET, "--frames", "1001-1004", "-o", tmp_path / "out")
    loud = cli(*args, env=env)
    assert loud.returncode == 1 and "warning: shot01: missing frames 1003" in loud.stderr
    quiet = cli(*args, "--quiet", "-o", tmp_path / "out2", env=env)
    assert quiet.returncode == 1
    lines = [line for line in quiet.stderr.splitlines() if not line.startswith("torch imported")]
    assert "[ WARN" in loud.stderr or "libpng" in loud.stderr
    assert "[ WARN" not in quiet.stderr
    # errors only (libpng's own "libpng error: ..." line for the corrupt PNG is printed by libpng itself)
    ours = [line for line in lines if not line.startswith("libpng error")]
    assert ours and all(line.startswith("error:") for line in ours), lines
    assert "1004" in ours[0] and "1 frame(s) failed" in ours[-1]
    help_text = CliRunner().invoke(app, ["run", "--help"]).stdout
    assert "Errors only on stderr" in " ".join(help_text.split())
    segment = cli("segment", SHOT, "--frames", "1001", "-o", tmp_path / "m", "--quiet", env=env)
    assert segment.returncode == 0 and segment.stderr.strip() == "torch imported: False"
    note = cli("segment", SHOT, "--frames", "1001-1002", "-o", tmp_path / "m2", env=env)
    assert note.stderr.count("note: masks: classical") == 1 and "warning" not in note.stderr
