"""The example shot generator: committed frames cannot drift, and the ground truth is consistent."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _load():
    spec = importlib.util.spec_from_file_location("make_example", EXAMPLES / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_example"] = module
    spec.loader.exec_module(module)
    return module


me = _load()


def _read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert img is not None, path
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def test_committed_shot_matches_fresh_render():
    frames = sorted((EXAMPLES / "shot01").glob("*.png"))
    assert [f.name for f in frames] == [f"shot01.{n}.png" for n in range(1001, 1025)]
    for i, path in enumerate(frames):
        committed = _read_rgb(path)
        assert committed.shape == (540, 960, 3)
        fresh = me.render_frame(i, (960, 540), n_frames=24, seed=0)["sketch"]
        assert np.array_equal(committed, fresh), f"{path.name} drifted; rerun make_example.py --shipped"
    sheet = _read_rgb(EXAMPLES / "sheet.png")
    assert np.array_equal(sheet, me.render_sheet(me.SHEET_SIZE)["color"])


def _components_are_single_regions(labels: np.ndarray) -> bool:
    """Closed outlines: no two 8-adjacent non-line pixels hold different region ids, so every
    8-connected patch between lines is exactly one region."""
    lab = labels.astype(np.int32)
    for a, b in (
        (lab[:, :-1], lab[:, 1:]),
        (lab[:-1, :], lab[1:, :]),
        (lab[:-1, :-1], lab[1:, 1:]),
        (lab[:-1, 1:], lab[1:, :-1]),
    ):
        if np.any((a != b) & (a != me.LINE) & (b != me.LINE)):
            return False
    return True


def test_region_check_detects_a_leak():
    labels = np.full((8, 8), me.PAPER, np.uint16)
    labels[2:6, 2:6] = me.LINE
    labels[3:5, 3:5] = me.SKIN
    assert _components_are_single_regions(labels)
    labels[3, 5] = me.SKIN  # a gap in the outline lets skin touch paper
    assert not _components_are_single_regions(labels)


@pytest.mark.parametrize("size", [(960, 540), (1920, 1080), (512, 512)])
def test_ground_truth_is_consistent(size):
    lut = np.array([me.PALETTE[i][1] for i in range(len(me.PALETTE))], np.uint8)
    for t in (0, 7, 16):
        f = me.render_frame(t, size, n_frames=24)
        w, h = size
        assert f["sketch"].shape == f["color"].shape == (h, w, 3)
        assert f["labels"].dtype == np.uint16 and f["mask"].dtype == np.uint8
        labels, mask, sketch, color = f["labels"], f["mask"], f["sketch"], f["color"]
        # Mask is the union of every non-paper region, lines included.
        assert np.array_equal(mask == 255, labels != me.PAPER)
        assert set(np.unique(mask)) == {0, 255}
        # Every dark line pixel of the sketch belongs to the figure, and lines are label 0.
        ink = sketch.min(axis=2) < 128
        assert ink.any() and np.all(mask[ink] == 255) and np.all(labels[ink] == me.LINE)
        # Away from lines, the ground truth is exactly the palette colour of the region.
        clean = np.all(sketch == 255, axis=2) & (labels != me.LINE)
        assert np.array_equal(color[clean], lut[labels[clean]])
        assert np.all(sketch[labels == me.PAPER] >= 128)
        assert _components_are_single_regions(labels)
        # Shadow boundaries are traced in the studio blue.
        blue = np.all(np.abs(sketch.astype(int) - me.SHADOW_LINE_RGB) < 40, axis=2)
        assert blue.sum() > 10


def test_motion_occlusion_and_new_region():
    frames = [me.render_frame(t, (960, 540), n_frames=24) for t in range(24)]
    xs = [np.nonzero(f["mask"])[1].mean() for f in frames]
    assert xs[-1] - xs[0] > 200  # walks across the frame
    assert all(b > a for a, b in zip(xs, xs[1:], strict=False))
    # The mouth region does not exist in the first half and appears in the second.
    has_mouth = [bool(np.any(f["labels"] == me.MOUTH)) for f in frames]
    assert not any(has_mouth[:12]) and all(has_mouth[12:])
    # The near arm swings across the torso: the hand sits inside the shirt's outline in some frames
    # and beside it in others.
    inside = []
    for f in frames:
        shirt = np.isin(f["labels"], (me.SHIRT, me.SHIRT_SHADOW)).astype(np.uint8)
        x, y, bw, bh = cv2.boundingRect(shirt)
        skin = f["labels"][y + bh // 2 : y + bh, x : x + bw] == me.SKIN
        inside.append(int(skin.sum()))
    assert max(inside) > 0 and len(set(inside)) > 3


def test_deterministic_and_seeded():
    a = me.render_frame(5, (640, 360), seed=0)
    b = me.render_frame(5, (640, 360), seed=0)
    c = me.render_frame(5, (640, 360), seed=3)
    for key in ("sketch", "color", "mask", "labels"):
        assert np.array_equal(a[key], b[key])
    assert not np.array_equal(a["sketch"], c["sketch"])


def test_sheet_shows_every_region():
    sheet = me.render_sheet((512, 512))
    present = set(np.unique(sheet["labels"]).tolist())
    assert present == set(me.PALETTE)
    assert sheet["rgba"].shape == (512, 512, 4)
    alpha = sheet["rgba"][..., 3]
    assert np.all(alpha[sheet["mask"] == 255] == 255)
    outside = sheet["mask"] == 0
    assert alpha[outside].max() < 255 and alpha[0, 0] == 0
    # Outside the figure only paper and the faint anti-aliased edge of the outline remain.
    assert np.all(sheet["color"][outside] >= 128)
    edge = outside & (alpha > 0)
    assert 0 < edge.sum() < 0.1 * outside.sum()


def test_write_shot_layout(tmp_path):
    paths = me.write_shot(tmp_path, n_frames=3, size=(320, 180), seed=1, name="s9", sheet_size=(256, 256))
    for sub in ("sketch", "color", "mask", "labels"):
        assert sorted(p.name for p in (tmp_path / sub).iterdir()) == [f"s9.{n}.png" for n in (1001, 1002, 1003)]
    labels = cv2.imread(str(tmp_path / "labels" / "s9.1002.png"), cv2.IMREAD_UNCHANGED)
    assert labels.dtype == np.uint16
    assert np.array_equal(labels, me.render_frame(1, (320, 180), n_frames=3, seed=1)["labels"])
    mask = cv2.imread(str(tmp_path / "mask" / "s9.1001.png"), cv2.IMREAD_UNCHANGED)
    assert mask.ndim == 2 and set(np.unique(mask)) <= {0, 255}
    palette = json.loads(paths["palette"].read_text())
    assert palette["0"]["name"] == "line" and palette["1"] == {"name": "paper", "rgb": [255, 255, 255]}
    assert len(palette) == len(me.PALETTE)
    rgba = cv2.imread(str(paths["sheet_rgba"]), cv2.IMREAD_UNCHANGED)
    assert rgba.shape == (256, 256, 4) and rgba[0, 0, 3] == 0
    # color/1001 doubles as the coloured keyframe: identical to the ground-truth colour of frame 0.
    key = _read_rgb(tmp_path / "color" / "s9.1001.png")
    assert np.array_equal(key, me.render_frame(0, (320, 180), n_frames=3, seed=1)["color"])


def test_cli(tmp_path):
    script = str(EXAMPLES / "make_example.py")
    ok = subprocess.run(
        [sys.executable, script, "--out", str(tmp_path), "--frames", "2", "--size", "200x120"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    img = cv2.imread(str(tmp_path / "sketch" / "shot01.1002.png"))
    assert img.shape == (120, 200, 3)
    bad = subprocess.run([sys.executable, script, "--out", str(tmp_path), "--size", "big"], capture_output=True)
    assert bad.returncode == 2 and b"--size" in bad.stderr
