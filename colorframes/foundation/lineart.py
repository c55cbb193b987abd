"""Line art → closed regions (the paint-bucket segmentation).

Why this shape: a paint bucket needs closed regions, but real line art has anti-aliasing, grey or scanned
paper, coloured shadow/highlight lines, faint lines and small gaps. We binarise against a local paper estimate,
add faint thin ridges (lines extracted from shaded frames fade where two colours have similar brightness), treat
saturated pixels as (coloured) lines, close gaps trapped-ball style (seeds are the places a ball of
`gap_radius` fits, then seeds grow back geodesically up to the lines) and keep thin regions the ball never
reached as regions of their own. A frame with more regions than `LineArtParams.max_regions` (scan noise) has
its smallest regions joined to their nearest neighbour, so every later stage has bounded cost.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np


@dataclass(frozen=True)
class LineArtParams:
    """Every tunable number of the line-art segmentation (the flat colorizer's `FlatParams.lineart`)."""

    ink_darkness: float = 0.33
    """A pixel is ink when it is this much darker than the local paper (fraction of paper brightness);
    mid-tone anti-aliased edge pixels count as line so closed outlines stay closed."""
    color_line_chroma: int = 60
    """Max-minus-min channel spread (0..255) above which a line-art pixel is a coloured (shadow) line."""
    faint_ridge: float = 0.08
    """A pixel lighter than `ink_darkness` is still line when it is this much darker (fraction of paper) than
    the paper 2 px away on both sides in some direction: a faint thin line (lines extracted from shaded
    frames are faint where the two colours have similar brightness). The fringe of a dark line never is
    (one side is the line itself). 0 turns it off."""
    faint_support: int = 5
    """A faint line pixel needs at least this many faint pixels (itself included) in its 7×7 window: a line
    through it gives 4-7, scan grain's scattered faint dots rarely do."""
    speck_area: int = 4
    """Isolated ink specks up to this many pixels are scanner noise, not lines."""
    speck_warning: int = 50
    """More removed specks than this in one frame gives the (once per shot) noisy-line-art warning."""
    ball_scales: tuple[float, ...] = (2.0, 1.0)
    """Trapped-ball radii as multiples of --gap-radius, largest first: the large ball closes the wider gaps
    of open or noisy lines (figure and background stay apart), the smaller ones keep thin parts."""
    max_regions: int = 12000
    """Region cap per frame: beyond it the smallest regions join their nearest neighbour (one warning per
    shot). Bounds the cost of a frame of scan noise; real 1080p frames have 1-4 thousand regions."""
    line_reach_min: int = 4
    """Smallest reach (px) across a line when pairing neighbouring regions (hairlines, no lines)."""


DEFAULT_LINEART = LineArtParams()
T = TypeVar("T")


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
    # (y0, y1, x0, x1): every line pixel lies inside; outside it every pixel is region `outside`
    box: tuple[int, int, int, int] | None = None
    outside: int = 0
    warnings: list[str] = field(default_factory=list)
    # What later steps derive from these regions alone (boxes, adjacency, the flow field...), kept with them so
    # it is computed once per frame (ahead, where a backend prepares frames); a copy starts empty.
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """`make()` once for these regions under `key`, then that same object on every call."""
        if key not in self.derived:
            self.derived[key] = make()
        return self.derived[key]


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
    np.maximum(paper, np.float32(0.8 * global_paper), out=paper)
    np.maximum(paper, np.float32(16.0), out=paper)
    dark = paper - gray  # (H, W) float32 (uint8 grey promotes exactly); in place below: no 8 MB temporaries
    np.divide(dark, paper, out=dark)
    return np.clip(dark, 0.0, 1.0, out=dark)


def line_masks(sketch_rgb: np.ndarray, params: LineArtParams = DEFAULT_LINEART) -> tuple[np.ndarray, np.ndarray, int]:
    """(line_mask, color_line_mask, specks_removed) for black-on-paper line art with coloured lines."""
    lines, color = raw_line_masks(sketch_rgb, params)
    box = ink_box(lines, 0)
    specks = 0 if box is None else remove_specks(lines, color, box, params.speck_area)
    return lines, color, specks


def raw_line_masks(sketch_rgb: np.ndarray, params: LineArtParams = DEFAULT_LINEART) -> tuple[np.ndarray, np.ndarray]:
    """(lines, coloured lines), (H, W) bool each, before speck removal."""
    import cv2

    dark = ink_darkness(sketch_rgb)  # (H, W) float32
    ink = dark > params.ink_darkness  # (H, W) bool
    if params.faint_ridge > 0:
        ink |= faint_lines(dark, ink, params)
    r, g, b = cv2.split(sketch_rgb)
    spread = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))  # (H, W) uint8
    color = spread > params.color_line_chroma
    return ink | color, color


