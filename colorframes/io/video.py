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
from ..extras import VIDEO_EXTRA, VIDEO_MODULES, require_modules
from .images import display
from .tempfiles import temp_path


@dataclass(frozen=True)
class VideoInfo:
    frame_count: int  # frames that decode
    fps: float
    size: tuple[int, int]  # (H, W)
    declared: int | None = None  # frames the container's index lists (MP4/MOV), None where unknown


ISO_BMFF = frozenset({".mp4", ".mov", ".m4v"})
_CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each ISO BMFF box in `data`."""
    pos = 0
    while pos + 8 <= len(data):
        size, kind = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8]
        head = 8
        if size == 1 and pos + 16 <= len(data):
            size, head = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif size == 0:
            size = len(data) - pos
        if size < head:
            return
        yield kind, data[pos + head : pos + size]
        pos += size


def declared_frames(path: Path, max_index: int = 64 << 20) -> int | None:
    """The video track's sample count from an MP4/MOV index (`moov/trak/.../stsz`), or None."""
    if path.suffix.lower() not in ISO_BMFF:
        return None
    try:
        with open(path, "rb") as fh:
            while True:
                head = fh.read(8)
                if len(head) < 8:
                    return None
                size, kind = int.from_bytes(head[:4], "big"), head[4:]
                if size == 1:
                    size = int.from_bytes(fh.read(8), "big") - 8
                if kind == b"moov":
                    if size - 8 > max_index:
                        return None
                    return _video_samples(fh.read(size - 8))
                if size < 8:
                    return None
                fh.seek(size - 8, os.SEEK_CUR)
    except OSError:
        return None


def _video_samples(moov: bytes) -> int | None:
    for kind, trak in _boxes(moov):
        if kind != b"trak":
            continue
        handler, count = None, None
        stack = [trak]
        while stack:
            for sub, payload in _boxes(stack.pop()):
                if sub == b"hdlr" and len(payload) >= 12:
                    handler = payload[8:12]
                elif sub == b"stsz" and len(payload) >= 12:
                    count = int.from_bytes(payload[8:12], "big")
                elif sub in _CONTAINERS:
                    stack.append(payload)
        if handler == b"vide" and count:
            return count
    return None


def _ffmpeg():
    """imageio_ffmpeg, or ModelUnavailableError (exit 3) naming `pip install "colorframes[video]"`."""
    require_modules("video input and MP4 output", VIDEO_MODULES, VIDEO_EXTRA)
    import imageio_ffmpeg

    return imageio_ffmpeg


def probe(path: Path) -> VideoInfo:
    imageio_ffmpeg = _ffmpeg()

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
    declared = declared_frames(path)
    return VideoInfo(
        frame_count=int(count),
        fps=float(meta.get("fps") or 24.0),
        size=(height, width),
        declared=declared if declared is not None and declared > count else None,
    )


def iter_video_frames(path: Path, indices: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
    """Decode the wanted frames (0-based indices, increasing) as (H, W, 3) uint8 RGB, streaming."""
    imageio_ffmpeg = _ffmpeg()

    wanted = sorted(set(indices))
    if not wanted:
        return
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    meta = next(reader)
    width, height = meta["size"]
    position = 0  # wanted[position] is the next frame to yield
    try:
        for i, raw in enumerate(reader):
            if i < wanted[position]:
                continue
            yield i, np.frombuffer(raw, np.uint8).reshape(height, width, 3)
            position += 1
            if position == len(wanted):
                return
    finally:
        reader.close()
    raise FrameError(
        f"{display(path)}: video ended before frame index {wanted[position]} (truncated file?); "
        "re-copy or re-encode it"
    )


def even_pad(image: np.ndarray) -> np.ndarray:
    """Pad (H, W, 3) to even H and W by repeating the last row/column."""
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    return np.pad(image, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def write_mp4(path: Path, frames: Iterable[np.ndarray], fps: float, crf: int = 18) -> int:
    """Encode (H, W, 3) uint8 RGB frames to H.264 yuv420p atomically. Returns the number of frames."""
    imageio_ffmpeg = _ffmpeg()

    tmp = temp_path(path)
    writer = None
    count = 0
    size: tuple[int, ...] = (0, 0)
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
