#!/usr/bin/env python3
"""Flat backend benchmark: segment accuracy (keyframe / sheet modes) and end-to-end frames/s.

Uses the example generator (examples/make_example.py) for line art + ground truth. Accuracy follows the
paint-bucket protocol (colorframes.backends.flat.accuracy): a GT segment is correct when its most
frequent predicted colour equals its GT colour exactly; `acc` counts segments, `pix_acc` weights them by
pixels; segments under 10 px (line-crossing crumbs) are left out, as in BasicPBC's acc_thres.
Speed is end to end: PNG read → colorize → PNG write, next to the bare PNG read+write floor.

    python benchmarks/bench_flat.py            # 960x540 and 1920x1080, 24 frames, writes results/flat.json
    python benchmarks/bench_flat.py --smoke    # tiny, seconds (run by the tests)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from colorframes.backends.base import FrameInput, ShotSetup
from colorframes.backends.flat import FlatColorizer
from colorframes.backends.flat.accuracy import segment_accuracy

ROOT = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("make_example", ROOT / "examples" / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_example"] = module
    spec.loader.exec_module(module)
    return module


def render_shot(mx, size: tuple[int, int], n_frames: int) -> list[dict]:
    return [mx.render_frame(i, size, n_frames=n_frames) for i in range(n_frames)]


def make_colorizer(mode: str, frames: list[dict], sheet: np.ndarray, first: int) -> FlatColorizer:
    h, w = frames[0]["sketch"].shape[:2]
    keyframes = {}
    if mode.startswith("keyframe"):
        keyframes[first] = frames[0]["color"]
        if mode == "keyframes-2":
            keyframes[first + len(frames) - 1] = frames[-1]["color"]
    colorizer = FlatColorizer(gap_radius=2, sketch_loader=lambda n: frames[n - first]["sketch"])
    with_sheet = mode in ("sheet", "keyframe", "keyframes-2")  # the production setup: a sheet is always at hand
    colorizer.setup_shot(
        ShotSetup(
            name="bench", seed=0, frame_size=(h, w), reference=sheet if with_sheet else None,
            reference_alpha=None, reference_mask=None, keyframes=keyframes, first_frame=first,
        )
    )  # fmt: skip
    return colorizer


def accuracy_run(mx, mode: str, frames: list[dict], sheet: np.ndarray) -> dict:
    first = mx.FIRST_FRAME
    colorizer = make_colorizer(mode, frames, sheet, first)
    palette = {i: rgb for i, (_, rgb) in mx.PALETTE.items()}
    accs, pix = [], []
    for i, frame in enumerate(frames):
        sketch = frame["sketch"]
        result = colorizer.colorize([FrameInput(first + i, sketch, np.ones(sketch.shape[:2], np.float32))])[0]
        pred = np.rint(result.image * 255).astype(np.uint8)
        score = segment_accuracy(pred, frame["labels"], palette, min_pixels=10)
        accs.append(score["acc"])
        pix.append(score["pix_acc"])
    return {"acc": float(np.mean(accs)), "pix_acc": float(np.mean(pix)), "acc_min": float(np.min(accs))}


def speed_run(mx, frames: list[dict], folder: Path) -> dict:
    """Frames/s: read PNG → colorize (keyframe mode) → write PNG; and the bare read+write floor."""
    first = mx.FIRST_FRAME
    src = folder / "in"
    out = folder / "out"
    src.mkdir()
    out.mkdir()
    paths = []
    for i, frame in enumerate(frames):
        path = src / f"s.{first + i}.png"
        cv2.imwrite(str(path), cv2.cvtColor(frame["sketch"], cv2.COLOR_RGB2BGR))
        paths.append(path)

    def read(path: Path) -> np.ndarray:
        return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

    def write(path: Path, rgb: np.ndarray) -> None:
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))

    t0 = time.perf_counter()
    for path in paths:
        write(out / path.name, read(path))
    floor = len(paths) / (time.perf_counter() - t0)

    h, w = frames[0]["sketch"].shape[:2]
    # The runner's loader reads line art from disk; it is only called for frames not seen yet.
    colorizer = FlatColorizer(gap_radius=2, lines_layer=False, sketch_loader=lambda n: read(paths[n - first]))
    colorizer.setup_shot(
        ShotSetup(
            name="bench", seed=0, frame_size=(h, w), reference=None, reference_alpha=None, reference_mask=None,
            keyframes={first: frames[0]["color"]}, first_frame=first,
        )
    )  # fmt: skip
    mask = np.ones((h, w), np.float32)
    t0 = time.perf_counter()
    for i, path in enumerate(paths):
        sketch = read(path)
        result = colorizer.colorize([FrameInput(first + i, sketch, mask)])[0]
        write(out / path.name, np.clip(result.image * 255.0 + 0.5, 0, 255).astype(np.uint8))
    fps = len(paths) / (time.perf_counter() - t0)
    return {"fps": fps, "png_floor_fps": floor}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few frames (seconds)")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "flat.json")
    args = parser.parse_args(argv)
    mx = load_generator()
    if args.smoke:
        sizes, n_frames, speed_size = [(320, 180)], 4, (320, 180)
    else:
        sizes, n_frames, speed_size = [(960, 540), (1920, 1080)], args.frames, (1920, 1080)
    sheet = mx.render_sheet(mx.SHEET_SIZE if not args.smoke else (256, 256))["color"]
    rows = []
    for size in sizes:
        frames = render_shot(mx, size, n_frames)
        for mode in ("keyframe", "keyframes-2", "sheet"):
            score = accuracy_run(mx, mode, frames, sheet)
            rows.append({"size": f"{size[0]}x{size[1]}", "mode": mode, "frames": n_frames, **score})
    with tempfile.TemporaryDirectory() as tmp:
        speed = speed_run(mx, render_shot(mx, speed_size, n_frames), Path(tmp))
    print(f"{'size':>10} {'mode':>12} {'acc':>7} {'pix_acc':>8} {'acc_min':>8}")
    for r in rows:
        print(f"{r['size']:>10} {r['mode']:>12} {r['acc']:7.3f} {r['pix_acc']:8.3f} {r['acc_min']:8.3f}")
    print(
        f"end-to-end {speed_size[0]}x{speed_size[1]}: {speed['fps']:.2f} frames/s "
        f"(PNG read+write floor {speed['png_floor_fps']:.2f} frames/s)"
    )
    result = {
        "benchmark": "flat",
        "smoke": args.smoke,
        "accuracy": rows,
        "speed": {"size": f"{speed_size[0]}x{speed_size[1]}", **speed},
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average_1m": os.getloadavg()[0],  # other jobs on the box slow the speed numbers
        },
        "targets": {"keyframe_acc": 0.95, "sheet_acc": 0.80, "fps_1080p": 5.0},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
