"""`colorframes eval` through the CLI: capped PSNR, line fidelity against the drawing, run's input grammar."""

from __future__ import annotations

import json

import cv2
import numpy as np
from typer.testing import CliRunner

from colorframes.cli import app


def _write(folder, frames, prefix="shot."):
    folder.mkdir(parents=True, exist_ok=True)
    for number, rgb in frames.items():
        cv2.imwrite(str(folder / f"{prefix}{number}.png"), rgb[:, :, ::-1])
    return folder


def _drawing(speck: bool = False) -> np.ndarray:
    art = np.full((64, 96, 3), 255, np.uint8)
    cv2.rectangle(art, (10, 10), (80, 50), (0, 0, 0), 2)
    if speck:
        art[30:32, 40:42] = 0  # a 2x2 speck inside a region: removed by the flat colorizer's speck filter
    return art


def _eval(*args):
    return CliRunner().invoke(app, ["eval", *map(str, args), "--json"])


def test_exact_match_reports_the_capped_psnr_not_null(tmp_path):
    frames = {1001: _drawing(), 1002: _drawing()}
    pred = _write(tmp_path / "pred", frames)
    gt = _write(tmp_path / "gt", frames)
    result = _eval(pred, "--gt", gt, "--metrics", "psnr")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mean"]["psnr"] == 100.0 and data["frames"]["1001"]["psnr"] == 100.0


def test_line_fidelity_counts_line_pixels_the_colorizer_painted_over(tmp_path):
    sketch = _drawing(speck=True)
    painted = sketch.copy()
    painted[30:32, 40:42] = (200, 60, 60)  # the speck's 4 dark pixels painted over
    sk = _write(tmp_path / "sk", {1: sketch})
    kept = _eval(_write(tmp_path / "kept", {1: sketch}), "--sketch", sk, "--metrics", "line_fidelity")
    lost = _eval(_write(tmp_path / "lost", {1: painted}), "--sketch", sk, "--metrics", "line_fidelity")
    assert kept.exit_code == 0 and lost.exit_code == 0, lost.output
    dark = int((sketch.mean(axis=2) < 128).sum())
    assert json.loads(kept.stdout)["mean"]["line_fidelity"] == 1.0
    assert json.loads(lost.stdout)["mean"]["line_fidelity"] == (dark - 4) / dark


def test_eval_accepts_every_pattern_run_accepts(tmp_path):
    frames = {1001: _drawing(), 1002: _drawing(), 1003: _drawing()}
    folder = _write(tmp_path / "seq", frames)
    for pattern in ("shot.1001-1002#.png", "shot.####.png", "shot.%04d.png", "shot.@@@@.png"):
        result = _eval(folder / pattern, "--gt", folder / pattern, "--metrics", "psnr")
        assert result.exit_code == 0, (pattern, result.output)
        expected = 2 if "-" in pattern else 3
        assert json.loads(result.stdout)["count"] == expected, pattern
    missing = _eval(folder / "other.####.png")
    assert missing.exit_code == 2 and "other.####.png" in missing.output
