"""Benchmark the compose stage on a generated frame: harmonization, process steps and their writers.

    python benchmarks/compose_bench.py            # 1920x1080, figure ~25% of the frame, --process 8
    python benchmarks/compose_bench.py --smoke    # 64x48, seconds

Prints a table (median of --repeat runs) and writes benchmarks/results/compose_bench.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from colorframes.compose import harmonize, process_frames, write_process_mp4, write_process_png


def make_frame(h: int, w: int) -> dict:
    """Line art of random circles, a soft disk mask, a noisy colorized figure and a noisy plate."""
    rng = np.random.default_rng(0)
    sketch = np.full((h, w, 3), 255, np.uint8)
    for _ in range(60):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(sketch, centre, int(rng.integers(h // 50 + 2, h // 5 + 3)), (0, 0, 0), 2, cv2.LINE_AA)
    mask = np.zeros((h, w), np.float32)
    cv2.circle(mask, (w // 2, h // 2), int(0.37 * h), 1.0, -1)
    mask = cv2.GaussianBlur(mask, (7, 7), 0)
    figure = rng.random((h, w, 3)).astype(np.float32) * (sketch.min(axis=2, keepdims=True) / 255.0)
    plate = rng.random((h, w, 3)).astype(np.float32)
    return {"sketch": sketch, "mask": mask, "figure": figure.astype(np.float32), "plate": plate}


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--steps", type=int, default=8, help="process steps (--process N)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "compose_bench.json")
    args = parser.parse_args(argv)
    h, w = (48, 64) if args.smoke else (1080, 1920)
    repeat = 1 if args.smoke else args.repeat
    f = make_frame(h, w)
    rows: list[tuple[str, float]] = []
    for radius in (0, 2):
        rows.append((f"harmonize edge_radius={radius}", timed(
            lambda r=radius: harmonize(f["figure"], f["plate"], f["mask"], f["sketch"], edge_radius=r),
            repeat,
        )))  # fmt: skip
    steps: list[np.ndarray] = []

    def build() -> None:
        steps[:] = process_frames(f["sketch"], f["mask"], f["figure"], n=args.steps)

    rows.append((f"process_frames n={args.steps}", timed(build, repeat)))
    with tempfile.TemporaryDirectory() as tmp:
        rows.append((f"write_process_png x{args.steps}", timed(lambda: write_process_png(steps, tmp), repeat)))
        mp4 = Path(tmp) / "p.mp4"
        rows.append((f"write_process_mp4 x{args.steps}", timed(lambda: write_process_mp4(steps, mp4), repeat)))
    print(f"compose benchmark, {w}x{h}, median of {repeat}")
    print(f"{'stage':<32} {'seconds':>8}")
    for name, seconds in rows:
        print(f"{name:<32} {seconds:>8.3f}")
    result = {
        "benchmark": "compose",
        "size": [w, h],
        "smoke": args.smoke,
        "repeat": repeat,
        "seconds": dict(rows),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
