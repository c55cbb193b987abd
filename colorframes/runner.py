"""The batch runner: shots → selected frames → backend → atomic writes, with render-farm semantics.

Two phases. `plan_run` validates everything and decides what to write or skip without loading a model
(`inspect` shows exactly this). `execute` then loads the backend once, and per shot does the per-shot work
once (`setup_shot`) and streams frames: a reader thread decodes ahead, the backend colorizes batches, a writer
pool encodes PNGs, all through bounded queues, so memory stays flat however long the shot is.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .backends.base import FrameInput, FrameResult, ShotSetup
from .errors import ColorframesError, ConfigError, FrameError, InputError
from .io import sidecar
from .io.discover import FrameRef, Shot, discover_shots
from .io.framespec import format_ranges, parse_frame_spec, parse_shard, select_shard
from .io.images import (
    TMP_SUFFIX,
    LoadedImage,
    display,
    read_image,
    read_reference,
    remove_stale_temps,
    write_png_atomic,
)
from .io.naming import render_name, safe_join, validate_template
from .options import RunOptions

Callback = Callable[[dict[str, Any]], None]
HIDDEN_FRAMES_DIR = ".frames"  # PNG cache behind --format mp4 (resume works from it)


def derive_seed(shot_leaf: str) -> int:
    """A shot's default seed: a pure function of its own name, so every worker and node agrees."""
    return int.from_bytes(hashlib.sha256(shot_leaf.encode("utf-8", "surrogateescape")).digest()[:4], "big") >> 1


@dataclass
class ShotPlan:
    shot: Shot
    out_dir: Path
    frames_dir: Path  # where the PNG frames go (out_dir, or out_dir/.frames for --format mp4)
    requested: list[FrameRef]  # frames the run as a whole asked for in this shot (before sharding)
    selected: list[FrameRef]  # this worker's frames
    outputs: dict[int, Path]  # frame number → output PNG
    skip: set[int]  # outputs that already exist with matching settings
    reference: Path | None
    seed: int
    settings: dict[str, Any]
    settings_match: bool
    missing: list[int] = field(default_factory=list)  # requested by --frames but absent from the input

    @property
    def to_render(self) -> list[FrameRef]:
        return [f for f in self.selected if f.number not in self.skip]


@dataclass
class ShotSummary:
    name: str
    out_dir: str
    requested: int
    done: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    mp4: str | None = None
    mp4_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "shot": self.name,
            "output": self.out_dir,
            "requested": self.requested,
            "done": len(self.done),
            "skipped": len(self.skipped),
            "failed": {str(k): v for k, v in self.failed.items()},
            "mp4": self.mp4,
            "mp4_error": self.mp4_error,
        }


@dataclass
class RunSummary:
    shots: list[ShotSummary]
    warnings: list[str]
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return sum(len(s.failed) for s in self.shots)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or any(s.mp4_error for s in self.shots) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "done": sum(len(s.done) for s in self.shots),
            "skipped": sum(len(s.skipped) for s in self.shots),
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "shots": [s.to_dict() for s in self.shots],
            "warnings": self.warnings,
        }


# --- phase 1: plan -------------------------------------------------------------------------------


