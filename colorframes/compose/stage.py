"""Runner-facing glue: build the background and process-export stages from RunOptions, once per shot.

Output layout (under OUT/<shot>/):
    <stem>.png                    the frame: the figure harmonized and composited over the plate
    layers/<stem>.png             the figure layer alone, RGBA (straight alpha), when a plate is used
    process/<stem>/step_000.png   the painting-process steps (--process N, --format png|both)
    process/<stem>.mp4            the same as H.264 video (--format mp4|both)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io.images import write_png_atomic
from ..options import RunOptions
from .harmonize import Harmonized, RegionRefiner, harmonize
from .plates import PlateSource
from .process import process_frames
from .process_export import write_process_mp4, write_process_png

LAYERS_DIR = "layers"
PROCESS_DIR = "process"
PROCESS_FPS = 4.0  # process videos are for watching the steps, not the shot's frame rate


@dataclass
class BackgroundStage:
    """`--background` + `--harmonize` for one shot."""

    plates: PlateSource
    strength: float
    refiner: RegionRefiner | None = None

    @classmethod
    def from_options(cls, opts: RunOptions, refiner: RegionRefiner | None = None) -> BackgroundStage | None:
        """None when no `--background` is set. Raises InputError when the plate path is unusable."""
        if not opts.background:
            return None
        plates = PlateSource(opts.background, fit=opts.background_fit, max_pixels=opts.max_pixels)
        return cls(plates, float(opts.harmonize), refiner)

    def check(self, size: tuple[int, int], first_frame: int | None = None) -> None:
        """Fail fast before the first frame: the (first) plate must exist and fit `size` (H, W)."""
        number = first_frame if first_frame is not None and self.plates.is_sequence else None
        if number is not None and number not in self.plates.frame_numbers:
            number = None
        self.plates.check(size, number)

    def token_plate(self, first_frame: int, size: tuple[int, int]) -> np.ndarray:
        """(H, W, 3) uint8 plate for `ShotSetup.background` (--background-tokens): the first plate."""
        number = first_frame
        if self.plates.is_sequence and number not in self.plates.frame_numbers:
            number = self.plates.frame_numbers[0]
        return self.plates.for_tokens(number, size)

    def compose(self, number: int, image: np.ndarray, sketch: np.ndarray, mask: np.ndarray) -> Harmonized:
        """Harmonize frame `number`'s colorized `image` over its plate. FrameError when the plate fails."""
        plate = self.plates.for_frame(number, image.shape[:2])
        return harmonize(image, plate, mask, sketch, strength=self.strength, refiner=self.refiner)

    @staticmethod
    def write_layer(result: Harmonized, shot_dir: str | os.PathLike, stem: str, bit_depth: int = 8) -> Path:
        """Write the RGBA figure layer to `shot_dir/layers/<stem>.png`."""
        path = Path(shot_dir) / LAYERS_DIR / f"{stem}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_png_atomic(path, result.layer, bit_depth)
        return path


@dataclass
class ProcessStage:
    """`--process N` / `--process-frames SPEC` for one shot."""

    steps: int
    frames: frozenset[int] | None  # None: every rendered frame
    png: bool
    mp4: bool
    fps: float = PROCESS_FPS
    crf: int = 18
    gap_radius: int = 2

    @classmethod
    def from_options(cls, opts: RunOptions) -> ProcessStage | None:
        """None when `--process` is 0. `--process-frames` uses the run's frame-spec syntax."""
        if opts.process <= 0:
            return None
        frames = None
        if opts.process_frames:
            from ..io.framespec import parse_frame_spec

            frames = frozenset(parse_frame_spec(opts.process_frames))
        return cls(
            steps=max(2, opts.process),
            frames=frames,
            png=opts.format in ("png", "both"),
            mp4=opts.format in ("mp4", "both"),
            fps=float(opts.process_fps),
            crf=opts.crf,
            gap_radius=opts.gap_radius,
        )

    def wants(self, number: int) -> bool:
        return self.frames is None or number in self.frames

    def export(
        self,
        shot_dir: str | os.PathLike,
        stem: str,
        sketch: np.ndarray,
        mask: np.ndarray,
        final: np.ndarray,
        extras: dict | None = None,
    ) -> list[Path]:
        """Build and write the steps for one frame from its `FrameResult.extras`; returns written paths."""
        extras = extras or {}
        frames = process_frames(
            sketch,
            mask,
            final,
            labels=extras.get("labels"),
            region_colors=extras.get("region_colors"),
            intermediates=extras.get("intermediates"),
            n=self.steps,
            gap_radius=self.gap_radius,
        )
        base = Path(shot_dir) / PROCESS_DIR
        written: list[Path] = []
        if self.png:
            written += write_process_png(frames, base / stem)
        if self.mp4:
            written.append(write_process_mp4(frames, base / f"{stem}.mp4", self.fps, self.crf))
        return written