def faint_lines(dark: np.ndarray, ink: np.ndarray, params: LineArtParams) -> np.ndarray:
    """(H, W) bool: thin ridges of `dark` (float32 darkness) lighter than ink, dense enough not to be grain.

    A ridge pixel is darker by `faint_ridge` than both pixels 2 px away across it, horizontally or vertically
    (any line up to 3 px wide is crossed by one of the two); each side pair is a two-point dilation. Counting
    ridge neighbours in a window (one box filter) instead of labelling components keeps it cheap at 1080p.
    """
    import cv2

    level = np.uint8(round(255 * params.faint_ridge))
    d8 = cv2.convertScaleAbs(dark, alpha=255.0)  # (H, W) uint8 darkness
    # the darker of the two pixels 2 px away, in the direction whose sides are lighter
    sides = cv2.min(cv2.dilate(d8, _RIDGE_KERNELS[0]), cv2.dilate(d8, _RIDGE_KERNELS[1]))
    ridge = (cv2.subtract(d8, sides) >= level) & ~ink  # (H, W) bool
    support = cv2.boxFilter(ridge.view(np.uint8), -1, (7, 7), normalize=False)  # (H, W) uint8 count
    return ridge & (support >= params.faint_support)


def _ridge_kernel(dy: int, dx: int) -> np.ndarray:
    kernel = np.zeros((5, 5), np.uint8)
    kernel[2 + dy, 2 + dx] = kernel[2 - dy, 2 - dx] = 1
    return kernel


_RIDGE_KERNELS = [_ridge_kernel(0, 2), _ridge_kernel(2, 0)]


def remove_specks(lines: np.ndarray, color: np.ndarray, box: tuple[int, int, int, int], speck_area: int) -> int:
    """Drop isolated ink specks (scanner noise) inside `box` (y0, y1, x0, x1), in place; returns the count."""
    import cv2

    y0, y1, x0, x1 = box
    crop = lines[y0:y1, x0:x1]
    n, lab, stats, _ = cv2.connectedComponentsWithStats(crop.view(np.uint8), connectivity=8)
    if n <= 1:
        return 0
    small = stats[:, cv2.CC_STAT_AREA] <= speck_area
    small[0] = False
    specks = int(small.sum())
    if specks:
        crop &= ~small[lab]
        color[y0:y1, x0:x1] &= crop
    return specks


