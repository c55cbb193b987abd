"""Writers for painting-process sequences: a PNG folder and an H.264 MP4, both atomic.

They reuse the frame writers of `colorframes.io` (hidden temporary name, then `os.replace`; video frames
padded to even sizes for yuv420p, never rescaled).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import FrameError
from ..io.images import to_uint, write_png_atomic
from ..io.video import write_mp4

STEP_PREFIX = "step_"


def write_process_png(frames: Sequence[np.ndarray], folder: str | os.PathLike) -> list[Path]:
    """Write `frames` as `folder/step_000.png`, `step_001.png`, ...; stale higher steps are removed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    digits = max(3, len(str(len(frames) - 1)))
    paths = [folder / f"{STEP_PREFIX}{i:0{digits}d}.png" for i in range(len(frames))]
    for path, frame in zip(paths, frames, strict=True):
        write_png_atomic(path, frame)
    pattern = re.compile(re.escape(STEP_PREFIX) + r"(\d+)\.png$")
    keep = {p.name for p in paths}
    for entry in folder.iterdir():  # a rerun with a smaller N must not leave old steps behind
        if pattern.match(entry.name) and entry.name not in keep:
            entry.unlink()
    return paths


def write_process_mp4(frames: Sequence[np.ndarray], path: str | os.PathLike, fps: float = 4.0, crf: int = 18) -> Path:
    """Write `frames` (H, W, 3) float32 as an H.264 yuv420p MP4 at `fps`, one video frame per image."""
    if not frames:
        raise FrameError(f"{os.fsdecode(path)}: no frames to write")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_mp4(path, (to_uint(f[:, :, :3], 8) for f in frames), fps=fps, crf=crf)
    return path
