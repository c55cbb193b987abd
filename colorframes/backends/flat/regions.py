"""Line art → closed regions (the paint-bucket segmentation).

Why this shape: a paint bucket needs closed regions, but real line art has anti-aliasing, grey or scanned
paper, coloured shadow/highlight lines and small gaps. We binarise against a local paper estimate, treat
saturated pixels as (coloured) lines, close gaps trapped-ball style (seeds are the places a ball of
`gap_radius` fits, then seeds grow back geodesically up to the lines) and keep thin regions the ball never
reached as regions of their own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

# A pixel is ink when it is this much darker than the local paper (fraction of paper brightness);
# mid-tone anti-aliased edge pixels count as line so that closed outlines stay closed.
INK_DARKNESS = 0.33
# Max-minus-min channel spread above which a pixel of the line art is a coloured line.
COLOR_LINE_CHROMA = 60
# Isolated ink specks up to this many pixels are scanner noise, not lines.
SPECK_AREA = 4


@dataclass
class Regions:
    """A region map and per-region statistics (index 0 is the line/boundary pseudo-region)."""

    labels: np.ndarray  # (H, W) int32, 0 = line pixels, 1..count regions
    line_mask: np.ndarray  # (H, W) bool, True on line pixels (black and coloured)
    count: int  # number of regions N
    area: np.ndarray  # (N+1,) float64 pixel count
    centroid: np.ndarray  # (N+1, 2) float64 (x, y)
    spread: np.ndarray  # (N+1, 3) float64 second central moments (xx, yy, xy)
    border: np.ndarray  # (N+1,) bool, region touches the image border
    figure_bbox: tuple[float, float, float, float]  # (x0, y0, x1, y1) of the drawing's ink
    color_line_mask: np.ndarray | None = None  # (H, W) bool, coloured lines only
    warnings: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape  # type: ignore[return-value]


def ink_darkness(sketch_rgb: np.ndarray) -> np.ndarray:
    """How much darker than the local paper each pixel is, (H, W) float32 in [0, 1].

    The paper level comes from a coarse max filter, so grey paper and uneven scans are normalised away.
    """
    import cv2

    gray = cv2.cvtColor(sketch_rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    global_paper = float(np.percentile(gray[::4, ::4], 90)) if gray.size else 255.0
    sh, sw = max(1, h // 8), max(1, w // 8)
    small = cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_AREA)
    small = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    paper = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    # A large solid-black area must not pull the paper level down with it.
    paper = np.maximum(paper, np.float32(0.8 * global_paper))
    paper = np.maximum(paper, np.float32(16.0))
    dark = (paper - gray.astype(np.float32)) / paper
    return np.clip(dark, 0.0, 1.0)


def line_masks(sketch_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(line_mask, color_line_mask, specks_removed) for black-on-paper line art with coloured lines."""
    import cv2

    ink = ink_darkness(sketch_rgb) > INK_DARKNESS  # (H, W) bool
    r, g, b = cv2.split(sketch_rgb)
    spread = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))  # (H, W) uint8
    color = spread > COLOR_LINE_CHROMA
    lines = ink | color
    n, lab, stats, _ = cv2.connectedComponentsWithStats(lines.view(np.uint8), connectivity=8)
    specks = 0
    if n > 1:
        small = stats[:, cv2.CC_STAT_AREA] <= SPECK_AREA
        small[0] = False
        specks = int(small.sum())
        if specks:
            lines = lines & ~small[lab]
            color = color & lines
    return lines, color, specks


def segment_regions(sketch_rgb: np.ndarray, gap_radius: int) -> Regions:
    """Segment line art `(H, W, 3) uint8` into closed regions; gaps up to ~2*gap_radius px are closed."""

    if sketch_rgb.ndim != 3 or sketch_rgb.shape[2] != 3 or sketch_rgb.dtype != np.uint8:
        raise ValueError("segment_regions expects (H, W, 3) uint8 RGB line art")
    lines, color, specks = line_masks(sketch_rgb)
    labels, n = fill_regions(lines, max(0, int(gap_radius)))
    regions = region_stats(labels, lines, n)
    regions.color_line_mask = color
    if specks > 50:
        regions.warnings.append(f"noisy line art: removed {specks} isolated specks")
    return regions


