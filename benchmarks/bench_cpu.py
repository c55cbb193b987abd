#!/usr/bin/env python3
"""CPU benchmark of the whole run path: flat backend frames/s at 1920x1080 through `api.run` (PNG read +
colorize + PNG write) against the PNG read+write floor measured in the same run, and peak RSS for a short
vs a long shot (it must stay flat: the runner streams frames, it never holds a shot in memory).

    python benchmarks/bench_cpu.py                 # 24 frames at 1920x1080; RSS 100 vs 1000 frames at 320x180
    python benchmarks/bench_cpu.py --profile       # + cProfile hotspots of api.run (flat and tiny-random)
    python benchmarks/bench_cpu.py --smoke         # tiny sizes, seconds (run by the tests)

Frames come from examples/make_example.py. The long RSS shot reuses a few rendered frames through symlinks
(so setup takes seconds); each RSS run is a fresh interpreter reading its own peak RSS (`_common.peak_rss_mb`).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_make_example, peak_rss_mb  # noqa: E402

DEFAULT_OUT = ROOT / "benchmarks" / "results" / "cpu.json"
RSS_GROWTH_GOAL = 1.10  # peak RSS of the long shot / the short shot


def write_shot(folder: Path, n_frames: int, size: tuple[int, int], distinct: int | None = None) -> Path:
    """n_frames line-art PNGs (shot01.1001.png ...); beyond `distinct` rendered ones, symlinks cycle them."""
    mx = load_make_example()
    distinct = min(distinct or n_frames, n_frames)
    for i in range(n_frames):
        path = folder / mx.frame_name("shot01", i)
        if i < distinct:
            mx._write_png(path, mx.render_frame(i, size, n_frames=distinct)["sketch"])
        else:
            path.symlink_to(folder / mx.frame_name("shot01", i % distinct))
    return folder


def write_sheet(path: Path) -> Path:
    mx = load_make_example()
    mx._write_png(path, mx.render_sheet(mx.SHEET_SIZE)["color"])
    return path


# --- measurements ------------------------------------------------------------------------------------


def png_floor(shot: Path, out: Path) -> dict[str, float]:
    """Read every frame and write it back with the runner's own reader/writer (same PNG compression)."""
    from colorframes.io.images import read_image, write_png_atomic

    out.mkdir(parents=True, exist_ok=True)
    frames = sorted(shot.glob("*.png"))
    t0 = time.perf_counter()
    for path in frames:
        write_png_atomic(out / path.name, read_image(path).rgb, 8)
    seconds = time.perf_counter() - t0
    return {"frames": len(frames), "seconds": round(seconds, 3), "fps": round(len(frames) / seconds, 2)}


def end_to_end(shot: Path, sheet: Path, out: Path, backend: str = "flat", **options: Any) -> dict[str, Any]:
    """api.run wall time, plus steady-state frames/s from the frame events (first frame excluded)."""
    from colorframes import api

    stamps: list[float] = []

    def callback(event: dict) -> None:
        if event.get("event") == "frame" and event.get("status") == "done":
            stamps.append(time.perf_counter())

    opts = api.RunOptions(backend=backend, output=str(out), **options)
    t0 = time.perf_counter()
    summary = api.run([str(shot)], reference=str(sheet), options=opts, callback=callback)
    wall = time.perf_counter() - t0
    n = len(stamps)
    steady = (n - 1) / (stamps[-1] - stamps[0]) if n > 1 and stamps[-1] > stamps[0] else None
    return {
        "frames": n, "exit_code": summary.exit_code, "seconds": round(wall, 3), "fps": round(n / wall, 2),
        "steady_fps": round(steady, 2) if steady else None,
        "first_frame_s": round(stamps[0] - t0, 3) if stamps else None,
    }  # fmt: skip


def rss_child(shot: Path, sheet: Path, out: Path) -> int:
    """In a fresh interpreter: run the flat backend over the shot, print peak RSS as one JSON line."""
    row = end_to_end(shot, sheet, out)
    row["maxrss_mb"] = peak_rss_mb()
    print(json.dumps(row))
    return 0 if row["exit_code"] == 0 else 1


