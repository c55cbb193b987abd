"""Point hints (the iColoriT idea): `--hints hints.json` or a hint image.

JSON: `[{"frame": 1001, "x": 120, "y": 80, "color": "#d63440"}, ...]` (x, y in frame pixels). An image
(`hints.png` or `hints.png@FRAME`, default the shot's first frame): every blob of non-white, opaque colour
becomes one hint at its inner-most pixel.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import FrameError, InputError
from ...io.framespec import split_at_frame
from ...io.images import read_image
from ...options import DEFAULT_MAX_PIXELS

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class Hint:
    frame: int
    x: int
    y: int
    rgb: tuple[int, int, int]


def parse_color(text: object, where: str) -> tuple[int, int, int]:
    """'#rrggbb' or [r, g, b] → (r, g, b)."""
    if isinstance(text, list | tuple) and len(text) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in text):
        return int(text[0]), int(text[1]), int(text[2])
    if isinstance(text, str):
        m = _HEX.match(text.strip())
        if m:
            v = int(m.group(1), 16)
            return (v >> 16) & 255, (v >> 8) & 255, v & 255
    raise InputError(f"{where}: colour {text!r} is not '#rrggbb' or [r, g, b]; fix the hint")


def load_hints(spec: str | None, first_frame: int = 1, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> list[Hint]:
    """Read hints from a JSON file or a hint image (`PATH[@FRAME]`). Raises InputError naming the file."""
    if not spec:
        return []
    path_text, frame = split_at_frame(spec)
    path = Path(path_text)
    if not path.is_file():
        raise InputError(f"hints file not found: {path}; give a JSON file or an image")
    if path.suffix.lower() == ".json":
        return _hints_from_json(path)
    return hints_from_image(_read_rgba(path, max_pixels), first_frame if frame is None else frame)


def _hints_from_json(path: Path) -> list[Hint]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); fix the hints file") from None
    if isinstance(data, dict):
        data = data.get("hints", [])
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of {{frame, x, y, color}} objects")
    hints = []
    for i, item in enumerate(data):
        where = f"{path} entry {i}"
        if not isinstance(item, dict) or not {"frame", "x", "y", "color"} <= set(item):
            raise InputError(f"{where}: needs keys frame, x, y, color")
        values = [item["frame"], item["x"], item["y"]]
        if not all(_finite_number(v) for v in values):
            raise InputError(f"{where}: frame, x and y must be finite numbers; got {values}; fix the hint")
        frame, x, y = int(item["frame"]), int(round(item["x"])), int(round(item["y"]))
        hints.append(Hint(frame, x, y, parse_color(item["color"], where)))
    return hints


def _finite_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _read_rgba(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """The hint image as (H, W, 4) uint8 RGBA, read through io (pixel limit, 8/16 bit, any format)."""
    try:
        image = read_image(path, max_pixels)
    except FrameError as exc:
        raise InputError(f"hint image {exc}") from None
    h, w = image.size
    alpha = np.full((h, w), 255, np.uint8) if image.alpha is None else (image.alpha * 255.0 + 0.5).astype(np.uint8)
    return np.dstack([image.rgb, alpha])


def hints_from_image(rgba: np.ndarray, frame: int) -> list[Hint]:
    """Blobs of opaque, non-white colour in an (H, W, 4) uint8 image → one hint per blob."""
    import cv2

    rgb = rgba[..., :3]
    painted = (rgba[..., 3] >= 128) & (rgb.min(axis=2) < 245)
    n, labels = cv2.connectedComponents(painted.astype(np.uint8), connectivity=8)
    hints = []
    for k in range(1, n):
        blob = (labels == k).astype(np.uint8)
        dist = cv2.distanceTransform(np.pad(blob, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
        y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
        color = np.median(rgb[blob.astype(bool)], axis=0)
        hints.append(Hint(frame, int(x), int(y), tuple(int(round(c)) for c in color)))  # type: ignore[arg-type]
    return hints
