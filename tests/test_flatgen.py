"""The evaluation generators (benchmarks/flatgen): deterministic, consistent ground truth, the promised
features (held-out generator, finished keyframe, parts entering, dense regions), and one segment-accuracy
implementation shared by `colorframes eval` and bench_flat."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import flatgen  # noqa: E402

SMALL = (320, 180)


@pytest.fixture(scope="module")
def shots():
    return {name: flatgen.generate(name, seed=0, size=SMALL, n_frames=4) for name in flatgen.GENERATORS}


def test_the_held_out_generator_exists_and_is_not_for_tuning():
    assert flatgen.HOLDOUT == "holdout" and "holdout" in flatgen.GENERATORS
    assert "holdout" not in flatgen.TUNING
    new = set(flatgen.GENERATORS) - {"make_example", "holdout"}
    assert len(new) >= 3  # at least three new generators besides the held-out one and the example walk
    readme = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    assert "`holdout`" in readme and "never used for tuning" in readme


@pytest.mark.parametrize("name", sorted(set(flatgen.GENERATORS) - {"make_example"}))
def test_generators_are_deterministic_per_seed(name, shots):
    again = flatgen.generate(name, seed=0, size=SMALL, n_frames=4)
    other = flatgen.generate(name, seed=1, size=SMALL, n_frames=2)
    first = shots[name]
    for a, b in zip(first.frames, again.frames, strict=True):
        for key in ("sketch", "color", "labels"):
            assert np.array_equal(a[key], b[key]), key
    assert np.array_equal(first.keyframe, again.keyframe) and np.array_equal(first.sheet, again.sheet)
    assert any(not np.array_equal(a["color"], b["color"]) for a, b in zip(first.frames[:2], other.frames, strict=True))


@pytest.mark.parametrize("name", sorted(flatgen.GENERATORS))
def test_shapes_and_labels_agree_with_the_ground_truth_colours(name, shots):
    shot = shots[name]
    if name == "xdog":  # the scan (paper tint, grain) touches every pixel of the line art: check the clean lines
        clean = flatgen.generator("xdog")(seed=0, size=SMALL, n_frames=4, scanned=False)
        for a, b in zip(shot.frames, clean.frames, strict=True):
            assert np.array_equal(a["color"], b["color"]) and np.array_equal(a["labels"], b["labels"])
            assert not np.array_equal(a["sketch"], b["sketch"])
        shot = clean
    w, h = SMALL
    assert len(shot.frames) == 4 and 0 <= shot.key_index < 4 and shot.size == SMALL
    assert shot.keyframe.shape == (h, w, 3) and shot.keyframe.dtype == np.uint8
    assert shot.sheet.dtype == np.uint8 and shot.sheet.ndim == 3
    lut = np.zeros((max(shot.palette) + 1, 3), np.uint8)
    for rid, rgb in shot.palette.items():
        lut[rid] = rgb
    for frame in shot.frames:
        sketch, color, labels = frame["sketch"], frame["color"], frame["labels"]
        assert sketch.shape == color.shape == (h, w, 3) and labels.shape == (h, w)
        assert sketch.dtype == color.dtype == np.uint8 and labels.max() < len(lut)
        # where no ink touches the pixel (the line art is bare paper) the GT is exactly the region's colour
        clean = (sketch.min(axis=-1) == 255) & (labels > 0)
        assert clean.mean() > 0.2
        assert np.array_equal(color[clean], lut[labels[clean]])
        assert (labels == 0).any()  # lines are labelled 0


def test_sheet_is_figures_on_plain_paper(shots):
    for name in ("room", "shaded", "xdog", "dense", "dolly", "harbour", "holdout"):
        sheet = shots[name].sheet
        white = (sheet.min(axis=-1) >= 250).mean()
        assert 0.4 < white < 0.98, (name, white)


def test_shaded_keyframe_is_finished_but_keeps_flat_dominant_colours(shots):
    from colorframes.metrics.segments import segment_modes, split_components

    shot = flatgen.generate("shaded", seed=0, size=(640, 360), n_frames=4)
    gt = shot.frames[shot.key_index]
    assert shot.key_index == 2  # mid-shot keyframe
    assert not np.array_equal(shot.keyframe, gt["color"])  # shading, highlights, grain
    segs = split_components(gt["labels"])
    gt_modes, _ = segment_modes(segs, gt["color"])
    key_modes, _ = segment_modes(segs, shot.keyframe)
    area = np.bincount(segs.ravel())
    big = np.flatnonzero(area >= 200)
    big = big[big > 0]
    assert np.mean(key_modes[big] == gt_modes[big]) > 0.95
    many = [len(np.unique(shot.keyframe[segs == s].reshape(-1, 3), axis=0)) for s in big[:20]]
    assert np.median(many) > 5  # not flat: every large region carries several colours


@pytest.mark.parametrize("name", ["room", "xdog"])
def test_a_part_enters_after_the_keyframe(name):
    shot = flatgen.generate(name, seed=0, size=SMALL, n_frames=8)
    key_ids = set(np.unique(shot.frames[shot.key_index]["labels"]).tolist())
    later = set(np.unique(shot.frames[-1]["labels"]).tolist())
    entered = {shot.palette[i] for i in later - key_ids}
    assert entered, "no region id appears after the keyframe"


def test_dialog_is_animated_on_twos(shots):
    frames = shots["dialog"].frames
    assert np.array_equal(frames[0]["sketch"], frames[1]["sketch"])  # each drawing held for two frames
    assert not np.array_equal(frames[1]["sketch"], frames[2]["sketch"])


def test_holdout_keyframe_is_last_and_a_part_leaves_before_it():
    shot = flatgen.generate("holdout", seed=0, size=SMALL, n_frames=6)
    assert shot.key_index == 5
    first = set(np.unique(shot.frames[0]["labels"]).tolist())
    key = set(np.unique(shot.frames[-1]["labels"]).tolist())
    assert first - key  # the bird: seen early, never on the keyframe


def _middle_sign_width(shot, index: int) -> int:
    """Width (px) of the middle stall's sign board: the `sign` region crossing the frame's centre column."""
    labels = shot.frames[index]["labels"]
    sign = next(rid for rid, rgb in shot.palette.items() if rgb == (250, 240, 200))
    cols = np.flatnonzero((labels == sign).any(axis=0))
    runs = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
    centre = labels.shape[1] / 2
    run = min(runs, key=lambda r: 0 if r[0] <= centre <= r[-1] else min(abs(r[0] - centre), abs(r[-1] - centre)))
    return int(run[-1] - run[0] + 1)


def test_dolly_keys_the_last_frame_and_dollies_out():
    shot = flatgen.generate("dolly", seed=0, size=(640, 360), n_frames=6)
    assert shot.key_index == 5
    assert np.array_equal(shot.keyframe, shot.frames[-1]["color"])  # flat, the last frame's ground truth
    zoom = _middle_sign_width(shot, 0) / _middle_sign_width(shot, 5)
    assert 1.5 <= zoom <= 2.0  # regions shrink by 1.5-2x from the first frame to the keyframe
    widths = [_middle_sign_width(shot, i) for i in range(6)]
    assert all(a > b for a, b in zip(widths, widths[1:], strict=False))  # steadily, every frame


def test_dolly_part_leaves_before_the_keyframe_and_a_part_hidden_early_shows_on_it():
    from flatgen import dolly

    shot = flatgen.generate("dolly", seed=0, size=SMALL, n_frames=6)
    first, key = shot.frames[0]["labels"], shot.frames[-1]["labels"]
    gone = set(np.unique(first).tolist()) - set(np.unique(key).tolist())  # the van
    key_colours = {shot.palette[i] for i in np.unique(key).tolist()}
    assert any(shot.palette[i] in key_colours for i in gone)  # some of its colours the keyframe shows
    assert any(shot.palette[i] not in key_colours for i in gone)  # others it never shows
    # the flower bucket: inside the first frame's view, but painted with the van there; on the keyframe itself
    scale, tx, ty = dolly.cameras(0).at(0.0).matrix(SMALL)
    x, y = (int(round(v * scale + t)) for v, t in zip(dolly.FLOWERS, (tx, ty), strict=True))
    assert 0 <= x < SMALL[0] and 0 <= y < SMALL[1]
    assert first[y, x] in gone
    bucket = next(rid for rid, rgb in shot.palette.items() if rgb == (150, 160, 170))
    assert bucket in key and bucket not in first


def test_dense_has_over_1500_regions_at_1080p():
    from colorframes.metrics.regions import line_regions

    shot = flatgen.generate("dense", seed=0, size=(1920, 1080), n_frames=1)
    labels, _ = line_regions(shot.frames[0]["sketch"])
    assert labels.max() >= 1500


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_flat_mod", ROOT / "benchmarks" / "bench_flat.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(folder: Path, frames: list[np.ndarray]) -> Path:
    folder.mkdir()
    for i, rgb in enumerate(frames):
        cv2.imwrite(str(folder / f"shot.{1001 + i}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return folder


def test_eval_and_bench_compute_the_same_segment_accuracy(tmp_path, shots):
    """One implementation: `colorframes eval --gt --sketch` and bench_flat give the same numbers."""
    from colorframes.metrics.evaluate import evaluate

    bench = _load_bench()
    shot = shots["room"]
    # a prediction that is right on some segments and wrong on others: the keyframe copied forward
    preds = [shot.keyframe for _ in shot.frames]
    truths = [bench.FrameTruth(f, shot.palette) for f in shot.frames]
    ours = [bench.frame_scores(p, t) for p, t in zip(preds, truths, strict=True)]
    report = evaluate(
        _write(tmp_path / "pred", preds),
        _write(tmp_path / "gt", [f["color"] for f in shot.frames]),
        _write(tmp_path / "sketch", [f["sketch"] for f in shot.frames]),
        metrics=["segments", "psnr"],
    )
    for i, mine in enumerate(ours):
        theirs = report["frames"][str(1001 + i)]
        assert theirs["seg_acc"] == pytest.approx(mine["acc"], abs=1e-12)
        assert theirs["seg_acc_thres"] == pytest.approx(mine["acc_thres"], abs=1e-12)
        assert theirs["seg_pix_acc"] == pytest.approx(mine["pix_acc"], abs=1e-12)
        assert min(theirs["psnr"], bench.PSNR_CAP) == pytest.approx(mine["psnr"], abs=1e-9)
    assert 0.0 < ours[-1]["acc"] < 1.0  # the comparison is not between two trivial numbers


def test_bench_generator_choice_leaves_the_holdout_out_of_quick_runs():
    bench = _load_bench()
    assert "holdout" not in bench.choose_generators(None, quick=True)
    assert bench.choose_generators(None, quick=False)[-1] == "holdout"
    assert bench.choose_generators("room, dense", quick=True) == ["room", "dense"]
    with pytest.raises(KeyError, match="unknown generator"):
        bench.choose_generators("room,nope", quick=False)


def test_region_oracle_fills_each_region_with_its_ground_truth_dominant_colour():
    bench = _load_bench()
    labels = np.array([[1, 1, 1, 0, 2, 2], [1, 1, 1, 0, 2, 2]], np.int32)
    gt = np.zeros((2, 6, 3), np.uint8)
    gt[:, :3] = (200, 10, 10)
    gt[0, 0] = (9, 9, 9)  # a minority pixel does not change region 1's dominant colour
    gt[:, 4:] = (10, 200, 10)
    pred = np.full((2, 6, 3), 77, np.uint8)
    pred[:, 3] = (0, 0, 0)  # the colorizer's line pixels stay as drawn
    oracle = bench.region_oracle(pred, labels, gt)
    assert (oracle[:, :3] == (200, 10, 10)).all() and (oracle[:, 4:] == (10, 200, 10)).all()
    assert (oracle[:, 3] == 0).all()


def test_harbour_derives_its_lines_from_the_label_map_with_coloured_tone_lines_and_varying_width():
    from flatgen import harbour

    shot = flatgen.generate("harbour", seed=0, size=(640, 360), n_frames=3)
    frame = shot.frames[1]
    sketch, labels = frame["sketch"].astype(int), frame["labels"]
    ink = sketch.min(axis=-1) < 128
    # every line pixel lies on (or next to) a boundary of the painted label map, and bare paper is no line
    assert (labels[ink] == 0).mean() > 0.9 and (labels[sketch.min(axis=-1) == 255] > 0).all()
    # blue-violet lines around the shadows, orange around the highlights, dark outlines everywhere else
    for rgb in (harbour.SHADOW, harbour.LIGHT):
        near = np.abs(sketch - np.asarray(rgb)).sum(axis=-1) < 40
        assert near.sum() > 50, rgb
    dark = np.abs(sketch - np.asarray((36, 28, 34))).sum(axis=-1) < 40
    assert dark.sum() > 5 * ink.sum() / 10
    # the pen width varies: some lines are 1-2 px, some 3 px or more (runs of line pixels along the rows)
    runs = np.diff(np.concatenate([np.zeros((ink.shape[0], 1), bool), ink, np.zeros((ink.shape[0], 1), bool)], 1)
                   .astype(np.int8), axis=1)  # fmt: skip
    widths = np.flatnonzero(runs.ravel() == -1) - np.flatnonzero(runs.ravel() == 1)
    assert (widths <= 2).mean() > 0.2 and (widths >= 3).mean() > 0.1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harbour_keyframe_end_and_camera_are_per_seed_and_the_gull_is_never_on_the_keyframe(seed):
    from flatgen import harbour

    key_end, how = harbour.kind(seed)
    shot = flatgen.generate("harbour", seed=seed, size=SMALL, n_frames=8)
    assert shot.key_index == (7 if key_end == "last" else 0)
    assert np.array_equal(shot.keyframe, shot.frames[shot.key_index]["color"])  # flat
    far = 7 - shot.key_index
    gull = {rid for rid, name in enumerate(harbour.cast()[0].names) if name.startswith("gull.")}
    key_ids = set(np.unique(shot.frames[shot.key_index]["labels"]).tolist())
    far_ids = set(np.unique(shot.frames[far]["labels"]).tolist())
    assert not gull & key_ids and gull & far_ids  # perched far from the keyframe, flown off before it
    cam = harbour.move(seed)
    at_key, at_far = cam.at(shot.key_index / 7), cam.at(far / 7)
    assert at_key.zoom == 1.0
    if how == "pan":
        assert at_far.zoom == 1.0 and abs(at_far.cx - at_key.cx) >= 100
    else:  # "out": the view widens as time runs forward; "in": it closes in
        later, earlier = (at_key, at_far) if key_end == "last" else (at_far, at_key)
        assert (later.zoom < earlier.zoom) == (how == "out") and max(at_far.zoom, 1 / at_far.zoom) >= 1.25
