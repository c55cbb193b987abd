"""One worker's frames of one shot: colorize in batches, post-process, write atomically; and the MP4 once a
shot is complete. Failures are recorded per frame, never raised."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..backends.base import Colorizer, FrameInput, FrameResult
from ..errors import ColorframesError, FrameError
from ..io import sidecar
from ..io.discover import FrameRef
from ..io.images import read_image, write_png_atomic
from ..options import RunOptions
from .frames import ReadAhead, crash_message, input_name, load_frames
from .job import ShotJob
from .plan import ShotPlan
from .results import ShotSummary
from .stages import Cels, ShotStages

Callback = Callable[[dict[str, Any]], None]


def render_frames(backend: Colorizer, reader: ReadAhead, job: ShotJob) -> None:
    """Colorize one shot's frames as `reader` delivers them, on one backend; failures are recorded per
    frame, never raised."""
    plan, setup, options, masks, stages = job.plan, job.setup, job.options, job.masks, job.stages
    summary, recorder, counter = job.summary, job.recorder, job.counter
    backend.setup_shot(setup)
    cels = Cels(setup, options) if (options.flatten or options.keep_lines) else None
    by_number = {f.number: f for f in plan.shot.frames}

    def recompute(number: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The raw colorized frame `number` and its sketch (for priming the cel tracker), or None."""
        frame = by_number.get(number)
        if frame is None:
            return None
        for _, loaded in load_frames(plan, [frame]):
            if isinstance(loaded, FrameError):
                return None
            mask = masks.sketch_mask(loaded.rgb) if masks is not None else None
            result = backend.colorize([FrameInput(number=number, sketch=loaded.rgb, mask=mask)])[0]
            return result.image, loaded.rgb
        return None

    writer = ThreadPoolExecutor(max_workers=2)
    flat = backend.traits.flat_fills  # its frames are flat colour areas (written unfiltered)
    pending: list[tuple[FrameRef, Future, float]] = []
    batch: list[tuple[FrameRef, FrameInput]] = []

    def fail(frame: FrameRef, message: str) -> None:
        summary.failed[frame.number] = message
        record = {"status": "failed", "input": input_name(plan, frame), "output": None, "error": message}
        recorder.add(frame.number, record)
        counter.frame({"shot": plan.shot.name, "frame": frame.number, "status": "failed", "error": message})

    def collect(block: bool) -> None:
        while pending and (block or pending[0][1].done()):
            frame, future, seconds = pending.pop(0)
            try:
                written = future.result()
            except ColorframesError as exc:
                fail(frame, str(exc))
                continue
            except MemoryError:
                fail(frame, f"{input_name(plan, frame)}: out of memory writing the frame")
                continue
            summary.done.append(frame.number)
            counter.frame(
                {
                    "shot": plan.shot.name,
                    "frame": frame.number,
                    "status": "done",
                    "seconds": seconds,
                    **written,
                }
            )

    def record_written(frame: FrameRef, seconds: float) -> Callable[[Future], None]:
        """Record a frame in the sidecar as soon as its files are on disk (also when the run is interrupted
        before the main thread collects it)."""

        def done(future: Future) -> None:
            if future.cancelled() or future.exception() is not None:
                return
            record = {"status": "done", "input": input_name(plan, frame), "seconds": round(seconds, 3)}
            recorder.add(frame.number, {**record, **future.result()})

        return done

    def flush() -> None:
        if not batch:
            return
        t0 = time.monotonic()
        inputs = [item for _, item in batch]
        results: list[FrameResult | ColorframesError]
        try:
            if cels is not None:
                cels.prime(batch[0][0].number, recompute)
            results = list(backend.colorize(inputs))
        except ColorframesError as exc:
            results = [exc] * len(batch)
        except MemoryError:
            results = [FrameError("out of memory while colorizing; lower --batch-size or free memory")] * len(batch)
        except (RuntimeError, ValueError) as exc:  # a backend crash fails this batch, not the run
            results = [FrameError(crash_message(exc))] * len(batch)
        seconds = (time.monotonic() - t0) / len(batch)
        for (frame, item), result in zip(batch, results, strict=True):
            if isinstance(result, ColorframesError):
                fail(frame, f"{input_name(plan, frame)}: {result}")
                continue
            for message in result.extras.get("warnings", []):
                counter.emit({"event": "warning", "message": f"{plan.shot.name} frame {frame.number}: {message}"})
            if result.image.dtype == np.uint8 and not setup.uint8_output:
                fail(frame, f"{input_name(plan, frame)}: the backend returned uint8 where float32 was asked")
                continue
            if cels is not None:
                try:
                    result.image = cels.apply(result.image, item.sketch, frame.number)
                except (ColorframesError, RuntimeError, ValueError, MemoryError) as exc:
                    fail(frame, f"{input_name(plan, frame)}: flatten failed: {str(exc) or type(exc).__name__}")
                    continue
            future = writer.submit(_write_outputs, plan, frame, item, result, options, stages, flat)
            future.add_done_callback(record_written(frame, seconds))
            pending.append((frame, future, seconds))
        batch.clear()
        collect(block=len(pending) > 4)

    try:
        for frame, loaded, prepared in reader:
            if counter.stop.is_set():
                break
            if isinstance(loaded, FrameError):
                fail(frame, str(loaded))
                continue
            if batch and batch[0][1].sketch.shape != loaded.rgb.shape:
                flush()  # a batch holds one frame size
            elif batch and cels is not None and batch[-1][0].number != frame.number - 1:
                flush()  # cel tracking needs consecutive frames within a batch
            mask = None
            if masks is not None:
                try:
                    mask_result = masks.sketch_mask_result(loaded.rgb)
                except MemoryError:
                    fail(frame, f"{input_name(plan, frame)}: out of memory computing the mask")
                    continue
                mask = mask_result.mask
                for message in mask_result.warnings:
                    counter.emit({"event": "warning", "message": f"{plan.shot.name} frame {frame.number}: {message}"})
            batch.append((frame, FrameInput(number=frame.number, sketch=loaded.rgb, mask=mask, prepared=prepared)))
            if len(batch) >= options.batch_size:
                flush()
        flush()
        collect(block=True)
    finally:
        for _, future, _ in pending:
            future.cancel()
        writer.shutdown(wait=True)


