#!/usr/bin/env python3
"""Flat backend benchmark: segment accuracy (keyframe / sheet modes) and end-to-end frames/s.

Uses the example generator (examples/make_example.py) for line art + ground truth. Accuracy follows the
paint-bucket protocol (colorframes.backends.flat.accuracy): a GT segment is correct when its most
frequent predicted colour equals its GT colour exactly; `acc` counts segments, `pix_acc` weights them by
pixels; segments under 10 px (line-crossing crumbs) are left out, as in BasicPBC's acc_thres.
Speed is end to end: PNG read → colorize → PNG write, next to the bare PNG read+write floor.

    python benchmarks/bench_flat.py            # 960x540 and 1920x1080, 24 frames, seeds 0-3, writes results/flat.json
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


def render_shot(mx, size: tuple[int, int], n_frames: int, seed: int = 0) -> list[dict]:
    return [mx.render_frame(i, size, n_frames=n_frames, seed=seed) for i in range(n_frames)]


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
        image = result.image
        pred = image if image.dtype == np.uint8 else np.rint(image * 255).astype(np.uint8)
        score = segment_accuracy(pred, frame["labels"], palette, min_pixels=10)
        accs.append(score["acc"])
        pix.append(score["pix_acc"])
    return {"acc": float(np.mean(accs)), "pix_acc": float(np.mean(pix)), "acc_min": float(np.min(accs))}


def _pipeline(paths: list[Path], out: Path, work) -> tuple[float, float]:
    """The runner's shape: a reader thread prefetching, `work` in this thread, 2 writer threads encoding
    PNGs (colorframes.io.images, compression 1, atomic). Returns (frames/s wall, CPU ms per frame)."""
    from concurrent.futures import ThreadPoolExecutor

    from colorframes.io.images import read_image, write_png_atomic

    t0, c0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=2) as writers:
        loads = [reader.submit(read_image, p) for p in paths[:2]]
        writes = []
        for i, path in enumerate(paths):
            rgb = loads[i].result().rgb
            if i + 2 < len(paths):
                loads.append(reader.submit(read_image, paths[i + 2]))
            writes.append(writers.submit(write_png_atomic, out / path.name, work(i, rgb), 8))
        for future in writes:
            future.result()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return len(paths) / wall, 1000.0 * cpu / len(paths)


def _runner_run(paths: list[Path], keyframe: np.ndarray, folder: Path) -> tuple[float, float]:
    """The real thing: `colorframes.api.run` on the folder (keyframe mode, sheet-less), as the CLI runs it."""
    from colorframes.api import run
    from colorframes.options import RunOptions

    key = folder / "key.png"
    cv2.imwrite(str(key), cv2.cvtColor(keyframe, cv2.COLOR_RGB2BGR))
    first = paths[0].name.split(".")[1]
    opts = RunOptions(backend="flat", keyframe=(f"{key}@{first}",), output=str(folder / "runner"))
    t0, c0 = time.perf_counter(), time.process_time()
    summary = run([str(paths[0].parent)], None, opts)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if summary.exit_code != 0:
        raise SystemExit(f"runner failed on the benchmark shot (exit {summary.exit_code})")
    return len(paths) / wall, 1000.0 * cpu / len(paths)


def speed_run(mx, frames: list[dict], folder: Path) -> dict:
    """Frames/s end to end (read PNG → colorize (keyframe mode) → write PNG, threaded as the runner does)
    next to the same pipeline without colorizing (the PNG read+write floor), plus a per-stage CPU profile
    (thread CPU time, so other jobs on the machine do not inflate it)."""
    from colorframes.backends.flat.regions import segment_regions
    from colorframes.io.images import encode_png, read_image

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
    h, w = frames[0]["sketch"].shape[:2]

    def colorizer() -> FlatColorizer:
        # The runner's loader reads line art from disk; it is only called for frames not seen yet.
        c = FlatColorizer(gap_radius=2, sketch_loader=lambda n: read_image(paths[n - first]).rgb)
        c.setup_shot(
            ShotSetup(
                name="bench", seed=0, frame_size=(h, w), reference=None, reference_alpha=None, reference_mask=None,
                keyframes={first: frames[0]["color"]}, first_frame=first, uint8_output=True,
            )
        )  # fmt: skip
        return c

    floor, floor_cpu = _pipeline(paths, out, lambda i, rgb: rgb)
    c = colorizer()
    fps, cpu = _pipeline(paths, out, lambda i, rgb: c.colorize([FrameInput(first + i, rgb, None)])[0].image)
    # Per-stage thread CPU time, serial, in a fresh colorizer.
    stages = {"read": 0.0, "segment": 0.0, "colorize": 0.0, "encode": 0.0}
    c = colorizer()
    for i, path in enumerate(paths):
        t0 = time.thread_time()
        rgb = read_image(path).rgb
        t1 = time.thread_time()
        segment_regions(rgb, 2)
        t2 = time.thread_time()
        image = c.colorize([FrameInput(first + i, rgb, None)])[0].image
        t3 = time.thread_time()
        encode_png(image)
        t4 = time.thread_time()
        for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            stages[key] += 1000.0 * dt / len(paths)
    stages["assign+paint"] = stages["colorize"] - stages["segment"]
    runner_fps, runner_cpu = _runner_run(paths, frames[0]["color"], folder)
    return {
        "runner_fps": runner_fps,
        "runner_cpu_ms_per_frame": runner_cpu,
        "fps": fps,
        "png_floor_fps": floor,
        "cpu_ms_per_frame": cpu,
        "floor_cpu_ms_per_frame": floor_cpu,
        "stage_cpu_ms": {k: round(v, 1) for k, v in stages.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few frames (seconds)")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument(
        "--seeds", default=None, help="generator seeds, accuracy is their mean (default 0,1,2,3; --smoke: 0)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "flat.json")
    args = parser.parse_args(argv)
    mx = load_generator()
    if args.smoke:
        sizes, n_frames, speed_size = [(320, 180)], 4, (320, 180)
    else:
        sizes, n_frames, speed_size = [(960, 540), (1920, 1080)], args.frames, (1920, 1080)
    sheet = mx.render_sheet(mx.SHEET_SIZE if not args.smoke else (256, 256))["color"]
    seeds = [int(v) for v in (args.seeds or ("0" if args.smoke else "0,1,2,3")).split(",")]
    rows = []
    for size in sizes:
        for seed in seeds:
            frames = render_shot(mx, size, n_frames, seed)
            for mode in ("keyframe", "keyframes-2", "keyframe-only", "sheet"):
                score = accuracy_run(mx, mode, frames, sheet)
                rows.append({"size": f"{size[0]}x{size[1]}", "mode": mode, "seed": seed, "frames": n_frames, **score})
    summary = []
    for size in sizes:
        for mode in ("keyframe", "keyframes-2", "keyframe-only", "sheet"):
            mine = [r for r in rows if r["size"] == f"{size[0]}x{size[1]}" and r["mode"] == mode]
            summary.append(
                {
                    "size": mine[0]["size"],
                    "mode": mode,
                    "seeds": [r["seed"] for r in mine],
                    "acc": float(np.mean([r["acc"] for r in mine])),
                    "acc_by_seed": [round(r["acc"], 4) for r in mine],
                    "pix_acc": float(np.mean([r["pix_acc"] for r in mine])),
                    "acc_min": float(min(r["acc_min"] for r in mine)),
                }
            )
    with tempfile.TemporaryDirectory() as tmp:
        speed = speed_run(mx, render_shot(mx, speed_size, n_frames), Path(tmp))
    print(f"{'size':>10} {'mode':>13} {'acc':>7} {'pix_acc':>8} {'acc_min':>8}  acc by seed")
    for r in summary:
        by_seed = " ".join(f"{a:.3f}" for a in r["acc_by_seed"])
        print(f"{r['size']:>10} {r['mode']:>13} {r['acc']:7.3f} {r['pix_acc']:8.3f} {r['acc_min']:8.3f}  {by_seed}")
    print(
        f"end-to-end {speed_size[0]}x{speed_size[1]}: {speed['fps']:.2f} frames/s "
        f"(PNG read+write floor {speed['png_floor_fps']:.2f} frames/s); CPU {speed['cpu_ms_per_frame']:.0f} ms/frame "
        f"(floor {speed['floor_cpu_ms_per_frame']:.0f}); stage CPU ms: {speed['stage_cpu_ms']}"
    )
    print(
        f"colorframes.api.run {speed_size[0]}x{speed_size[1]}: {speed['runner_fps']:.2f} frames/s, "
        f"CPU {speed['runner_cpu_ms_per_frame']:.0f} ms/frame"
    )
    result = {
        "benchmark": "flat",
        "smoke": args.smoke,
        "accuracy": summary,  # mean over seeds; `acc_min` is the worst single frame of any seed
        "accuracy_by_seed": rows,
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
