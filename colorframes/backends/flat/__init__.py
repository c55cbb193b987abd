"""`--backend flat`: reference-guided paint-bucket colorization on the CPU (numpy + OpenCV, no weights).

Line art is split into closed regions (`foundation/lineart.py`), each region gets a flat colour from the
keyframes, the character sheet or point hints (`tracker.py`, which also documents the shard-determinism
rule), and the drawing's ink is kept exactly (`render.py`). Every tunable number lives in `params.FlatParams`.

How the tracker's parts divide: `tracker.py` (keyframe authority and the chain of flow steps), `weak.py`
(weak regions re-decided every frame), `flow.py` (dense correspondence), `matching.py` (form and the global
assignment), `copies.py` and `instances.py` (a region repeating another's outline, moved or anywhere),
`figures.py` (a figure walking in, matched to the sheet), `votes.py` (flow votes, neighbours),
`keycolors.py` (a keyframe read per region), `reference.py` (the sheet's parts), `state.py` (what the
tracker knows of a frame), `hints.py` (point hints).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ...foundation.lineart import Regions
from ...options import RunOptions
from ..base import BackendTraits, FrameInput, FrameResult, ShotSetup
from .hints import Hint, load_hints
from .params import DEFAULT_PARAMS, FlatParams
from .render import LineLayers, confidence_report, line_layers, paint
from .render import lines_layer as make_lines_layer
from .tracker import ShotTracker, prepare_regions

__all__ = ["FlatColorizer", "FlatParams", "create_colorizer"]


class FlatColorizer:
    """The flat paint-bucket colorizer (implements `colorframes.backends.base.Colorizer`)."""

    name = "flat"
    # regions come from the line art itself (no masks); paint-bucket colours are 8-bit values
    traits = BackendTraits(needs_masks=False, exact_uint8=True, flat_fills=True)

    def __init__(
        self,
        gap_radius: int = 2,
        hints: list[Hint] | str | None = None,
        report: bool = False,
        lines_layer: bool = False,
        sketch_loader: Callable[[int], np.ndarray | None] | None = None,
        params: FlatParams = DEFAULT_PARAMS,
    ) -> None:
        self.gap_radius = int(gap_radius)
        self.params = params
        self.uint8_output = False  # the runner's choice, from ShotSetup.uint8_output
        self.warnings: list[str] = []
        self._hints_spec = hints
        self.report = report
        self.want_lines_layer = lines_layer
        self.sketch_loader = sketch_loader
        self.tracker: ShotTracker | None = None
        self.shot: ShotSetup | None = None
        self._warned: set[str] = set()
        # The tracker's scipy modules take about a second to import: on a thread of its own that happens while
        # the runner plans the shot and reads and segments its first frames, not before the first frame. Not a
        # daemon: the interpreter waits for it at exit instead of killing it inside an extension module.
        threading.Thread(target=_import_tracker_modules, name="flat-imports").start()
        _share_cores(params.spare_cores)
        _keep_freed_memory(params.keep_freed_mb)

    def setup_shot(self, shot: ShotSetup) -> None:
        """Analyse the sheet and keyframes once per shot; hints are read here (InputError if malformed)."""
        hints = self._hints_spec
        if isinstance(hints, str) or hints is None:
            hints = load_hints(hints, shot.first_frame)
        self.shot = shot
        self.uint8_output = shot.uint8_output
        self._warned = set()
        self.tracker = ShotTracker(
            frame_size=tuple(shot.frame_size),  # type: ignore[arg-type]
            first_frame=shot.first_frame,
            gap_radius=self.gap_radius,
            sheet=shot.reference,
            sheet_alpha=_sheet_alpha(shot),
            keyframes=dict(shot.keyframes or {}),
            hints=list(hints),
            sketch_loader=self.sketch_loader or shot.sketch_loader,
            params=self.params,
        )

    def prepare(self, sketch: np.ndarray) -> Regions:
        """The frame's regions and what tracking and painting derive from them alone (about half a frame's
        work), ahead in the runner's reader thread."""
        art = _as_line_art(sketch)
        regions = prepare_regions(art, self.gap_radius, self.params)
        self._line_layers(regions, art)
        return regions

    def _line_layers(self, regions: Regions, sketch: np.ndarray) -> LineLayers:
        """`render.line_layers` of this frame, once (kept with its regions)."""
        p = self.params
        return regions.memo(
            "line_layers",
            lambda: line_layers(
                regions.labels, sketch, regions.line_mask, regions.box, regions.color_line_mask,
                p.line_fill_reach, p.line_ink_luma,
            ),
        )  # fmt: skip

    def colorize(self, frames: list[FrameInput]) -> list[FrameResult]:
        """Colorize frames in order; each result carries labels, region colours, lines and warnings."""
        if self.tracker is None:
            raise RuntimeError("FlatColorizer.setup_shot must be called before colorize")
        results = []
        for frame in sorted(frames, key=lambda f: f.number):
            sketch = _as_line_art(frame.sketch)
            state = self.tracker.state(frame.number, sketch, frame.prepared)
            palette = self.tracker.palette.array()
            region_colors = palette[np.maximum(state.color, 0)]  # (N+1, 3) uint8
            region_colors[0] = 0
            regs = state.regions
            image = paint(
                regs.labels,
                region_colors,
                sketch,
                regs.line_mask,
                regs.box,
                regs.outside,
                self.uint8_output,
                layers=self._line_layers(regs, sketch),  # ink, fringe and their regions, per FlatParams
            )
            # Painted once: not kept with the regions the tracker caches for the chain (~20 MB a 1080p frame).
            regs.derived.pop("line_layers", None)
            warnings = self._once_per_shot(self.tracker.warnings + state.warnings)
            extras: dict[str, Any] = {
                "labels": state.regions.labels,
                "region_colors": region_colors,
                "confidence": state.confidence,
                "warnings": warnings,
            }
            if self.want_lines_layer:
                extras["lines"] = make_lines_layer(sketch, state.regions.line_mask)
            if self.report:
                extras["report"] = confidence_report(state, region_colors, warnings, self.params.low_confidence)
            results.append(FrameResult(number=frame.number, image=image, extras=extras))
        return results

    def _once_per_shot(self, messages: list[str]) -> list[str]:
        """The messages not yet reported in this shot; two messages differing only in numbers are one."""
        out = []
        for message in messages:
            key = re.sub(r"\d+", "#", message)
            if key not in self._warned:
                self._warned.add(key)
                out.append(message)
        return out

    def describe(self) -> dict:
        return {"backend": "flat", "id": "flat-paint-bucket-v1", "sha256": None, "gap_radius": self.gap_radius}


