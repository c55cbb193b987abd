"""Per-frame numbers a colorist scans: flicker, low-confidence regions, time; and what to check first.

Both temporal numbers are measured on the cached thumbnails shrunk to at most 160x120, which keeps a
review of thousands of frames cheap, and are cached per frame pair: flicker is the mean absolute
difference of consecutive results; the warping error (Lai et al., flow from the sketches, DIS "ultrafast")
ranks "check first", so motion is not mistaken for flicker.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.images import read_rgb_or_none, write_bytes_atomic
from .images import resize_to_fit


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


WARP_BOX = (160, 120)  # the warping error's flow runs at this size: 4x cheaper than the thumbnails
CACHE_VERSION = 1


def _stamp(path: Path | None) -> str:
    if path is None:
        return "-"
    try:
        return f"{path.name}@{path.stat().st_mtime_ns}"
    except OSError:
        return "-"


class _Images:
    """Small-image loader that keeps the last few frames (each pair reuses its predecessor)."""

    def __init__(self) -> None:
        self.cache: dict[Path, np.ndarray | None] = {}

    def get(self, path: Path | None) -> np.ndarray | None:
        if path is None:
            return None
        if path not in self.cache:
            if len(self.cache) > 8:
                self.cache.pop(next(iter(self.cache)))
            image = read_rgb_or_none(path)
            self.cache[path] = None if image is None else resize_to_fit(image, WARP_BOX)
        return self.cache[path]


def temporal_series(
    results: Sequence[Path | None], sketches: Sequence[Path | None], cache_file: Path | None = None
) -> tuple[list[float | None], list[float | None] | None]:
    """(flicker, warping error or None) of each frame against the previous one.

    Flicker: mean abs difference of consecutive result thumbnails, in [0, 1]. Warping error: Lai et al.
    with the flow from the sketches when both are present (a flickering result cannot hide its flicker by
    corrupting its own flow), else from the results. Pairs are cached in `cache_file` keyed by the
    thumbnails' names and mtimes, so a repeated review only computes the pairs whose frames changed.
    """
    from ..metrics.temporal import pair_flow, warping_error

    warp_fns = (pair_flow, warping_error)
    cached: dict[str, list] = {}
    if cache_file is not None and cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            if data.get("version") == CACHE_VERSION and data.get("warping") is True:
                cached = data.get("pairs", {})
        except (OSError, json.JSONDecodeError, AttributeError):
            cached = {}
    flicker: list[float | None] = [None] * len(results)
    warping: list[float | None] = [None] * len(results)
    fresh: dict[str, list] = {}
    images = _Images()
    for i in range(1, len(results)):
        if results[i - 1] is None or results[i] is None:
            continue
        key = "|".join(_stamp(p) for p in (results[i - 1], results[i], sketches[i - 1], sketches[i]))
        if key not in cached:
            cached[key] = _pair(images, results[i - 1 : i + 1], sketches[i - 1 : i + 1], warp_fns)
        fresh[key] = cached[key]
        flicker[i], warping[i] = fresh[key]
    if cache_file is not None:
        payload = {"version": CACHE_VERSION, "warping": True, "pairs": fresh}
        write_bytes_atomic(cache_file, json.dumps(payload, separators=(",", ":")).encode(), make_parents=True)
    return flicker, warping


def _pair(images: _Images, results, sketches, warp_fns) -> list[float | None]:
    prev, cur = images.get(results[0]), images.get(results[1])
    if prev is None or cur is None:
        return [None, None]
    flick = mean_abs_difference(prev.astype(np.float32) / 255.0, cur.astype(np.float32) / 255.0)
    if prev.shape != cur.shape:
        return [flick, None]
    pair_flow, warping_error = warp_fns
    source = (images.get(sketches[0]), images.get(sketches[1]))
    if source[0] is None or source[1] is None or source[0].shape != prev.shape or source[1].shape != prev.shape:
        source = (prev, cur)
    value = float(warping_error(prev, cur, pair_flow(source[0], source[1], "ultrafast")))
    return [flick, None if math.isnan(value) else value]


def read_confidence(report: Path | None) -> tuple[int | None, float | None]:
    """(number of low-confidence regions, the report's confidence or else its weakest region's)."""
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
    scores = [data.get("confidence")]
    if scores[0] is None and isinstance(regions, list):  # else the least confident region's score
        scores = [r.get("confidence") for r in regions if isinstance(r, dict)]
    numbers = [float(v) for v in scores if isinstance(v, int | float) and not isinstance(v, bool)]
    return count, min(numbers) if numbers else None


def read_regions(report: Path | None) -> list[list[float]]:
    """The report's low-confidence regions as shapes to draw on the frame, in frame pixels.

    Each is [x0, y0, x1, y1, confidence]: the region's `bbox` ([x0, y0, x1, y1], end exclusive) when the
    report has one, else a square of the region's area around its centroid (`x`, `y`, `area`). Regions
    without a position are left out; confidence is -1 when unknown.
    """
    if report is None:
        return []
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return []
    regions = data.get("low_confidence") if isinstance(data, dict) else None
    shapes: list[list[float]] = []
    for region in regions if isinstance(regions, list) else []:
        if not isinstance(region, dict):
            continue
        conf = region.get("confidence", region.get("score"))
        conf = float(conf) if isinstance(conf, int | float) and not isinstance(conf, bool) else -1.0
        box = region.get("bbox")
        if isinstance(box, list) and len(box) == 4 and all(isinstance(v, int | float) for v in box):
            x0, y0, x1, y1 = (float(v) for v in box)
        elif all(isinstance(region.get(k), int | float) for k in ("x", "y")):
            half = max(4.0, math.sqrt(float(region.get("area") or 0)) / 2.0)
            x0, y0 = float(region["x"]) - half, float(region["y"]) - half
            x1, y1 = float(region["x"]) + half, float(region["y"]) + half
        else:
            continue
        shapes.append([round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1), round(conf, 3)])
    return shapes


# "Check first" lists at most this share of the shot's frames, at least CHECK_FIRST_MIN and at most
# CHECK_FIRST_MAX, and only frames that stand out: a temporal value at least OUTLIER_RATIO times the
# shot's median, or more low-confidence regions than OUTLIER_RATIO times the shot's median count.
CHECK_FIRST_SHARE = 0.10
CHECK_FIRST_MIN = 3
CHECK_FIRST_MAX = 5
OUTLIER_RATIO = 2.0


def check_first_cap(n: int) -> int:
    """How many frames "check first" lists at most for a shot of n frames."""
    return min(CHECK_FIRST_MAX, max(CHECK_FIRST_MIN, math.ceil(CHECK_FIRST_SHARE * n)))


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def check_first(
    numbers: Sequence[int], stats: Sequence[FrameStats], limit: int | None = None
) -> list[dict[str, object]]:
    """The few frames to look at first, ranked, each with why it is listed.

    Two ranked lists, interleaved (temporal first) until the cap (`check_first_cap`, or `limit`):
    temporal outliers (warping error when measured, else flicker) by their ratio to the shot's median,
    and frames with unusually many low-confidence regions, most first, weakest confidence breaking ties.
    Each pick: {"frame", "reason": "warping error" | "flicker" | "low confidence", "value", "why"}.
    """
    cap = check_first_cap(len(numbers)) if limit is None else limit
    use_warping = any(s.warping is not None for s in stats)
    reason = "warping error" if use_warping else "flicker"
    measured = [(s.warping if use_warping else s.flicker, n) for n, s in zip(numbers, stats, strict=True)]
    series = [(v, n) for v, n in measured if v is not None]
    temporal: list[dict[str, object]] = []
    if series:
        median = _median([v for v, _ in series])
        for value, number in sorted(series, key=lambda t: (-t[0], t[1])):
            if value <= 0 or (median > 0 and value < OUTLIER_RATIO * median):
                break
            ratio = f"{value / median:.1f}x" if median > 0 else "far above"
            why = f"{reason} {value:.4f} is {ratio} the shot's median ({median:.4f}): colours may jump here"
            temporal.append({"frame": number, "reason": reason, "value": round(value, 4), "why": why})
    reported = [
        (s.low_confidence, s.confidence, n)
        for n, s in zip(numbers, stats, strict=True)
        if s.low_confidence is not None
    ]
    low: list[dict[str, object]] = []
    if reported:
        median_count = _median([float(c) for c, _, _ in reported])
        flagged = [t for t in reported if t[0] > 0 and t[0] > OUTLIER_RATIO * median_count]
        flagged.sort(key=lambda t: (-t[0], t[1] if t[1] is not None else 1.0, t[2]))
        for count, score, number in flagged:
            weakest = f", weakest confidence {score:.2f}" if score is not None else ""
            why = f"{count} low-confidence region(s) (shot median {median_count:g}){weakest}: outlined on the result"
            low.append({"frame": number, "reason": "low confidence", "value": count, "why": why})
    picks: list[dict[str, object]] = []
    seen: set[object] = set()
    for pair in zip(temporal + [None] * len(low), low + [None] * len(temporal), strict=False):
        for pick in pair:
            if pick is not None and pick["frame"] not in seen and len(picks) < cap:
                seen.add(pick["frame"])
                picks.append(pick)
    return picks