def plan_run(inputs: list[str], reference: str | None, options: RunOptions) -> tuple[list[ShotPlan], list[str]]:
    """Validate inputs and options and decide every frame's fate. Loads no model. Raises InputError."""
    warnings: list[str] = []
    if options.name_template:
        validate_template(options.name_template)
    if reference is not None:
        read_reference(reference)  # exists, is an image, decodes
    for spec in options.keyframe:
        _keyframe_path(spec)
    for path, flag in ((options.hints, "--hints"), (options.background, "--background")):
        if path is not None and not Path(path).exists():
            raise InputError(f"{flag} {display(path)}: not found")
    shard = parse_shard(options.shard) if options.shard else None

    shots = discover_shots(inputs, start_frame=options.start_frame)
    wanted = set(parse_frame_spec(options.frames)) if options.frames else None
    requested: list[tuple[Shot, list[FrameRef], list[int]]] = []
    for shot in shots:
        warnings.extend(f"{shot.name}: {note}" for note in shot.notes)
        if shot.gaps:
            warnings.append(f"{shot.name}: missing frames {format_ranges(shot.gaps)} (gaps are not invented)")
        frames = [f for f in shot.frames if wanted is None or f.number in wanted]
        missing = sorted(wanted - set(shot.numbers)) if wanted is not None else []
        requested.append((shot, frames, missing))
    if wanted is not None and not any(frames for _, frames, _ in requested):
        have = "; ".join(f"{s.name}: {format_ranges(s.numbers)}" for s in shots)
        raise InputError(f"--frames {options.frames} matches no input frame (inputs have {have})")

    everything = [(i, f) for i, (_, frames, _) in enumerate(requested) for f in frames]
    mine = select_shard(everything, *shard) if shard else everything
    if shard and not mine:
        warnings.append(f"--shard {options.shard}: this shard has no frames ({len(everything)} in total)")

    output_root = Path(options.output)
    plans = []
    for i, (shot, frames, missing) in enumerate(requested):
        selected = [f for j, f in mine if j == i]
        if not selected and shard:
            continue
        ref = shot.reference or (Path(reference) if reference else None)
        if shot.reference is not None:
            read_reference(shot.reference)
        out_dir = safe_join(output_root, shot.name)
        frames_dir = out_dir / HIDDEN_FRAMES_DIR if options.format == "mp4" else out_dir
        settings = sidecar.settings_of(options, str(ref) if ref else None)
        match = sidecar.check_settings(out_dir, settings, options.overwrite)
        outputs = {
            f.number: frames_dir / render_name(options.name_template, stem=f.stem, shot=shot.leaf, frame=f.number)
            for f in frames
        }
        if len(set(outputs.values())) != len(outputs):
            raise ConfigError(f"--name-template gives two frames of {shot.name} the same output name")
        skip = set() if options.overwrite else {f.number for f in selected if outputs[f.number].exists()}
        plans.append(
            ShotPlan(
                shot=shot,
                out_dir=out_dir,
                frames_dir=frames_dir,
                requested=frames,
                selected=selected,
                outputs=outputs,
                skip=skip,
                reference=ref,
                seed=options.seed if options.seed is not None else derive_seed(shot.leaf),
                settings=settings,
                settings_match=match,
                missing=missing,
            )
        )
    if reference is None and not any(p.reference for p in plans) and not options.keyframe:
        warnings.append("no --ref given: colours come from the backend's neutral palette / zero reference tokens")
    return plans, warnings


def _keyframe_path(spec: str) -> tuple[Path, int | None]:
    path, _, frame = spec.rpartition("@") if "@" in spec else (spec, "", "")
    if frame and not frame.isdigit():
        path, frame = spec, ""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--keyframe {display(p)}: not found; use PATH[@FRAME]")
    return p, int(frame) if frame else None


# --- phase 2: execute ----------------------------------------------------------------------------


def create_backend(options: RunOptions):
    if options.backend == "flat":
        from .backends.flat import create_colorizer
    else:
        from .backends.diffusion import create_colorizer
    return create_colorizer(options)


class _Recorder:
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
            stages[id(plan)] = _ShotStages.build(plan, options)  # plates checked before any model loads
    counter = _Counter(total, emit)
    devices = [d.strip() for d in options.device.split(",") if d.strip()] or ["auto"]
    backends = []
    for device in devices:
        backend = create_backend(options.replace(device=device))
        _drain_warnings(backend, emit, warnings)
        backends.append(backend)
    masks = None
    if any(p.to_render for p in plans) and _needs_masks(backends[0], options):
        from .masks import create_mask_provider

        masks, mask_warnings = create_mask_provider(options)
        for message in mask_warnings:
            warnings.append(message)
            emit({"event": "warning", "message": message})

    for plan, summary in zip(plans, summaries, strict=True):
        if not plan.to_render:
            _finish_shot(plan, summary, options, emit)
            continue
        emit({"event": "shot", "shot": plan.shot.name, "frames": len(plan.to_render)})
        plan.frames_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(plan.frames_dir, {plan.outputs[f.number].name for f in plan.selected})
        sidecar.start_shot(plan.out_dir, _header(plan, options, backends[0]), overwrite_frames=False)
        recorder = _Recorder(plan.out_dir)
        shot_stages = stages[id(plan)]
        setup = _shot_setup(plan, options, masks, shot_stages)
        parts = _split(plan.to_render, len(backends))
        args = (setup, options, masks, shot_stages, summary, recorder, counter)
        try:
            if len(backends) == 1:
                _render(backends[0], plan, parts[0], *args)
            else:
                with ThreadPoolExecutor(len(backends)) as pool:
                    futures = [
                        pool.submit(_render, b, plan, part, *args)
                        for b, part in zip(backends, parts, strict=True)
                        if part
                    ]
                    for future in futures:
                        future.result()
        finally:
            recorder.flush()
        for backend in backends:
            _drain_warnings(backend, emit, warnings)
        _finish_shot(plan, summary, options, emit)
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