def create_colorizer(opts: RunOptions) -> FlatColorizer:
    """Build the flat backend from RunOptions (`gap_radius`, `hints`, `report`, `lines_layer`)."""
    return FlatColorizer(
        gap_radius=opts.gap_radius, hints=opts.hints, report=opts.report, lines_layer=opts.lines_layer
    )


def _import_tracker_modules() -> None:
    import importlib

    for name in ("scipy.optimize", "scipy.sparse.csgraph"):
        try:
            importlib.import_module(name)
        except ImportError:  # the tracker's own import raises it where it is used
            return


def _share_cores(spare: int) -> None:
    """OpenCV's worker pool: the cores the runner's own threads leave (`FlatParams.spare_cores`), at least one
    thread. Process-wide; OpenCV's results do not depend on it (its parallel loops split rows)."""
    import os

    import cv2

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    cv2.setNumThreads(max(1, cores - spare))


def _keep_freed_memory(mb: int) -> None:
    """glibc's malloc keeps freed blocks up to `mb` MB (`FlatParams.keep_freed_mb`): no mmap per large block
    and no trimming of the heap below twice that. Process-wide; a no-op elsewhere or with 0."""
    import ctypes
    import os

    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):  # not a glibc system
        return
    if mb <= 0 or not glibc.startswith("glibc"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # mallopt parameters (malloc.h)
    libc.mallopt(m_mmap_threshold, mb << 20)
    libc.mallopt(m_trim_threshold, 2 * mb << 20)


def _sheet_alpha(shot: ShotSetup) -> np.ndarray | None:
    alpha = shot.reference_alpha
    if alpha is None or shot.reference is None or alpha.shape != shot.reference.shape[:2]:
        return None
    return alpha


def _as_line_art(sketch: np.ndarray) -> np.ndarray:
    """Best effort (H, W, 3) uint8 from whatever arrived (grey, RGBA, float)."""
    arr = np.asarray(sketch)
    if arr.dtype != np.uint8:
        scale = 255.0 if arr.dtype.kind == "f" and arr.size and float(np.nanmax(arr)) <= 1.0 else 1.0
        arr = np.clip(np.nan_to_num(arr.astype(np.float32)) * scale, 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.shape[2] == 4:
        a = arr[:, :, 3:4].astype(np.float32) / 255.0
        arr = (arr[:, :, :3].astype(np.float32) * a + 255.0 * (1.0 - a)).astype(np.uint8)
    return np.ascontiguousarray(arr[:, :, :3])
