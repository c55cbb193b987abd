"""What a region's flow samples and its neighbours say about its colour: the vote of its flow samples, and
its neighbours across the lines (which colour pairs a keyframe shows side by side)."""

from __future__ import annotations

import numpy as np

from ...foundation.lineart import Regions, facing_reach, neighbours_of
from .state import FrameState


def vote(
    j: np.ndarray, counts: np.ndarray, colors: np.ndarray, confs: np.ndarray, samples: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per region: the colour most of its flow samples come from, that colour's share, and the
    sample-weighted confidence of its sources. Voting by colour is robust to regions splitting or merging."""
    n1 = samples.size
    color = np.full(n1, -1, np.int64)
    share = np.zeros(n1)
    conf = np.zeros(n1)
    ok = colors >= 0
    if not ok.any():
        return color, share, conf
    j, counts, colors, confs = j[ok], counts[ok], colors[ok], confs[ok]
    code = j * (int(colors.max()) + 1) + colors
    keys, inverse = np.unique(code, return_inverse=True)
    total = np.bincount(inverse, weights=counts)
    weighted = np.bincount(inverse, weights=counts * confs)
    region = keys // (int(colors.max()) + 1)
    order = np.lexsort((-total, region))
    first = np.ones(order.size, bool)
    first[1:] = region[order][1:] != region[order][:-1]
    best = order[first]
    r = region[best]
    color[r] = keys[best] % (int(colors.max()) + 1)
    share[r] = total[best] / np.maximum(samples[r], 1.0)
    conf[r] = weighted[best] / np.maximum(total[best], 1e-9)
    return color, share, conf


def misfits(state: FrameState, ids: np.ndarray, colors: np.ndarray, sure: np.ndarray, known: np.ndarray) -> np.ndarray:
    """(C, len(ids)) how many `sure` neighbours of each region in `ids` have a colour that no keyframe shows
    next to the region's candidate colour in `colors` (C, len(ids)) (palette indices; `known`: the sorted
    pair codes of `ShotTracker._colour_pairs`)."""
    return judge(state, ids, colors, sure, known)[0]


def judge(
    state: FrameState, ids: np.ndarray, colors: np.ndarray, sure: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`misfits`, and (C, len(ids)) how much of the say of each region's `sure` neighbours is against its
    candidate c alone (they misfit c and fit every other candidate; 0 for a region without sure neighbours).
    A neighbour's say is how many other colours the keyframes show next to its colour: that a colour shown
    next to many is never shown next to c refutes c; that one shown next to few (a basket, a button) is not,
    says little (it touches little in the keyframe)."""
    rows, near = neighbours(state.regions, ids)
    keep = sure[near]
    rows, near = rows[keep], near[keep]
    a, b = colors[:, rows], state.color[near][None, :]  # (C, E)
    code = np.minimum(a, b) * 2**31 + np.maximum(a, b)
    misfit = ~np.isin(code, known)  # (C, E)
    count = np.stack([np.bincount(rows[m], minlength=ids.size) for m in misfit])
    lo, hi = known // 2**31, known % 2**31
    ends = np.concatenate([lo[lo != hi], hi[lo != hi]])
    degree = np.bincount(ends, minlength=int(state.color.max()) + 1).astype(np.float64)
    say = degree[state.color[near]] if near.size else np.zeros(0)  # (E,)
    alone = misfit & (misfit.sum(axis=0) == 1)
    total = np.maximum(np.bincount(rows, weights=say, minlength=ids.size), 1.0)  # (len(ids),)
    refuted = np.stack([np.bincount(rows[m], weights=say[m], minlength=ids.size) for m in alone]) / total
    return count, refuted


def neighbours(regions: Regions, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`neighbours_of` for these (distinct) regions, with the drawing's line reach computed once per frame;
    their pixels are looked up in their own boxes when those cover less than the drawing's box (the few
    regions a weak re-decision asks about: a scan of a 1080p frame costs ~4 ms)."""
    from .copies import region_boxes

    h, w = regions.shape
    y0, y1, x0, x1 = regions.box or (0, h, 0, w)
    boxes = region_boxes(regions)[ids]  # (K, 4) y0, y1, x0, x1
    small = float(np.sum((boxes[:, 1] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 2]))) < (y1 - y0) * (x1 - x0)
    reach = neighbour_reach(regions)
    return neighbours_of(regions.labels, ids, regions.count, reach, regions.box, boxes if small else None)


def neighbour_reach(regions: Regions) -> int:
    """How far across its lines `neighbours_of` looks in this drawing (px; `facing_reach`), once per frame."""
    return regions.memo("reach", lambda: facing_reach(regions.labels, regions.box))
