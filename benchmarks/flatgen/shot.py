"""What a generator returns: a shot of line art with its ground truth, a keyframe and a character sheet."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FIRST_FRAME = 1001
RGB = tuple[int, int, int]


@dataclass
class Shot:
    """One generated shot. Frames are dicts of sketch (H, W, 3) uint8 line art, color (H, W, 3) uint8
    flat ground truth with the lines composited on it, labels (H, W) int32 ground-truth region ids
    (0 = line, `palette[id]` is the region's GT colour)."""

    name: str
    frames: list[dict[str, np.ndarray]]
    key_index: int  # 0-based index of the keyframe's frame
    keyframe: np.ndarray  # (H, W, 3) uint8: the coloured keyframe (finished / shaded for some kinds)
    sheet: np.ndarray  # (H, W, 3) uint8: the character sheet, figures on white paper in GT colours
    palette: dict[int, RGB]
    features: list[str] = field(default_factory=list)
    first_frame: int = FIRST_FRAME

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.frames[0]["sketch"].shape[:2]
        return w, h

    @property
    def key_number(self) -> int:
        return self.first_frame + self.key_index


def frame_rng(seed: int, index: int, salt: int) -> np.random.Generator:
    """Per-frame randomness that depends only on (seed, frame index, purpose): shots are deterministic."""
    return np.random.default_rng([seed, index, salt])
