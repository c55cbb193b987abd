"""Per-frame numbers a colorist scans: flicker, low-confidence regions, time; and what to check first.

Flicker is measured on the cached result thumbnails (at most 320x240), which keeps a review of thousands
of frames to milliseconds per frame and makes repeated reviews give identical numbers. When
`colorframes.metrics` exposes `warping_error(prev, cur)` (flow-compensated difference of two
`(H, W, 3) float32` images in [0, 1]) it is used instead, so camera moves are not reported as flicker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .images import read_rgb

PairMetric = Callable[[np.ndarray, np.ndarray], float]


@dataclass
class FrameStats:
    """Numbers for one frame; None where the frame has no value (first frame, failed, no report)."""

    flicker: float | None = None
    low_confidence: int | None = None
    confidence: float | None = None


def mean_abs_difference(prev: np.ndarray, cur: np.ndarray) -> float:
    """Mean absolute difference of two `(H, W, 3)` images in [0, 1] (a simple flicker measure)."""
    if prev.shape != cur.shape:
        import cv2

        prev = cv2.resize(prev, (cur.shape[1], cur.shape[0]), interpolation=cv2.INTER_AREA)
    return float(np.abs(prev - cur).mean())


def pick_flicker_metric() -> tuple[str, PairMetric]:
    """("warping error", metrics fn) when colorframes.metrics provides one, else ("flicker", MAD)."""
    try:
        from ..metrics import warping_error  # type: ignore[attr-defined]
    except ImportError:
        return "flicker (mean abs difference)", mean_abs_difference
    return "warping error", warping_error


def flicker_series(thumbs: Sequence[Path | None], metric: PairMetric | None = None) -> tuple[str, list]:
    """Change from the previous frame for each frame (None where either side is missing)."""
    name, fn = pick_flicker_metric() if metric is None else ("flicker", metric)
    values: list[float | None] = [None] * len(thumbs)
    prev: np.ndarray | None = None
    for i, path in enumerate(thumbs):
        image = read_rgb(path) if path is not None else None
        cur = image.astype(np.float32) / 255.0 if image is not None else None  # (H, W, 3)
        if prev is not None and cur is not None:
            try:
                values[i] = float(fn(prev, cur))
            except (TypeError, ValueError):
                # A metrics function with another signature: fall back for the whole shot.
                if fn is mean_abs_difference:
                    raise
                return flicker_series(thumbs, mean_abs_difference)
        prev = cur
    return name, values


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


def check_first(
    numbers: Sequence[int], stats: Sequence[FrameStats], limit: int = 5
) -> list[dict[str, object]]:
    """Frames to look at first: the highest flicker, then the most low-confidence regions."""
    picks: list[dict[str, object]] = []
    flick = [(s.flicker, n) for n, s in zip(numbers, stats, strict=True) if s.flicker]
    for value, number in sorted(flick, key=lambda t: (-t[0], t[1]))[:limit]:
        picks.append({"frame": number, "reason": "flicker", "value": round(value, 4)})
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
