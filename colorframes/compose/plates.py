"""Background plates: one image for the whole shot, or a folder / numbered sequence matched by frame number.

`--background PLATE` accepts:
  * an image file: the same plate behind every frame (a held background);
  * a folder: every image in it whose file stem ends in a number (`bg.1001.png`, `bg_0012.exr` is not read:
    PNG/JPG/TIFF/WebP/BMP only) is the plate for that frame number;
  * a sequence pattern in the grammar of `run` (io.discover.match_pattern): `plates/bg.####.png`,
    `plates/bg.%04d.png`, `plates/bg.1001-1100#.png`.

Sizes are never rescaled silently: a plate whose size differs from the frame raises `InputError` naming both
sizes, unless the caller asks for `fit="pad"`, which centres the plate on the frame, letterboxing a smaller
plate with its replicated edge pixels and centre-cropping a larger one (pixels are never resampled).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import FrameError, InputError
from ..io.discover import frame_number, is_sequence_pattern, match_pattern
from ..io.images import IMAGE_EXTENSIONS, read_float_rgb
from ..options import DEFAULT_MAX_PIXELS

FITS = ("error", "pad")


def read_plate(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """(H, W, 3) float32 RGB in [0, 1] at full precision (io.images); an unreadable plate is an input error."""
    try:
        return read_float_rgb(path, max_pixels)
    except FrameError as exc:
        raise InputError(f"background plate {exc}") from None


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
        elif is_sequence_pattern(self.path):
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
        if entry.suffix.lower() not in IMAGE_EXTENSIONS or entry.name.startswith(".") or not entry.is_file():
            continue
        number = frame_number(entry.stem)
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
    """Expand `bg.####.png` / `bg.%04d.png` / `bg.1001-1100#.png` with the sequence grammar of `run`."""
    return {frame.number: frame.path for frame in match_pattern(pattern) if frame.path is not None}
