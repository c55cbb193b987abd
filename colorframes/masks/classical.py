"""Classical (weight-free) sketch masks: paper reachable from the frame border is background.

Line art is black ink on white paper. Everything the character's outline encloses (plus the ink
itself) is figure. Small breaks in the outline are bridged trapped-ball style: the ink is grown by the
gap radius before the border flood, and the flooded background is grown back by the same radius so the
mask edge lands on the outline again instead of shrinking the figure the way a plain closing would.
The work happens at a reduced resolution (ink is max-pooled down so thin lines never vanish); the
result is upsampled with a light feather and its edge is put back on the real outline at full
resolution, which keeps 1080p well over 20 masks/s on 2 cores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Grey level below which a pixel counts as ink (anti-aliased lines reach well below this).
INK_LEVEL = 160
# Longest side of the working resolution; larger frames are max-pooled down to about this.
WORK_SIDE = 960
# Automatic gap radius: the shorter frame side divided by this (line weights scale with resolution).
AUTO_GAP_DIVISOR = 180.0


@dataclass(frozen=True)
class ClassicalSketchParams:
    """Knobs of the classical sketch mask. Radii are in full-resolution pixels."""

    # Breaks in the outline up to ~2x this are closed; None = scale with the frame (6 px at 1080p).
    gap_radius: float | None = None
    ink_level: int = INK_LEVEL
    work_side: int = WORK_SIDE
    feather: float = 1.0  # Gaussian sigma of the soft edge, in working pixels (0 = hard)
    min_speck: float = 2e-5  # figure components smaller than this fraction of the frame are dust


def _disk(radius: int) -> np.ndarray:
    import cv2

    size = 2 * radius + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def ink_map(rgb: np.ndarray, ink_level: int = INK_LEVEL) -> np.ndarray:
    """(H, W, 3) uint8 line art -> (H, W) uint8, 255 where there is ink."""
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    return cv2.threshold(grey, ink_level - 1, 255, cv2.THRESH_BINARY_INV)[1]  # grey < ink_level


def _downscale_ink(ink: np.ndarray, work_side: int) -> tuple[np.ndarray, float]:
    """Max-pool-like reduction: any ink in a block keeps the block inked (outlines stay closed)."""
    import cv2

    h, w = ink.shape
    scale = min(1.0, work_side / max(h, w))
    if scale >= 1.0:
        return ink, 1.0
    ww, wh = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(ink, (ww, wh), interpolation=cv2.INTER_AREA)  # (h', w') mean ink
    return cv2.threshold(small, 0, 255, cv2.THRESH_BINARY)[1], scale


def _border_background(paper: np.ndarray) -> np.ndarray:
    """(h, w) uint8 paper (255) -> bool mask of paper components that touch the frame border."""
    import cv2

    n, labels = cv2.connectedComponents(paper, connectivity=4)
    if n <= 1:
        return np.zeros(paper.shape, bool)
    touching = np.zeros(n, bool)
    touching[labels[0, :]] = True
    touching[labels[-1, :]] = True
    touching[labels[:, 0]] = True
    touching[labels[:, -1]] = True
    touching[0] = False  # label 0 is ink (not paper)
    return touching[labels]


def _drop_specks(figure: np.ndarray, min_area: int) -> np.ndarray:
    """Remove figure components (dust, stray dots) smaller than min_area working pixels."""
    import cv2

    if min_area <= 1:
        return figure
    n, labels = cv2.connectedComponents(figure, connectivity=8)
    if n <= 2:  # one figure (the usual case): nothing to weigh
        return figure
    keep = np.bincount(labels.ravel(), minlength=n) >= min_area
    keep[0] = False
    if keep[1:].all():
        return figure
    return np.where(keep[labels], np.uint8(255), np.uint8(0))


def classical_sketch_mask(
    rgb: np.ndarray, params: ClassicalSketchParams | None = None
) -> tuple[np.ndarray, list[str]]:
    """(H, W, 3) uint8 line art -> ((H, W) float32 soft figure mask in [0, 1], warnings)."""
    import cv2

    p = params or ClassicalSketchParams()
    h, w = rgb.shape[:2]
    ink = ink_map(rgb, p.ink_level)  # (H, W) uint8
    if not ink.any():
        return np.zeros((h, w), np.float32), ["blank frame (no lines found); its mask is empty"]
    small, scale = _downscale_ink(ink, p.work_side)  # (h', w') uint8
    gap = p.gap_radius if p.gap_radius is not None else max(2.0, min(h, w) / AUTO_GAP_DIVISOR)
    radius = max(1, round(gap * scale))
    # Trapped ball: grow the ink so gaps < 2*radius close, flood the paper from the border ...
    grown = cv2.dilate(small, _disk(radius)) if radius > 0 else small
    background: np.ndarray = _border_background(cv2.bitwise_not(grown)).astype(np.uint8) * 255
    # ... then grow the flooded background back by the same radius (it stops at the real ink).
    background = cv2.dilate(background, _disk(radius))
    background[small > 0] = 0
    figure = cv2.bitwise_not(background)  # (h', w') uint8, 255 = figure
    figure = _drop_specks(figure, round(p.min_speck * figure.size))
    soft: np.ndarray = figure.astype(np.float32) / 255.0
    if p.feather > 0 and min(soft.shape) > 4:
        soft = cv2.GaussianBlur(soft, (0, 0), p.feather)
    if soft.shape != (h, w):
        soft = cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR)
        keep = cv2.bitwise_not(_refine_background(figure, ink, scale))  # (H, W) uint8
        soft = cv2.bitwise_and(soft, soft, mask=keep)
    return soft, []  # blur and linear resize of {0, 1} stay within [0, 1]


def _refine_background(figure: np.ndarray, ink: np.ndarray, scale: float) -> np.ndarray:
    """Full-resolution background (uint8 255) with the paper the max-pool wrongly gave the figure.

    Max-pooling the ink pushes the outline outward by up to one working pixel; growing the upsampled
    background back over full-resolution paper (4-connected steps, so it never crosses a line) for
    that many full-resolution pixels puts the mask edge back on the real outline.
    """
    import cv2

    h, w = ink.shape
    background = cv2.resize(cv2.bitwise_not(figure), (w, h), interpolation=cv2.INTER_NEAREST)
    paper = cv2.bitwise_not(ink)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    for _ in range(int(np.ceil(1.0 / scale))):
        background = cv2.bitwise_and(cv2.dilate(background, cross), paper)
    return background