def ink_box(lines: np.ndarray, pad: int) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1): the bounding box of the line pixels grown by `pad` (clipped), None when blank."""
    rows = np.flatnonzero(lines.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(lines[rows[0] : rows[-1] + 1].any(axis=0))
    h, w = lines.shape
    return (
        max(0, int(rows[0]) - pad), min(h, int(rows[-1]) + 1 + pad),
        max(0, int(cols[0]) - pad), min(w, int(cols[-1]) + 1 + pad),
    )  # fmt: skip


def segment_regions(sketch_rgb: np.ndarray, gap_radius: int, params: LineArtParams = DEFAULT_LINEART) -> Regions:
    """Segment line art `(H, W, 3) uint8` into closed regions; gaps up to ~2*gap_radius px are closed.

    Why the crop: a character on paper covers a fraction of a 1080p frame, and all paper farther than
    the ball from any line is one region. Filling runs on the line art's bounding box grown by more
    than the ball (so its outer ring is paper the ball fits in everywhere), which gives the same regions
    as the whole frame at a fraction of the cost; the outside joins the ring's region.
    """
    if sketch_rgb.ndim != 3 or sketch_rgb.shape[2] != 3 or sketch_rgb.dtype != np.uint8:
        raise ValueError("segment_regions expects (H, W, 3) uint8 RGB line art")
    gap_radius = max(0, int(gap_radius))
    h, w = sketch_rgb.shape[:2]
    lines, color = raw_line_masks(sketch_rgb, params)
    box = ink_box(lines, 0)
    specks = 0 if box is None else remove_specks(lines, color, box, params.speck_area)
    if specks:
        box = ink_box(lines, 0)
    capped = 0
    if box is None:  # blank: one paper region
        regions = region_stats(np.ones((h, w), np.int32), lines, 1)
    else:
        pad = 2 * round(max(params.ball_scales) * gap_radius) + 4  # > the largest ball radius
        box = (max(0, box[0] - pad), min(h, box[1] + pad), max(0, box[2] - pad), min(w, box[3] + pad))
        crop = np.s_[box[0] : box[1], box[2] : box[3]]
        labels = np.empty((h, w), np.int32)  # filled inside the box, then outside it (no second frame-size map)
        _, n = fill_regions(lines[crop], gap_radius, params.ball_scales, out=labels[crop])
        if n > params.max_regions:
            capped = n
            labels[crop], n = cap_regions(labels[crop], n, params.max_regions)
        regions = cropped_stats(labels, n, lines, box)
    regions.color_line_mask = color
    if specks > params.speck_warning:
        regions.warnings.append(f"noisy line art: removed {specks} isolated specks (scan noise? clean the scans)")
    if capped:
        regions.warnings.append(
            f"{capped} regions exceed the cap of {params.max_regions}: the smallest were joined to their "
            "neighbours (noise or texture read as lines? clean the line art)"
        )
    return regions


def cap_regions(labels: np.ndarray, n: int, cap: int) -> tuple[np.ndarray, int]:
    """Keep the `cap` largest regions; every pixel of the others joins the nearest kept region.

    One distance transform (nearest kept pixel, not geodesic): bounded cost whatever the content.
    """
    import cv2

    area = np.bincount(labels.ravel().astype(np.int64), minlength=n + 1)
    area[0] = -1
    keep = np.zeros(n + 1, bool)
    keep[np.argsort(-area, kind="stable")[:cap]] = True
    keep[0] = False
    kept = keep[labels]  # (H, W) bool
    dropped = (labels > 0) & ~kept
    _, nearest = cv2.distanceTransformWithLabels(
        (~kept).view(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )  # nearest kept pixel, numbered in raster order from 1
    owners = labels[kept]  # (K,) label of each kept pixel in raster order
    out = labels.copy()
    out[dropped] = owners[nearest[dropped] - 1]
    return compact_labels(out)


def fill_regions(
    lines: np.ndarray,
    gap_radius: int,
    scales: tuple[float, ...] = DEFAULT_LINEART.ball_scales,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Trapped-ball style region filling of the non-line area: ((H, W) int32 labels with 0 = line, N);
    written into `out` ((H, W) int32, may be a view) when given.

    Balls of several radii (`scales` × gap_radius, largest first): the large ball closes the wider gaps of
    open or noisy lines, then smaller balls give their own regions to the parts it could not enter.

    Seeds grow along 4-connected paths where a line is a 1 px diagonal (as the gap_radius 0 fill's components
    do everywhere): a 3×3 step would slip between two of its pixels that touch only at a corner and flood the
    region behind it with its neighbour's label (a thin cel shadow or highlight strip, a sliver of a field
    between pen strokes). That holds for black lines as much as coloured ones: walling only the coloured
    lines left the regions behind black 1 px diagonals to chance. Crumbs too small to be regions join a
    neighbour by plain 3×3 growth (walled off, each would be a region of a few pixels).
    """
    import cv2

    paper = ~lines  # (H, W) bool
    free = paper.view(np.uint8)  # (H, W) 1 where paper
    if gap_radius <= 0:
        n, labels = cv2.connectedComponents(free, connectivity=4, ltype=cv2.CV_32S)
        labels, n = compact_labels(labels)
        if out is None:
            return labels, n
        out[...] = labels
        return out, n
    # One working label map for every step, with a 0 ring (the growth reads 3×3 neighbourhoods): uint16 while
    # the labels fit, float32 beyond (exact below 2**24), int32 once at the end.
    work = LabelMap(lines.shape)
    grown = work.image
    corners = wall_corners(lines)  # 1 px diagonal lines: growth goes round their corners
    top = 0  # the largest label so far (counted, not read off the image: growth never adds labels)
    for scale in scales:
        radius = max(1, round(scale * gap_radius))
        size = 2 * radius + 1
        ball = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        open_area = free & (grown == 0).view(np.uint8)
        seeds_mask = cv2.erode(open_area, ball, borderType=cv2.BORDER_CONSTANT, borderValue=1)
        n_new, seeds = cv2.connectedComponents(seeds_mask, connectivity=4, ltype=cv2.CV_32S)
        if n_new > 1:
            if top:
                np.add(seeds, top, out=seeds, where=seeds > 0)
            top += n_new - 1  # the components are 1..n_new-1, each on its pixels
            grown = work.holding(top)
            np.add(grown, seeds, out=grown, casting="unsafe")  # the seeds lie where grown is 0; each fits
            _grow(work, paper, radius + 2, corners)
    n_seeds = top
    # Paper the ball never reached: thin regions (kept) or corner crumbs (absorbed by neighbours).
    rest = (grown == 0) & paper
    if rest.any():
        n_rest, rest_lab, stats, _ = cv2.connectedComponentsWithStats(
            rest.view(np.uint8), connectivity=4, ltype=cv2.CV_32S
        )
        keep = stats[:, cv2.CC_STAT_AREA] >= max(6, 2 * (gap_radius + 1) ** 2)
        keep[0] = False
        if keep.any():
            lut = np.zeros(n_rest, np.int32)
            lut[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32) + n_seeds
            at = np.flatnonzero(rest)  # (K,) the unreached paper pixels (few): grown is 0 there
            top += int(keep.sum())
            grown = work.holding(top)
            work.put(at, lut[rest_lab.ravel()[at]])
        if (~keep[1:]).any():
            _grow(work, paper, 4 * gap_radius + 4)
            # Crumbs walled off from every region become regions of their own: no paper pixel is left
            # unlabelled (label 0 means line, and only line pixels are restored from the input).
            orphan = (grown == 0) & paper
            if orphan.any():
                n_orphans, orphan_lab = cv2.connectedComponents(
                    orphan.view(np.uint8), connectivity=4, ltype=cv2.CV_32S
                )
                at = np.flatnonzero(orphan)  # (K,) the orphan pixels, each labelled >= 1 by the components
                top += n_orphans - 1
                grown = work.holding(top)
                work.put(at, orphan_lab.ravel()[at] + (top - n_orphans + 1))
    # Already 1..N without gaps: each step hands out the labels after the largest so far, all of them on
    # pixels, and growth only fills 0 pixels (no label is ever overwritten), so no renumbering pass.
    if out is None:
        return grown.astype(np.int32), top
    np.copyto(out, grown, casting="unsafe")  # uint16, or float32 holding whole numbers: exact
    return out, top


