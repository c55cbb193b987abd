"""Benchmark the classical foreground mask: accuracy against ground truth and speed at 1920x1080.

    python benchmarks/bench_masks.py                 # 24 frames x 2 seeds at 960x540 and 1920x1080
    python benchmarks/bench_masks.py --isnet         # also time the full-size ISNetDIS (random weights)
    python benchmarks/bench_masks.py --smoke         # 2 frames at 320x180, seconds

Accuracy: IoU of `mask >= 0.5` against the example generator's figure masks
(examples/make_example.py), on clean line art and on line art with small breaks cut into the outline
(gap closing), plus the character sheet's reference mask without alpha (backdrop flood) against its
dilated ground truth. Speed: masks/s of `classical_sketch_mask` on 1920x1080 frames in one process
(targets: IoU >= 0.95 on clean line art, >= 20 masks/s). Prints a table and writes
benchmarks/results/masks.json (or --output).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from colorframes.masks.classical import classical_sketch_mask
from colorframes.masks.reference import classical_reference_mask, dilate_max
from colorframes.masks.util import iou

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_make_example  # noqa: E402

TARGET_IOU = 0.95
TARGET_FPS = 20.0


def cut_gaps(sketch: np.ndarray, truth: np.ndarray, rng: np.random.Generator, n: int, radius: int) -> np.ndarray:
    """Erase `n` white disks of `radius` px centred on the outer edge of the outline: real breaks
    that let the paper in unless gap closing bridges them (radius > line thickness cuts through)."""
    import cv2

    out = sketch.copy()
    ink = sketch.min(axis=2) < 128
    outside = cv2.dilate((~truth).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    ys, xs = np.nonzero(ink & outside)  # ink pixels touching the background
    for i in rng.choice(ys.size, size=min(n, ys.size), replace=False):
        cv2.circle(out, (int(xs[i]), int(ys[i])), radius, (255, 255, 255), -1)
    return out


def accuracy(example, size: tuple[int, int], frames: int, seeds: list[int], gap: int) -> dict:
    """IoU on clean frames and on frames with 4 outline breaks of radius `gap` px."""
    clean, gappy = [], []
    rng = np.random.default_rng(0)
    for seed in seeds:
        for t in range(frames):
            frame = example.render_frame(t, size, n_frames=frames, seed=seed)
            truth = frame["mask"] > 127
            mask, _ = classical_sketch_mask(frame["sketch"])
            clean.append(iou(mask >= 0.5, truth))
            broken = cut_gaps(frame["sketch"], truth, rng, n=4, radius=gap)
            mask, _ = classical_sketch_mask(broken)
            gappy.append(iou(mask >= 0.5, truth))
    return {
        "size": f"{size[0]}x{size[1]}",
        "frames": len(clean),
        "iou_clean_mean": float(np.mean(clean)),
        "iou_clean_min": float(np.min(clean)),
        "gap_radius_px": gap,
        "iou_gaps_mean": float(np.mean(gappy)),
        "iou_gaps_min": float(np.min(gappy)),
    }


def reference_accuracy(example, side: int) -> dict:
    sheet = example.render_sheet((side, side))
    truth = dilate_max(sheet["mask"].astype(np.float32) / 255.0) >= 0.5
    flood, _ = classical_reference_mask(sheet["color"])
    alpha, _ = classical_reference_mask(sheet["color"], sheet["mask"].astype(np.float32) / 255.0)
    return {
        "size": f"{side}x{side}",
        "iou_flood": iou(flood >= 0.5, truth),
        "iou_alpha": iou(alpha >= 0.5, truth),
    }


def speed(example, size: tuple[int, int], n_frames: int, repeats: int) -> dict:
    sketches = [example.render_frame(t, size, n_frames=n_frames)["sketch"] for t in range(n_frames)]
    classical_sketch_mask(sketches[0])  # warm-up (OpenCV thread pool, allocations)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for sketch in sketches:
            classical_sketch_mask(sketch)
        times.append((time.perf_counter() - start) / len(sketches))
    best, median = min(times), float(np.median(times))
    return {
        "size": f"{size[0]}x{size[1]}",
        "frames": n_frames,
        "repeats": repeats,
        "ms_per_mask_median": 1000 * median,
        "masks_per_s_median": 1.0 / median,
        "masks_per_s_best": 1.0 / best,
    }


def isnet_speed(size: int, repeats: int) -> dict:
    """CPU seconds per frame of the full-width ISNetDIS at `size`^2 (random weights: speed only)."""
    import torch

    from colorframes.masks.isnet import ISNetDIS

    net = ISNetDIS().eval()
    x = torch.rand(1, 3, size, size)
    with torch.inference_mode():
        net(x)
        start = time.perf_counter()
        for _ in range(repeats):
            net(x)
    return {"input": size, "params": sum(p.numel() for p in net.parameters()),
            "s_per_frame": (time.perf_counter() - start) / repeats, "threads": torch.get_num_threads()}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds (used by the tests)")
    parser.add_argument("--isnet", action="store_true", help="also time the full-size ISNetDIS on CPU")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "masks.json"))
    args = parser.parse_args(argv)
    import cv2

    example = load_make_example()
    if args.smoke:
        acc = [accuracy(example, (320, 180), frames=2, seeds=[0], gap=2)]
        ref = [reference_accuracy(example, 192)]
        spd = [speed(example, (320, 180), n_frames=2, repeats=2)]
    else:
        acc = [accuracy(example, s, frames=24, seeds=[0, 1], gap=g) for s, g in (((960, 540), 3), ((1920, 1080), 5))]
        ref = [reference_accuracy(example, 768)]
        spd = [speed(example, (1920, 1080), n_frames=24, repeats=5)]
    result = {
        "benchmark": "masks",
        "mode": "smoke" if args.smoke else "full",
        "targets": {"iou_clean": TARGET_IOU, "masks_per_s_1080p": TARGET_FPS},
        "accuracy": acc,
        "reference": ref,
        "speed": spd,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "opencv": cv2.__version__,
            "opencv_threads": cv2.getNumThreads(),
            "platform": platform.platform(),
        },  # fmt: skip
    }
    if hasattr(os, "getloadavg"):  # other jobs on the machine slow the timings; record how busy it was
        result["machine"]["loadavg_1m_at_end"] = os.getloadavg()[0]
    if args.isnet:
        result["isnet_cpu"] = isnet_speed(256 if args.smoke else 1024, repeats=1 if args.smoke else 3)

    print(f"{'size':>10} {'frames':>6} {'IoU clean mean/min':>20} {'IoU gaps mean/min':>20}")
    for row in acc:
        print(
            f"{row['size']:>10} {row['frames']:>6} {row['iou_clean_mean']:>11.4f}/{row['iou_clean_min']:.4f}"
            f" {row['iou_gaps_mean']:>11.4f}/{row['iou_gaps_min']:.4f}  (4 breaks, radius {row['gap_radius_px']} px)"
        )
    for row in ref:
        print(f"reference {row['size']}: IoU flood {row['iou_flood']:.4f}, alpha {row['iou_alpha']:.4f}")
    for row in spd:
        print(
            f"speed {row['size']}: {row['ms_per_mask_median']:.1f} ms/mask, "
            f"{row['masks_per_s_median']:.1f} masks/s median ({row['masks_per_s_best']:.1f} best)"
        )
    if "isnet_cpu" in result:
        r = result["isnet_cpu"]
        print(f"ISNetDIS {r['input']}^2 on CPU ({r['threads']} threads): {r['s_per_frame']:.2f} s/frame")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
