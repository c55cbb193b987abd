"""Image reading and atomic writing.

Reading accepts PNG/JPG/TIFF/WebP/BMP at 8 or 16 bits, grey/RGB/RGBA/palette; transparency is composited
onto white paper for line art and kept separately as `alpha`. Writing is atomic: a hidden temporary file in
the same folder, then `os.replace`, so a killed run never leaves a half-written frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FrameError, InputError

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"})
TMP_SUFFIX = ".cftmp"


def display(path: str | os.PathLike) -> str:
    """A printable form of a path, also for names that are not valid UTF-8."""
    return os.fsdecode(path).encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class LoadedImage:
    rgb: np.ndarray  # (H, W, 3) uint8, transparency composited onto white
    alpha: np.ndarray | None  # (H, W) float32 in [0, 1], or None when the file had no alpha
    bit_depth: int  # 8 or 16 (source depth)

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[0], self.rgb.shape[1]


def decode_image(data: bytes, name: str) -> LoadedImage:
    import cv2

    if not data:
        raise FrameError(f"{name}: file is empty (0 bytes); re-export the frame")
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None or array.size == 0:
        raise FrameError(f"{name}: cannot decode image (corrupt, truncated or not an image); re-export it")
    if name.lower().endswith(".png") and not _png_complete(data):
        raise FrameError(f"{name}: PNG is truncated (no IEND chunk); re-export the frame")
    bit_depth = 16 if array.dtype == np.uint16 else 8
    if array.dtype == np.uint16:
        array = ((array.astype(np.uint32) + 128) // 257).astype(np.uint8)
    elif array.dtype in (np.float32, np.float64):
        array = np.clip(np.nan_to_num(array) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise FrameError(f"{name}: unsupported sample type {array.dtype}; save as 8- or 16-bit")
    if array.ndim == 2:
        array = array[:, :, None]
    channels = array.shape[2]
    alpha = None
    if channels == 1:
        rgb = np.repeat(array, 3, axis=2)
    elif channels == 2:  # grey + alpha
        rgb, alpha = np.repeat(array[:, :, :1], 3, axis=2), array[:, :, 1]
    elif channels == 3:
        rgb = array[:, :, ::-1]
    elif channels == 4:
        rgb, alpha = array[:, :, 2::-1], array[:, :, 3]
    else:
        raise FrameError(f"{name}: {channels}-channel images are not supported; save as RGB or RGBA")
    if alpha is not None:
        a = alpha.astype(np.float32) / 255.0
        if a.min() >= 1.0:
            alpha = None
            rgb = np.ascontiguousarray(rgb)
        else:
            # transparent = paper: composite onto white
            rgb = (rgb.astype(np.float32) * a[:, :, None] + 255.0 * (1.0 - a[:, :, None]) + 0.5).astype(np.uint8)
            alpha = a
    else:
        rgb = np.ascontiguousarray(rgb)
    return LoadedImage(rgb=rgb, alpha=alpha, bit_depth=bit_depth)


def _png_complete(data: bytes) -> bool:
    # libpng decodes some truncated files silently (missing rows come back black); IEND proves the end.
    return b"IEND" in data[-64:]


def read_image(path: str | os.PathLike) -> LoadedImage:
    """Read one frame; raises FrameError with a one-line message naming the file."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise FrameError(f"{display(path)}: is a directory, not an image") from None
    except OSError as exc:
        raise FrameError(f"{display(path)}: cannot read ({exc.strerror}); check permissions") from None
    return decode_image(data, display(path))


def read_reference(path: str | os.PathLike) -> LoadedImage:
    """Read a character sheet or plate; problems here are input errors (exit 2), not frame errors."""
    p = Path(path)
    if p.suffix.lower() in VIDEO_EXTENSIONS:
        raise InputError(f"{display(p)}: a video cannot be a reference; export one frame as PNG")
    if not p.exists():
        raise InputError(f"{display(p)}: reference not found; pass an existing image with --ref")
    try:
        return read_image(p)
    except FrameError as exc:
        raise InputError(str(exc)) from None


def to_uint(image: np.ndarray, bit_depth: int) -> np.ndarray:
    """float [0, 1] or uint8 → uint8 / uint16 (rounded)."""
    if image.dtype == np.uint8 and bit_depth == 8:
        return image
    if image.dtype == np.uint8:
        return image.astype(np.uint16) * 257
    scale = 65535.0 if bit_depth == 16 else 255.0
    out = np.clip(image.astype(np.float32), 0.0, 1.0) * scale + 0.5
    return out.astype(np.uint16 if bit_depth == 16 else np.uint8)


def encode_png(image: np.ndarray, compression: int = 1) -> bytes:
    """(H, W), (H, W, 3) RGB or (H, W, 4) RGBA, uint8/uint16 → PNG bytes."""
    import cv2

    if image.ndim == 3:
        image = image[:, :, [2, 1, 0]] if image.shape[2] == 3 else image[:, :, [2, 1, 0, 3]]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image), [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise FrameError("PNG encoding failed")
    return buf.tobytes()


def temp_path(path: Path) -> Path:
    """The hidden temporary name a write goes through (pid-tagged so workers never share one)."""
    return path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a hidden temp file in the same folder, fsync, then rename over the target."""
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FrameError(
            f"{display(path)}: cannot write ({exc.strerror}); check the output folder is writable and has space"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_png_atomic(path: Path, image: np.ndarray, bit_depth: int = 8) -> None:
    write_bytes_atomic(path, encode_png(to_uint(image, bit_depth)))


def remove_stale_temps(folder: Path, names: set[str] | None = None) -> int:
    """Delete temp files left by a killed run (only those for `names`, when given). Returns the count."""
    removed = 0
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        if not (entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX)):
            continue
        target = entry.name[1:].rsplit(".", 2)[0]
        if names is None or target in names:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
