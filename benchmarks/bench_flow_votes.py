#!/usr/bin/env python3
"""How far one step of the flat tracker's flow carries the right colours (benchmarks/flatgen shots).

The flat tracker (`colorframes/backends/flat/tracker.py`) reaches a frame by a chain of flow steps from the
keyframe. This scores one such step alone, with every error of the chain taken away: the previous frame of
the chain (one frame nearer the keyframe) is painted in its ground-truth colours, and each region of the
frame takes the colour most of its flow samples come from (`flow.correspond`, `votes.vote`, the tracker's own
functions and parameters); a region no consistent sample reaches takes the previous region under its
centroid moved by its displacement, as the tracker does. What this gets wrong, no assignment, re-decision or
confidence rule downstream can know from this flow: it is the correspondence's own error.

Scores per generator, over the frames other than the keyframe: `step_vote_db`, the PSNR of the region
colours against each region's ground-truth dominant colour (line pixels left out: error summed over region
pixels, divided by every pixel of the frame, as the region oracle's gap is measured), and `wrong_area`, the
share of region pixels whose region took a wrong colour. Never the held-out generator.

    python benchmarks/bench_flow_votes.py --generators shaded,room --frames 24
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import _common  # noqa: E402,F401  (puts this checkout's colorframes on sys.path)
import flatgen  # noqa: E402

GAP_RADIUS = 2  # the CLI's default --gap-radius
PSNR_CAP = 60.0


def step_votes(shot: flatgen.Shot) -> dict:
    """Per frame other than the keyframe: the one-step vote's region error (see the module docstring)."""
    from colorframes.backends.flat.flow import correspond
    from colorframes.backends.flat.params import DEFAULT_PARAMS
    from colorframes.backends.flat.tracker import prepare_regions
    from colorframes.backends.flat.votes import vote
    from colorframes.metrics.segments import segment_modes

    params = DEFAULT_PARAMS
    regions, truth = [], []
    for frame in shot.frames:
        r = prepare_regions(frame["sketch"], GAP_RADIUS, params)
        modes, _ = segment_modes(r.labels, frame["color"])
        regions.append(r)
        truth.append(np.asarray(modes[: r.count + 1], np.int64))  # (N+1,) packed 0xRRGGBB per region
    h, w = shot.frames[0]["sketch"].shape[:2]
    per_frame = []
    for t, (cur, gt) in enumerate(zip(regions, truth, strict=True)):
        if t == shot.key_index:
            continue
        p = t + 1 if t < shot.key_index else t - 1  # the chain's previous frame (toward the keyframe)
        prev, prev_gt = regions[p], truth[p]
        corr = correspond(prev, cur, params)
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        colours, index = np.unique(prev_gt, return_inverse=True)
        voted, _, _ = vote(j, corr.counts, index[i], np.ones(j.size), corr.samples)
        got = np.where(voted >= 0, colours[np.maximum(voted, 0)], -1)  # (N+1,) packed colour, -1 none
        lost = np.flatnonzero(got[1:] < 0) + 1
        at = np.rint(cur.centroid[lost] + corr.displacement[lost]).astype(np.int64)  # (K, 2) x, y
        src = prev.labels[np.clip(at[:, 1], 0, h - 1), np.clip(at[:, 0], 0, w - 1)]
        got[lost] = np.where(src > 0, prev_gt[src], -1)
        err = (_rgb(np.maximum(got, 0)) - _rgb(gt)) ** 2  # (N+1, 3)
        sq = err.sum(axis=1) * cur.area
        sq[0] = 0.0
        wrong = got != gt
        wrong[0] = False
        mse = float(sq.sum()) / (h * w * 3)
        per_frame.append(
            {
                "frame": t,
                "step_vote_db": round(PSNR_CAP if mse == 0 else min(PSNR_CAP, 10 * math.log10(255.0**2 / mse)), 3),
                "wrong_area": round(float(cur.area[wrong].sum() / max(cur.area[1:].sum(), 1.0)), 4),
                "wrong_regions": int(wrong.sum()),
            }
        )
    return {
        "step_vote_db": round(float(np.mean([f["step_vote_db"] for f in per_frame])), 3),
        "wrong_area": round(float(np.mean([f["wrong_area"] for f in per_frame])), 4),
        "per_frame": per_frame,
    }


def _rgb(packed: np.ndarray) -> np.ndarray:
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(np.float64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    tuning = list(flatgen.TUNING)
    parser.add_argument("--generators", default=",".join(tuning), help="comma list (default: the tuning ones)")
    parser.add_argument("--frames", type=int, default=12, help="frames per shot")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="JSON path (default: none written)")
    args = parser.parse_args(argv)
    names = [n for n in args.generators.split(",") if n]
    if flatgen.HOLDOUT in names:
        parser.error(f"{flatgen.HOLDOUT} is held out: it is never tuned on")
    unknown = [n for n in names if n not in flatgen.GENERATORS]
    if unknown:
        parser.error(f"unknown generator(s) {', '.join(unknown)}; choose from {', '.join(tuning)}")
    rows = []
    for name in names:
        shot = flatgen.generate(name, seed=args.seed, n_frames=args.frames)
        rows.append(
            {
                "generator": name,
                "frames": args.frames,
                "seed": args.seed,
                "key_index": shot.key_index,
                **step_votes(shot),
            }
        )
        print(f"{name:14s} step_vote_db {rows[-1]['step_vote_db']:7.2f}  wrong_area {rows[-1]['wrong_area']:.4f}")
    if args.out is not None:
        args.out.write_text(json.dumps({"benchmark": "flow_votes", "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