def peak_rss(n_frames: int, size: tuple[int, int], sheet: Path, tmp: Path, distinct: int) -> dict[str, Any]:
    shot = write_shot(tmp / f"rss{n_frames}" / "shot01", n_frames, size, distinct=distinct)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--rss-child",
        str(shot),
        str(sheet),
        str(tmp / f"o{n_frames}"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"RSS run of {n_frames} frames failed: {proc.stderr.strip()[-400:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def profile_run(shot: Path, sheet: Path, out: Path, backend: str, top: int, **options: Any) -> dict[str, Any]:
    """cProfile of one api.run; the `top` functions by own time and by cumulative time."""
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    row = end_to_end(shot, sheet, out, backend=backend, **options)
    profiler.disable()
    row["profiled_seconds"] = round(time.perf_counter() - t0, 3)
    stats = pstats.Stats(profiler)

    def rows(key: str) -> list[dict[str, Any]]:
        items = sorted(stats.stats.items(), key=lambda kv: kv[1][2 if key == "tottime" else 3], reverse=True)
        return [
            {
                "function": f"{_short(file)}:{line}({name})",
                "ncalls": nc,
                "tottime": round(tt, 3),
                "cumtime": round(ct, 3),
            }
            for (file, line, name), (_, nc, tt, ct, _) in items[:top]
        ]

    row["options"] = options
    row["top_tottime"] = rows("tottime")
    row["top_cumtime"] = rows("cumtime")
    return row


def _short(path: str) -> str:
    for marker in ("site-packages/", "/colorframes/", "/benchmarks/"):
        if marker in path:
            return (
                path.split(marker, 1)[1]
                if marker == "site-packages/"
                else marker.strip("/") + "/" + path.split(marker, 1)[1]
            )
    return path


# --- main --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds (run by the tests)")
    parser.add_argument("--frames", type=int, default=24, help="frames of the 1920x1080 speed shot")
    parser.add_argument("--rss-frames", type=int, nargs=2, default=[100, 1000], metavar=("SHORT", "LONG"))
    parser.add_argument("--profile", action="store_true", help="add cProfile hotspots of api.run to the JSON")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads for the tiny-random profile")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--rss-child", nargs=3, type=Path, metavar=("SHOT", "SHEET", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.frames, args.rss_frames = 3, [6, 18]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rss_child:
        return rss_child(*args.rss_child)
    command = " ".join(["python", "benchmarks/bench_cpu.py", *(sys.argv[1:] if argv is None else argv)])
    size = (320, 180) if args.smoke else (1920, 1080)
    rss_size = (160, 90) if args.smoke else (320, 180)
    result: dict[str, Any] = {
        "benchmark": "cpu", "smoke": args.smoke, "command": command,
        "environment": {"python": platform.python_version(), "machine": platform.machine(),
                        "cpu_count": os.cpu_count(), "load_average_start": [round(v, 2) for v in os.getloadavg()]},
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sheet = write_sheet(tmp / "sheet.png")
        shot = write_shot(tmp / "speed" / "shot01", args.frames, size)
        floor = png_floor(shot, tmp / "floor")
        flat = end_to_end(shot, sheet, tmp / "flat_out")
        result["speed"] = {
            "size": f"{size[0]}x{size[1]}", "backend": "flat", "end_to_end": flat, "png_floor": floor,
            "fraction_of_floor": round(flat["fps"] / floor["fps"], 3),
        }  # fmt: skip
        short_n, long_n = args.rss_frames
        distinct = 4 if args.smoke else 12
        short = peak_rss(short_n, rss_size, sheet, tmp, distinct)
        long = peak_rss(long_n, rss_size, sheet, tmp, distinct)
        growth = long["maxrss_mb"] / short["maxrss_mb"]
        result["rss"] = {
            "size": f"{rss_size[0]}x{rss_size[1]}", "short": short, "long": long, "growth": round(growth, 3),
            "goal_growth_max": RSS_GROWTH_GOAL, "flat": growth <= RSS_GROWTH_GOAL,
        }  # fmt: skip
        if args.profile:
            if args.threads:
                import torch

                torch.set_num_threads(args.threads)
            example, example_sheet = ROOT / "examples" / "shot01", ROOT / "examples" / "sheet.png"
            result["profile"] = {
                "flat": profile_run(example, example_sheet, tmp / "prof_flat", "flat", 15),
                "tiny-random": profile_run(
                    example,
                    example_sheet,
                    tmp / "prof_tiny",
                    "tiny-random",
                    15,
                    num_inference_steps=4,
                    resolution=256,
                    mask_model="classical",
                ),  # fmt: skip
                "torch_threads": args.threads or "default",
            }
    result["environment"]["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    print_report(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    ok = flat["exit_code"] == 0 and result["rss"]["flat"]
    return 0 if ok else 1


def print_report(result: dict[str, Any]) -> None:
    speed, rss = result["speed"], result["rss"]
    e2e, floor = speed["end_to_end"], speed["png_floor"]
    print(f"{'measure':34s} {'value':>10s}")
    print(f"{'flat end-to-end ' + speed['size'] + ' fps':34s} {e2e['fps']:10.2f}")
    print(f"{'flat steady-state fps':34s} {e2e['steady_fps'] or 0:10.2f}")
    print(f"{'PNG read+write floor fps':34s} {floor['fps']:10.2f}")
    print(f"{'fraction of floor':34s} {speed['fraction_of_floor']:10.3f}")
    print(f"{'peak RSS ' + str(rss['short']['frames']) + ' frames (MB)':34s} {rss['short']['maxrss_mb']:10.1f}")
    print(f"{'peak RSS ' + str(rss['long']['frames']) + ' frames (MB)':34s} {rss['long']['maxrss_mb']:10.1f}")
    print(f"{'RSS growth (goal <= 1.10)':34s} {rss['growth']:10.3f}")
    for name, prof in result.get("profile", {}).items():
        if not isinstance(prof, dict):
            continue
        print(f"profile {name}: {prof['frames']} frames in {prof['profiled_seconds']} s; top own time:")
        for row in prof["top_tottime"][:8]:
            print(f"  {row['tottime']:8.3f} s  {row['ncalls']:>7}  {row['function']}")


if __name__ == "__main__":
    raise SystemExit(main())