class _Counter:
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
    return {
        "colorframes": sidecar.package_versions()["colorframes"],
        "shot": plan.shot.name,
        "input": display(plan.shot.source),
        "reference": display(plan.reference) if plan.reference else None,
        "seed": plan.seed,
        "options": options.to_dict(),
        "settings": plan.settings,
        "settings_hash": sidecar.settings_hash(plan.settings),
        "model": {"backend": options.backend, **describe()},
        "versions": sidecar.package_versions(),
        "frames_requested": format_ranges([f.number for f in plan.requested]),
    }


def _shot_setup(plan: ShotPlan, options: RunOptions, masks, stages: _ShotStages) -> ShotSetup:
    ref: LoadedImage | None = read_reference(plan.reference) if plan.reference else None
    ref_mask = masks.reference_mask(ref.rgb, ref.alpha) if (masks is not None and ref is not None) else None
    first = plan.shot.frames[0]
    size = _frame_size(plan.shot, first)
    background = None
    if stages.background is not None and options.background_tokens:
        background = stages.background.token_plate(first.number, size)
    keyframes = {}
    for spec in options.keyframe:
        path, number = _keyframe_path(spec)
        if number is None:
            from .io.discover import _split_stem

            number = _split_stem(path.stem)[1]
        if number is None:  # no @FRAME and no number in the name: the shot's first frame
            number = plan.shot.frames[0].number
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
        sketch_loader=lambda number: _load_sketch(plan, number),
        mask_loader=None if masks is None else lambda number: _load_mask(plan, masks, number),
    )


def _load_mask(plan: ShotPlan, masks, number: int) -> np.ndarray | None:
    sketch = _load_sketch(plan, number)
    return None if sketch is None else masks.sketch_mask(sketch)


def _load_sketch(plan: ShotPlan, number: int) -> np.ndarray | None:
    """Any frame's line art by number (for backends rebuilding state outside their shard)."""
    frame = next((f for f in plan.shot.frames if f.number == number), None)
    if frame is None:
        return None
    for _, loaded in _load_frames(plan, [frame]):
        return None if isinstance(loaded, FrameError) else loaded.rgb
    return None


@dataclass
class _ShotStages:
    """Per-shot post-processing after the backend: --flatten/--keep-lines, --background, --process."""

    background: Any = None  # compose.BackgroundStage
    process: Any = None  # compose.ProcessStage

    @classmethod
    def build(cls, plan: ShotPlan, options: RunOptions) -> _ShotStages:
        stages = cls()
        if options.background:
            from .compose import BackgroundStage

            stages.background = BackgroundStage.from_options(options)
            first = plan.to_render[0]
            stages.background.check(_frame_size(plan.shot, first), first.number)
        if options.process:
            from .compose import ProcessStage

            stages.process = ProcessStage.from_options(options)
        return stages


