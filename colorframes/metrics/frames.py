"""Frame sources for `colorframes eval`: folders, image sequences, single images, videos, or arrays.

Frames of PRED, GT and SKETCH are paired by frame number: the trailing digits of each file's stem
(`shot.1001.png` → 1001), video frames numbered from 1. A folder is read non-recursively (so a
run's output folder `OUT/<shot>/` works directly: `masks/`, `review/` and the sidecar are ignored).
In-memory sources (a mapping number → image) make the API usable from scripts and benchmarks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..io.discover import frame_number
from ..io.images import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, display, read_image

_SKIPPED_STEMS = frozenset({"ref", "reference"})


@dataclass
class Frame:
    number: int
    rgb: np.ndarray  # (H, W, 3) uint8
    alpha: np.ndarray | None  # (H, W) float32 in [0, 1] or None


@dataclass
class FrameSource:
    """A numbered frame sequence. `frames()` yields the wanted numbers in increasing order."""

    label: str  # printable name for messages
    numbers: list[int]
    _paths: dict[int, Path] = field(default_factory=dict)
    _arrays: Mapping[int, np.ndarray] | None = None
    _video: Path | None = None

    def frames(self, wanted: list[int]) -> Iterator[Frame]:
        wanted = sorted(wanted)
        if self._video is not None:
            from ..io.video import iter_video_frames

            for index, rgb in iter_video_frames(self._video, [n - 1 for n in wanted]):
                yield Frame(index + 1, np.ascontiguousarray(rgb), None)
            return
        for number in wanted:
            if self._arrays is not None:
                yield Frame(number, _as_uint8(self._arrays[number]), None)
            else:
                image = read_image(self._paths[number])
                yield Frame(number, image.rgb, image.alpha)


def _as_uint8(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = np.clip(np.rint(arr.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    return np.ascontiguousarray(arr[..., :3])


def open_source(source: str | os.PathLike | Mapping[int, np.ndarray], role: str) -> FrameSource:
    """Resolve one eval input. Raises InputError (exit 2) naming the path when it yields no frames."""
    if isinstance(source, Mapping):
        numbers = sorted(int(n) for n in source)
        if not numbers:
            raise InputError(f"{role}: no frames given")
        return FrameSource(label=role, numbers=numbers, _arrays={int(k): v for k, v in source.items()})
    path = Path(source)
    if path.is_dir():
        return _folder(path, role)
    return _discovered(path, role)


def _discovered(path: Path, role: str) -> FrameSource:
    """A pattern, image or video, read with the same grammar as `run` (io.discover)."""
    from ..io.discover import discover_shots

    shots = discover_shots([str(path)])  # InputError naming the path when it gives nothing
    if len(shots) != 1:
        raise InputError(f"{display(path)}: {role} holds {len(shots)} sequences; give one")
    shot = shots[0]
    if shot.kind == "video":  # eval numbers video frames from 1
        return FrameSource(label=display(path), numbers=[f.index + 1 for f in shot.frames], _video=shot.source)
    paths: dict[int, Path] = {}
    for f in shot.frames:
        if f.path is None:  # only video frames have no file, and videos are handled above
            raise RuntimeError(f"{display(path)}: frame {f.number} of a {shot.kind} has no file (a bug)")
        paths[f.number] = f.path
    return FrameSource(label=display(path), numbers=[f.number for f in shot.frames], _paths=paths)


def _folder(folder: Path, role: str) -> FrameSource:
    paths: dict[int, Path] = {}
    unnumbered: list[Path] = []
    videos: list[Path] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        suffix = entry.suffix.lower()
        if entry.name.startswith(".") or not entry.is_file():
            continue
        if suffix in VIDEO_EXTENSIONS:
            videos.append(entry)
            continue
        if suffix not in IMAGE_EXTENSIONS or entry.stem.lower() in _SKIPPED_STEMS:
            continue
        number = frame_number(entry.stem)
        if number is None:
            unnumbered.append(entry)
        elif number in paths:
            raise InputError(
                f"{display(folder)}: frame {number} appears twice ({paths[number].name}, {entry.name}); "
                "give a sequence pattern such as shot.####.png"
            )
        else:
            paths[number] = entry
    if not paths and unnumbered:
        paths = {i + 1: p for i, p in enumerate(unnumbered)}
    if not paths and len(videos) == 1:
        return _video(videos[0])
    if not paths:
        raise InputError(f"{display(folder)}: no {role} frames found (numbered images or one video)")
    return FrameSource(label=display(folder), numbers=sorted(paths), _paths=paths)


def _video(path: Path) -> FrameSource:
    from ..io.video import probe

    info = probe(path)
    return FrameSource(label=display(path), numbers=list(range(1, info.frame_count + 1)), _video=path)
