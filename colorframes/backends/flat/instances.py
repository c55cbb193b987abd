"""Another instance of a part the keyframe shows: a region recognised by its outline, wherever it is.

Why: a keyframe hides parts behind a character (a window behind the head, a door behind the shirt) that
are uncovered later. No flow from the keyframe leads to them (at their place the keyframe has the
character), so the chain paints them with what they were uncovered from. Their colours are shown
elsewhere in the keyframe, on parts of the same outline (the other windows, the other doors). A region
whose outline, scaled to its area (the camera zooms), repeats a keyframe region's outline is another
instance of that part, at any position: `_copies` in the tracker finds the same part moved within reach;
this finds its twin anywhere. Only an answer when no region of another colour looks as much alike (the
look-alike rule of `_copies`: overlap >= 2 * best - 1), so two look-alike forms of different colours say
nothing, and the chain's colour stays whenever one of its own regions looks as much alike.
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
) -> tuple[np.ndarray, np.ndarray]:
    """(palette colour, overlap) per region in `ids`: the colour of the keyframe regions whose outline the
    region repeats at another scale and place, or (-1, 0.0).

    `key_color` (K+1,) palette colour per keyframe region (-1: none); `boxes`, `key_boxes` (N+1, 4) int
    (y0, y1, x0, x1) per region. A pair is compared when their areas differ by at most `max_zoom`² (the
    camera's zoom between the two frames) and their boxes' aspect ratios by at most 1 / `min_iou`: the
    keyframe region's mask is scaled to the region's area and laid on it at their centroids; the
    intersection over union is the overlap. The best pair of at least `min_iou` decides unless a keyframe
    region of another colour overlaps at least 2 * best - 1.
    """
    out_color = np.full(ids.size, -1, np.int64)
    out_iou = np.zeros(ids.size)
    cand = np.flatnonzero(key_color >= 0)
    cand = cand[cand > 0]
    if not ids.size or not cand.size:
        return out_color, out_iou
    kh = (key_boxes[:, 1] - key_boxes[:, 0]).astype(np.float64)  # (K+1,)
    kw = (key_boxes[:, 3] - key_boxes[:, 2]).astype(np.float64)
    cand = cand[np.argsort(kh[cand] * kw[cand], kind="stable")]
    kh, kw = kh[cand], kw[cand]
    cand_area = kh * kw  # box areas, sorted
    k_aspect = np.log(np.maximum(kh, 1.0) / np.maximum(kw, 1.0))
    rival = 2.0 * min_iou - 1.0
    for n, r in enumerate(ids):
        y0, y1, x0, x1 = (int(v) for v in boxes[r])
        area = float((y1 - y0) * (x1 - x0))
        lo = np.searchsorted(cand_area, area / max_zoom**2, "left")
        hi = np.searchsorted(cand_area, area * max_zoom**2, "right")
        aspect = np.log(max(y1 - y0, 1) / max(x1 - x0, 1))
        near = np.arange(lo, hi)
        near = near[np.abs(k_aspect[near] - aspect) <= -np.log(min_iou)]
        if not near.size:
            continue
        mask = regions.labels[y0:y1, x0:x1] == r  # (h, w)
        ious = np.array([_scaled_iou(mask, key, int(cand[m]), key_boxes[cand[m]]) for m in near])
        if ious.max() < min_iou:
            continue
        best = int(np.argmax(ious))
        colour = key_color[cand[near[best]]]
        others = key_color[cand[near]] != colour
        if np.any(others & (ious >= max(2.0 * ious[best] - 1.0, rival))):
            continue  # a look-alike of another colour: the form says nothing
        out_color[n], out_iou[n] = colour, ious[best]
    return out_color, out_iou


def _scaled_iou(mask: np.ndarray, key: Regions, s: int, box: np.ndarray) -> float:
    """Intersection over union of `mask` (h, w) bool and keyframe region s scaled (the same factor both
    ways) to the mask's box area, laid on it with the centres of their boxes on each other. Boxes, not
    areas or centroids: a part partly hidden (a hand over a door's corner) keeps its box."""
    import cv2

    y0, y1, x0, x1 = (int(v) for v in box)
    theirs = (key.labels[y0:y1, x0:x1] == s).astype(np.float32)  # (h', w')
    h, w = mask.shape
    f = float(np.sqrt(h * w / max(theirs.shape[0] * theirs.shape[1], 1)))
    th, tw = max(1, round(theirs.shape[0] * f)), max(1, round(theirs.shape[1] * f))
    scaled = cv2.resize(theirs, (tw, th), interpolation=cv2.INTER_LINEAR) >= 0.5  # (th, tw)
    dy, dx = (h - th) // 2, (w - tw) // 2  # scaled's origin in mask coordinates
    oy0, oy1 = max(0, dy), min(h, dy + th)
    ox0, ox1 = max(0, dx), min(w, dx + tw)
    if oy0 >= oy1 or ox0 >= ox1:
        return 0.0
    inter = int(np.count_nonzero(mask[oy0:oy1, ox0:ox1] & scaled[oy0 - dy : oy1 - dy, ox0 - dx : ox1 - dx]))
    union = int(mask.sum()) + int(scaled.sum()) - inter
    return inter / max(union, 1)


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
