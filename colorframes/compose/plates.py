"""Background plates: one image for the whole shot, or a folder / numbered sequence matched by frame number.

`--background PLATE` accepts:
  * an image file: the same plate behind every frame (a held background);
  * a folder: every image in it whose file stem ends in a number (`bg.1001.png`, `bg_0012.exr` is not read:
    PNG/JPG/TIFF/WebP/BMP only) is the plate for that frame number;
  * a sequence pattern: `plates/bg.####.png` or `plates/bg.%04d.png` (the `#`s / `%0Nd` stand for the number).

Sizes are never rescaled silently: a plate whose size differs from the frame raises `InputError` naming both
sizes, unless the caller asks for `fit="pad"`, which centres the plate on the frame, letterboxing a smaller
plate with its replicated edge pixels and centre-cropping a larger one (pixels are never resampled).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import FrameError, InputError
from ..options import DEFAULT_MAX_PIXELS

PLATE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"})
FITS = ("error", "pad")
_TRAILING_NUMBER = re.compile(r"(\d+)$")
_HASHES = re.compile(r"#+|@+|%0?(\d*)d")


def frame_number_of(path: str | os.PathLike) -> int | None:
    """The trailing number of a file stem (`bg.1001.png` -> 1001), or None."""
    match = _TRAILING_NUMBER.search(Path(path).stem)
    return int(match.group(1)) if match else None


def read_plate(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an 8- or 16-bit image as (H, W, 3) float32 RGB in [0, 1]; alpha is composited onto white."""
    import cv2

    from ..io.images import check_pixels

    name = os.fsdecode(path)
    try:
        data = np.fromfile(name, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"background plate {name}: cannot read ({exc.strerror}); check the path") from None
    try:
        check_pixels(data.tobytes(), f"background plate {name}", max_pixels)
        array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    except FrameError as exc:
        raise InputError(str(exc)) from None
    except (cv2.error, MemoryError):
        array = None
    if array is None:
        raise InputError(f"background plate {name}: not a readable image; re-export it as PNG")
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(array.dtype)
    if scale is None:
        raise InputError(f"background plate {name}: unsupported sample type {array.dtype}; save 8/16-bit")
    image = array.astype(np.float32) / scale
    if image.ndim == 2:
        image = image[:, :, None]
    channels = image.shape[2]
    if channels in (1, 2):
        rgb, alpha = np.repeat(image[:, :, :1], 3, axis=2), image[:, :, 1:2] if channels == 2 else None
    elif channels in (3, 4):
        rgb, alpha = image[:, :, 2::-1], image[:, :, 3:4] if channels == 4 else None  # BGR(A) -> RGB
    else:
        raise InputError(f"background plate {name}: {channels}-channel images are not supported")
    if alpha is not None:  # the project convention: transparency is composited onto white paper
        rgb = rgb * alpha + (1.0 - alpha)
    return np.ascontiguousarray(rgb, dtype=np.float32)