class LabelMap:
    """A label map being grown: `padded` ((H+2, W+2), a 0 ring around the image, which never wins a 3×3
    maximum: labels are >= 0) and `image`, the (H, W) view inside the ring. uint16 while the labels fit
    (dilation is about twice as fast as on float32), float32 beyond (exact for labels < 2**24)."""

    def __init__(self, shape: tuple[int, int], top: int = 0) -> None:
        self.padded = np.zeros((shape[0] + 2, shape[1] + 2), np.uint16 if top < 65535 else np.float32)
        self.image = self.padded[1:-1, 1:-1]
        self._scratch: tuple[np.ndarray, np.ndarray] | None = None

    def holding(self, top: int) -> np.ndarray:
        """The image, widened to float32 first when label `top` does not fit uint16."""
        if top >= 65535 and self.padded.dtype == np.uint16:
            self.padded = self.padded.astype(np.float32)
            self.image = self.padded[1:-1, 1:-1]
        return self.image

    def scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """Two (H, W) work buffers, a map of the image's dtype and a bool mask, made once and reused by every
        growth step (a fresh frame-size array per step is fresh pages each time, off the main thread)."""
        held = self._scratch
        if held is None or held[0].dtype != self.image.dtype:
            held = self._scratch = (np.empty(self.image.shape, self.image.dtype), np.empty(self.image.shape, bool))
        return held

    def padded_index(self, at: np.ndarray) -> np.ndarray:
        """Flat indices into `padded` of the image pixels at flat image indices `at`."""
        w = self.image.shape[1]
        return at + 2 * (at // w) + (w + 3)

    def put(self, at: np.ndarray, values: np.ndarray) -> None:
        """Image pixels at flat image indices `at` take `values`."""
        self.padded.ravel()[self.padded_index(at)] = values


def grow_labels(
    labels: np.ndarray,
    allowed: np.ndarray,
    steps: int,
    top: int | None = None,
    corners: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Grow labels into unlabeled `allowed` pixels, one 3×3 step at a time (geodesic, never over lines).

    Each step gives every open pixel the largest label around it. Whole-image dilation while many pixels
    are open; once few are left, only their 3×3 neighbourhoods are read (the same maxima, far less work).
    A step that fills nothing ends the growth: every later step would be the same. `top`: the largest
    label, when the caller knows it (saves a pass over the image). `corners` (`wall_corners` of the
    pixels that are not allowed): no step passes diagonally between two of those that touch only at a
    corner; the few pixels beside such a corner are re-read without that step.
    """
    if top is None:
        top = int(labels.max()) if labels.size else 0
    work = LabelMap(labels.shape, top)
    work.image[...] = labels
    _grow(work, allowed, steps, corners)
    return work.image.astype(np.int32)


def _grow(
    work: LabelMap, allowed: np.ndarray, steps: int, corners: tuple[np.ndarray, np.ndarray] | None = None
) -> None:
    """`grow_labels` in place on `work`."""
    import cv2

    out = work.image
    open_ = allowed.astype(bool, copy=False) & (out == 0)  # (H, W) still to fill
    kernel = np.ones((3, 3), np.uint8)
    if corners is not None:
        at, ok = corners
        offsets = np.array([dy * work.padded.shape[1] + dx for dy, dx in _STEPS])
        around = work.padded_index(at) + offsets[:, None]  # (9, K) flat in padded; outside the image: not ok
    remaining = cv2.countNonZero(open_.view(np.uint8))
    for step in range(steps):
        if remaining == 0:
            break
        if remaining * _SPARSE_GROW_RATIO < out.size:
            _grow_sparse(work, open_, steps - step, corners)
            break
        grown, unfilled = work.scratch()
        cv2.dilate(out, kernel, dst=grown)  # a uint16 or float32 map
        if corners is not None:
            near = work.padded.ravel()[around]  # (9, K) the 3×3 neighbourhood of each pixel beside a corner
            near[~ok] = 0
            grown.ravel()[at] = near.max(axis=0)
        cv2.copyTo(grown, open_.view(np.uint8), out)  # into the view inside the ring
        open_ &= np.equal(out, 0, out=unfilled)
        left = cv2.countNonZero(open_.view(np.uint8))
        if left == remaining:
            break
        remaining = left


_SPARSE_GROW_RATIO = 32  # grow_labels reads only the open pixels' neighbourhoods below 1/32 of the image
_STEPS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]  # a 3×3 neighbourhood, row by row


def wall_corners(walls: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Where two `walls` pixels ((H, W) bool) touch only at a corner with two other pixels across it (a
    1 px diagonal line): (the flat index of those other pixels (K,), which of each one's 3×3 steps growth
    may take (9, K) bool: not across that corner, not out of the image; such a pixel takes no diagonal step
    between two walls at all), or None where there is none. The 2×2 windows are compared with OpenCV's
    byte operations and only the few pinches are listed (a 1080p frame: ~2 ms, numpy's comparisons and a
    scan of the whole image took 4× that)."""
    import cv2

    h, w = walls.shape
    if h < 2 or w < 2:
        return None
    u = walls.view(np.uint8)  # (H, W) 1 on walls
    a, b, c, d = u[:-1, :-1], u[:-1, 1:], u[1:, :-1], u[1:, 1:]  # (h-1, w-1) the 2×2 windows' corners
    across = cv2.bitwise_xor(a, b)  # 1 where the top pair differs
    bent = cv2.bitwise_or(cv2.bitwise_xor(a, d), cv2.bitwise_xor(b, c))  # 1 where a diagonal pair differs
    pinch = cv2.subtract(across, bent)  # 1 where one diagonal is walls and the other is not
    if not cv2.countNonZero(pinch):  # thick lines have none
        return None
    xy = cv2.findNonZero(pinch).reshape(-1, 2)  # (P, 2) x, y of each window's top-left pixel
    wy, wx = xy[:, 1].astype(np.int64), xy[:, 0].astype(np.int64)
    ys, xs = np.concatenate([wy, wy, wy + 1, wy + 1]), np.concatenate([wx, wx + 1, wx, wx + 1])
    at = np.unique((ys * w + xs)[~walls[ys, xs]])  # (K,) the pixels of those windows that are not walls
    ys, xs = np.divmod(at, w)
    ok = np.empty((len(_STEPS), at.size), bool)
    for k, (dy, dx) in enumerate(_STEPS):
        ny, nx = ys + dy, xs + dx
        ok[k] = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        if dy and dx:  # a diagonal step is barred when both pixels beside it are walls (clipped: out is not ok)
            ok[k] &= ~(walls[np.clip(ny, 0, h - 1), xs] & walls[ys, np.clip(nx, 0, w - 1)])
    return at, ok


def _grow_sparse(
    work: LabelMap, open_: np.ndarray, steps: int, corners: tuple[np.ndarray, np.ndarray] | None = None
) -> None:
    """`steps` growth steps of `grow_labels` (in place on `work`) over the few open pixels only.

    The 0 ring of `work.padded` never changes a maximum: labels are >= 0 and every window holds its own pixel
    (as cv2.dilate's border, which never wins either).
    """
    w2 = work.padded.shape[1]
    idx = work.padded_index(np.flatnonzero(open_))  # (K,) the open pixels (flatnonzero: far faster than pairs)
    offsets = np.array([dy * w2 + dx for dy, dx in _STEPS])
    if corners is not None:
        c_at, c_ok = corners
        c_idx = work.padded_index(c_at)  # (C,) the pixels beside a wall corner, padded
        c_around = c_idx + offsets[:, None]  # (9, C)
    flat = work.padded.ravel()
    for _ in range(steps):
        if not idx.size:
            break
        best = flat[idx + offsets[0]]
        for off in offsets[1:]:
            np.maximum(best, flat[idx + off], out=best)
        if corners is not None:  # idx is sorted: find the corner pixels still open in it
            pos = np.minimum(np.searchsorted(idx, c_idx), idx.size - 1)
            there = idx[pos] == c_idx
            near = flat[c_around[:, there]]  # (9, C') their neighbourhoods
            near[~c_ok[:, there]] = 0
            best[pos[there]] = near.max(axis=0)
        filled = best != 0
        if not filled.any():
            break
        flat[idx[filled]] = best[filled]  # all maxima were read before any write: one synchronous step
        idx = idx[~filled]


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
    xs, ys = np.arange(0, w, step, dtype=np.float64), np.arange(0, h, step, dtype=np.float64)
    return np.tile(xs, ys.size), np.repeat(ys, xs.size)


def region_stats(labels: np.ndarray, lines: np.ndarray, n: int | None = None) -> Regions:
    """Area, centroid, second moments and border contact of every region, via bincount (vectorised).

    Area is exact; centroids and second moments come from a 2× subsampled grid (they feed matching
    descriptors, where half a pixel does not matter).
    """
    h, w = labels.shape
    n = int(labels.max()) if n is None else n
    area = _label_areas(labels, n)
    # Centroids and moments from a 2x subsampled grid; regions it misses (a few px) use full resolution.
    sub = labels[::2, ::2].ravel().astype(np.int64)
    xs2, ys2 = _coords(h, w, 2)
    sub_n = np.bincount(sub, minlength=n + 1)
    sub_area = np.maximum(sub_n, 1.0)
    sx = np.bincount(sub, weights=xs2, minlength=n + 1) / sub_area
    sy = np.bincount(sub, weights=ys2, minlength=n + 1) / sub_area
    _full_res_centroids(sx, sy, np.flatnonzero(sub_n == 0), labels, area, (0, 0))
    dx, dy = xs2 - sx[sub], ys2 - sy[sub]
    sxx = np.bincount(sub, weights=dx * dx, minlength=n + 1) / sub_area
    syy = np.bincount(sub, weights=dy * dy, minlength=n + 1) / sub_area
    sxy = np.bincount(sub, weights=dx * dy, minlength=n + 1) / sub_area
    border = border_flags(labels, n)
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


def _full_res_centroids(
    sx: np.ndarray,
    sy: np.ndarray,
    missed: np.ndarray,
    labels: np.ndarray,
    area: np.ndarray,
    offset: tuple[int, int],
) -> None:
    """Centroids (in place) of the regions a 2× subsampled grid missed (a few px), at full resolution.

    labels: an (h, w) map whose pixel (0, 0) sits at `offset` (x, y) in the frame; read a band of rows at a
    time (the pixel sums are integers: exact in any order).
    """
    if not missed.size:
        return
    n1 = sx.size
    is_missed = np.zeros(n1, bool)
    is_missed[missed] = True
    sum_x, sum_y = np.zeros(n1), np.zeros(n1)
    w = labels.shape[1]
    rows = max(1, _BAND // max(w, 1))
    for r in range(0, labels.shape[0], rows):
        band = labels[r : r + rows]
        where = np.flatnonzero(is_missed[band])  # (K,) pixels of the missed regions only
        if where.size:
            lab = band.ravel()[where]
            ys, xs = np.divmod(where, w)
            sum_x += np.bincount(lab, weights=xs.astype(np.float64), minlength=n1)
            sum_y += np.bincount(lab, weights=(ys + r).astype(np.float64), minlength=n1)
    safe = np.maximum(area, 1.0)
    sx[missed] = (sum_x / safe)[missed] + offset[0]
    sy[missed] = (sum_y / safe)[missed] + offset[1]


def _label_areas(labels: np.ndarray, n: int) -> np.ndarray:
    """(n+1,) float64 pixel count of each label of an (h, w) map with labels 0..n, a band of rows at a time
    (bincount wants int64: a band's copy stays in the cache, a 1080p frame's would be 16 MB of fresh pages)."""
    area = np.zeros(n + 1, np.int64)
    rows = max(1, _BAND // max(labels.shape[1], 1))
    for r in range(0, labels.shape[0], rows):
        area += np.bincount(labels[r : r + rows].ravel().astype(np.int64), minlength=n + 1)
    return area.astype(np.float64)


_BAND = 1 << 16  # pixels per band of rows that `_label_areas` and `_full_res_centroids` read at once


def _rect_sums(x0: int, x1: int, y0: int, y1: int) -> np.ndarray:
    """(n, Σx, Σy, Σx², Σy², Σxy) over the pixel grid of the rectangle [x0, x1) × [y0, y1)."""
    xs = np.arange(x0, x1, dtype=np.float64)
    ys = np.arange(y0, y1, dtype=np.float64)
    nx, ny = float(xs.size), float(ys.size)
    return np.array(
        [nx * ny, ny * xs.sum(), nx * ys.sum(), ny * (xs * xs).sum(), nx * (ys * ys).sum(), xs.sum() * ys.sum()]
    )


def cropped_stats(frame: np.ndarray, n: int, lines: np.ndarray, box: tuple[int, int, int, int]) -> Regions:
    """Regions of the whole frame from labels of its ink box: outside the box is the box ring's region.

    `frame`: (H, W) int32 whose box (y0, y1, x0, x1) holds the labels; the rest of it is labelled here (in
    place). Stats are computed on the box only (moments from a 2× subsampled grid, exact area) and the
    outside rectangle frame is added to the ring region in closed form.
    """
    h, w = lines.shape
    y0, y1, x0, x1 = box
    crop = frame[y0:y1, x0:x1]
    ch, cw = crop.shape
    outside = h * w - ch * cw
    ring = 0
    if outside and np.unique(_outer_edges(crop, box, (h, w))).size > 1:
        # No line lies outside the box, so each outside pixel is paper joined straight to the box's edge
        # pixel nearest to it. Around a figure on paper the edges are all one region (the ring); a scene
        # whose ink spans the frame's width (sky above the roofs, road below the kerb) has one region per
        # side, and the whole frame is labelled (each outside pixel takes its nearest edge pixel's region).
        full = np.pad(crop, ((y0, h - y1), (x0, w - x1)), mode="edge")
        regions = region_stats(full, lines, n)
        yb0, yb1, xb0, xb1 = ink_box(lines, 0) or (0, h, 0, w)
        regions.figure_bbox = (float(xb0), float(yb0), float(xb1), float(yb1))
        return regions
    if outside:
        ring = int(crop[0, 0] if (y0 > 0 or x0 > 0) else crop[-1, -1])
        frame[:y0], frame[y1:] = ring, ring
        frame[y0:y1, :x0], frame[y0:y1, x1:] = ring, ring
    labels = frame
    area = _label_areas(crop, n)
    sub = crop[::2, ::2].ravel().astype(np.int64)
    xs2, ys2 = _coords(ch, cw, 2)
    xs2, ys2 = xs2 + x0, ys2 + y0
    # Raw sums per region, each subsampled pixel standing for 4: (6, N+1)
    sums = np.stack(
        [
            np.bincount(sub, minlength=n + 1).astype(np.float64),
            np.bincount(sub, weights=xs2, minlength=n + 1),
            np.bincount(sub, weights=ys2, minlength=n + 1),
            np.bincount(sub, weights=xs2 * xs2, minlength=n + 1),
            np.bincount(sub, weights=ys2 * ys2, minlength=n + 1),
            np.bincount(sub, weights=xs2 * ys2, minlength=n + 1),
        ]
    )
    sums *= 4.0
    missed = np.flatnonzero(sums[0] == 0)
    if outside and ring:
        area[ring] += outside
        sums[:, ring] += _rect_sums(0, w, 0, h) - _rect_sums(x0, x1, y0, y1)
    weight = np.maximum(sums[0], 1.0)
    sx, sy = sums[1] / weight, sums[2] / weight
    sxx = np.maximum(sums[3] / weight - sx * sx, 0.0)
    syy = np.maximum(sums[4] / weight - sy * sy, 0.0)
    sxy = sums[5] / weight - sx * sy
    _full_res_centroids(sx, sy, missed, crop, area, (x0, y0))
    border = border_flags(labels, n)
    yb0, yb1, xb0, xb1 = ink_box(lines, 0) or (0, h, 0, w)
    return Regions(
        labels=labels,
        line_mask=lines,
        count=n,
        area=area,
        centroid=np.stack([sx, sy], axis=1),
        spread=np.stack([sxx, syy, sxy], axis=1),
        border=border,
        figure_bbox=(float(xb0), float(yb0), float(xb1), float(yb1)),
        box=box if outside else None,
        outside=ring,
    )


def _outer_edges(crop: np.ndarray, box: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    """The labels along the sides of the box that have frame outside them (1-D, concatenated)."""
    y0, y1, x0, x1 = box
    h, w = shape
    sides = [crop[0], crop[-1], crop[:, 0], crop[:, -1]]
    have = [y0 > 0, y1 < h, x0 > 0, x1 < w]
    return np.concatenate([s for s, ok in zip(sides, have, strict=True) if ok] or [np.zeros(0, crop.dtype)])


def border_flags(labels: np.ndarray, n: int) -> np.ndarray:
    """(n+1,) bool: which regions touch the frame border (index 0, the lines, never does)."""
    border = np.zeros(n + 1, bool)
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        border[edge] = True
    border[0] = False
    return border


def ink_bbox(mask: np.ndarray, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """Bounding box of the True pixels, or the whole image when there are none."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0.0, 0.0, float(shape[1]), float(shape[0])
    return float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1)


def adjacency(
    labels: np.ndarray, reach: int | None = None, box: tuple[int, int, int, int] | None = None
) -> np.ndarray:
    """Pairs (a, b), a < b, of regions that face each other across a line at most `reach` px thick.

    Returns (P, 2) int64. Computed on a 2× subsampled map (only inside `box` (y0, y1, x0, x1) when given:
    outside it there are no lines); regions never neighbour themselves. Without `reach` the drawing's own
    line width decides (lines are 3 px at 540p and 7 px at 1080p: a fixed reach loses most neighbours).
    """
    sub, steps = _facing(labels, reach, box)
    m = int(labels.max()) + 1 if labels.size else 1  # pair code base (one pass over the map, not one a step)
    pairs = []
    for dy, dx in steps:
        a = sub[: sub.shape[0] - dy, max(0, -dx) : sub.shape[1] - max(0, dx)]
        b = sub[dy:, max(0, dx) : sub.shape[1] - max(0, -dx) or None]
        b = b[:, : a.shape[1]]
        keep = (a != b) & (a > 0) & (b > 0)
        if keep.any():
            lo = np.minimum(a[keep], b[keep]).astype(np.int64)
            hi = np.maximum(a[keep], b[keep]).astype(np.int64)
            pairs.append(lo * m + hi)
    if not pairs:
        return np.zeros((0, 2), np.int64)
    codes = np.unique(np.concatenate(pairs))
    return np.stack([codes // m, codes % m], axis=1)


def neighbours_of(
    labels: np.ndarray,
    ids: np.ndarray,
    count: int,
    reach: int | None = None,
    box: tuple[int, int, int, int] | None = None,
    boxes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(row into `ids`, neighbour region id) pairs, each once: the regions facing each region of `ids`
    (of `count`) across a line, exactly as `adjacency` pairs them, but looked at only around the pixels of
    `ids`, so the cost grows with their area, not the frame's. With `boxes` ((len(ids), 4) int (y0, y1, x0,
    x1), full resolution: each region's bounding box; `ids` distinct) their pixels are found inside their
    boxes, not by scanning the frame: the same pairs, for a few small regions at a fraction of the cost."""
    sub, steps = _facing(labels, reach, box)
    h, w = sub.shape
    if boxes is None:
        lut = np.full(count + 1, -1, np.int64)
        lut[ids] = np.arange(ids.size)
        row_map = lut[sub]  # (h, w) row of the region at each sub pixel, -1 elsewhere
        ys, xs = np.nonzero(row_map >= 0)
        rows = row_map[ys, xs]
    else:
        oy, ox = (box[0], box[2]) if box is not None else (0, 0)  # sub pixel (i, j) is labels[oy + 2i, ox + 2j]
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for n, (r, (y0, y1, x0, x1)) in enumerate(zip(ids.tolist(), np.asarray(boxes).tolist(), strict=True)):
            i0, i1 = max(0, -(-(y0 - oy) // 2)), min(h, -(-(y1 - oy) // 2))
            j0, j1 = max(0, -(-(x0 - ox) // 2)), min(w, -(-(x1 - ox) // 2))
            yy, xx = np.nonzero(sub[i0:i1, j0:j1] == r) if i1 > i0 and j1 > j0 else (np.zeros(0, np.int64),) * 2
            found.append((yy + i0, xx + j0, np.full(yy.size, n, np.int64)))
        empty = np.zeros(0, np.int64)
        ys, xs, rows = (np.concatenate(a) for a in zip(*found, strict=True)) if found else (empty, empty, empty)
    own = sub[ys, xs]
    codes = []
    for dy, dx in steps:
        for sy, sx in ((dy, dx), (-dy, -dx)):
            ny, nx = ys + sy, xs + sx
            ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
            other = sub[ny[ok], nx[ok]].astype(np.int64)
            keep = (other > 0) & (other != own[ok])
            codes.append(rows[ok][keep] * (count + 1) + other[keep])
    code = np.unique(np.concatenate(codes)) if codes else np.zeros(0, np.int64)
    return code // (count + 1), code % (count + 1)


def facing_reach(labels: np.ndarray, box: tuple[int, int, int, int] | None = None) -> int:
    """The reach `adjacency` and `neighbours_of` use when none is given (cache it for repeated calls)."""
    return line_reach(_in_box(labels, box)[::2, ::2])


def _in_box(labels: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    return labels if box is None else labels[box[0] : box[1], box[2] : box[3]]


def _facing(
    labels: np.ndarray, reach: int | None, box: tuple[int, int, int, int] | None
) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
    """The 2× subsampled map both neighbour functions read, and the (dy, dx) steps across a line there."""
    sub = _in_box(labels, box)[::2, ::2]
    if reach is None:
        reach = line_reach(sub)
    k = max(1, (reach + 1) // 2)
    return sub, ((0, k), (k, 0), (k, k), (k, -k), (0, 1), (1, 0))


def line_reach(sub: np.ndarray, reach_min: int = DEFAULT_LINEART.line_reach_min) -> int:
    """Full-resolution reach (px) that crosses a typical line of a 2× subsampled label map (0 = line).

    The 90th percentile of the distance to paper over line pixels is half a thick line (in sub pixels);
    twice that, doubled back to full resolution, plus a margin for anti-aliasing.
    """
    import cv2

    lines = (sub == 0).astype(np.uint8)
    if not lines.any():
        return reach_min
    dist = cv2.distanceTransform(lines, cv2.DIST_L2, 3)
    half = float(np.percentile(dist[lines > 0], 90))
    return max(reach_min, int(np.ceil(4 * half)) + 2)
