"""Region copies: a region whose outline repeats another drawing's region, moved, is the same part.

Why: a small part moving further than the optical flow follows (a hand swinging along a belt) is lost by
the flow, but its outline is still its own; laid on the other drawing's regions of about its size, it
overlaps the one it continues. Look-alikes of another colour (two eyes) make the answer ambiguous.
"""

from __future__ import annotations

import numpy as np

from ...foundation.lineart import Regions
from .matching import norm2


def copies(
    dst: Regions,
    ids: np.ndarray,
    src: Regions,
    src_color: np.ndarray,
    min_iou: float,
    reach: float = 1.0,
    in_figure: bool = False,
    believed: np.ndarray | None = None,
    limit: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """(source region, overlap) per region in `ids`: the region of `src` whose outline it repeats, moved.

    Each region's mask is laid on the `src` regions of about its size at their centroids; the best one
    overlapping it at least `min_iou` (intersection over union) is the drawing of the same part translated,
    when it lies within `reach` times the region's own size (its box's diagonal) of it (positions taken
    relative to each drawing's figure box with `in_figure`, so the figure's own motion does not count): the
    same form elsewhere is another object. Among those, no region of another colour (`src_color`, palette)
    may mismatch by less than twice as much (overlap >= 2 * best - 1): look-alike forms of different
    colours (two eyes, two legs) say nothing. And the two must choose each other (no other region of `dst`
    repeats that one better: the belt piece a hand uncovered looks like the hand, the hand itself more so).
    Else none (0, 0.0). A copy of the colour already `believed` (palette, per region) needs no look-alike
    test: two sources agree (and most regions of a still drawing repeat themselves). A copy of another colour
    than the one believed does not hold where a region of the believed colour within reach is a copy too
    (overlap at least `min_iou`), however much better the other fits: the form cannot tell them apart (the
    pockets between a bench's slats, wall on one side of a house's edge and sky on the other), and the belief
    is a second reading. Only the `limit` largest regions of `ids` are tested (bounded cost); the others get
    none."""
    out_id = np.zeros(ids.size, np.int64)
    out_iou = np.zeros(ids.size)
    tested = np.argsort(-dst.area[ids], kind="stable")[:limit]  # bounded cost: the largest regions
    cand = np.flatnonzero(src_color >= 0)
    cand = cand[cand > 0]
    if not ids.size or not cand.size:
        return out_id, out_iou
    rival = 2.0 * min_iou - 1.0  # the loosest overlap that can still make a copy ambiguous
    cand = cand[np.argsort(src.area[cand], kind="stable")]
    mine = np.argsort(dst.area[1:], kind="stable") + 1
    boxes = region_boxes(dst)
    shift = np.zeros(2)  # (dx, dy) from dst's positions to src's
    if in_figure:
        shift = np.array(src.figure_bbox[:2], float) - np.array(dst.figure_bbox[:2], float)
        shift[0] += (src.figure_bbox[2] - src.figure_bbox[0] - dst.figure_bbox[2] + dst.figure_bbox[0]) / 2
    for n in tested:
        r = ids[n]
        size = float(norm2(boxes[r, 1] - boxes[r, 0], boxes[r, 3] - boxes[r, 2]))  # px
        near, ious = overlaps(dst, int(r), src, cand, min_iou, (dst.centroid[r] + shift, reach * size))
        if not near.size or ious.max() < min_iou:
            continue
        best = int(np.argmax(ious))
        s = int(near[best])
        back, back_ious = overlaps(src, s, dst, mine, min_iou, (src.centroid[s] - shift, reach * size))
        if back.size and back[np.argmax(back_ious)] != r and back_ious.max() > ious[best]:
            continue  # another region repeats it better
        # A copy of another colour than the one believed, where a region of the believed colour within reach
        # is a copy too, says nothing against that belief: the form cannot tell them apart.
        if (
            believed is not None
            and src_color[s] != believed[n]
            and np.any((src_color[near] == believed[n]) & (ious >= min_iou))
        ):
            continue
        # Look-alikes anywhere make it ambiguous, not only those within reach.
        if believed is None or src_color[s] != believed[n]:
            others, o_ious = overlaps(dst, int(r), src, cand, max(2.0 * ious[best] - 1.0, rival))
            if np.any((src_color[others] != src_color[s]) & (o_ious >= 2.0 * ious[best] - 1.0)):
                continue
        out_id[n], out_iou[n] = s, ious[best]
    return out_id, out_iou


def overlaps(
    a: Regions, r: int, b: Regions, order: np.ndarray, least: float, around: tuple[np.ndarray, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(ids, overlaps): the regions of `b` among `order` (ids sorted by area) whose mask, laid on region r
    of `a` at their centroids, could overlap it at least `least` (about its size and box; with `around`
    = (point, radius), centroid within radius of that point), and the intersection over union of each."""
    b_area = b.area[order]
    lo = np.searchsorted(b_area, a.area[r] * least, "left")
    hi = np.searchsorted(b_area, a.area[r] / least, "right")
    ab, bb = region_boxes(a), region_boxes(b)
    y0, y1, x0, x1 = (int(v) for v in ab[r])
    h, w = y1 - y0, x1 - x0
    near = order[lo:hi]
    bh, bw = bb[near, 1] - bb[near, 0], bb[near, 3] - bb[near, 2]
    # Overlap >= least needs boxes of about the same size (a pixel of rounding for small ones).
    near = near[(np.abs(bh - h) <= max(2.0, (1 - least) * h)) & (np.abs(bw - w) <= max(2.0, (1 - least) * w))]
    if around is not None:
        gap = b.centroid[near] - around[0]  # (K, 2)
        near = near[norm2(gap[:, 0], gap[:, 1]) <= around[1]]
    ious = np.zeros(near.size)
    if not near.size:
        return near, ious
    # Every candidate at once: region r's pixels, moved by each candidate's centroid offset, read in b.
    py, px = np.nonzero(a.labels[y0:y1, x0:x1] == r)  # (P,) region r's pixels in its box
    py, px = py + y0, px + x0
    shift = np.rint(b.centroid[near, ::-1] - a.centroid[r, ::-1]).astype(np.int64)  # (K, 2) dy, dx
    hb, wb = b.labels.shape
    flat = b.labels.ravel()
    inter = np.zeros(near.size, np.int64)
    # A box moved wholly into b reads at plain offsets; one moved partly out of b, at clipped coordinates.
    dy, dx = shift[:, 0], shift[:, 1]
    whole = (y0 + dy >= 0) & (y1 + dy <= hb) & (x0 + dx >= 0) & (x1 + dx <= wb)
    step = max(1, _GATHER // max(py.size, 1))  # candidates per batch
    some = np.flatnonzero(whole)
    if some.size:
        at = py * wb + px  # (P,) flat index of region r's pixels in b's frame (inside it: the box is)
        offset = dy[some] * wb + dx[some]
        for k in range(0, some.size, step):
            ids = some[k : k + step]
            hit = flat[at[None, :] + offset[k : k + step, None]] == near[ids, None]  # (k, P)
            inter[ids] = np.count_nonzero(hit, axis=1)
    rest = np.flatnonzero(~whole)
    for k in range(0, rest.size, step):
        ids = rest[k : k + step]
        ys = py[None, :] + dy[ids, None]  # (k, P)
        xs = px[None, :] + dx[ids, None]
        inside = (ys >= 0) & (ys < hb) & (xs >= 0) & (xs < wb)
        at = np.clip(ys, 0, hb - 1) * wb + np.clip(xs, 0, wb - 1)
        inter[ids] = np.count_nonzero(inside & (flat[at] == near[ids, None]), axis=1)
    ious[:] = inter / (a.area[r] + b.area[near] - inter)
    return near, ious


_GATHER = 1 << 18  # most pixels `overlaps` reads in one batch (bounded memory)


def region_boxes(regions: Regions) -> np.ndarray:
    """(N+1, 4) int64 bounding box (y0, y1, x0, x1) of each region, once per frame."""
    return regions.memo("boxes", lambda: _find_boxes(regions))


def _find_boxes(regions: Regions) -> np.ndarray:
    """Each region's bounding box from the runs of equal labels along the rows (scipy's find_objects boxes:
    no scipy.ndimage import, which is a third of a second in the first frame's critical path)."""
    labels = regions.labels
    h, w = labels.shape
    out = np.zeros((regions.count + 1, 4), np.int64)
    if not labels.size:
        return out
    cut = np.empty((h, w + 1), bool)  # cut[y, x]: a run of row y starts at x (x = w: the row's end)
    cut[:, 0] = cut[:, w] = True
    np.not_equal(labels[:, 1:], labels[:, :-1], out=cut[:, 1:w])
    at = np.flatnonzero(cut)  # (R + H,) raster order
    rows = at // (w + 1)
    cols = at - rows * (w + 1)
    same = rows[1:] == rows[:-1]  # consecutive cuts of one row bound a run [start, stop)
    start, stop, row = cols[:-1][same], cols[1:][same], rows[:-1][same]
    lab = labels[row, start].astype(np.intp)  # (R,) each run's region
    y0 = np.full(out.shape[0], h, np.int64)
    x0 = np.full(out.shape[0], w, np.int64)
    y1, x1 = np.zeros(out.shape[0], np.int64), np.zeros(out.shape[0], np.int64)
    np.minimum.at(y0, lab, row)
    np.maximum.at(y1, lab, row + 1)
    np.minimum.at(x0, lab, start)
    np.maximum.at(x1, lab, stop)
    seen = y1 > 0  # regions with pixels (the others keep a zero box)
    seen[0] = False
    out[seen] = np.stack([y0[seen], y1[seen], x0[seen], x1[seen]], axis=1)
    return out
