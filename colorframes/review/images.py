"""Image reading and cached thumbnails for the review.

Thumbnails are made once with OpenCV's INTER_AREA and reused while they are newer than their source, so
re-reviewing a long shot after a partial rerun only touches the frames that changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# Browsers display these directly; anything else (TIFF, EXR, DPX...) gets a PNG view copy.
WEB_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".avif"}
THUMB_BOX = (320, 240)  # (width, height) a thumbnail fits inside
# Copies the page shows in the frame viewer (sketches from outside the output folder, the reference
# sheet, formats browsers cannot show) are downscaled to fit this box and kept inside review/.
VIEW_BOX = (1280, 720)
JPEG_QUALITY = 88


def read_rgb(path: Path) -> np.ndarray | None:
    """Any image OpenCV reads as `(H, W, 3) uint8` RGB, alpha composited onto white; None if unreadable."""
    import cv2

    try:
        raw = np.fromfile(str(path), dtype=np.uint8)  # imdecode copes with non-ASCII paths
    except OSError:
        return None
    image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
    if image is None:
        return None
    if image.dtype == np.uint16:
        image = (image.astype(np.float32) / 257.0).round().astype(np.uint8)
    elif image.dtype != np.uint8:
        image = (np.clip(np.nan_to_num(image.astype(np.float32)), 0.0, 1.0) * 255.0).round().astype(np.uint8)
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        bgr = image[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        image = bgr.round().astype(np.uint8)
    return np.ascontiguousarray(image[:, :, 2::-1])  # BGR -> RGB


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


def encode_image(suffix: str, rgb: np.ndarray) -> bytes:
    """PNG/JPEG bytes of an RGB (or grey) uint8 image."""
    import cv2

    suffix = suffix.lower()
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if suffix in (".jpg", ".jpeg") else []
    bgr = rgb[:, :, ::-1] if rgb.ndim == 3 else rgb
    ok, encoded = cv2.imencode(suffix, np.ascontiguousarray(bgr), params)
    if not ok:  # pragma: no cover - OpenCV always encodes png/jpg
        raise OSError(f"could not encode {suffix}")
    return encoded.tobytes()


def write_bytes(path: Path, data: bytes) -> None:
    """Atomic write (temp file + rename) so an interrupted review never leaves a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_image(path: Path, rgb: np.ndarray) -> None:
    write_bytes(path, encode_image(path.suffix, rgb))


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
    image = read_rgb(source)
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
    image = read_rgb(source)
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
    image = read_rgb(path)
    return None if image is None else (image.shape[1], image.shape[0])
