"""Another instance of a part the keyframe shows: a region recognised by its outline, wherever it is.

Why: a keyframe hides parts behind a character (a window behind the head, a door behind the shirt) that
are uncovered later. No flow from the keyframe leads to them (at their place the keyframe has the
character), so the chain paints them with what they were uncovered from. Their colours are shown
elsewhere in the keyframe, on parts of the same outline (the other windows, the other doors). A region
whose outline, scaled to its box (the camera zooms), repeats a keyframe region's outline is another
instance of that part, at any position: `_copies` in the tracker finds the same part moved within reach;
this finds its twin anywhere. An answer when the form names one colour: no region of another colour is a
twin too or looks as much alike (the look-alike rule of `_copies`: overlap >= 2 * best - 1), and the
chain's colour stays whenever one of its own regions is a twin. Look-alikes of many colours (the bricks of
a wall, the shirts of a crowd) name the kind of part only: a region whose colour is none of theirs (a brick
painted with the skin of the head that walked past it) takes their colour of least expected error, as a
guess kept in the report.

`enclosing` reads the keyframes' colour pairs the other way round: a colour shown next to one colour only.
"""

from __future__ import annotations

import numpy as np

from ...foundation.lineart import Regions


def twins(
    regions: Regions,
    ids: np.ndarray,
    key: Regions,
    key_color: np.ndarray,
    min_iou: float,
    max_zoom: float,
    boxes: np.ndarray,
    key_boxes: np.ndarray,
    grid: int,
    current: np.ndarray | None = None,
    rgb: np.ndarray | None = None,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(palette colour, overlap, guessed) per region in `ids`: the colour of the keyframe regions whose
    outline the region repeats at another scale and place, or (-1, 0.0, False). With `current` (palette
    colour per region in `ids`), a region that repeats the outline of any keyframe region of its current
    colour (at least `min_iou`) keeps that colour: the form does not tell it from a look-alike of another
    colour (books on a shelf), so it gives no reason to move.

    Look-alikes of several colours (bricks of a wall, the shirts of a crowd) name a kind of part, not which
    one: with `rgb` (palette, 3) the region then takes the look-alikes' colour nearest to all of them (the
    least summed squared RGB distance over the look-alike regions, the guess of least expected error) and
    `guessed` says so; without `rgb` it takes none. A region whose colour is none of its look-alikes' (a
    brick painted with the skin of a head that passed over it) is at least the right kind of part.

    `key_color` (K+1,) palette colour per keyframe region (-1: none); `boxes`, `key_boxes` (N+1, 4) int
    (y0, y1, x0, x1) per region. A pair is compared when their boxes' areas differ by at most `max_zoom`²
    once the region's is scaled by `scale`² (the camera's zoom from this frame to the keyframe, where it is
    known: `max_zoom` is then the zoom it leaves, a part nearer or further than the camera's fit) and their
    aspect ratios by at most 1 / `min_iou`. The
    overlap is the intersection over union of the two masks, each resampled from its box to `grid` x `grid`
    cells, times that of the two boxes scaled to one area with their centres on each other (what the
    resampling leaves out: the aspect). Boxes, not areas or centroids: a part partly hidden (a hand over a
    door's corner) keeps its box. The best pair of at least `min_iou` decides unless a keyframe region of
    another colour overlaps at least min(`min_iou`, 2 * best - 1).
    """
    out_color = np.full(ids.size, -1, np.int64)
    out_iou = np.zeros(ids.size)
    guessed = np.zeros(ids.size, bool)
    cand = np.flatnonzero(key_color >= 0)
    cand = cand[cand > 0]
    if not ids.size or not cand.size:
        return out_color, out_iou, guessed
    kh = (key_boxes[:, 1] - key_boxes[:, 0]).astype(np.float64)  # (K+1,)
    kw = (key_boxes[:, 3] - key_boxes[:, 2]).astype(np.float64)
    cand = cand[np.argsort(kh[cand] * kw[cand], kind="stable")]
    kh, kw, kcol = kh[cand], kw[cand], key_color[cand]
    cand_area = kh * kw  # box areas, sorted
    k_aspect = np.log(np.maximum(kh, 1.0) / np.maximum(kw, 1.0))
    kcells, kcount = _cells(key, cand, key_boxes, grid)  # (C, B) packed bits, (C,) set bits
    cells, count = _cells(regions, ids, boxes, grid)
    hs = (boxes[ids, 1] - boxes[ids, 0]).astype(np.float64)  # (n,)
    ws = (boxes[ids, 3] - boxes[ids, 2]).astype(np.float64)
    seen = hs * ws * scale**2  # (n,) box areas as the keyframe would show them
    los = np.searchsorted(cand_area, seen / max_zoom**2, "left").tolist()
    his = np.searchsorted(cand_area, seen * max_zoom**2, "right").tolist()
    aspects = np.log(np.maximum(hs, 1.0) / np.maximum(ws, 1.0)).tolist()
    tolerance = -np.log(min_iou)
    for n, (h, w, lo, hi, aspect) in enumerate(zip(hs.tolist(), ws.tolist(), los, his, aspects, strict=True)):
        ok = np.abs(k_aspect[lo:hi] - aspect) <= tolerance
        if not ok.any():
            continue
        near = np.flatnonzero(ok) + lo  # (M,) into cand
        inter = np.bitwise_count(kcells[near] & cells[n]).sum(axis=1, dtype=np.int64)  # (M,)
        union = kcount[near] + count[n] - inter
        f = np.sqrt(h * w / (kh[near] * kw[near]))  # (M,) scale of each keyframe box to this box's area
        box_inter = np.minimum(h, kh[near] * f) * np.minimum(w, kw[near] * f)
        ious = inter / np.maximum(union, 1) * box_inter / (2.0 * h * w - box_inter)
        if ious.max() < min_iou:
            continue
        cols = kcol[near]
        if current is not None:
            own = cols == current[n]
            if np.any(own & (ious >= min_iou)):
                out_color[n], out_iou[n] = current[n], ious[own].max()
                continue
        best = int(np.argmax(ious))
        colour = cols[best]
        alike = ious >= min(min_iou, 2.0 * ious[best] - 1.0)
        if np.any(alike & (cols != colour)):  # look-alikes of several colours
            if rgb is None:
                continue
            colour, guessed[n] = _nearest_to_all(cols[alike], rgb), True
        out_color[n], out_iou[n] = colour, ious[best]
    return out_color, out_iou, guessed


def _nearest_to_all(colours: np.ndarray, rgb: np.ndarray) -> int:
    """The palette colour among `colours` (one per region) with the least summed squared RGB distance to
    all of them."""
    uniq, count = np.unique(colours, return_counts=True)
    c = rgb[uniq].astype(np.float64)  # (U, 3)
    d = ((c[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1)  # (U, U)
    return int(uniq[np.argmin(d @ count)])


def _cells(regions: Regions, ids: np.ndarray, boxes: np.ndarray, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """((len(ids), ceil(grid * grid / 64)) uint64, (len(ids),) int64): each region's mask resampled from its
    box to grid x grid cells, packed 64 to a word (the fewer elements, the cheaper each comparison), and how
    many cells it covers (kept on the Regions object: a keyframe's regions are compared again every frame)."""
    import cv2

    nwords = (grid * grid + 63) // 64
    n1 = regions.count + 1
    cells, count, done = regions.memo(
        f"cells{grid}", lambda: (np.zeros((n1, nwords * 8), np.uint8), np.zeros(n1, np.int64), np.zeros(n1, bool))
    )  # filled in as regions are asked for
    todo = ids[~done[ids]]
    for r, (y0, y1, x0, x1) in zip(todo.tolist(), boxes[todo].tolist(), strict=True):
        mask = (regions.labels[y0:y1, x0:x1] == r).astype(np.float32)  # (h, w)
        bits = np.packbits(cv2.resize(mask, (grid, grid), interpolation=cv2.INTER_AREA).ravel() >= 0.5)
        cells[r, : bits.size] = bits
    if todo.size:
        count[todo] = np.bitwise_count(cells[todo]).sum(axis=1, dtype=np.int64)
        done[todo] = True
    return cells.view(np.uint64)[ids], count[ids]


def enclosing(known: np.ndarray, n_pal: int) -> np.ndarray:
    """(palette,) for each colour the one colour the keyframes show next to it, when they show exactly one
    (a pane always sits in its frame), else -1. `known`: sorted pair codes (a * 2**31 + b, a <= b) of the
    colours the keyframes show side by side."""
    out = np.full(n_pal, -1, np.int64)
    a, b = known // 2**31, known % 2**31
    ok = (a < n_pal) & (b < n_pal) & (a != b)
    a, b = a[ok], b[ok]
    ends = np.concatenate([a, b])  # each pair counted from both sides
    other = np.concatenate([b, a])
    count = np.bincount(ends, minlength=n_pal)
    one = count == 1
    out[ends[one[ends]]] = other[one[ends]]
    return out
