"""Dense correspondence between two drawings of a shot: optical flow on the line art's distance transform.

Why the distance transform: line art is mostly flat paper, where optical flow has nothing to follow; the
distance to the nearest line turns every paper pixel into a slope that moves with the lines around it, so
DIS optical flow (OpenCV) finds where each pixel of the current drawing was in the previous one. A global
shift (phase correlation) seeds the flow so camera pans larger than the flow's pyramid still land.

Outputs are sparse: (region, source region, count) votes from a 2x subsampled grid, a mean displacement per
region, and the share of each region's outline that is new (no line of the previous drawing nearby after
warping), which marks parts coming into view. A region that the global shift alone lays on a previous
region's outline (a copy: overlap at least `copy_iou`) takes its votes from the shift, not the flow: it
stood still relative to the camera, and the smooth flow drags the background next to a fast part along
(on bricks or a railing, onto a neighbour of the same form).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ...foundation.flow import dis_flow
from ...foundation.lineart import Regions
from .matching import norm2
from .params import FlatParams


@dataclass
class Correspondence:
    """Where the current drawing's regions came from in the previous drawing."""

    pairs: np.ndarray  # (P, 2) int64 (region, source region), both > 0
    counts: np.ndarray  # (P,) float64 samples of the region that land in the source region
    samples: np.ndarray  # (N+1,) float64 samples of each region that land in some source region, voting or not
    # The same after the global shift only: parts that stand still while a neighbour moves over them
    # (a belt under a swinging hand) are dragged by the smooth flow but not by the shift.
    still_pairs: np.ndarray  # (Q, 2) int64
    still_counts: np.ndarray  # (Q,) float64
    still_samples: np.ndarray  # (N+1,) float64
    displacement: np.ndarray  # (N+1, 2) float64 mean (dx, dy) in px from the region to where it was (the shift
    # for regions that stood still)
    new_outline: np.ndarray  # (N+1,) share of each region's outline with no previous line nearby
    still: np.ndarray  # (N+1,) bool: regions that the global shift alone lays on a previous region (a copy)
    shift: tuple[float, float] = (0.0, 0.0)  # (dx, dy) px: the global shift from the previous drawing to this one


def _scale(shape: tuple[int, int], params: FlatParams) -> float:
    return min(1.0, params.flow_max_side / max(shape))


def flow_field(regions: Regions, params: FlatParams) -> tuple[np.ndarray, np.ndarray]:
    """(distance-to-line image uint8, distance float32) at flow scale, once per frame."""
    return regions.memo("flow_field", lambda: _distance_field(regions, params))


def _distance_field(regions: Regions, params: FlatParams) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    h, w = regions.shape
    s = _scale((h, w), params)
    size = (max(8, round(w * s)), max(8, round(h * s)))
    ink = cv2.resize(regions.line_mask.view(np.uint8) * np.uint8(255), size, interpolation=cv2.INTER_AREA)
    paper = (ink < 40).view(np.uint8)  # (h', w') 1 where no line
    dist = cv2.distanceTransform(paper, cv2.DIST_L2, 3)  # (h', w') float32
    image = np.clip(dist * (255.0 / params.flow_dt_clip), 0, 255).astype(np.uint8)
    return image, dist


def _blurred_lines(regions: Regions, params: FlatParams) -> np.ndarray:
    """The drawing's lines at flow scale, blurred (float32), as phase correlation reads them; once per frame."""
    import cv2

    image, _ = flow_field(regions, params)
    return regions.memo("flow_blur", lambda: cv2.GaussianBlur((image == 0).astype(np.float32), (0, 0), 2))


def _global_shift(fa: np.ndarray, fb: np.ndarray) -> tuple[float, float]:
    """(dx, dy) at flow scale that moves drawing a onto drawing b (phase correlation on their blurred lines)."""
    import cv2

    if not fa.any() or not fb.any():
        return 0.0, 0.0
    (dx, dy), response = cv2.phaseCorrelate(fa, fb)
    if not np.isfinite(dx) or response < 0.05:
        return 0.0, 0.0
    return float(dx), float(dy)


