"""`--backend tiny-random` runs at smoke-test defaults; `inspect` takes run's options and agrees with it."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, shot_factory):
    from typer.testing import CliRunner

    from colorframes.cli import app

    root = tmp_path_factory.mktemp("tiny")
    shot = shot_factory(n=2, size=(320, 180))
    sheet = shot.parent / "sheet.png"
    if not sheet.exists():
        import shutil

        shutil.copy(shot / sorted(p.name for p in shot.glob("*.png"))[0], sheet)
    result = CliRunner().invoke(app, ["run", str(shot), "--ref", str(sheet), "--backend", "tiny-random", "-o",
                                      str(root / "out"), "--json"])  # fmt: skip
    return shot, sheet, root / "out", result


def test_tiny_random_uses_smoke_defaults_and_says_so_once(tiny_run):
    _, _, out, result = tiny_run
    assert result.exit_code == 0, result.output
    assert result.stderr.count("note: tiny-random smoke defaults: resolution 128, num-inference-steps 4") == 1
    (sidecar_path,) = out.rglob("colorframes.json")
    sidecar = json.loads(sidecar_path.read_text())
    assert sidecar["options"]["resolution"] == 128 and sidecar["options"]["num_inference_steps"] == 4


def test_explicit_settings_win_over_the_smoke_defaults():
    from colorframes.options import resolve_options

    opts = resolve_options({"backend": "tiny-random", "resolution": 256}, environ={})
    assert (opts.resolution, opts.num_inference_steps) == (256, 4)
    assert resolve_options({"backend": "diffusion"}, environ={}).resolution == 512  # real backends untouched


def test_inspect_takes_run_options_and_computes_the_same_settings(tiny_run, cli):
    shot, sheet, out, _ = tiny_run
    code, stdout, stderr = cli("inspect", shot, "--ref", sheet, "--backend", "tiny-random", "-o", out, "--json")
    assert code == 0, stderr
    (report,) = json.loads(stdout)["shots"]
    assert report["skip"] == "1001-1002" and report["write"] == ""
    code, _, stderr = cli("inspect", shot, "--ref", sheet, "-o", out)  # default backend: other settings
    assert code == 2 and "different settings" in stderr
    code, _, stderr = cli("inspect", shot, "--ref", sheet, "--backend", "tiny-random", "--steps", "5", "-o", out,
                          "--guidance-scale", "3", "--quiet")  # fmt: skip
    assert code == 2 and "num_inference_steps" in stderr
