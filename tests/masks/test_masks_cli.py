"""`colorframes segment`: files, values, warnings and exit codes."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from masks_helpers import example_module
from typer.testing import CliRunner

from colorframes.cli import app
from colorframes.masks.util import iou


@pytest.fixture
def shot(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORFRAMES_HOME", str(tmp_path / "cfhome"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HOME", str(tmp_path))
    example = example_module()
    folder = tmp_path / "shot01"
    folder.mkdir()
    truth = {}
    for i in range(3):
        frame = example.render_frame(i, (320, 180), n_frames=3)
        cv2.imwrite(str(folder / f"shot01.{1001 + i}.png"), frame["sketch"][:, :, ::-1])
        truth[1001 + i] = frame["mask"] > 127
    cv2.imwrite(str(folder / "shot01.1004.png"), np.full((180, 320, 3), 255, np.uint8))  # blank
    sheet = example.render_sheet((256, 256))
    cv2.imwrite(str(tmp_path / "sheet.png"), sheet["rgba"][:, :, [2, 1, 0, 3]])
    return tmp_path, folder, truth


def test_segment_writes_masks_per_frame_and_reference(shot):
    root, folder, truth = shot
    out = root / "out"
    result = CliRunner().invoke(
        app, ["segment", str(folder), "-o", str(out), "--ref", str(root / "sheet.png"), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["written"] == 4 and summary["failed"] == 0
    assert summary["masks"] == {"sketch": "classical", "reference": "classical"}
    assert result.stderr.count("note: masks: classical") == 1 and "warning: masks" not in result.stderr
    assert "frame 1004: blank frame" in result.stderr
    for number, gt in truth.items():
        png = cv2.imread(str(out / "shot01" / f"shot01.{number}.png"), cv2.IMREAD_UNCHANGED)
        assert png.dtype == np.uint8 and png.shape == (180, 320)
        assert iou(png > 127, gt) >= 0.95
    blank = cv2.imread(str(out / "shot01" / "shot01.1004.png"), cv2.IMREAD_UNCHANGED)
    assert not blank.any()
    ref = cv2.imread(str(out / "shot01" / "reference_mask.png"), cv2.IMREAD_UNCHANGED)
    assert ref.shape == (256, 256) and ref[128, 128] == 255 and ref[2, 2] == 0


def test_segment_frames_and_threshold(shot):
    root, folder, _ = shot
    out = root / "out"
    args = ["segment", str(folder), "-o", str(out), "--frames", "1002", "--threshold", "0.5", "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "shot01").iterdir()) == ["shot01.1002.png"]
    png = cv2.imread(str(out / "shot01" / "shot01.1002.png"), cv2.IMREAD_UNCHANGED)
    assert set(np.unique(png)) == {0, 255}


def test_segment_explicit_model_without_weights_exits_3(shot):
    root, folder, _ = shot
    result = CliRunner().invoke(app, ["segment", str(folder), "-o", str(root / "o"), "--mask-model", "isnet-onnx"])
    assert result.exit_code == 3
    assert "isnetis.onnx" in result.stderr and "--mask-model isnet-onnx" in result.stderr
    assert "--mask-model classical" in result.stderr and "colorframes models pull isnetis-onnx" in result.stderr


def test_segment_corrupt_frame_exits_1_and_writes_the_rest(shot):
    root, folder, _ = shot
    (folder / "shot01.1005.png").write_bytes(b"\x89PNG broken")
    result = CliRunner().invoke(app, ["segment", str(folder), "-o", str(root / "o"), "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["written"] == 4 and summary["failed"] == 1
    assert "shot01.1005.png" in result.stderr


def test_segment_bad_threshold_is_usage_error(shot):
    root, folder, _ = shot
    result = CliRunner().invoke(app, ["segment", str(folder), "-o", str(root / "o"), "--threshold", "2"])
    assert result.exit_code == 2