def fill_regions(lines: np.ndarray, gap_radius: int) -> tuple[np.ndarray, int]:
    """Trapped-ball style region filling of the non-line area: ((H, W) int32 labels with 0 = line, N)."""
    import cv2

    free = (~lines).view(np.uint8)  # (H, W) 1 where paper
    if gap_radius <= 0:
        n, labels = cv2.connectedComponents(free, connectivity=4, ltype=cv2.CV_32S)
        return compact_labels(labels)
    size = 2 * gap_radius + 1
    ball = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    seeds_mask = cv2.erode(free, ball, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    n_seeds, seeds = cv2.connectedComponents(seeds_mask, connectivity=4, ltype=cv2.CV_32S)
    grown = grow_labels(seeds, free.astype(bool), gap_radius + 2)
    # Paper the ball never reached: thin regions (kept) or corner crumbs (absorbed by neighbours).
    rest = (grown == 0) & free.astype(bool)
    if rest.any():
        n_rest, rest_lab, stats, _ = cv2.connectedComponentsWithStats(
            rest.view(np.uint8), connectivity=4, ltype=cv2.CV_32S
        )
        keep = stats[:, cv2.CC_STAT_AREA] >= max(6, 2 * (gap_radius + 1) ** 2)
        keep[0] = False
        if keep.any():
            lut = np.zeros(n_rest, np.int32)
            lut[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32) + n_seeds
            thin = lut[rest_lab]
            grown = np.where(thin > 0, thin, grown)
        if (~keep[1:]).any():
            grown = grow_labels(grown, free.astype(bool), 4 * gap_radius + 4)
            # Crumbs walled off from every region become regions of their own: no paper pixel is left
            # unlabelled (label 0 means line, and only line pixels are restored from the input).
            orphan = (grown == 0) & free.astype(bool)
            if orphan.any():
                _, orphan_lab = cv2.connectedComponents(orphan.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
                grown = np.where(orphan_lab > 0, orphan_lab + int(grown.max()), grown)
    return compact_labels(grown)


def grow_labels(labels: np.ndarray, allowed: np.ndarray, steps: int) -> np.ndarray:
    """Grow labels into unlabeled `allowed` pixels, one 3×3 step at a time (geodesic, never over lines)."""
    import cv2

    out = labels.astype(np.float32)  # exact for label ids < 2**24
    allowed = allowed.astype(bool, copy=False)
    kernel = np.ones((3, 3), np.uint8)
    for _ in range(steps):
        todo = ((out == 0) & allowed).view(np.uint8)
        if not todo.any():
            break
        grown = cv2.dilate(out, kernel)
        cv2.copyTo(grown, todo, out)
    return out.astype(np.int32)


def compact_labels(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber labels to 1..N without gaps (0 stays 0); returns (labels, N)."""
    present = np.bincount(labels.ravel().astype(np.int64)) > 0
    present[0] = False
    n = int(present.sum())
    if present[1:].all():
        return labels, n
    lut = np.zeros(present.size, np.int32)
    lut[present] = np.arange(1, n + 1, dtype=np.int32)
    return lut[labels], n


@functools.lru_cache(maxsize=4)
def _coords(h: int, w: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Flattened x and y coordinates (float64) of a (h, w) grid sampled every `step` px."""
    ys, xs = np.mgrid[0:h:step, 0:w:step]
    return xs.ravel().astype(np.float64), ys.ravel().astype(np.float64)


def region_stats(labels: np.ndarray, lines: np.ndarray, n: int | None = None) -> Regions:
    """Area, centroid, second moments and border contact of every region, via bincount (vectorised).

    Area is exact; centroids and second moments come from a 2× subsampled grid (they feed matching
    descriptors, where half a pixel does not matter).
    """
    h, w = labels.shape
    n = int(labels.max()) if n is None else n
    flat = labels.ravel().astype(np.int64)  # bincount is far faster on int64 than on int32
    area = np.bincount(flat, minlength=n + 1).astype(np.float64)
    # Centroids and moments from a 2x subsampled grid; regions it misses (a few px) use full resolution.
    sub = labels[::2, ::2].ravel().astype(np.int64)
    xs2, ys2 = _coords(h, w, 2)
    sub_n = np.bincount(sub, minlength=n + 1)
    sub_area = np.maximum(sub_n, 1.0)
    sx = np.bincount(sub, weights=xs2, minlength=n + 1) / sub_area
    sy = np.bincount(sub, weights=ys2, minlength=n + 1) / sub_area
    missed = np.flatnonzero(sub_n == 0)
    if missed.size:
        xs, ys = _coords(h, w, 1)
        safe = np.maximum(area, 1.0)
        sx[missed] = (np.bincount(flat, weights=xs, minlength=n + 1) / safe)[missed]
        sy[missed] = (np.bincount(flat, weights=ys, minlength=n + 1) / safe)[missed]
    dx, dy = xs2 - sx[sub], ys2 - sy[sub]
    sxx = np.bincount(sub, weights=dx * dx, minlength=n + 1) / sub_area
    syy = np.bincount(sub, weights=dy * dy, minlength=n + 1) / sub_area
    sxy = np.bincount(sub, weights=dx * dy, minlength=n + 1) / sub_area
    border = np.zeros(n + 1, bool)
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        border[edge] = True
    border[0] = False
    return Regions(
        labels=labels,
        line_mask=lines,
        count=n,
        area=area,
        centroid=np.stack([sx, sy], axis=1),
        spread=np.stack([sxx, syy, sxy], axis=1),
        border=border,
        figure_bbox=ink_bbox(lines, (h, w)),
    )


def ink_bbox(mask: np.ndarray, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """Bounding box of the True pixels, or the whole image when there are none."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0.0, 0.0, float(shape[1]), float(shape[0])
    return float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1)


def adjacency(labels: np.ndarray, reach: int = 4) -> np.ndarray:
    """Pairs (a, b), a < b, of regions that face each other across a line at most `reach` px thick.

    Returns (P, 2) int64. Computed on a 2× subsampled map; regions never neighbour themselves.
    """
    sub = labels[::2, ::2]
    k = max(1, (reach + 1) // 2)
    pairs = []
    for dy, dx in ((0, k), (k, 0), (k, k), (k, -k), (0, 1), (1, 0)):
        a = sub[: sub.shape[0] - dy, max(0, -dx) : sub.shape[1] - max(0, dx)]
        b = sub[dy:, max(0, dx) : sub.shape[1] - max(0, -dx) or None]
        b = b[:, : a.shape[1]]
        keep = (a != b) & (a > 0) & (b > 0)
        if keep.any():
            lo = np.minimum(a[keep], b[keep]).astype(np.int64)
            hi = np.maximum(a[keep], b[keep]).astype(np.int64)
            pairs.append(lo * (int(labels.max()) + 1) + hi)
    if not pairs:
        return np.zeros((0, 2), np.int64)
    codes = np.unique(np.concatenate(pairs))
    m = int(labels.max()) + 1
    return np.stack([codes // m, codes % m], axis=1)
