"""Shot discovery: what `colorframes run INPUT...` and `inspect` see.

An INPUT is one of:
- a folder of frames (one shot) or a folder of shot folders (every folder holding frames is a shot, found
  recursively, natural sort); a folder holding several differently-prefixed sequences gives one shot each;
- an image-sequence pattern: `shot.####.png` (`#` run of n>1 = n digits; a single `#` = 4 digits, fileseq
  style), `shot.@@@@.png`, `shot.%04d.png`, or with a fileseq range `shot.1001-1100#.png`;
- a single image;
- a video file (mp4/mov/mkv/webm/avi/m4v), frames numbered from `--start-frame` (default 1).

Frame numbers come from the trailing digits of each file's stem. Gaps are reported, never invented. Hidden
files and folders, non-image files and output folders (holding a `colorframes.json`) are skipped with a note.
A file named `ref.*` or `reference.*` inside a shot folder is that shot's reference and overrides `--ref`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .framespec import find_gaps, parse_frame_spec
from .images import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, display
from .sidecar import SIDECAR_NAME

REFERENCE_STEMS = frozenset({"ref", "reference"})
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")
_PADDING = re.compile(r"(?P<range>\d[-\d,x:]*)?(?P<pad>#+|@+|%0?(?P<width>\d*)d)")


@dataclass(frozen=True)
class FrameRef:
    number: int  # frame number (from the file name, or the video index + start frame)
    stem: str  # the input's stem; outputs keep it (video frames: "<shot>.<number:04d>")
    path: Path | None  # None for video frames
    index: int = 0  # position in the video (0-based) for video frames


@dataclass
class Shot:
    name: str  # output subfolder, relative to the output root ("sq01/sh010")
    source: Path  # the folder, first file, or video
    kind: str  # "folder" | "sequence" | "image" | "video"
    frames: list[FrameRef]
    reference: Path | None = None  # per-shot reference file found in the shot folder
    fps: float | None = None  # source fps (video)
    notes: list[str] = field(default_factory=list)

    @property
    def leaf(self) -> str:
        """The shot's own name (last path component), used to derive its seed."""
        return self.name.rsplit("/", 1)[-1]

    @property
    def numbers(self) -> list[int]:
        return [f.number for f in self.frames]

    @property
    def gaps(self) -> list[int]:
        return find_gaps(self.numbers) if self.kind != "video" else []


