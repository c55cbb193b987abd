"""Phase 2: load the backend(s) once, then per shot do the per-shot work once and stream its frames.

Memory stays flat however long the shot is: a reader thread decodes ahead through a bounded queue, the
backend colorizes batches, a writer pool encodes PNGs. Several `--device`s run one worker each.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..backends.base import ShotSetup
from ..errors import InputError
from ..io import sidecar
from ..io.discover import FrameRef
from ..io.framespec import format_ranges, select_shard
from ..io.images import TMP_SUFFIX, LoadedImage, display, read_reference, remove_stale_temps
from ..options import RunOptions
from .frames import frame_size, load_mask, load_sketch
from .plan import ShotPlan, keyframe_path
from .render import finish_shot, render_frames
from .results import RunSummary, ShotSummary
from .stages import ShotStages

Callback = Callable[[dict[str, Any]], None]


def create_backend(options: RunOptions):
    if options.backend == "flat":
        from ..backends.flat import create_colorizer
    else:
        from ..backends.diffusion import create_colorizer
    return create_colorizer(options)


class Recorder:
    """Buffers per-frame sidecar records and flushes them under the lock at most every second."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.pending: dict[int, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.last = time.monotonic()

    def add(self, number: int, record: dict[str, Any]) -> None:
        with self.lock:
            self.pending[number] = record
            due = time.monotonic() - self.last > 1.0
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, {}
            self.last = time.monotonic()
        sidecar.record_frames(self.out_dir, pending)


def execute(
    plans: list[ShotPlan], options: RunOptions, warnings: list[str], callback: Callback | None = None
) -> RunSummary:
    emit = callback or (lambda event: None)
    started = time.monotonic()
    for message in warnings:
        emit({"event": "warning", "message": message})
    total = sum(len(p.to_render) for p in plans)
    emit(
        {
            "event": "plan",
            "shots": len(plans),
            "frames": total,
            "skipped": sum(len(p.skip & {f.number for f in p.selected}) for p in plans),
        }
    )
    summaries = [ShotSummary(p.shot.name, str(p.out_dir), len(p.selected)) for p in plans]
    for plan, summary in zip(plans, summaries, strict=True):
        summary.skipped = sorted(plan.skip & {f.number for f in plan.selected})
    stages = {}
    for plan in plans:
        if plan.to_render:
            _check_writable(plan.frames_dir)
            stages[id(plan)] = ShotStages.build(plan, options)  # plates checked before any model loads
    counter = Counter(total, emit)
    devices = [d.strip() for d in options.device.split(",") if d.strip()] or ["auto"]
    backends = []
    for device in devices:
        backend = create_backend(options.replace(device=device))
        _drain_warnings(backend, emit, warnings)
        backends.append(backend)
    masks = None
    if any(p.to_render for p in plans) and _needs_masks(backends[0], options):
        from ..masks import create_mask_provider

        masks, mask_warnings = create_mask_provider(options)
        for message in mask_warnings:
            warnings.append(message)
            emit({"event": "warning", "message": message})

    for plan, summary in zip(plans, summaries, strict=True):
        if not plan.to_render:
            finish_shot(plan, summary, options, emit)
            continue
        emit({"event": "shot", "shot": plan.shot.name, "frames": len(plan.to_render)})
        plan.frames_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(plan.frames_dir, {plan.outputs[f.number].name for f in plan.selected})
        sidecar.start_shot(plan.out_dir, _header(plan, options, backends[0]), overwrite_frames=False)
        recorder = Recorder(plan.out_dir)
        shot_stages = stages[id(plan)]
        setup = _shot_setup(plan, options, masks, shot_stages)
        parts = _split(plan.to_render, len(backends))
        args = (setup, options, masks, shot_stages, summary, recorder, counter)
        try:
            if len(backends) == 1:
                render_frames(backends[0], plan, parts[0], *args)
            else:
                with ThreadPoolExecutor(len(backends)) as pool:
                    futures = [
                        pool.submit(render_frames, b, plan, part, *args)
                        for b, part in zip(backends, parts, strict=True)
                        if part
                    ]
                    for future in futures:
                        future.result()
        finally:
            recorder.flush()
        for backend in backends:
            _drain_warnings(backend, emit, warnings)
        finish_shot(plan, summary, options, emit)
    return RunSummary(shots=summaries, warnings=warnings, seconds=time.monotonic() - started)


def _check_writable(folder: Path) -> None:
    """Fail before any model loads when the output folder cannot take files (read-only, full, a file)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test.{os.getpid()}{TMP_SUFFIX}"
        probe.write_bytes(b"colorframes")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"{display(folder)}: output folder is not writable ({exc.strerror}); choose another -o folder"
        ) from None


def _needs_masks(backend, options: RunOptions) -> bool:
    return bool(
        getattr(backend, "needs_masks", True)
        or options.alpha
        or options.save_masks
        or options.background
        or options.process
    )


def _drain_warnings(backend, emit: Callback, warnings: list[str]) -> None:
    for message in getattr(backend, "warnings", [])[:]:
        warnings.append(message)
        emit({"event": "warning", "message": message})
    if hasattr(backend, "warnings"):
        backend.warnings.clear()


def _split(frames: list[FrameRef], n: int) -> list[list[FrameRef]]:
    return [select_shard(frames, k, n) for k in range(1, n + 1)]


class Counter:
    def __init__(self, total: int, emit: Callback):
        self.total, self.done, self.emit = total, 0, emit
        self.lock = threading.Lock()

    def frame(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.done += 1
            event.update({"event": "frame", "index": self.done, "total": self.total})
            self.emit(event)


def _header(plan: ShotPlan, options: RunOptions, backend) -> dict[str, Any]:
    describe = getattr(backend, "describe", lambda: {})
    versions = sidecar.package_versions()
    return {
        "colorframes": versions["colorframes"],
        "shot": plan.shot.name,
        "input": display(plan.shot.source),
        "reference": display(plan.reference) if plan.reference else None,
        "seed": plan.seed,
        "options": options.to_dict(),
        "settings": plan.settings,
        "settings_hash": sidecar.settings_hash(plan.settings),
        "model": {"backend": options.backend, **describe()},
        "versions": versions,
        "frames_requested": format_ranges([f.number for f in plan.requested]),
    }


def _shot_setup(plan: ShotPlan, options: RunOptions, masks, stages: ShotStages) -> ShotSetup:
    ref: LoadedImage | None = read_reference(plan.reference) if plan.reference else None
    ref_mask = masks.reference_mask(ref.rgb, ref.alpha) if (masks is not None and ref is not None) else None
    first = plan.shot.frames[0]
    size = frame_size(plan.shot, first)
    background = None
    if stages.background is not None and options.background_tokens:
        background = stages.background.token_plate(first.number, size)
    keyframes = {}
    for spec in options.keyframe:
        path, number = keyframe_path(spec)
        keyframes[number] = read_reference(path).rgb
    return ShotSetup(
        name=plan.shot.leaf,
        seed=plan.seed,
        frame_size=size,
        reference=ref.rgb if ref else None,
        reference_alpha=ref.alpha if ref else None,
        reference_mask=ref_mask,
        background=background,
        keyframes=keyframes,
        first_frame=first.number,
        sketch_loader=lambda number: load_sketch(plan, number),
        mask_loader=None if masks is None else lambda number: load_mask(plan, masks, number),
    )