class _Cels:
    """--flatten / --keep-lines for one worker. Flattening tracks regions from frame n-1 to n, so when a
    worker's frame n does not follow the frame it flattened last (a shard start, a resume gap), frame n-1
    is colorized again and primes the tracker: shards and resumes give the same cels as a whole run."""

    def __init__(self, setup: ShotSetup, options: RunOptions):
        from .consistency.flatten import Flattener

        self.options = options
        self.flattener = None
        if options.flatten:
            self.flattener = Flattener.for_shot(
                setup.reference, setup.reference_alpha, keep_lines=True, gap_radius=options.gap_radius
            )
        self.last: int | None = None

    def prime(self, number: int, recompute: Callable) -> None:
        """Before colorizing frame `number`: make sure the tracker has seen frame number - 1. Runs before
        the backend colorizes `number`, so a stateful backend also sees frames in shot order."""
        if self.flattener is None or self.last == number - 1:
            return
        previous = recompute(number - 1)
        if previous is not None:
            self.flattener.prime(previous[0], previous[1], number - 1)
        self.last = number - 1

    def apply(self, image: np.ndarray, sketch: np.ndarray, number: int) -> np.ndarray:
        if self.flattener is None:
            from .consistency.flatten import restore_lines
            from .metrics.regions import line_regions

            return restore_lines(image, sketch, line_regions(sketch, self.options.gap_radius)[1])
        self.last = number
        return self.flattener.flatten(image, sketch, number)


def _frame_size(shot: Shot, frame: FrameRef) -> tuple[int, int]:
    if shot.kind == "video":
        from .io.video import probe

        return probe(shot.source).size
    try:
        return read_image(frame.path).size
    except FrameError:
        return (0, 0)


def _load_frames(plan: ShotPlan, frames: list[FrameRef]) -> Iterator[tuple[FrameRef, LoadedImage | FrameError]]:
    if plan.shot.kind == "video":
        from .io.video import iter_video_frames

        by_index = {f.index: f for f in frames}
        try:
            for index, rgb in iter_video_frames(plan.shot.source, by_index):
                yield by_index[index], LoadedImage(rgb=rgb, alpha=None, bit_depth=8)
        except FrameError as exc:
            yield frames[-1], exc
        return
    for frame in frames:
        try:
            yield frame, read_image(frame.path)
        except FrameError as exc:
            yield frame, exc


