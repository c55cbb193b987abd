"""Per-frame numbers a colorist scans: flicker, low-confidence regions, time; and what to check first.

Both temporal numbers are measured on the cached thumbnails (at most 320x240), which keeps a review of
thousands of frames cheap and makes repeated reviews give identical numbers: flicker is the mean absolute
difference of consecutive results; when `colorframes.metrics` is present the warping error (Lai et al.,
flow from the sketches, DIS "ultrafast") is added and ranks "check first", so motion is not mistaken
for flicker.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .images import read_rgb


@dataclass
class FrameStats:
    """Numbers for one frame; None where the frame has no value (first frame, failed, no report)."""

    flicker: float | None = None
    warping: float | None = None
    low_confidence: int | None = None
    confidence: float | None = None


def mean_abs_difference(prev: np.ndarray, cur: np.ndarray) -> float:
    """Mean absolute difference of two `(H, W, 3)` images in [0, 1] (a simple flicker measure)."""
    if prev.shape != cur.shape:
        import cv2

        prev = cv2.resize(prev, (cur.shape[1], cur.shape[0]), interpolation=cv2.INTER_AREA)
    return float(np.abs(prev - cur).mean())


def _load(paths: Sequence[Path | None]) -> list[np.ndarray | None]:
    return [read_rgb(p) if p is not None else None for p in paths]


def flicker_series(results: Sequence[Path | None]) -> list[float | None]:
    """Mean abs difference to the previous frame's result, in [0, 1] (None where either is missing)."""
    values: list[float | None] = [None] * len(results)
    prev: np.ndarray | None = None
    for i, image in enumerate(_load(results)):
        cur = image.astype(np.float32) / 255.0 if image is not None else None  # (H, W, 3)
        if prev is not None and cur is not None:
            values[i] = mean_abs_difference(prev, cur)
        prev = cur
    return values


def warping_series(results: Sequence[Path | None], sketches: Sequence[Path | None]) -> list[float | None] | None:
    """Warping error to the previous frame via `colorframes.metrics`, or None when it is not installed.

    The flow comes from the sketches when both are present (a flickering result cannot hide its flicker
    by corrupting its own flow), else from the results.
    """
    try:
        from ..metrics.temporal import pair_flow, warping_error
    except ImportError:
        return None
    values: list[float | None] = [None] * len(results)
    res, sk = _load(results), _load(sketches)
    for i in range(1, len(res)):
        prev, cur = res[i - 1], res[i]
        if prev is None or cur is None or prev.shape != cur.shape:
            continue
        source = (sk[i - 1], sk[i]) if sk[i - 1] is not None and sk[i] is not None else (prev, cur)
        if source[0].shape != prev.shape or source[1].shape != prev.shape:
            source = (prev, cur)
        value = warping_error(prev, cur, pair_flow(source[0], source[1], "ultrafast"))
        values[i] = None if math.isnan(value) else float(value)
    return values


def read_confidence(report: Path | None) -> tuple[int | None, float | None]:
    """(number of low-confidence regions, overall confidence if the report states one)."""
    if report is None:
        return None, None
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    regions = data.get("low_confidence")
    count = len(regions) if isinstance(regions, list) else None
    score = data.get("confidence")
    return count, float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None


def check_first(numbers: Sequence[int], stats: Sequence[FrameStats], limit: int = 5) -> list[dict[str, object]]:
    """Frames to look at first: the highest warping error (else flicker), then the least confident."""
    picks: list[dict[str, object]] = []
    use_warping = any(s.warping is not None for s in stats)
    reason = "warping error" if use_warping else "flicker"
    flick = [(s.warping if use_warping else s.flicker, n) for n, s in zip(numbers, stats, strict=True)]
    flick = [(v, n) for v, n in flick if v]
    for value, number in sorted(flick, key=lambda t: (-t[0], t[1]))[:limit]:
        picks.append({"frame": number, "reason": reason, "value": round(value, 4)})
    low = [
        (s.low_confidence, s.confidence, n)
        for n, s in zip(numbers, stats, strict=True)
        if s.low_confidence or (s.confidence is not None and s.confidence < 1.0)
    ]
    low.sort(key=lambda t: (-(t[0] or 0), t[1] if t[1] is not None else 1.0, t[2]))
    for count, score, number in low[:limit]:
        value = count if count is not None else round(score or 0.0, 4)
        picks.append({"frame": number, "reason": "low confidence", "value": value})
    return picks