def natural_key(text: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def split_stem(stem: str) -> tuple[str, int | None]:
    """(prefix, frame number) of a file stem: the number is its trailing digits (`shot.1001` -> 1001)."""
    match = _TRAILING_NUMBER.match(stem)
    if not match:
        return stem, None
    return match.group(1), int(match.group(2))


def frame_number(stem: str) -> int | None:
    """The frame number of a file stem (its trailing digits), or None: the one rule of every reader."""
    return split_stem(stem)[1]


def is_sequence_pattern(path: str | os.PathLike) -> bool:
    """True when the file name holds a frame-number slot (`####`, `@@@@`, `%04d`, `1001-1100#`)."""
    return _PADDING.search(Path(path).name) is not None


def match_pattern(path: Path) -> list[FrameRef]:
    """The files an image-sequence pattern names, in natural order (a number may appear twice).

    The one sequence grammar (run, inspect, eval, --background): `#` run of n>1 = at least n digits, a single
    `#` = 4 (fileseq), `@@@@`, `%04d`, and an optional fileseq range before the slot (`shot.1001-1100#.png`).
    Raises InputError when the pattern's folder does not exist.
    """
    matches = list(_PADDING.finditer(path.name))
    if not matches:
        raise InputError(f"{display(path)}: not a sequence pattern; use name.####.png or name.%04d.png")
    match = matches[-1]
    prefix, suffix = path.name[: match.start()], path.name[match.end() :]
    pad = match.group("pad")
    if pad.startswith("%"):
        width = int(match.group("width") or 1)
    elif pad.startswith("#"):
        width = 4 if len(pad) == 1 else len(pad)
    else:
        width = len(pad)
    wanted = set(parse_frame_spec(match.group("range"))) if match.group("range") else None
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{display(folder)}: folder of the pattern {display(path.name)} does not exist")
    regex = re.compile(rf"^{re.escape(prefix)}(\d{{{width},}}){re.escape(suffix)}$")
    frames = []
    for filename in sorted(os.listdir(folder), key=natural_key):
        m = regex.match(filename)
        if not m or filename.startswith("."):
            continue
        number = int(m.group(1))
        if wanted is None or number in wanted:
            frames.append(FrameRef(number=number, stem=Path(filename).stem, path=folder / filename))
    return frames


def _clean_prefix(prefix: str) -> str:
    return prefix.rstrip("._- ") or "frames"


def discover_shots(inputs: list[str], start_frame: int = 1) -> list[Shot]:
    """Resolve INPUT arguments into shots. Raises InputError (exit 2) for inputs that give nothing."""
    shots: list[Shot] = []
    for raw in inputs:
        found = _discover_one(raw, start_frame)
        if not found:
            raise InputError(f"{display(raw)}: no frames found (supported: {', '.join(sorted(IMAGE_EXTENSIONS))})")
        shots.extend(found)
    seen: dict[str, int] = {}
    for shot in shots:  # two inputs with the same shot name must not write into the same folder
        if shot.name in seen:
            seen[shot.name] += 1
            shot.name = f"{shot.name}_{seen[shot.name]}"
        else:
            seen[shot.name] = 1
    return shots


def _discover_one(raw: str, start_frame: int) -> list[Shot]:
    path = Path(raw)
    if path.is_dir():
        return _walk(path)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in VIDEO_EXTENSIONS:
            return [probe_video(path, start_frame)]
        if suffix in IMAGE_EXTENSIONS:
            prefix, number = split_stem(path.stem)
            name = _clean_prefix(prefix) if number is not None else path.stem
            frame = FrameRef(number=number if number is not None else start_frame, stem=path.stem, path=path)
            return [Shot(name=name, source=path, kind="image", frames=[frame])]
        raise InputError(f"{display(path)}: not an image or video; give frames, a folder, a pattern or a video")
    if is_sequence_pattern(path):
        return _pattern(path)
    raise InputError(f"{display(path)}: no such file or folder")


def _walk(root: Path) -> list[Shot]:
    shots: list[Shot] = []
    for folder, dirs, files in os.walk(root):
        folder_path = Path(folder)
        notes: list[str] = []
        kept_dirs = []
        for d in sorted(dirs, key=natural_key):
            if d.startswith("."):
                continue
            if (folder_path / d / SIDECAR_NAME).exists():
                continue  # an output folder of an earlier run
            kept_dirs.append(d)
        dirs[:] = kept_dirs
        if SIDECAR_NAME in files:
            continue
        rel = folder_path.relative_to(root)
        # Name shots relative to the input root; a root that is itself a shot keeps its own name.
        name = rel.as_posix() if rel != Path(".") else root.resolve().name
        shots.extend(_folder_shots(folder_path, sorted(files, key=natural_key), name, notes))
    return shots


def _folder_shots(folder: Path, files: list[str], name: str, notes: list[str]) -> list[Shot]:
    groups: dict[tuple[str, str], list[FrameRef]] = {}
    unnumbered: list[Path] = []
    reference: Path | None = None
    videos: list[Path] = []
    for filename in files:
        path = folder / filename
        suffix = path.suffix.lower()
        if filename.startswith("."):
            notes.append(f"skipped hidden file {display(filename)}")
            continue
        if suffix in VIDEO_EXTENSIONS:
            videos.append(path)
            continue
        if suffix not in IMAGE_EXTENSIONS:
            notes.append(f"skipped non-image file {display(filename)}")
            continue
        if path.stem.lower() in REFERENCE_STEMS:
            reference = path
            continue
        prefix, number = split_stem(path.stem)
        if number is None:
            unnumbered.append(path)
            continue
        groups.setdefault((prefix, suffix), []).append(FrameRef(number=number, stem=path.stem, path=path))
    if unnumbered and not groups:
        # A folder of unnumbered images: number them in natural order from 1.
        groups[("", "")] = [FrameRef(number=i + 1, stem=p.stem, path=p) for i, p in enumerate(unnumbered)]
    elif unnumbered:
        notes.extend(f"skipped {display(p.name)}: no frame number in its name" for p in unnumbered)
    shots = []
    for (prefix, _suffix), frames in sorted(groups.items(), key=lambda kv: natural_key(kv[0][0])):
        frames = _dedupe(frames, notes)
        shot_name = name if len(groups) == 1 else f"{name}/{_clean_prefix(prefix)}"
        shots.append(
            Shot(name=shot_name, source=folder, kind="folder", frames=frames, reference=reference, notes=notes)
        )
    for video in videos:
        shots.append(probe_video(video, 1, name=f"{name}/{video.stem}"))
    return shots


def _dedupe(frames: list[FrameRef], notes: list[str]) -> list[FrameRef]:
    by_number: dict[int, FrameRef] = {}
    for frame in sorted(frames, key=lambda f: (f.number, natural_key(f.stem))):
        if frame.number in by_number:
            notes.append(f"skipped {display(frame.stem)}: frame {frame.number} appears twice")
            continue
        by_number[frame.number] = frame
    return list(by_number.values())


def _pattern(path: Path) -> list[Shot]:
    frames = match_pattern(path)
    prefix = path.name[: list(_PADDING.finditer(path.name))[-1].start()]
    if not frames:
        return []
    notes: list[str] = []
    return [
        Shot(
            name=_clean_prefix(prefix),
            source=frames[0].path or path.parent,
            kind="sequence",
            frames=_dedupe(frames, notes),
            notes=notes,
        )
    ]


def probe_video(path: Path, start_frame: int, name: str | None = None) -> Shot:
    """Count a video's frames (imageio-ffmpeg) without keeping them; frames are decoded when run."""
    from .video import probe

    info = probe(path)
    shot_name = name or path.stem
    total = info.declared or info.frame_count
    notes = []
    if info.declared:
        first, last = start_frame + info.frame_count, start_frame + info.declared - 1
        notes.append(
            f"{display(path)} declares {info.declared} frames but only {info.frame_count} decode (truncated?); "
            f"frames {first}-{last} fail"
        )
    frames = [
        FrameRef(
            number=start_frame + i,
            stem=f"{_clean_prefix(path.stem)}.{start_frame + i:04d}",
            path=None,
            index=i,
        )
        for i in range(total)
    ]
    return Shot(name=shot_name, source=path, kind="video", frames=frames, fps=info.fps, notes=notes)
