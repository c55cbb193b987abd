"""Coloured images (character sheet, coloured keyframe) → flat-colour regions with their colours.

Why separate from `regions.py`: a coloured drawing has no "paper vs ink" contrast to binarise (dark fills
would read as ink), so here a region is a connected run of one flat colour; thin dark (or saturated) runs
are the drawing's lines, and the anti-aliased seams between colours are boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...foundation.lineart import Regions, compact_labels, grow_labels, ink_bbox, region_stats
from .params import DEFAULT_PARAMS, FlatParams


@dataclass
class ColorRegions:
    """Regions of a coloured image plus one RGB colour per region (row 0 unused)."""

    regions: Regions
    colors: np.ndarray  # (N+1, 3) uint8
    background: int  # region id of the paper/background, 0 when none


def segment_colored(
    rgb: np.ndarray, alpha: np.ndarray | None = None, colour_lines: bool = True, params: FlatParams = DEFAULT_PARAMS
) -> ColorRegions:
    """Split a flat-coloured drawing `(H, W, 3) uint8` into single-colour regions.

    `alpha` (H, W) float32 in [0, 1] marks transparent sheet pixels, which become background.
    `colour_lines=False` keeps thin saturated runs as regions (keyframes: overlap voting ignores them).
    """
    import cv2

    h, w = rgb.shape[:2]
    chans = cv2.split(rgb)
    seam = np.zeros((h, w), np.uint8)
    for c in chans:
        c16 = c.astype(np.int16)
        dh = np.abs(c16[:, 1:] - c16[:, :-1]) > params.seam_tolerance  # (H, W-1)
        dv = np.abs(c16[1:, :] - c16[:-1, :]) > params.seam_tolerance  # (H-1, W)
        # One-sided: a pixel is a seam when it differs from its right or lower neighbour. That is enough
        # for 4-adjacent non-seam pixels to share a colour, and a boundary costs one pixel, not two.
        seam[:, :-1] |= dh
        seam[:-1, :] |= dv
    if alpha is not None:
        transparent = alpha < 0.5
        edge = cv2.morphologyEx(transparent.view(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
        seam |= edge.astype(bool)
    n, labels = cv2.connectedComponents((seam == 0).view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    flat = labels.ravel().astype(np.int64)
    area = np.maximum(np.bincount(flat, minlength=n), 1)
    colors = _mode_colors(flat, rgb, n)  # (n, 3)
    is_line = _line_components(labels, n, colors, area, colour_lines, params)
    is_line |= area < 2
    is_line[0] = True
    lut = np.arange(n, dtype=np.int32)
    lut[is_line] = 0
    labels = lut[labels]
    # Seams and anti-aliased blends belong to no run; give those that are not dark ink back to the
    # neighbouring regions so small regions (an eye at 480x270) keep their size.
    bright = cv2.max(cv2.max(chans[0], chans[1]), chans[2]) > params.dark_line_max
    labels = grow_labels(labels, bright & (labels == 0), 2)
    labels, count = compact_labels(labels)
    keep = np.flatnonzero(~is_line)
    out_colors = np.zeros((count + 1, 3), np.uint8)
    out_colors[1:] = colors[keep]
    lines = labels == 0
    regions = region_stats(labels, lines, count)
    background = _background(regions, out_colors)
    figure = labels != background if background else labels >= 0
    regions.figure_bbox = ink_bbox(figure & (labels >= 0), (h, w))
    return ColorRegions(regions=regions, colors=out_colors, background=background)


def _mode_colors(flat_labels: np.ndarray, rgb: np.ndarray, n: int) -> np.ndarray:
    """(n, 3) uint8: the most frequent exact colour of each component (a flat fill's true colour, not
    a mean pulled by anti-aliased or noisy pixels)."""
    code = rgb.reshape(-1, 3).astype(np.int64)
    code = (code[:, 0] << 16) | (code[:, 1] << 8) | code[:, 2]
    keys, counts = np.unique(flat_labels * (1 << 24) + code, return_counts=True)
    comp = keys >> 24
    order = np.lexsort((-counts, comp))  # per component, most frequent first
    first = np.ones(order.size, bool)
    first[1:] = comp[order][1:] != comp[order][:-1]
    best = keys[order][first]
    colors = np.zeros((n, 3), np.uint8)
    colors[best >> 24] = np.stack([(best >> 16) & 255, (best >> 8) & 255, best & 255], axis=1)
    return colors


def _line_components(
    labels: np.ndarray, n: int, colors: np.ndarray, area: np.ndarray, colour_lines: bool, params: FlatParams
) -> np.ndarray:
    """(n,) bool: components that are ink lines: dark or saturated, and thinner than a line is drawn.

    Dark ink is "thin" when no disc of ~1/120 of the image height fits inside; saturated colour-trace
    lines are thinner still (1/270), so narrow saturated fills (a hat brim) stay regions.
    """
    c16 = colors.astype(np.int16)
    dark = c16.max(axis=1) <= params.dark_line_max
    saturated = (c16.max(axis=1) - c16.min(axis=1)) > params.lineart.color_line_chroma
    h = labels.shape[0]
    dark_thin = _core_area(labels, n, 2 * max(1, round(h / 240)) + 1) < 0.35 * area
    sat_thin = _core_area(labels, n, 2 * max(1, round(h / 540)) + 1) < 0.1 * area
    return (dark & dark_thin) | (saturated & ~dark & sat_thin & colour_lines)


def _core_area(labels: np.ndarray, n: int, diameter: int) -> np.ndarray:
    """(n,) pixels of each component whose whole disc of `diameter` lies inside the same component."""
    import cv2

    ball = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))
    lab_f = labels.astype(np.float32)
    same = (
        cv2.erode(lab_f, ball, borderType=cv2.BORDER_REPLICATE)
        == cv2.dilate(lab_f, ball, borderType=cv2.BORDER_REPLICATE)
    ) & (labels > 0)
    return np.bincount(labels[same].astype(np.int64), minlength=n)


def _background(regions: Regions, colors: np.ndarray) -> int:
    """The largest border-touching region is the paper/background (0 when nothing touches the border)."""
    candidates = np.flatnonzero(regions.border)
    if candidates.size == 0:
        return 0
    return int(candidates[np.argmax(regions.area[candidates])])
