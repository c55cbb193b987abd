"""Writers for process sequences and figure layers: PNG folders, H.264 MP4, RGBA PNG. All atomic.

Every file is written under a hidden temporary name in its final folder and moved into place with
`os.replace`, so an interrupted run never leaves a half-written file under a real name. Video frames are
padded (edge pixels replicated, bottom/right) to even sizes for yuv420p, never rescaled.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import FrameError

STEP_PREFIX = "step_"


def to_uint(image: np.ndarray, bit_depth: int = 8) -> np.ndarray:
    """float [0, 1] -> uint8 / uint16, rounded."""
    top, dtype = (255.0, np.uint8) if bit_depth == 8 else (65535.0, np.uint16)
    return (np.clip(np.nan_to_num(image), 0.0, 1.0) * top + 0.5).astype(dtype)


def _temp_for(path: Path) -> Path:
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")


def write_png_atomic(image: np.ndarray, path: str | os.PathLike, bit_depth: int = 8) -> Path:
    """Write (H, W, 3) RGB or (H, W, 4) RGBA float32 [0, 1] as PNG (straight alpha) atomically."""
    import cv2

    path = Path(path)
    channels = image.shape[2]
    data = to_uint(image, bit_depth)
    data = data[:, :, [2, 1, 0, 3]] if channels == 4 else data[:, :, ::-1]  # RGB(A) -> BGR(A)
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(data))
    if not ok:
        raise FrameError(f"{os.fsdecode(path)}: PNG encoding failed; check the image size")
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_for(path)
    try:
        temp.write_bytes(encoded.tobytes())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise FrameError(f"{os.fsdecode(path)}: cannot write ({exc.strerror}); check space and rights") from None
    return path


def write_process_png(frames: Sequence[np.ndarray], folder: str | os.PathLike) -> list[Path]:
    """Write `frames` as `folder/step_000.png`, `step_001.png`, ...; stale higher steps are removed."""
    folder = Path(folder)
    digits = max(3, len(str(len(frames) - 1)))
    paths = [write_png_atomic(f, folder / f"{STEP_PREFIX}{i:0{digits}d}.png") for i, f in enumerate(frames)]
    pattern = re.compile(re.escape(STEP_PREFIX) + r"(\d+)\.png$")
    keep = {p.name for p in paths}
    for entry in folder.iterdir():  # a rerun with a smaller N must not leave old steps behind
        if pattern.match(entry.name) and entry.name not in keep:
            entry.unlink()
    return paths


def pad_even(image: np.ndarray) -> np.ndarray:
    """Pad (H, W, C) to even height and width by replicating the last row / column (yuv420p needs it)."""
    pad_y, pad_x = image.shape[0] % 2, image.shape[1] % 2
    if not (pad_y or pad_x):
        return image
    return np.pad(image, ((0, pad_y), (0, pad_x), (0, 0)), mode="edge")


def write_process_mp4(frames: Sequence[np.ndarray], path: str | os.PathLike, fps: float = 4.0, crf: int = 18) -> Path:
    """Write `frames` (H, W, 3) float32 as an H.264 yuv420p MP4 at `fps`, one video frame per image."""
    import imageio_ffmpeg

    if not frames:
        raise FrameError(f"{os.fsdecode(path)}: no frames to write")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    first = pad_even(frames[0])
    height, width = first.shape[:2]
    temp = _temp_for(path)
    writer = imageio_ffmpeg.write_frames(
        str(temp),
        (width, height),
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        fps=fps,
        codec="libx264",
        quality=None,
        macro_block_size=1,  # never let the writer rescale; pad_even already made the size legal
        ffmpeg_log_level="error",  # library code stays quiet; failures still raise
        output_params=["-crf", str(int(crf)), "-movflags", "+faststart"],
    )
    try:
        writer.send(None)  # start ffmpeg
        for frame in frames:
            padded = pad_even(frame)
            if padded.shape[:2] != (height, width):
                raise FrameError(f"{os.fsdecode(path)}: process frames differ in size; give equal sizes")
            writer.send(np.ascontiguousarray(to_uint(padded[:, :, :3])))
        writer.close()
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            writer.close()
        temp.unlink(missing_ok=True)
        if isinstance(exc, FrameError | KeyboardInterrupt) or not isinstance(exc, Exception):
            raise
        raise FrameError(f"{os.fsdecode(path)}: ffmpeg failed ({exc}); check disk space and the path") from None
    return path
