"""Phase 1: validate inputs and options and decide every frame's fate (write or skip) without loading a model.

`inspect` shows exactly this plan."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..io import sidecar
from ..io.discover import FrameRef, Shot, discover_shots
from ..io.framespec import format_ranges, parse_frame_spec, parse_shard, select_shard, split_at_frame
from ..io.images import display, read_reference
from ..io.naming import check_name_length, render_name, safe_join, validate_template
from ..options import DEFAULT_MAX_PIXELS, RunOptions

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
    max_pixels: int = DEFAULT_MAX_PIXELS  # --max-pixels: the largest frame read

    @property
    def to_render(self) -> list[FrameRef]:
        return [f for f in self.selected if f.number not in self.skip]


def plan_run(inputs: list[str], reference: str | None, options: RunOptions) -> tuple[list[ShotPlan], list[str]]:
    """Validate inputs and options and decide every frame's fate. Loads no model. Raises InputError."""
    warnings: list[str] = []
    if options.name_template:
        validate_template(options.name_template)
    if options.frames is not None and not options.frames.strip():
        raise InputError("--frames is empty; give a frame spec such as 1001-1100 (an empty value never means all)")
    if reference is not None:
        read_reference(reference, options.max_pixels)  # exists, is an image, decodes
    for spec in options.keyframe:
        read_reference(keyframe_path(spec)[0], options.max_pixels)
    if options.hints is not None:
        if options.backend != "flat":
            warnings.append("--hints are used by the flat backend only; ignored")
        else:
            from ..backends.flat.hints import load_hints

            # parse now: a malformed hints file exits 2 before any frame
            load_hints(options.hints, 1, max_pixels=options.max_pixels)
    shard = parse_shard(options.shard) if options.shard else None

    shots = discover_shots(inputs, start_frame=options.start_frame)
    wanted = set(parse_frame_spec(options.frames)) if options.frames is not None else None
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
            read_reference(shot.reference, options.max_pixels)
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
        for path in outputs.values():
            check_name_length(path)
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
                max_pixels=options.max_pixels,
            )
        )
    if reference is None and not any(p.reference for p in plans) and not options.keyframe:
        warnings.append("no --ref given: colours come from the backend's neutral palette / zero reference tokens")
    return plans, warnings


def keyframe_path(spec: str) -> tuple[Path, int]:
    """`PATH@FRAME`, or a PATH whose name ends in its frame number → (path, frame). Raises InputError."""
    from ..io.discover import split_stem

    path, frame = split_at_frame(spec)
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--keyframe {display(p)}: not found; use PATH[@FRAME]")
    number = frame if frame is not None else split_stem(p.stem)[1]
    if number is None:
        raise InputError(f"--keyframe {display(p)}: which frame is it? the name has no frame number; use PATH@FRAME")
    return p, number
