"""Benchmark `colorframes review` on a long generated shot: cold (thumbnails made) and warm (reused).

    python benchmarks/review_long_shot.py            # 1000 frames at 640x360
    python benchmarks/review_long_shot.py --smoke    # 12 frames at 64x48, seconds

Prints a table and writes benchmarks/results/review_long_shot.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from colorframes.review import build_review


def make_shot(root: Path, n: int, w: int, h: int) -> Path:
    """Line art with a moving box, a mask, a flat-coloured result and a sidecar per frame."""
    inputs, shot = root / "in", root / "out" / "shot"
    (shot / "masks").mkdir(parents=True)
    inputs.mkdir(parents=True)
    frames = {}
    for i in range(n):
        number, stem = 1001 + i, f"shot.{1001 + i}"
        x = int((w - w // 4) * (0.5 + 0.5 * np.sin(i / 15)))
        sketch = np.full((h, w, 3), 255, np.uint8)
        cv2.rectangle(sketch, (x, h // 5), (x + w // 5, h - h // 5), (0, 0, 0), 2)
        cv2.imwrite(str(inputs / f"{stem}.png"), sketch)
        mask = np.zeros((h, w), np.uint8)
        mask[h // 5 : h - h // 5, x : x + w // 5] = 255
        cv2.imwrite(str(shot / "masks" / f"{stem}.png"), mask)
        result = np.full((h, w, 3), (200, 220, 240), np.uint8)
        result[mask > 0] = (40, 90 + (i % 7) * 10, 200)
        cv2.imwrite(str(shot / f"{stem}.png"), result)
        frames[str(number)] = {"status": "done", "input": f"{stem}.png", "output": f"{stem}.png",
                               "seconds": 0.4, "mask": f"masks/{stem}.png", "error": None}  # fmt: skip
    sidecar = {"shot": "shot", "input": str(inputs), "options": {"backend": "flat"}, "frames": frames}
    (shot / "colorframes.json").write_text(json.dumps(sidecar))
    return shot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "review_long_shot.json")
    args = parser.parse_args(argv)
    n, w, h = (12, 64, 48) if args.smoke else (args.frames, 640, 360)
    with tempfile.TemporaryDirectory() as tmp:
        shot = make_shot(Path(tmp), n, w, h)
        t0 = time.perf_counter()
        cold = build_review(shot)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = build_review(shot)
        warm_s = time.perf_counter() - t0
        html_kb = cold.html.stat().st_size / 1024
        sheet_kb = cold.contact_sheet.stat().st_size / 1024
    rows = {
        "frames": n,
        "size": f"{w}x{h}",
        "flicker_metric": cold.flicker_metric,
        "cold_s": round(cold_s, 2),
        "cold_ms_per_frame": round(1000 * cold_s / n, 2),
        "warm_s": round(warm_s, 2),
        "warm_ms_per_frame": round(1000 * warm_s / n, 2),
        "thumbs_made_cold": cold.thumbs_made,
        "thumbs_reused_warm": warm.thumbs_reused,
        "html_kb": round(html_kb, 1),
        "contact_sheet_kb": round(sheet_kb, 1),
    }
    for key, value in rows.items():
        print(f"{key:20s} {value}")
    result = {"benchmark": "review_long_shot", "smoke": args.smoke, "machine": platform.machine(),
              "python": sys.version.split()[0], **rows}  # fmt: skip
    if not args.smoke:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if warm.thumbs_made == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
