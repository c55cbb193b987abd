"""`evaluate()`: pair PRED / GT / SKETCH frames by number and compute every requested metric.

Frames stream through once in increasing number order (only the previous frame is kept for the
temporal metrics), so long shots do not need to fit in memory. Temporal metrics of the pair
(t, t+1) are reported on frame t+1; consecutive means consecutive *paired* frames.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import InputError
from .fidelity import ms_ssim, psnr, ssim
from .frames import Frame, FrameSource, open_source
from .palette import dominant_colors, palette_distance
from .regions import line_regions
from .segments import line_fidelity, segment_accuracy
from .temporal import pair_flow, temporal_consistency, warping_error

SEGMENT_METRICS = ("seg_acc", "seg_acc_thres", "seg_pix_acc", "seg_pix_acc_wobg")
# metric -> the input it needs besides PRED (None: PRED alone)
REQUIRES: dict[str, str | None] = {
    "psnr": "gt",
    "ssim": "gt",
    "ms_ssim": "gt",
    "tc": "gt",
    "warping_error": None,
    "palette_de": "reference",
    "line_fidelity": "sketch",
    **{name: "gt" for name in SEGMENT_METRICS},
}
METRICS = tuple(REQUIRES)
# Higher is better for these; lower for the rest (tc: closest to 1).
HIGHER_IS_BETTER = frozenset({"psnr", "ssim", "ms_ssim", "line_fidelity", *SEGMENT_METRICS})

Source = str | os.PathLike | Mapping[int, np.ndarray]


def _select(metrics: list[str] | None, given: dict[str, bool]) -> list[str]:
    if metrics is None:
        return [m for m in METRICS if (need := REQUIRES[m]) is None or given[need]]
    wanted: list[str] = []
    for name in metrics:
        names = SEGMENT_METRICS if name == "segments" else (name,)
        for m in names:
            if m not in REQUIRES:
                raise InputError(f"unknown metric {m!r}; choose from {', '.join(METRICS)}, segments")
            need = REQUIRES[m]
            if need is not None and not given[need]:
                flag = {"gt": "--gt", "sketch": "--sketch", "reference": "--ref"}[need]
                raise InputError(f"metric {m} needs {flag}")
            if m not in wanted:
                wanted.append(m)
    return wanted


def _check_size(frame: Frame, other: Frame, a: FrameSource, b: FrameSource) -> None:
    if frame.rgb.shape != other.rgb.shape:
        h, w = frame.rgb.shape[:2]
        raise InputError(
            f"{a.label}: frame {frame.number} is {w}x{h} but {b.label} is "
            f"{other.rgb.shape[1]}x{other.rgb.shape[0]}; compare frames of one size"
        )


def _mean(values: list[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return float(sum(kept) / len(kept)) if kept else math.nan


def evaluate(
    pred: Source,
    gt: Source | None = None,
    sketch: Source | None = None,
    reference: str | os.PathLike | np.ndarray | None = None,
    metrics: list[str] | None = None,
    *,
    flow_preset: str = "medium",
    line_tolerance: int = 8,
    callback: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Compute metrics of PRED (against GT / SKETCH / REFERENCE where given); never prints.

    Returns {"frames": {"1001": {metric: value}}, "mean": {metric: value}, "metrics": [...],
    "count", "unpaired", "flow_source", "notes", ...}. Values are floats (inf / nan possible).
    Raises InputError (exit 2) for missing inputs, unknown metrics, no paired frames, size mismatch.
    """
    given = {"gt": gt is not None, "sketch": sketch is not None, "reference": reference is not None}
    names = _select(metrics, given)
    sources = {"pred": open_source(pred, "pred")}
    if gt is not None:
        sources["gt"] = open_source(gt, "gt")
    if sketch is not None:
        sources["sketch"] = open_source(sketch, "sketch")
    common = set(sources["pred"].numbers)
    for src in sources.values():
        common &= set(src.numbers)
    numbers = sorted(common)
    if not numbers:
        labels = ", ".join(s.label for s in sources.values())
        raise InputError(f"no frame numbers in common between {labels}; frames are paired by number")
    unpaired = {role: sorted(set(src.numbers) - common) for role, src in sources.items()}

    ref_palette = None
    if "palette_de" in names:
        if reference is None:  # _select keeps palette_de only when a reference is given
            raise InputError("metric palette_de needs --ref")
        ref_palette = _reference_palette(reference)
    flow_source = "gt" if gt is not None else "sketch" if sketch is not None else "pred"
    temporal = [m for m in ("tc", "warping_error") if m in names]
    want_segments = any(m in names for m in SEGMENT_METRICS)

    iters = {role: src.frames(numbers) for role, src in sources.items()}
    per_frame: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    previous: dict[str, Frame] | None = None
    for index, number in enumerate(numbers):
        current = {role: next(it) for role, it in iters.items()}
        for role in ("gt", "sketch"):
            if role in current:
                _check_size(current["pred"], current[role], sources["pred"], sources[role])
        values = _frame_metrics(current, names, ref_palette, want_segments, line_tolerance, notes)
        if previous is not None and temporal:
            flow = pair_flow(previous[flow_source].rgb, current[flow_source].rgb, flow_preset)
            if "warping_error" in temporal:
                values["warping_error"] = warping_error(previous["pred"].rgb, current["pred"].rgb, flow)
            if "tc" in temporal:
                values["tc"] = temporal_consistency(
                    previous["pred"].rgb, current["pred"].rgb, previous["gt"].rgb, current["gt"].rgb, flow
                )
        per_frame[str(number)] = values
        previous = current
        if callback is not None:
            callback({"event": "frame", "number": number, "index": index + 1, "total": len(numbers)})

    means = {m: _mean([v[m] for v in per_frame.values() if m in v]) for m in names}
    return {
        "pred": sources["pred"].label,
        "gt": sources["gt"].label if "gt" in sources else None,
        "sketch": sources["sketch"].label if "sketch" in sources else None,
        "reference": None if reference is None or isinstance(reference, np.ndarray) else os.fspath(reference),
        "metrics": names,
        "count": len(numbers),
        "unpaired": unpaired,
        "flow_source": flow_source if temporal else None,
        "frames": per_frame,
        "mean": means,
        "notes": _group_notes(notes),
    }