def _prefetch(iterator: Iterator, depth: int) -> Iterator:
    """Run `iterator` in a background thread, `depth` items ahead (bounded: memory stays flat)."""
    items: queue.Queue = queue.Queue(maxsize=max(depth, 1))
    done = object()
    stop = threading.Event()

    def worker() -> None:
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        items.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            items.put(exc)
        items.put(done)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _render(backend, plan, frames, setup, options, masks, stages, summary, recorder, counter) -> None:
    """Colorize `frames` of one shot on one backend; failures are recorded per frame, never raised."""
    backend.setup_shot(setup)
    cels = _Cels(setup, options) if (options.flatten or options.keep_lines) else None
    by_number = {f.number: f for f in plan.shot.frames}

    def recompute(number: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The raw colorized frame `number` and its sketch (for priming the cel tracker), or None."""
        frame = by_number.get(number)
        if frame is None:
            return None
        for _, loaded in _load_frames(plan, [frame]):
            if isinstance(loaded, FrameError):
                return None
            mask = masks.sketch_mask(loaded.rgb) if masks is not None else None
            result = backend.colorize([FrameInput(number=number, sketch=loaded.rgb, mask=mask)])[0]
            return result.image, loaded.rgb
        return None

    writer = ThreadPoolExecutor(max_workers=2)
    pending: list[tuple[FrameRef, Future, float]] = []
    batch: list[tuple[FrameRef, FrameInput]] = []

    def fail(frame: FrameRef, message: str) -> None:
        summary.failed[frame.number] = message
        record = {"status": "failed", "input": _input_name(plan, frame), "output": None, "error": message}
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
            summary.done.append(frame.number)
            record = {
                "status": "done",
                "input": _input_name(plan, frame),
                "seconds": round(seconds, 3),
                **written,
            }
            recorder.add(frame.number, record)
            counter.frame(
                {
                    "shot": plan.shot.name,
                    "frame": frame.number,
                    "status": "done",
                    "seconds": seconds,
                    **written,
                }
            )

    def flush() -> None:
        if not batch:
            return
        t0 = time.monotonic()
        inputs = [item for _, item in batch]
        if cels is not None:
            cels.prime(batch[0][0].number, recompute)
        try:
            results = backend.colorize(inputs)
        except ColorframesError as exc:
            results = [exc] * len(batch)
        except (RuntimeError, ValueError) as exc:  # a backend crash fails this batch, not the run
            results = [FrameError(f"colorize failed: {type(exc).__name__}: {str(exc)[:200]}")] * len(batch)
        seconds = (time.monotonic() - t0) / len(batch)
        for (frame, item), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                fail(frame, f"{_input_name(plan, frame)}: {result}")
                continue
            for message in result.extras.get("warnings", []):
                counter.emit({"event": "warning", "message": f"{plan.shot.name} frame {frame.number}: {message}"})
            if result.image.dtype == np.uint8 and (cels is not None or stages.background or stages.process):
                result.image = result.image.astype(np.float32) / 255.0  # stages work in float
            if cels is not None:
                try:
                    result.image = cels.apply(result.image, item.sketch, frame.number)
                except (ColorframesError, RuntimeError, ValueError) as exc:
                    fail(frame, f"{_input_name(plan, frame)}: flatten failed: {exc}")
                    continue
            future = writer.submit(_write_outputs, plan, frame, item, result, options, stages)
            pending.append((frame, future, seconds))
        batch.clear()
        collect(block=len(pending) > 4)

    try:
        for frame, loaded in _prefetch(_load_frames(plan, frames), depth=2 * options.batch_size):
            if isinstance(loaded, FrameError):
                fail(frame, str(loaded))
                continue
            if batch and batch[0][1].sketch.shape != loaded.rgb.shape:
                flush()  # a batch holds one frame size
            elif batch and cels is not None and batch[-1][0].number != frame.number - 1:
                flush()  # cel tracking needs consecutive frames within a batch
            mask = None
            if masks is not None:
                mask_result = masks.sketch_mask_result(loaded.rgb)
                mask = mask_result.mask
                for message in mask_result.warnings:
                    counter.emit({"event": "warning", "message": f"{plan.shot.name} frame {frame.number}: {message}"})
            batch.append((frame, FrameInput(number=frame.number, sketch=loaded.rgb, mask=mask)))
            if len(batch) >= options.batch_size:
                flush()
        flush()
        collect(block=True)
    finally:
        for _, future, _ in pending:
            future.cancel()
        writer.shutdown(wait=True)


def _input_name(plan: ShotPlan, frame: FrameRef) -> str:
    return display(frame.path.name) if frame.path else f"{display(plan.shot.source.name)}#{frame.index}"


def _write_outputs(
    plan: ShotPlan, frame: FrameRef, item: FrameInput, result: FrameResult, options: RunOptions, stages: _ShotStages
) -> dict[str, Any]:
    """Compose, then write the frame (and its mask / layer / report / process) atomically; returns the
    sidecar fields."""
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
    if options.alpha and item.mask is not None:
        if image.dtype == np.uint8:
            image = image.astype(np.float32) / 255.0
        image = np.concatenate([image, item.mask[:, :, None].astype(np.float32)], axis=2)
    write_png_atomic(out, image, options.bit_depth)
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

        from .io.images import write_bytes_atomic

        report_dir = plan.out_dir / "report"
        report_dir.mkdir(exist_ok=True)
        write_bytes_atomic(report_dir / f"{out.stem}.json", json.dumps(report, indent=1).encode())
        written["report"] = f"report/{out.stem}.json"
    return written


def _finish_shot(plan: ShotPlan, summary: ShotSummary, options: RunOptions, emit: Callback) -> None:
    """Encode the MP4 once every requested frame of the shot exists (the last shard to finish does it)."""
    if options.format not in ("mp4", "both") or not plan.requested:
        return
    from .io.video import write_mp4

    mp4 = plan.out_dir / f"{plan.shot.leaf}.mp4"
    with sidecar.locked(plan.out_dir):
        paths = [plan.outputs[f.number] for f in plan.requested]
        if not all(p.exists() for p in paths):
            emit({"event": "note", "message": f"{plan.shot.name}: MP4 waits for the remaining frames"})
            return
        if mp4.exists() and plan.settings_match and not summary.done and not options.overwrite:
            summary.mp4 = str(mp4)
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
