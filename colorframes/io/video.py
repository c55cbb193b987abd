"""Video in and out through imageio-ffmpeg (its bundled ffmpeg; argument lists, never shell strings).

MP4 output is H.264 yuv420p. yuv420p needs even sizes: an odd frame is padded by one pixel with the
edge colour (announced), never rescaled.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FrameError, InputError
from .images import display, temp_path


@dataclass(frozen=True)
class VideoInfo:
    frame_count: int
    fps: float
    size: tuple[int, int]  # (H, W)


def probe(path: Path) -> VideoInfo:
    import imageio_ffmpeg

    try:
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        reader.close()
        count, _secs = imageio_ffmpeg.count_frames_and_secs(str(path))
    except (RuntimeError, OSError, StopIteration) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"{display(path)}: unreadable video ({first[:160]}); check the file or re-encode it"
        ) from None
    width, height = meta["size"]
    if count <= 0:
        raise InputError(f"{display(path)}: video has no frames")
    return VideoInfo(frame_count=int(count), fps=float(meta.get("fps") or 24.0), size=(height, width))


def iter_video_frames(path: Path, indices: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
    """Decode the wanted frames (0-based indices, increasing) as (H, W, 3) uint8 RGB, streaming."""
    import imageio_ffmpeg

    wanted = sorted(set(indices))
    if not wanted:
        return
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    meta = next(reader)
    width, height = meta["size"]
    target = iter(wanted)
    want = next(target)
    try:
        for i, raw in enumerate(reader):
            if i < want:
                continue
            yield i, np.frombuffer(raw, np.uint8).reshape(height, width, 3)
            want = next(target, None)
            if want is None:
                return
    finally:
        reader.close()
    if want is not None:
        raise FrameError(f"{display(path)}: video ended before frame index {want}")


def even_pad(image: np.ndarray) -> np.ndarray:
    """Pad (H, W, 3) to even H and W by repeating the last row/column."""
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    return np.pad(image, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def write_mp4(path: Path, frames: Iterable[np.ndarray], fps: float, crf: int = 18) -> int:
    """Encode (H, W, 3) uint8 RGB frames to H.264 yuv420p atomically. Returns the number of frames."""
    import imageio_ffmpeg

    tmp = temp_path(path)
    writer = None
    count = 0
    size = None
    try:
        for frame in frames:
            frame = even_pad(np.ascontiguousarray(frame))
            if writer is None:
                size = frame.shape[:2]
                writer = imageio_ffmpeg.write_frames(
                    str(tmp),
                    (size[1], size[0]),
                    fps=fps,
                    codec="libx264",
                    pix_fmt_in="rgb24",
                    pix_fmt_out="yuv420p",
                    output_params=["-crf", str(crf), "-movflags", "+faststart", "-f", "mp4"],
                    macro_block_size=1,  # never let imageio rescale
                    ffmpeg_log_level="error",
                )
                writer.send(None)
            elif frame.shape[:2] != size:
                raise FrameError(
                    f"{display(path)}: frame size {frame.shape[1]}x{frame.shape[0]} differs from "
                    f"{size[1]}x{size[0]}; an MP4 needs one size (use --format png)"
                )
            writer.send(frame)
            count += 1
        if writer is not None:
            writer.close()
            writer = None
            os.replace(tmp, path)
        return count
    finally:
        if writer is not None:
            with contextlib.suppress(Exception):  # the original error matters more
                writer.close()
        tmp.unlink(missing_ok=True)
