"""What the flat tracker knows about a frame: the shot's palette, each region's colour, confidence and
source, and the coloured drawings (sheet, keyframes) it matches against."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...foundation.lineart import Regions

SOURCE_NAMES = ("neutral", "sheet", "keyframe", "tracked", "hint", "paper")
NEUTRAL = [
    (200, 196, 188), (170, 182, 196), (196, 176, 170), (176, 192, 172), (210, 200, 170), (160, 160, 172),
    (188, 170, 190), (150, 172, 170), (214, 190, 180), (180, 180, 160), (140, 150, 166), (200, 210, 214),
]  # fmt: skip
PAPER_RGB = (255, 255, 255)


class Palette:
    """Interned RGB colours; regions refer to colours by index so votes can pool identical colours."""

    def __init__(self) -> None:
        self.rgb: list[tuple[int, int, int]] = []
        self._index: dict[tuple[int, int, int], int] = {}

    def index(self, rgb: tuple[int, int, int] | np.ndarray) -> int:
        key = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        if key not in self._index:
            self._index[key] = len(self.rgb)
            self.rgb.append(key)
        return self._index[key]

    def indices(self, colors: np.ndarray) -> np.ndarray:
        """(K,) palette indices of (K, 3) uint8 colours."""
        return np.array([self.index(c) for c in colors], np.int64)

    def array(self) -> np.ndarray:
        return np.asarray(self.rgb or [PAPER_RGB], np.uint8).reshape(-1, 3)


@dataclass
class FrameState:
    number: int
    regions: Regions
    color: np.ndarray  # (N+1,) palette index, -1 = none yet
    confidence: np.ndarray  # (N+1,) float in [0, 1]
    source: np.ndarray  # (N+1,) index into SOURCE_NAMES
    warnings: list[str] = field(default_factory=list)
    new: np.ndarray | None = None  # (N+1,) bool, parts coming into view this frame (or unexplained)
    fresh: np.ndarray | None = None  # (N+1,) bool, of those: the ones whose outline is new
    entered: np.ndarray | None = None  # (N+1,) bool, outline new here or continuing such a region (chain)
    guessed: np.ndarray | None = None  # (N+1,) float, for a colour that is a guess (`new` here, or continuing
    # such a region while weak along the chain): the region's area in the drawing it was guessed on; else 0
    voted: np.ndarray | None = None  # (N+1,) palette index every flow sample of the chain's step into the
    # region came from, -1 where the samples came from several colours or none (a keyframe's own frame)
    lowered: np.ndarray | None = None  # (N+1,) float, for a region the chain's step made weak for this frame
    # only (continuing alone a much larger region): the confidence the chain carried; 0 elsewhere
    camera: tuple[float, float, float] | None = None  # (a, tx, ty): anchor keyframe position ≈ a * position
    # + (tx, ty), composed along the chain's steps (`zoom.chain_camera`) and, under a zoom, measured again on
    # the keyframe (`zoom.key_camera`); None where no chain measured it

    def read_from_keyframe(self, ids: np.ndarray, in_view: bool = False) -> None:
        """Regions `ids` took a colour a keyframe part explains: evidence, so no longer new nor a guess; with
        `in_view`, the keyframe shows them where they are, so they are not coming into view either."""
        flags = (self.new, self.fresh, self.entered) if in_view else (self.new,)
        for flag in flags:
            if flag is not None:
                flag[ids] = False
        if self.guessed is not None:
            self.guessed[ids] = 0.0


@dataclass
class Reference:
    """A coloured drawing (the sheet, or a keyframe without its line art) split into flat-colour regions."""

    state: FrameState
    background: int  # region id of the paper/background (never matched to a part), 0 when none


def parts(ref: Reference) -> np.ndarray:
    """Region ids of a reference's coloured parts: not its background, nor paper seen through a figure
    (between the legs), which is background too."""
    rs = ref.state
    ids = np.flatnonzero(rs.color >= 0)
    ids = ids[(ids > 0) & (ids != ref.background)]
    if ref.background:
        ids = ids[rs.color[ids] != rs.color[ref.background]]
    return ids


def background_region(regions: Regions) -> int:
    """The paper or background: the largest region touching the frame border (0 when none does)."""
    cands = np.flatnonzero(regions.border)
    return int(cands[np.argmax(regions.area[cands])]) if cands.size else 0