def _group_notes(notes: list[str]) -> list[str]:
    """'<reason>: frame N' notes → one line per reason listing its frames (long shots stay readable)."""
    grouped: dict[str, list[str]] = {}
    for note in notes:
        reason, _, frame = note.rpartition(": frame ")
        grouped.setdefault(reason or note, []).append(frame)
    lines = []
    for reason, frames in grouped.items():
        shown = ", ".join(frames[:8]) + (f" … ({len(frames)} frames)" if len(frames) > 8 else "")
        lines.append(f"{reason}: frame{'s' if len(frames) > 1 else ''} {shown}")
    return lines


def _reference_palette(reference: str | os.PathLike | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(reference, np.ndarray):
        return dominant_colors(reference)
    from ..io.images import read_reference

    image = read_reference(reference)
    return dominant_colors(image.rgb, image.alpha)


def _frame_metrics(
    current: dict[str, Frame],
    names: list[str],
    ref_palette: tuple[np.ndarray, np.ndarray] | None,
    want_segments: bool,
    line_tolerance: int,
    notes: list[str],
) -> dict[str, float]:
    pred = current["pred"]
    values: dict[str, float] = {}
    if "gt" in current:
        gt = current["gt"]
        for name, fn in (("psnr", psnr), ("ssim", ssim), ("ms_ssim", ms_ssim)):
            if name in names:
                values[name] = _safe(fn, pred.rgb, gt.rgb, notes, name, pred.number)
    labels = None
    if "sketch" in current and want_segments:
        labels, _ = line_regions(current["sketch"].rgb)
    if "line_fidelity" in names:  # against the drawing's own dark pixels, not a colorizer's line mask
        values["line_fidelity"] = line_fidelity(pred.rgb, current["sketch"].rgb, None, line_tolerance)
    if want_segments:
        seg = segment_accuracy(pred.rgb, current["gt"].rgb, labels, current["gt"].alpha)
        if seg is None:
            notes.append(f"segment accuracy skipped (ground truth not flat): frame {pred.number}")
        else:
            for key, value in seg.items():
                if f"seg_{key}" in names:
                    values[f"seg_{key}"] = value
    if ref_palette is not None:
        values["palette_de"] = palette_distance(dominant_colors(pred.rgb, pred.alpha), ref_palette)
    return values


def _safe(fn: Callable, a: np.ndarray, b: np.ndarray, notes: list[str], name: str, number: int) -> float:
    try:
        return float(fn(a, b))
    except ValueError as exc:  # e.g. frames smaller than the SSIM window
        notes.append(f"{name} skipped ({exc}): frame {number}")
        return math.nan