def fit_plate(plate: np.ndarray, size: tuple[int, int], fit: str, name: str) -> np.ndarray:
    """Return `plate` at `size` (H, W) without resampling, or raise InputError for `fit="error"`."""
    h, w = size
    ph, pw = plate.shape[:2]
    if (ph, pw) == (h, w):
        return plate
    if fit != "pad":
        raise InputError(
            f"background plate {name} is {pw}x{ph} but the frames are {w}x{h}; "
            "resize the plate to the frame size (plates are never rescaled)"
        )
    # centre-crop what is larger, then letterbox what is smaller with replicated edge pixels
    top, left = max(0, (ph - h) // 2), max(0, (pw - w) // 2)
    plate = plate[top : top + h, left : left + w]
    ph, pw = plate.shape[:2]
    pad_y, pad_x = h - ph, w - pw
    return np.pad(plate, ((pad_y // 2, pad_y - pad_y // 2), (pad_x // 2, pad_x - pad_x // 2), (0, 0)), mode="edge")


class PlateSource:
    """Resolves `--background` to one plate per frame number. Reads lazily; caches the last plate."""

    def __init__(self, path: str | os.PathLike, fit: str = "error", max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        if fit not in FITS:
            raise InputError(f"plate fit must be one of {', '.join(FITS)}; got {fit!r}")
        self.path = Path(path)
        self.fit = fit
        self.max_pixels = max_pixels
        self._single: Path | None = None
        self._frames: dict[int, Path] = {}
        self._cache: tuple[Path, np.ndarray] | None = None
        name = os.fsdecode(path)
        if self.path.is_file():
            self._single = self.path
        elif self.path.is_dir():
            self._frames = _index_folder(self.path)
            if not self._frames:
                raise InputError(
                    f"background folder {name} has no numbered images (e.g. bg.1001.png); "
                    "add plates or pass a single image"
                )
        elif _HASHES.search(self.path.name):
            self._frames = _index_pattern(self.path)
            if not self._frames:
                raise InputError(f"background sequence {name} matches no files; check the pattern")
        else:
            raise InputError(f"background plate {name} does not exist; give an image, folder or bg.####.png")

    @property
    def is_sequence(self) -> bool:
        return self._single is None

    @property
    def frame_numbers(self) -> list[int]:
        """The frame numbers a sequence covers (empty for a single held plate)."""
        return sorted(self._frames)

    def path_for(self, number: int) -> Path:
        if self._single is not None:
            return self._single
        if number not in self._frames:
            numbers = self.frame_numbers
            raise FrameError(
                f"background {os.fsdecode(self.path)} has no plate for frame {number} "
                f"(plates cover {numbers[0]}-{numbers[-1]}, {len(numbers)} files); add it or use one image"
            )
        return self._frames[number]

    def for_frame(self, number: int, size: tuple[int, int]) -> np.ndarray:
        """(H, W, 3) float32 RGB plate for frame `number` at `size` (H, W); see the module doc on sizes."""
        path = self.path_for(number)
        if self._cache is None or self._cache[0] != path:
            self._cache = (path, read_plate(path, self.max_pixels))
        return fit_plate(self._cache[1], size, self.fit, os.fsdecode(path))

    def check(self, size: tuple[int, int], number: int | None = None) -> None:
        """Fail fast (before any frame runs) when the first plate does not fit the shot's frame size."""
        if number is None:
            number = self.frame_numbers[0] if self.is_sequence else 0
        self.for_frame(number, size)

    def for_tokens(self, number: int, size: tuple[int, int]) -> np.ndarray:
        """(H, W, 3) uint8 plate for the colorizer's background tokens (`ShotSetup.background`)."""
        plate = self.for_frame(number, size)
        return (np.clip(plate, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _index_folder(folder: Path) -> dict[int, Path]:
    frames: dict[int, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.suffix.lower() not in PLATE_EXTENSIONS or entry.name.startswith(".") or not entry.is_file():
            continue
        number = frame_number_of(entry)
        if number is None:
            continue
        if number in frames:
            raise InputError(
                f"background folder {os.fsdecode(folder)} has two plates for frame {number}: "
                f"{frames[number].name} and {entry.name}; keep one"
            )
        frames[number] = entry
    return frames


def _index_pattern(pattern: Path) -> dict[int, Path]:
    """Expand `bg.####.png` / `bg.%04d.png` by listing the folder and matching the number slot."""
    folder = pattern.parent if str(pattern.parent) else Path(".")
    name = pattern.name
    match = _HASHES.search(name)
    assert match is not None
    regex = re.compile(re.escape(name[: match.start()]) + r"(\d+)" + re.escape(name[match.end() :]) + r"$")
    frames: dict[int, Path] = {}
    if not folder.is_dir():
        return frames
    for entry in sorted(folder.iterdir()):
        found = regex.match(entry.name)
        if found and entry.is_file():
            frames[int(found.group(1))] = entry
    return frames
