"""Post-processing stages wired into `colorframes run`: cels, plates, process export, review."""

from __future__ import annotations

import json

import cv2
import numpy as np
from cf_helpers import outputs, sidecar


def test_flatten_keep_lines_shards_equal_whole_run_and_lines_are_exact(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory()
    args = ("--ref", sheet, "--flatten", "--keep-lines")
    assert cli("run", shot, *args, "-o", tmp_path / "whole")[0] == 0
    for k in (1, 2, 3):
        assert cli("run", shot, *args, "-o", tmp_path / "shards", "--shard", f"{k}/3")[0] == 0
    assert outputs(tmp_path / "whole") == outputs(tmp_path / "shards")
    sketch = cv2.imread(str(shot / "shot01.1004.png"))
    result = cv2.imread(str(tmp_path / "whole" / "shot01" / "shot01.1004.png"))
    dark = sketch.max(axis=2) < 100  # solid line pixels
    assert dark.sum() > 100
    assert np.array_equal(result[dark], sketch[dark])


def test_background_plate_and_process_export(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory(n=2)
    plate = np.zeros((180, 320, 3), np.uint8)
    plate[:] = (40, 160, 60)  # BGR green plate
    cv2.imwrite(str(tmp_path / "plate.png"), plate)
    out = tmp_path / "out"
    code, stdout, stderr = cli(
        "run", shot, "--ref", sheet, "-o", out, "--background", tmp_path / "plate.png", "--process", "4", "--json"
    )
    assert code == 0, stderr
    frame = cv2.imread(str(out / "shot01" / "shot01.1001.png"))
    assert tuple(frame[2, 2]) == (40, 160, 60)  # paper replaced by the plate
    layer = cv2.imread(str(out / "shot01" / "layers" / "shot01.1001.png"), cv2.IMREAD_UNCHANGED)
    assert layer.shape == (180, 320, 4) and layer[2, 2, 3] == 0 and layer[..., 3].max() == 255
    steps = sorted((out / "shot01" / "process" / "shot01.1001").glob("*.png"))
    assert len(steps) == 4
    assert np.array_equal(cv2.imread(str(steps[-1])), frame)
    assert sidecar(out / "shot01")["frames"]["1001"]["layer"] == "layers/shot01.1001.png"
    code, _, stderr = cli("run", shot, "-o", tmp_path / "bad", "--background", tmp_path / "nope.png")
    assert code == 2 and "nope.png" in stderr


def test_plate_of_another_size_is_refused_before_any_frame(cli, shot_factory, tmp_path):
    cv2.imwrite(str(tmp_path / "plate.png"), np.zeros((100, 100, 3), np.uint8))
    code, _, stderr = cli("run", shot_factory(n=2), "-o", tmp_path / "o", "--background", tmp_path / "plate.png")
    assert code == 2 and "plate.png" in stderr
    assert not list((tmp_path / "o").rglob("*.png"))


def test_run_review_builds_the_report(cli, shot_factory, sheet, tmp_path):
    code, stdout, stderr = cli("run", shot_factory(n=3), "--ref", sheet, "-o", tmp_path, "--review", "--save-masks")
    assert code == 0, stderr
    assert (tmp_path / "shot01" / "review" / "index.html").exists()
    assert (tmp_path / "shot01" / "review" / "contact_sheet.png").exists()
    code, stdout, _ = cli("review", tmp_path, "--json")
    assert code == 0 and json.loads(stdout)