@functools.lru_cache(maxsize=4)
def _grid(y0: int, y1: int, x0: int, x1: int, step: int, h: int, w: int, hs: int, ws: int) -> tuple[np.ndarray, ...]:
    """The samples of the box [y0, y1) × [x0, x1), every `step`-th pixel of an (h, w) frame whose flow field
    is (hs, ws): (S,) int64 row and column of each in the frame (row by row), then its row, column and flat
    index in the flow field (read-only)."""
    ys, xs = np.mgrid[y0:y1:step, x0:x1:step]
    ys, xs = ys.ravel(), xs.ravel()
    fy = np.minimum((ys * (hs / h)).astype(np.int64), hs - 1)
    fx = np.minimum((xs * (ws / w)).astype(np.int64), ws - 1)
    out = (ys, xs, fy, fx, fy * ws + fx)
    for arr in out:
        arr.setflags(write=False)
    return out


def _at_grid(regions: Regions, grid: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(S,) int64 region of each sample of `grid` (`_grid`'s arguments) and (N+1,) float64 samples per region
    (0 excluded), kept with the regions for the last grid asked (the chain asks for a frame's twice: as the
    drawing, then as the previous one)."""
    held = regions.derived.get("flow_grid")
    if held is None or held[0] != grid:
        y0, y1, x0, x1, step = grid[:5]
        lab = regions.labels[y0:y1:step, x0:x1:step].astype(np.int64).ravel()  # the grid, row by row
        per = np.bincount(lab[lab > 0], minlength=regions.count + 1).astype(np.float64)
        held = regions.derived["flow_grid"] = (grid, lab, per)
    return held[1], held[2]


def correspond(
    prev: Regions,
    cur: Regions,
    params: FlatParams,
    outline: bool = True,
    preset: str = "MEDIUM",
    camera: tuple[float, float, float] | None = None,
) -> Correspondence:
    """Flow from `cur` back to `prev` (same frame size) and the region votes it gives.

    `outline=False` skips the new-outline shares (all zero then) for callers that only need the votes;
    `preset` names the OpenCV DIS preset (ULTRAFAST, FAST, MEDIUM). `camera` (a, tx, ty: a `prev` position
    ≈ a * `cur` position + (tx, ty), px), when known, starts the flow instead of the global shift: a flow
    across a strong zoom (many frames of a dolly) does not find it from a shift.

    What depends on one drawing alone (its labels at the samples, its blurred lines, its outline rim) is kept
    with its regions, and samples are read by flat index or as a grid: the same numbers at less cost."""

    a, dist_a = flow_field(prev, params)
    b, _ = flow_field(cur, params)
    hs, ws = b.shape
    dx, dy = _global_shift(_blurred_lines(prev, params), _blurred_lines(cur, params))
    h, w = cur.shape
    s = ws / w, hs / h
    init = np.empty((hs, ws, 2), np.float32)  # cur pixel + flow = where it was in prev
    init[..., 0], init[..., 1] = -dx, -dy
    back_init = -init  # prev pixel + back = where it went in cur
    if camera is not None:
        za, zx, zy = camera
        gy, gx = np.mgrid[0:hs, 0:ws].astype(np.float32)  # (h', w') flow-scale px
        init[..., 0], init[..., 1] = (za - 1.0) * gx + zx * s[0], (za - 1.0) * gy + zy * s[1]
        back_init = np.stack([(gx - zx * s[0]) / za - gx, (gy - zy * s[1]) / za - gy], axis=-1)
    flow = dis_flow(b, a, preset, init=init)  # (h', w', 2) float32
    back = dis_flow(a, b, preset, init=back_init)  # (h', w', 2) float32
    # Samples: every other pixel of the current drawing (inside its ink box, where the regions differ).
    y0, y1, x0, x1 = (int(v) for v in (cur.box or (0, h, 0, w)))
    if prev.box is not None:  # the previous drawing's regions may differ outside cur's box too
        y0, y1 = min(y0, int(prev.box[0])), max(y1, int(prev.box[1]))
        x0, x1 = min(x0, int(prev.box[2])), max(x1, int(prev.box[3]))
    step = params.vote_step * max(1, round(max(h, w) / 1000))  # ~the same sample count at any size
    grid = (y0, y1, x0, x1, step, h, w, hs, ws)
    ys, xs, fy, fx, fat = _grid(*grid)
    f = flow.reshape(-1, 2).take(fat, axis=0)  # (S, 2) in flow-scale px
    px = np.rint(xs + f[:, 0] / s[0]).astype(np.int64)
    py = np.rint(ys + f[:, 1] / s[1]).astype(np.int64)
    inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
    lab, own_samples = _at_grid(cur, grid)
    _, prev_samples = _at_grid(prev, grid)
    prev_flat = prev.labels.ravel()
    src = np.zeros(lab.size, np.int64)
    src[inside] = prev_flat.take(py[inside] * w + px[inside])
    n1 = cur.count + 1
    # Forward-backward check: where the two flows disagree (occlusion: a hand moving over a belt drags
    # the smooth flow), the sample does not vote, but still counts in its region's total.
    qx = np.clip(np.rint(fx + f[:, 0]).astype(np.int64), 0, ws - 1)
    qy = np.clip(np.rint(fy + f[:, 1]).astype(np.int64), 0, hs - 1)
    e = f + back.reshape(-1, 2).take(qy * ws + qx, axis=0)  # (S, 2)
    err = norm2(e[:, 0], e[:, 1])  # (S,) flow-scale px
    samples = np.bincount(lab[src > 0], minlength=n1).astype(np.float64)
    src[err > params.flow_consistency * (1.0 + 0.1 * norm2(f[:, 0], f[:, 1]))] = 0
    own = lab > 0
    lab_own, f_own = lab[own], f[own]
    disp = (
        np.stack([np.bincount(lab_own, weights=f_own[:, i] / s[i], minlength=n1) for i in (0, 1)], axis=1)
        / np.maximum(own_samples, 1.0)[:, None]
    )
    still = _shifted_labels(prev.labels, y0, y1, x0, x1, step, dx / s[0], dy / s[1])
    still_pairs, still_counts, still_samples = _pairs(lab, still, prev.count, n1)
    # A region that the global shift lays on a previous region's outline (a copy: they overlap at least
    # `copy_iou`) stood still relative to the camera: it is that region, whatever the flow says. The smooth
    # flow drags the background next to a fast part along with it, and on a repeating pattern (bricks,
    # a railing) the dragged flow lands on a neighbour of the same form.
    stays = _still_copies(own_samples, prev_samples, still_pairs, still_counts, params.copy_iou)
    if stays.any():
        src[stays[lab]] = still[stays[lab]]
        samples[stays] = still_samples[stays]
        disp[stays] = -dx / s[0], -dy / s[1]
    pairs, counts, _ = _pairs(lab, src, prev.count, n1)
    new_outline = _new_outline(cur, dist_a, flow, params) if outline else np.zeros(n1)
    return Correspondence(
        pairs=pairs, counts=counts, samples=samples, still_pairs=still_pairs, still_counts=still_counts,
        still_samples=still_samples, displacement=disp, new_outline=new_outline, still=stays,
        shift=(dx / s[0], dy / s[1]),
    )  # fmt: skip


def _shifted_labels(
    labels: np.ndarray, y0: int, y1: int, x0: int, x1: int, step: int, dx: float, dy: float
) -> np.ndarray:
    """(S,) int64 labels at the samples of the box [y0, y1) × [x0, x1) (every `step`-th pixel, row by row)
    moved by (-dx, -dy) px and rounded, 0 outside the frame. The grid moved by one shift is still a grid: its
    rows and columns are moved once each, and the labels read row block by column (the same rounding per
    sample as moving each sample on its own)."""
    h, w = labels.shape
    rows = np.rint(np.arange(y0, y1, step) - dy).astype(np.int64)
    cols = np.rint(np.arange(x0, x1, step) - dx).astype(np.int64)
    r0, r1 = np.searchsorted(rows, (0, h))  # rows and columns ascend: the ones inside are a range
    c0, c1 = np.searchsorted(cols, (0, w))
    out = np.zeros((rows.size, cols.size), np.int64)
    out[r0:r1, c0:c1] = labels.take(rows[r0:r1], axis=0).take(cols[c0:c1], axis=1)
    return out.ravel()


def _still_copies(
    own: np.ndarray, theirs: np.ndarray, pairs: np.ndarray, counts: np.ndarray, least: float
) -> np.ndarray:
    """(N+1,) bool: regions whose samples, moved by the global shift, overlap one previous region at least
    `least` (intersection over union, counted in samples of the same grid: `own` (N+1,) and `theirs` (M+1,)
    per region)."""
    stays = np.zeros(own.size, bool)
    if not pairs.size:
        return stays
    j, i = pairs[:, 0], pairs[:, 1]
    iou = counts / np.maximum(own[j] + theirs[i] - counts, 1.0)  # (Q,)
    stays[j[iou >= least]] = True
    return stays


def _pairs(lab: np.ndarray, src: np.ndarray, m: int, n1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse (region, source region) sample counts, and samples per region, of two label samplings."""
    valid = (lab > 0) & (src > 0)
    code = lab[valid] * (m + 1) + src[valid]
    keys, counts = np.unique(code, return_counts=True)
    pairs = np.stack([keys // (m + 1), keys % (m + 1)], axis=1)
    samples = np.bincount(pairs[:, 0], weights=counts, minlength=n1).astype(np.float64)
    return pairs, counts.astype(np.float64), samples


def _new_outline(cur: Regions, dist_prev: np.ndarray, flow: np.ndarray, params: FlatParams) -> np.ndarray:
    """(N+1,) share of each region's rim (at flow scale) next to lines the previous drawing lacks."""
    import cv2

    lines, rim, small, total = _outline_rim(cur, params)
    hs, ws = lines.shape
    gx, gy = _pixel_grid(hs, ws)
    warped = cv2.remap(
        dist_prev, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=1e6,
    )  # fmt: skip
    fresh = (lines & (warped > params.new_outline_reach).view(np.uint8)).view(np.uint8)  # (h', w') 0 or 1
    fresh_rim = rim & cv2.dilate(fresh, _RING).astype(bool)
    new = np.bincount(small[fresh_rim], minlength=cur.count + 1).astype(np.float64)
    return new / np.maximum(total, 1.0)


_RING = np.ones((3, 3), np.uint8)


def _outline_rim(regions: Regions, params: FlatParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At flow scale, once per frame: (lines (h', w') uint8 1 on the drawing's lines, their rim (h', w') bool:
    the paper pixels touching them, the nearest labels (h', w') int64, rim pixels per region (N+1,))."""
    return regions.memo("flow_rim", lambda: _make_outline_rim(regions, params))


def _make_outline_rim(regions: Regions, params: FlatParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    import cv2

    b, _ = flow_field(regions, params)
    hs, ws = b.shape
    lines = (b == 0).view(np.uint8)  # (h', w') 1 on lines of the current drawing
    rim = cv2.dilate(lines, _RING).astype(bool) & ~lines.astype(bool)
    h, w = regions.shape
    ys = np.minimum((np.arange(hs) * h / hs).astype(np.int64), h - 1)
    xs = np.minimum((np.arange(ws) * w / ws).astype(np.int64), w - 1)
    small = regions.labels[np.ix_(ys, xs)].astype(np.int64)  # (h', w') nearest labels
    total = np.bincount(small[rim], minlength=regions.count + 1).astype(np.float64)
    return lines, rim, small, total


@functools.lru_cache(maxsize=2)
def _pixel_grid(hs: int, ws: int) -> tuple[np.ndarray, np.ndarray]:
    """(h', w') float32 x and y of every pixel (read-only)."""
    gx, gy = np.meshgrid(np.arange(ws, dtype=np.float32), np.arange(hs, dtype=np.float32))
    gx.setflags(write=False)
    gy.setflags(write=False)
    return gx, gy
