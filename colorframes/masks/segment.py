"""`segment`: write every frame's mask (and each shot's reference mask) as 8-bit PNG for checking.

Layout: `OUT/<shot>/<stem>.png` per frame (255 = figure) and `OUT/<shot>/reference_mask.png` when the
shot has a reference (its own `ref.*` file, or the `reference` argument). Never prints; progress and
warnings go to `callback(event)` with the same event shapes as `api.run`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FrameError, InputError
from .util import to_uint8

REFERENCE_MASK_NAME = "reference_mask.png"
Callback = Callable[[dict[str, Any]], None]


@dataclass
class SegmentSummary:
    """What `segment` wrote. `exit_code` is 1 when some frame failed, else 0."""

    output: str
    shots: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0
    failed: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    masks: dict[str, str] = field(default_factory=dict)  # which model made sketch / reference masks
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "shots": self.shots,
            "written": self.written,
            "failed": self.failed,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
            "masks": self.masks,
            "notes": self.notes,
            "exit_code": self.exit_code,
        }


def _frames(shot, selected) -> Iterator[tuple[Any, np.ndarray | FrameError]]:
    """(frame, rgb) per selected frame; a frame that cannot be read comes back as its FrameError."""
    from ..io.images import read_image

    if shot.kind == "video":
        from ..io.video import iter_video_frames

        by_index = {f.index: f for f in selected}
        try:
            for index, rgb in iter_video_frames(shot.source, sorted(by_index)):
                yield by_index[index], rgb
        except FrameError as exc:
            yield selected[-1], exc
        return
    for frame in selected:
        try:
            yield frame, read_image(frame.path).rgb
        except FrameError as exc:
            yield frame, exc


def segment(
    inputs: list[str],
    output: str | Path,
    options: Any = None,
    reference: str | None = None,
    threshold: float | None = None,
    callback: Callback | None = None,
) -> SegmentSummary:
    """Write masks for every frame of every shot in `inputs` (honours options.frames / start_frame).

    `threshold` writes hard masks (255 where mask > threshold) instead of the soft 8-bit mask.
    """
    from ..io.discover import discover_shots
    from ..io.framespec import parse_frame_spec
    from ..io.images import read_reference, write_png_atomic
    from ..options import RunOptions
    from .provider import create_mask_provider

    opts = options or RunOptions()
    emit = callback or (lambda event: None)
    start = time.perf_counter()
    out_root = Path(output)
    shots = discover_shots(list(inputs), opts.start_frame)
    wanted = set(parse_frame_spec(opts.frames)) if opts.frames else None
    provider, warnings = create_mask_provider(opts)
    summary = SegmentSummary(
        output=str(out_root), warnings=list(warnings), masks=provider.describe(), notes=list(provider.notes)
    )
    for message in warnings:
        emit({"event": "warning", "message": message})
    for message in provider.notes:
        emit({"event": "note", "message": message})
    shared_ref = read_reference(reference) if reference else None

    def to_png(mask: np.ndarray) -> np.ndarray:
        return (mask > threshold).astype(np.uint8) * 255 if threshold is not None else to_uint8(mask)

    for shot in shots:
        selected = [f for f in shot.frames if wanted is None or f.number in wanted]
        shot_dir = out_root / shot.name
        try:
            shot_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create {shot_dir}: {exc.strerror}; pick a writable --output") from None
        emit({"event": "shot", "shot": shot.name, "frames": len(selected)})
        record: dict[str, Any] = {"shot": shot.name, "frames": len(selected), "written": 0, "failed": 0}
        ref = read_reference(shot.reference) if shot.reference else shared_ref
        if ref is not None:
            result = provider.reference_mask_result(ref.rgb, ref.alpha)
            write_png_atomic(shot_dir / REFERENCE_MASK_NAME, to_png(result.mask), 8)
            record["reference_mask"] = REFERENCE_MASK_NAME
            for message in result.warnings:
                summary.warnings.append(f"{shot.name} reference: {message}")
                emit({"event": "warning", "message": f"{shot.name} reference: {message}"})
        for index, (frame, rgb) in enumerate(_frames(shot, selected)):
            event = {"event": "frame", "shot": shot.name, "frame": frame.number, "index": index}
            if isinstance(rgb, FrameError):
                record["failed"] += 1
                emit({**event, "status": "failed", "error": str(rgb)})
                continue
            result = provider.sketch_mask_result(rgb)
            path = shot_dir / f"{frame.stem}.png"
            write_png_atomic(path, to_png(result.mask), 8)
            record["written"] += 1
            for message in result.warnings:
                text = f"{shot.name} frame {frame.number}: {message}"
                summary.warnings.append(text)
                emit({"event": "warning", "message": text})
            emit({**event, "status": "done", "output": str(path), "coverage": float(result.mask.mean())})
        summary.written += record["written"]
        summary.failed += record["failed"]
        summary.shots.append(record)
    summary.seconds = time.perf_counter() - start
    return summary