def _write_outputs(
    plan: ShotPlan,
    frame: FrameRef,
    item: FrameInput,
    result: FrameResult,
    options: RunOptions,
    stages: ShotStages,
    flat: bool = False,
) -> dict[str, Any]:
    """Compose, then write the frame (and its mask / layer / report / process) atomically; returns the
    sidecar fields. `flat`: the backend's frames are flat colour areas (`BackendTraits.flat_fills`)."""
    out = plan.outputs[frame.number]
    image = result.image
    if image.shape[:2] != item.sketch.shape[:2]:
        raise FrameError(f"backend returned {image.shape[:2]} for a {item.sketch.shape[:2]} frame")
    written: dict[str, Any] = {"output": out.name}
    if stages.background is not None:
        composed = stages.background.compose(frame.number, image, item.sketch, item.mask)
        image = composed.composite
        stages.background.write_layer(composed, plan.out_dir, out.stem, options.bit_depth)
        written["layer"] = f"layers/{out.stem}.png"
    if stages.process is not None and stages.process.wants(frame.number):
        stages.process.export(plan.out_dir, out.stem, item.sketch, item.mask, image, result.extras)
        written["process"] = f"process/{out.stem}"
    if options.alpha and item.mask is not None:  # float: the runner asks for float results with --alpha
        image = np.concatenate([image, item.mask[:, :, None].astype(np.float32)], axis=2)
    # unfiltered rows only where the PNG is flat colour: no plate composited under it, no soft alpha with it
    flat = flat and stages.background is None and image.shape[2] == 3
    write_png_atomic(out, image, options.bit_depth, flat=flat)
    if options.save_masks and item.mask is not None:
        mask_dir = plan.out_dir / "masks"
        mask_dir.mkdir(exist_ok=True)
        write_png_atomic(mask_dir / out.name, item.mask, 8)
        written["mask"] = f"masks/{out.name}"
    lines = result.extras.get("lines")
    if lines is not None:
        lines_dir = plan.out_dir / "lines"
        lines_dir.mkdir(exist_ok=True)
        write_png_atomic(lines_dir / out.name, lines, 8)
        written["lines"] = f"lines/{out.name}"
    report = result.extras.get("report")
    if report is not None and options.report:
        import json

        from ..io.images import write_bytes_atomic

        report_dir = plan.out_dir / "report"
        report_dir.mkdir(exist_ok=True)
        write_bytes_atomic(report_dir / f"{out.stem}.json", json.dumps(report, indent=1).encode())
        written["report"] = f"report/{out.stem}.json"
    return written


def _newer_than_all(mp4: Path, frames: list[Path]) -> bool:
    """The MP4 was encoded after the newest of its frames was written (strictly: coarse file times re-encode)."""
    try:
        made = mp4.stat().st_mtime_ns
    except FileNotFoundError:
        return False
    return all(made > f.stat().st_mtime_ns for f in frames)


def finish_shot(plan: ShotPlan, summary: ShotSummary, options: RunOptions, emit: Callback) -> None:
    """Encode the MP4 once every requested frame of the shot exists (the last shard to finish does it)."""
    if options.format not in ("mp4", "both") or not plan.requested:
        return
    from ..io.video import write_mp4

    mp4 = plan.out_dir / f"{plan.shot.leaf}.mp4"
    with sidecar.locked(plan.out_dir):
        paths = [plan.outputs[f.number] for f in plan.requested]
        if not all(p.exists() for p in paths):
            emit({"event": "note", "message": f"{plan.shot.name}: MP4 waits for the remaining frames"})
            return
        if plan.settings_match and _newer_than_all(mp4, paths):
            summary.mp4 = str(mp4)  # another shard encoded these very frames while this one waited
            emit({"event": "note", "message": f"{plan.shot.name}: MP4 is up to date with every frame; kept"})
            return
        fps = options.fps or plan.shot.fps
        if fps is None:
            fps = 24.0
            emit({"event": "warning", "message": f"{plan.shot.name}: no --fps given; MP4 at 24 fps"})
        first = read_image(paths[0]).rgb
        if first.shape[0] % 2 or first.shape[1] % 2:
            emit({"event": "warning", "message": f"{plan.shot.name}: odd frame size; MP4 padded by one pixel"})
        frames = (read_image(p).rgb for p in paths)
        try:
            write_mp4(mp4, frames, fps=fps, crf=options.crf)
        except FrameError as exc:
            summary.mp4_error = str(exc)
            emit({"event": "warning", "message": f"{plan.shot.name}: MP4 not written: {exc}"})
            return
    summary.mp4 = str(mp4)
    emit({"event": "mp4", "shot": plan.shot.name, "path": str(mp4)})
