"""The colorizer interface every backend plugs into.

A backend is set up once per shot (reference, masks, seed: the per-shot work happens here, once) and
then colorizes batches of frames. Frames arrive as uint8 RGB line art (black lines on white paper,
transparency already composited onto paper) with their float foreground masks; results go back as
float32 RGB in [0, 1], or uint8 RGB when the runner asks for it (`ShotSetup.uint8_output`), same height
and width as the input frame. What a backend needs from the runner is data: `BackendTraits`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class BackendTraits:
    """What a backend needs from the runner, declared as data (the runner reads nothing else)."""

    # Compute a soft sketch mask per frame (FrameInput.mask, ShotSetup.mask_loader) with the run's provider.
    needs_masks: bool = True
    # Its colours are 8-bit values, so uint8 results are exact at any --bit-depth (the flat paint bucket);
    # otherwise the runner asks for uint8 only when the PNG is 8-bit.
    exact_uint8: bool = False
    # Its frames are areas of flat colour (the paint bucket): the runner writes their PNG rows unfiltered
    # (faster and smaller there; `io.images.encode_png`).
    flat_fills: bool = False


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
    # Same for the frame's soft figure mask (H, W) float32, computed by the run's mask provider (set when
    # the backend's traits ask for masks).
    mask_loader: Callable[[int], np.ndarray | None] | None = None
    # Results as uint8 RGB (True) or float32 RGB in [0, 1]: decided by the runner (runner/output.py).
    uint8_output: bool = False


@dataclass(frozen=True)
class FrameInput:
    number: int  # frame number from the file name (or video index)
    sketch: np.ndarray  # (H, W, 3) uint8 RGB, black lines on white
    mask: np.ndarray | None  # (H, W) float32 soft foreground mask in [0, 1]; None when nothing needs it
    prepared: Any = None  # what the backend's `prepare(sketch)` returned for this frame (None: not run)


@dataclass
class FrameResult:
    number: int
    # (H, W, 3) float32 RGB in [0, 1], or uint8 RGB when ShotSetup.uint8_output (saves a conversion)
    image: np.ndarray
    # Optional extras a backend may report (confidence report, intermediates for process export).
    extras: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Colorizer(Protocol):
    """A colorizer backend: the type the runner holds. `setup_shot` is called once per shot before
    `colorize`; `warnings` holds one-line messages the runner prints on stderr, then clears."""

    name: str
    traits: BackendTraits
    warnings: list[str]

    def setup_shot(self, shot: ShotSetup) -> None: ...

    def prepare(self, sketch: np.ndarray) -> Any:
        """Work that depends on this frame's line art alone (the flat backend's regions). The runner calls
        it in its read-ahead thread, so it overlaps the colorizing of earlier frames on another core; the
        result arrives as `FrameInput.prepared`. Returns None when a backend has no such work."""
        ...

    def colorize(self, frames: list[FrameInput]) -> list[FrameResult]: ...

    def describe(self) -> dict[str, Any]:
        """Model id, weights hash and anything else the sidecar should record."""
        ...
