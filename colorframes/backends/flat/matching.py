"""Region correspondence: overlap voting (nearby frames) and global descriptor assignment (sheets).

Why two matchers: between frames of one shot (keyframe → frame, frame → next frame) regions overlap once
the global motion is removed, and overlap is the most reliable cue; a character sheet is a different
pose and scale, so there we match by shape, position within the figure, size and adjacency with one
global assignment (Hungarian) refined by neighbour consistency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .assign import linear_assignment
from .regions import Regions

# Descriptor cost weights (position is in figure heights, size in log-area, shape in figure heights).
W_POS, W_SIZE, W_SHAPE, W_ADJ = 4.0, 0.6, 3.0, 1.2
W_FORM = 1.0  # scale-free form (compactness, elongation); tells round from band-shaped regions
SECOND_USE_PENALTY = 0.35  # cost of reusing a sheet region for a second frame region (split regions)


@dataclass
class Match:
    """Per target region (index = region id): chosen colour index and confidence in [0, 1]."""

    color: np.ndarray  # (N+1,) int64 palette index, -1 = no match
    confidence: np.ndarray  # (N+1,) float64


def line_thumbnail(lines: np.ndarray, scale: int = 4) -> np.ndarray:
    """(H/scale, W/scale) float32 blurred line density: what phase correlation compares."""
    import cv2

    h, w = lines.shape
    size = (max(8, w // scale), max(8, h // scale))
    ink = lines.view(np.uint8) * np.uint8(255)  # (H, W) uint8: resizing 0/1 would round the density away
    small = cv2.resize(ink, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return cv2.GaussianBlur(small, (0, 0), 2)


def estimate_shift(
    src_lines: np.ndarray,
    dst_lines: np.ndarray,
    scale: int = 4,
    src_thumb: np.ndarray | None = None,
    dst_thumb: np.ndarray | None = None,
) -> tuple[int, int]:
    """Global translation (dx, dy) that moves the source drawing onto the target (phase correlation).

    Thumbnails from `line_thumbnail` may be passed in (cached per drawing)."""
    import cv2

    h, w = dst_lines.shape
    if src_lines.shape != dst_lines.shape or h < 2 or w < 2:
        return 0, 0
    a = line_thumbnail(src_lines, scale) if src_thumb is None else src_thumb
    b = line_thumbnail(dst_lines, scale) if dst_thumb is None else dst_thumb
    if not a.any() or not b.any():
        return 0, 0
    (dx, dy), response = cv2.phaseCorrelate(a, b)
    if not np.isfinite(dx) or response < 0.02:
        return 0, 0
    return int(round(dx * w / a.shape[1])), int(round(dy * h / a.shape[0]))


def overlap_counts(
    src: np.ndarray,
    n_src: int,
    dst: np.ndarray,
    n_dst: int,
    shift: tuple[int, int],
    step: int = 2,
    src_box: tuple[int, int, int, int] | None = None,
    src_outside: int = 0,
    dst_box: tuple[int, int, int, int] | None = None,
    dst_outside: int = 0,
) -> np.ndarray:
    """(n_src+1, n_dst+1) pixel overlaps of src regions moved by `shift` with dst regions (subsampled).

    With boxes (y0, y1, x0, x1) outside which each map is one region, only their union is looked at
    and the rest is added to the (src_outside, dst_outside) pair.
    """  # fmt: skip
    dx, dy = shift
    h, w = dst.shape
    # dst pixel (y, x) sees src pixel (y - dy, x - dx).
    y0, y1 = max(0, dy), min(h, h + dy)
    x0, x1 = max(0, dx), min(w, w + dx)
    counts = np.zeros((n_src + 1, n_dst + 1), np.float64)
    if y1 <= y0 or x1 <= x0 or src.shape != dst.shape:
        return counts
    full = (y1 - y0) * (x1 - x0)
    if src_box is not None and dst_box is not None:
        # Union of the dst box and the shifted src box, clipped to the valid window, on the step grid.
        uy0 = max(y0, min(dst_box[0], src_box[0] + dy))
        uy1 = min(y1, max(dst_box[1], src_box[1] + dy))
        ux0 = max(x0, min(dst_box[2], src_box[2] + dx))
        ux1 = min(x1, max(dst_box[3], src_box[3] + dx))
        uy0 += (uy0 - y0) % step and step - (uy0 - y0) % step  # stay on the full window's grid
        ux0 += (ux0 - x0) % step and step - (ux0 - x0) % step
        if uy1 > uy0 and ux1 > ux0:
            y0, y1, x0, x1 = uy0, uy1, ux0, ux1
    d = dst[y0:y1:step, x0:x1:step].astype(np.int64)
    s = src[y0 - dy : y1 - dy : step, x0 - dx : x1 - dx : step].astype(np.int64)
    code = s * (n_dst + 1) + d
    counts.ravel()[:] = np.bincount(code.ravel(), minlength=(n_src + 1) * (n_dst + 1))
    counts *= step * step
    rest = full - counts.sum()
    if rest > 0 and src_box is not None and dst_box is not None:
        counts[src_outside, dst_outside] += rest
    return counts


def vote_colors(
    counts: np.ndarray, src_color: np.ndarray, src_conf: np.ndarray, dst_area: np.ndarray, n_colors: int
) -> Match:
    """Each target region takes the colour that covers most of it; confidence = covered fraction × source
    confidence. Voting by colour (not region) is robust to regions splitting or merging."""
    valid = src_color >= 0
    valid[0] = False
    onehot = np.zeros((counts.shape[0], max(n_colors, 1)), np.float64)  # (n_src+1, n_colors)
    idx = np.flatnonzero(valid)
    onehot[idx, src_color[idx]] = 1.0
    weighted = counts * (0.25 + 0.75 * src_conf[:, None])  # trust confident sources more
    by_color = onehot.T @ weighted  # (n_colors, n_dst+1)
    raw = onehot.T @ counts
    best = np.argmax(by_color, axis=0)
    cover = raw[best, np.arange(raw.shape[1])] / np.maximum(dst_area, 1.0)
    total = raw.sum(axis=0) / np.maximum(dst_area, 1.0)
    conf_src = by_color[best, np.arange(raw.shape[1])] / np.maximum(raw[best, np.arange(raw.shape[1])], 1e-9)
    conf = np.clip(cover, 0, 1) * np.clip((conf_src - 0.25) / 0.75, 0, 1)
    color = np.where(total > 0, best, -1).astype(np.int64)
    conf = np.where(total > 0, conf, 0.0)
    color[0], conf[0] = -1, 0.0
    return Match(color=color, confidence=conf)


def descriptors(regions: Regions) -> np.ndarray:
    """(N+1, 9) features normalised by the figure: x, y (figure heights from the bbox top-centre),
    log area, two spread axes and orientation-sensitive cross term; then scale-free form: log compactness
    and the elongation vector (e cos 2θ, e sin 2θ), which tell a round hand from a band-shaped belt."""
    x0, y0, x1, y1 = regions.figure_bbox
    fh = max(y1 - y0, 1.0)
    cx = (x0 + x1) / 2
    pos = np.stack([(regions.centroid[:, 0] - cx) / fh, (regions.centroid[:, 1] - y0) / fh], axis=1)
    area = np.maximum(regions.area, 1.0)
    size = np.log(area / (fh * fh))[:, None]
    sxx, syy, sxy = np.maximum(regions.spread[:, 0], 0), np.maximum(regions.spread[:, 1], 0), regions.spread[:, 2]
    shape = np.stack([np.sqrt(sxx) / fh, np.sqrt(syy) / fh, np.sign(sxy) * np.sqrt(np.abs(sxy)) / fh], axis=1)
    # Normalised central moments: (sxx + syy) / area is 1/(2π) for a disc and grows for irregular forms.
    trace = np.maximum(sxx + syy, 1e-9)
    compact = np.log(np.maximum(trace / area * 2 * np.pi, 1e-3))
    ex, ey = (sxx - syy) / trace, 2 * sxy / trace  # elongation vector, |e| < 1
    return np.concatenate([pos, size, shape, np.stack([compact, ex, ey], axis=1)], axis=1)


def descriptor_cost(dst: np.ndarray, src: np.ndarray, w_form: float = W_FORM) -> np.ndarray:
    """(n_dst, n_src) matching cost from descriptors of the two region sets."""
    pos = np.linalg.norm(dst[:, None, :2] - src[None, :, :2], axis=2)
    size = np.abs(dst[:, None, 2] - src[None, :, 2])
    shape = np.abs(dst[:, None, 3:6] - src[None, :, 3:6]).sum(axis=2)
    form = np.abs(dst[:, None, 6] - src[None, :, 6]) + np.linalg.norm(dst[:, None, 7:9] - src[None, :, 7:9], axis=2)
    return W_POS * pos + W_SIZE * size + W_SHAPE * shape + w_form * form


def adjacency_matrix(pairs: np.ndarray, n: int) -> np.ndarray:
    """(n+1, n+1) float adjacency (symmetric, zero diagonal) from (P, 2) pairs."""
    adj = np.zeros((n + 1, n + 1), np.float64)
    if len(pairs):
        adj[pairs[:, 0], pairs[:, 1]] = 1.0
        adj[pairs[:, 1], pairs[:, 0]] = 1.0
    return adj


def match_global(
    dst: Regions,
    dst_ids: np.ndarray,
    dst_adj: np.ndarray,
    src: Regions,
    src_ids: np.ndarray,
    src_adj: np.ndarray,
    iterations: int = 3,
    extra: np.ndarray | None = None,
    return_cost: bool = False,
    w_form: float = W_FORM,
) -> tuple[np.ndarray, np.ndarray]:
    """Assign each dst region in `dst_ids` to a src region in `src_ids` (global, adjacency-refined).

    Returns (src id per dst_ids entry, confidence in [0, 1]). Each src region can serve two dst regions
    (a region split by an occluder); the second use costs SECOND_USE_PENALTY. `w_form` weighs the
    scale-free form term (tracking between frames of one shot trusts form more than sheet matching does).
    """
    if dst_ids.size == 0 or src_ids.size == 0:
        return np.zeros(dst_ids.size, np.int64), np.zeros(dst_ids.size)
    base = descriptor_cost(descriptors(dst)[dst_ids], descriptors(src)[src_ids], w_form)  # (nd, ns)
    if extra is not None:
        base = base + extra
    nd, ns = base.shape
    a_d = dst_adj[np.ix_(dst_ids, dst_ids)]  # (nd, nd)
    a_s = src_adj[np.ix_(src_ids, src_ids)] + np.eye(ns)  # (ns, ns) neighbour-or-self
    deg = np.maximum(a_d.sum(axis=1, keepdims=True), 1.0)
    cost = base
    choice = np.zeros(nd, np.int64)
    for _ in range(iterations):
        doubled = np.concatenate([cost, cost + SECOND_USE_PENALTY], axis=1)  # (nd, 2 ns)
        cols = linear_assignment(doubled)
        choice = np.where(cols >= 0, cols % ns, np.argmin(cost, axis=1))
        onehot = np.zeros((nd, ns))
        onehot[np.arange(nd), choice] = 1.0
        support = (a_d @ onehot @ a_s) / deg  # (nd, ns) fraction of neighbours consistent with each choice
        cost = base + W_ADJ * (1.0 - support)
    picked = cost[np.arange(nd), choice]
    if return_cost:
        return src_ids[choice], picked
    second = np.partition(cost, 1, axis=1)[:, 1] if ns > 1 else picked + 1.0
    margin = np.clip(second - picked, 0, None)
    conf = np.exp(-picked) * (1.0 - np.exp(-4.0 * margin))
    return src_ids[choice], np.clip(conf, 0.0, 1.0)


def new_outline_fraction(src: Regions, dst: Regions, shift: tuple[int, int], reach: int = 3) -> np.ndarray:
    """(N+1,) fraction of each dst region's rim (pixels within 2 px of its outline) next to lines that
    have no src line within `reach` px after the global shift: ~1 for a part that just came into view
    (its outline is new), ~0 for a hole that closed between existing lines."""
    import cv2

    h, w = dst.shape
    y0, y1, x0, x1 = dst.box or (0, h, 0, w)
    dx, dy = shift
    lines = dst.line_mask[y0:y1, x0:x1].view(np.uint8)  # (h', w') 0/1
    moved = np.zeros_like(lines)  # src lines where this crop sees them: dst (y, x) ← src (y - dy, x - dx)
    sy0, sy1 = max(y0 - dy, 0), min(y1 - dy, h)
    sx0, sx1 = max(x0 - dx, 0), min(x1 - dx, w)
    if sy1 > sy0 and sx1 > sx0 and src.shape == dst.shape:
        moved[sy0 + dy - y0 : sy1 + dy - y0, sx0 + dx - x0 : sx1 + dx - x0] = src.line_mask[sy0:sy1, sx0:sx1]
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    fresh = lines & (1 - cv2.dilate(moved, disc))  # dst lines with no src line nearby
    ring = np.ones((5, 5), np.uint8)
    rim = cv2.dilate(lines, ring).astype(bool) & ~lines.astype(bool)
    fresh_rim = rim & cv2.dilate(fresh, ring).astype(bool)
    labels = dst.labels[y0:y1, x0:x1]
    n = dst.count + 1
    total = np.bincount(labels[rim].astype(np.int64), minlength=n).astype(np.float64)
    new = np.bincount(labels[fresh_rim].astype(np.int64), minlength=n).astype(np.float64)
    return new / np.maximum(total, 1.0)
