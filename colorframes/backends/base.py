"""The colorizer interface every backend plugs into.

A backend is set up once per shot (reference, masks, seed: the per-shot work happens here, once) and
then colorizes batches of frames. Frames arrive as uint8 RGB line art (black lines on white paper,
transparency already composited onto paper) with their float foreground masks; results go back as
float32 RGB in [0, 1] (or uint8 RGB), same height and width as the input frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class ShotSetup:
    """Everything a backend needs before its first frame of a shot."""

    name: str  # shot name (folder / sequence name), stable across shards
    seed: int  # the shot's seed (--seed or derived from the name); shared by every frame
    frame_size: tuple[int, int]  # (H, W) of the shot's frames
    reference: np.ndarray | None  # (H, W, 3) uint8 RGB character sheet, or None
    reference_alpha: np.ndarray | None  # (H, W) float32 in [0, 1] when the sheet had alpha
    reference_mask: np.ndarray | None  # (H, W) float32 soft figure mask of the sheet
    background: np.ndarray | None = None  # (H, W, 3) uint8 RGB background image for bg tokens
    keyframes: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> (H, W, 3) uint8 RGB
    first_frame: int = 1  # first frame number of the whole shot (not of a shard)
    # Reads any frame of the shot by number → (H, W, 3) uint8 line art, or None when it does not exist;
    # lets a backend rebuild per-shot state from frames outside its shard (tracking chains).
    sketch_loader: Callable[[int], np.ndarray | None] | None = None
    # Same for the frame's soft figure mask (H, W) float32, computed by the run's mask provider.
    mask_loader: Callable[[int], np.ndarray | None] | None = None


@dataclass(frozen=True)
class FrameInput:
    number: int  # frame number from the file name (or video index)
    sketch: np.ndarray  # (H, W, 3) uint8 RGB, black lines on white
    mask: np.ndarray | None  # (H, W) float32 soft foreground mask in [0, 1]; None when nothing needs it


@dataclass
class FrameResult:
    number: int
    # (H, W, 3) float32 RGB in [0, 1], or uint8 RGB when the backend works in 8 bits (saves a conversion)
    image: np.ndarray
    # Optional extras a backend may report (confidence report, intermediates for process export).
    extras: dict = field(default_factory=dict)


@runtime_checkable
class Colorizer(Protocol):
    """A colorizer backend. `setup_shot` is called once per shot before `colorize`.

    Optional attributes the runner reads: `needs_masks` (bool, default True: compute a sketch mask per
    frame) and `warnings` (list of one-line strings the runner prints on stderr, then clears).
    """

    name: str

    def setup_shot(self, shot: ShotSetup) -> None: ...

    def colorize(self, frames: list[FrameInput]) -> list[FrameResult]: ...

    def describe(self) -> dict:
        """Model id, weights hash and anything else the sidecar should record."""
        ...
