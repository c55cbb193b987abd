"""Read a shot's `colorframes.json` sidecar into the frame table the review needs.

The sidecar stores paths as the runner saw them: outputs and masks relative to the shot folder, inputs
relative to the sidecar's `input` folder (which may itself be relative to wherever `run` was started).
Resolution tries the plausible bases in order so a review works from any working directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.sidecar import SIDECAR_NAME

SketchSource = str | os.PathLike | Mapping[int, str | os.PathLike] | None


@dataclass
class FrameRecord:
    """One frame of a shot as the review sees it; paths are absolute or None when absent."""

    number: int
    status: str
    sketch: Path | None
    mask: Path | None
    result: Path | None
    report: Path | None
    seconds: float | None
    error: str | None
    stem: str


@dataclass
class ShotRecord:
    """A shot's sidecar, parsed: run-level metadata plus frames sorted by number."""

    shot_dir: Path
    name: str
    sidecar: dict[str, Any]
    frames: list[FrameRecord] = field(default_factory=list)

    @property
    def failed(self) -> list[FrameRecord]:
        return [f for f in self.frames if f.status == "failed"]


def load_sidecar(shot_dir: Path) -> dict[str, Any]:
    """Parse the sidecar or raise InputError naming the file and what to do."""
    path = Path(shot_dir) / SIDECAR_NAME
    if not path.is_file():
        raise InputError(f"{path}: no sidecar; point `colorframes review` at a folder written by `colorframes run`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: malformed sidecar ({exc}); rerun the shot to rewrite it") from None
    if not isinstance(data, dict) or not isinstance(data.get("frames", {}), dict):
        raise InputError(f"{path}: sidecar must be an object with a `frames` object; rerun the shot")
    return data


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def _input_bases(shot_dir: Path, sidecar_input: str | None) -> list[Path]:
    """Folders a relative frame input may live in, most specific first."""
    if not sidecar_input:
        return []
    raw = Path(sidecar_input)
    candidates = [raw] if raw.is_absolute() else [raw, shot_dir / raw, shot_dir.parent / raw]
    if not raw.is_absolute():
        candidates.append(shot_dir.parent.parent / raw)
    return [c for c in candidates if c.is_dir()]


def _resolve_sketch(number: int, name: str | None, bases: list[Path], override: SketchSource) -> Path | None:
    if isinstance(override, Mapping):
        given = override.get(number)
        return _existing(Path(given)) if given is not None else None
    if not name:
        return None
    if override is not None:
        return _existing(Path(override) / Path(name).name)
    path = Path(name)
    if path.is_absolute():
        return _existing(path)
    for base in bases:
        found = _existing(base / path)
        if found:
            return found
    return None


def resolve_reference(shot_dir: Path, value: Any) -> Path | None:
    """The character sheet the sidecar names, looked up like the inputs (as given, then relative to the
    shot folder and its parents); None when it no longer resolves."""
    if not value or not isinstance(value, str):
        return None
    raw = Path(value)
    bases = (Path("."), shot_dir, shot_dir.parent, shot_dir.parent.parent)
    candidates = [raw] if raw.is_absolute() else [base / raw for base in bases]
    return next((c for c in candidates if c.is_file()), None)


def _shot_path(shot_dir: Path, value: Any) -> Path | None:
    if not value:
        return None
    path = Path(value)
    return _existing(path if path.is_absolute() else shot_dir / path)


def read_shot(shot_dir: Path, sketches: SketchSource = None) -> ShotRecord:
    """Build the shot's frame table; `sketches` overrides where inputs are (folder or frame→path)."""
    shot_dir = Path(shot_dir)
    data = load_sidecar(shot_dir)
    bases = _input_bases(shot_dir, data.get("input"))
    frames: list[FrameRecord] = []
    for key, entry in data.get("frames", {}).items():
        try:
            number = int(key)
        except ValueError:
            raise InputError(f"{shot_dir / SIDECAR_NAME}: frame key {key!r} is not a number; rerun the shot") from None
        entry = entry if isinstance(entry, dict) else {}
        status = str(entry.get("status") or "pending")
        output_name = entry.get("output")
        result = _shot_path(shot_dir, output_name) if status == "done" else None
        stem = Path(output_name or entry.get("input") or str(number)).stem
        mask = _shot_path(shot_dir, entry.get("mask")) or _existing(shot_dir / "masks" / f"{stem}.png")
        report = _shot_path(shot_dir, entry.get("report")) or _existing(shot_dir / "report" / f"{stem}.json")
        seconds = entry.get("seconds")
        frames.append(
            FrameRecord(
                number=number,
                status=status,
                sketch=_resolve_sketch(number, entry.get("input"), bases, sketches),
                mask=mask,
                result=result,
                report=report,
                seconds=float(seconds) if isinstance(seconds, int | float) else None,
                error=str(entry["error"]) if entry.get("error") else None,
                stem=stem,
            )
        )
    frames.sort(key=lambda f: f.number)
    return ShotRecord(shot_dir=shot_dir, name=str(data.get("shot") or shot_dir.name), sidecar=data, frames=frames)


def find_shots(out: Path) -> list[Path]:
    """Every shot folder at or under `out` that holds a sidecar (nested shots included), sorted."""
    out = Path(out)
    if not out.is_dir():
        raise InputError(f"{out}: not a folder; give the output folder of `colorframes run`")
    shots = {p.parent for p in out.rglob(SIDECAR_NAME)}
    if not shots:
        raise InputError(f"{out}: no {SIDECAR_NAME} found; run `colorframes run` first or give its --output folder")
    return sorted(shots)
