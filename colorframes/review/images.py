"""Cached thumbnails and view copies for the review (files are read and written through io.images).

Thumbnails are made once with OpenCV's INTER_AREA and reused while they are newer than their source, so
re-reviewing a long shot after a partial rerun only touches the frames that changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..io.images import encode_image, read_rgb_or_none, write_bytes_atomic

# Browsers display these directly; anything else (TIFF, EXR, DPX...) gets a PNG view copy.
WEB_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".avif"}
THUMB_BOX = (320, 240)  # (width, height) a thumbnail fits inside
# Copies the page shows in the frame viewer (sketches from outside the output folder, the reference
# sheet, formats browsers cannot show) are downscaled to fit this box and kept inside review/.
VIEW_BOX = (1280, 720)
JPEG_QUALITY = 88


def fit_size(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The largest (w, h) with the image's aspect that fits in `box`, never upscaling."""
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_to_fit(image: np.ndarray, box: tuple[int, int]) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    size = fit_size(w, h, box)
    if size == (w, h):
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def write_image(path: Path, rgb: np.ndarray) -> None:
    write_bytes_atomic(path, encode_image(path.suffix, rgb, JPEG_QUALITY), make_parents=True)


def is_fresh(target: Path, source: Path) -> bool:
    """True when `target` exists and is at least as new as `source` (the reuse rule)."""
    try:
        return target.stat().st_mtime >= source.stat().st_mtime
    except OSError:
        return False


def ensure_thumb(source: Path, target: Path, box: tuple[int, int] = THUMB_BOX) -> bool | None:
    """Make `target` from `source` unless it is fresh. True made, False reused, None unreadable source."""
    if is_fresh(target, source):
        return False
    image = read_rgb_or_none(source)
    if image is None:
        return None
    write_image(target, resize_to_fit(image, box))
    return True


def is_inside(path: Path, folder: Path) -> bool:
    """True when `path` lies inside `folder` (so a relative link survives moving the folder)."""
    return os.path.abspath(path).startswith(os.path.abspath(folder) + os.sep)


def ensure_view(source: Path, target: Path, keep_inside: Path | None = None) -> Path | None:
    """The file a browser shows for `source`: itself when web-displayable and inside `keep_inside`
    (or `keep_inside` is None), else a cached PNG copy at `target` downscaled to fit VIEW_BOX."""
    if source.suffix.lower() in WEB_SUFFIXES and (keep_inside is None or is_inside(source, keep_inside)):
        return source
    if is_fresh(target, source):
        return target
    image = read_rgb_or_none(source)
    if image is None:
        return None
    write_image(target, resize_to_fit(image, VIEW_BOX))
    return target


def image_size(path: Path | None) -> tuple[int, int] | None:
    """(width, height) of an image: from the PNG header when it is a PNG, else by decoding; None if unreadable."""
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    image = read_rgb_or_none(path)
    return None if image is None else (image.shape[1], image.shape[0])
