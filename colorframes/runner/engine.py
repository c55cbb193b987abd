"""Phase 2: load the backend(s) once, then per shot do the per-shot work once and stream its frames.

Memory stays flat however long the shot is: a reader thread decodes ahead through a bounded queue, the
backend colorizes batches, a writer pool encodes PNGs. Several `--device`s run one worker each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends.base import BackendTraits, Colorizer, ShotSetup
from ..errors import InputError
from ..io import sidecar
from ..io.discover import FrameRef
from ..io.framespec import format_ranges, select_shard
from ..io.images import LoadedImage, display, read_reference
from ..io.tempfiles import remove_stale_temps, temp_path
from ..options import RunOptions
from .frames import ReadAhead, frame_size, input_name, load_mask, load_sketch
from .job import Counter, Recorder, ShotJob
from .plan import ShotPlan, keyframe_path
from .render import finish_shot, render_frames
from .results import RunSummary, ShotSummary
from .stages import ShotStages, uint8_results

if TYPE_CHECKING:
    from ..masks.provider import MaskProvider

Callback = Callable[[dict[str, Any]], None]


def create_backend(options: RunOptions) -> Colorizer:
    if options.backend == "flat":
        from ..backends.flat import create_colorizer as create_flat

        return create_flat(options)
    from ..backends.diffusion import create_colorizer as create_diffusion

    return create_diffusion(options)


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
    backends: list[Colorizer] = []
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
        for message in masks.notes:
            emit({"event": "note", "message": message})

    for plan, summary in zip(plans, summaries, strict=True):
        # each backend's reader starts now: reading (and segmenting) the first frames overlaps the shot's setup
        work = [
            (backend, ReadAhead(backend, plan, part, depth=2 * options.batch_size))
            for backend, part in zip(backends, _split(plan.to_render, len(backends)), strict=True)
            if part
        ]
        try:
            _render_shot(plan, summary, options, backends, work, masks, stages, counter, emit, warnings)
        finally:
            for _, reader in work:
                reader.close()
    return RunSummary(shots=summaries, warnings=warnings, seconds=time.monotonic() - started)


def _render_shot(
    plan: ShotPlan,
    summary: ShotSummary,
    options: RunOptions,
    backends: list[Colorizer],
    work: list[tuple[Colorizer, ReadAhead]],
    masks: MaskProvider | None,
    stages: dict[int, ShotStages],
    counter: Counter,
    emit: Callback,
    warnings: list[str],
) -> None:
    """One shot: its sidecar, its setup once, its frames on every backend with frames to do (one reader
    each), the MP4."""
    sweep_temps(plan)
    if plan.to_render or (plan.selected and plan.out_dir.is_dir()):
        plan.frames_dir.mkdir(parents=True, exist_ok=True)
        sidecar.start_shot(plan.out_dir, _header(plan, options, backends[0]), overwrite_frames=False)
        sidecar.reconcile(plan.out_dir, plan.frames_dir, _on_disk(plan))
    if not plan.to_render:
        finish_shot(plan, summary, options, emit)
        return
    emit({"event": "shot", "shot": plan.shot.name, "frames": len(plan.to_render)})
    recorder = Recorder(plan.out_dir)
    shot_stages = stages[id(plan)]
    setup = _shot_setup(plan, options, masks, shot_stages, backends[0].traits)
    job = ShotJob(plan, setup, options, masks, shot_stages, summary, recorder, counter)
    try:
        if len(work) == 1:
            render_frames(*work[0], job)
        else:
            with ThreadPoolExecutor(len(work)) as pool:
                futures = [pool.submit(render_frames, backend, reader, job) for backend, reader in work]
                try:
                    for future in futures:
                        future.result()
                except BaseException:
                    counter.stop.set()  # the other devices stop after their frame in progress
                    raise
    except BaseException:
        counter.stop.set()
        raise
    finally:
        recorder.flush()
        # whatever happened (an interrupt too), the sidecar lists the frames now on disk
        sidecar.reconcile(plan.out_dir, plan.frames_dir, _on_disk(plan, exclude=set(summary.failed)))
    for backend in backends:
        _drain_warnings(backend, emit, warnings)
    finish_shot(plan, summary, options, emit)


def sweep_temps(plan: ShotPlan) -> None:
    """Remove the temp files of writers that are gone (a killed run) from every folder a shot writes to."""
    folders = {plan.out_dir, plan.frames_dir}
    folders.update(plan.out_dir / sub for sub in ("masks", "lines", "report", "layers"))
    for folder in folders:
        remove_stale_temps(folder)


def _on_disk(plan: ShotPlan, exclude: set[int] | None = None) -> dict[int, dict[str, Any]]:
    """Done records for this worker's frames whose output exists (frames `exclude`d are left as recorded)."""
    return {
        f.number: {
            "status": "done",
            "input": input_name(plan, f),
            "seconds": None,  # rendered by a run that was killed before it recorded the frame
            "output": plan.outputs[f.number].name,
        }
        for f in plan.selected
        if f.number not in (exclude or set()) and plan.outputs[f.number].exists()
    }


def _check_writable(folder: Path) -> None:
    """Fail before any model loads when the output folder cannot take files (read-only, full, a file)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = temp_path(folder / "write-test")
        probe.write_bytes(b"colorframes")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"{display(folder)}: output folder is not writable ({exc.strerror}); choose another -o folder"
        ) from None


def _needs_masks(backend: Colorizer, options: RunOptions) -> bool:
    return bool(
        backend.traits.needs_masks or options.alpha or options.save_masks or options.background or options.process
    )


def _drain_warnings(backend: Colorizer, emit: Callback, warnings: list[str]) -> None:
    for message in backend.warnings[:]:
        warnings.append(message)
        emit({"event": "warning", "message": message})
    backend.warnings.clear()


def _split(frames: list[FrameRef], n: int) -> list[list[FrameRef]]:
    return [select_shard(frames, k, n) for k in range(1, n + 1)]


def _header(plan: ShotPlan, options: RunOptions, backend: Colorizer) -> dict[str, Any]:
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
        "model": {"backend": options.backend, **backend.describe()},
        "versions": versions,
        "frames_requested": format_ranges([f.number for f in plan.requested]),
    }


def _shot_setup(
    plan: ShotPlan, options: RunOptions, masks: MaskProvider | None, stages: ShotStages, traits: BackendTraits
) -> ShotSetup:
    ref: LoadedImage | None = read_reference(plan.reference, options.max_pixels) if plan.reference else None
    ref_mask = masks.reference_mask(ref.rgb, ref.alpha) if (masks is not None and ref is not None) else None
    first = plan.shot.frames[0]
    size = frame_size(plan.shot, first, options.max_pixels)
    background = None
    if stages.background is not None and options.background_tokens:
        background = stages.background.token_plate(first.number, size)
    keyframes = {}
    for spec in options.keyframe:
        path, number = keyframe_path(spec)
        keyframes[number] = read_reference(path, options.max_pixels).rgb
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
        uint8_output=uint8_results(traits, options),
    )
