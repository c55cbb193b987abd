"""A keyframe read through the line art of its own frame: one dominant colour per region.

Why: the keyframe is the colourist's answer for its frame. Reading it per line-art region (the same regions
the output is painted with) makes the output on that frame equal the keyframe up to line pixels by
construction. A region's colour is its most frequent exact colour (line pixels excluded; the few
anti-aliased blends never win), so a finished keyframe (shading, highlights) reduces to each region's
dominant flat colour. Where no exact colour dominates (grain, JPEG noise), colours are pooled in coarse
bins, the most frequent bin wins, and the region takes the mean of its pixels near that bin's mode. A
small region lying wholly inside a neighbour's rim shading (no flat colour of its own, only the ramp steps
that neighbour's rim holds too) takes the neighbour's colour. Given the line art, a pocket it closes off in
or beside a thick line, whose colour is shading no part has flat and not the line art's own ink, takes the
part across the line it is a darkening of (`_line_pockets`).
"""

from __future__ import annotations

import numpy as np

from ...foundation.lineart import Regions
from .params import FlatParams


def dominant_colors(
    regions: Regions, image: np.ndarray, params: FlatParams, art: np.ndarray | None = None
) -> np.ndarray:
    """(N+1, 3) uint8: each region's dominant colour in `image` (H, W, 3) uint8; row 0 (lines) is 0. With
    `art` (H, W, 3) uint8, the line art `regions` were segmented from, a pocket in the lines whose keyframe
    pixels are all shading of a part beyond the line takes that part's colour (`_line_pockets`)."""
    import cv2

    labels = regions.labels
    n = regions.count
    # 0xRRGGBB per pixel: BGRA bytes read as little-endian uint32 are A<<24 | R<<16 | G<<8 | B
    packed = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGRA).view("<u4")[..., 0]  # (H, W)
    keys, counts = _colour_counts(labels, packed)  # (K,) exact colours per region
    region, exact = keys >> 24, keys & 0xFFFFFF
    colors = np.zeros((n + 1, 3), np.uint8)
    chosen = _argmax_per_group(region, counts.astype(np.float64), n + 1)  # the exact mode
    ok = chosen >= 0
    share = np.zeros(n + 1)
    share[ok] = counts[chosen[ok]] / np.maximum(np.bincount(region, weights=counts, minlength=n + 1)[ok], 1.0)
    chosen = _unshaded(region, exact, counts, chosen, params)
    picked = exact[chosen[ok]]
    colors[ok] = np.stack([(picked >> 16) & 255, (picked >> 8) & 255, picked & 255], axis=1)
    colors[0] = 0
    grainy = ok & (share < params.grain_share)
    if grainy.any():  # texture or compression noise: the mode of coarse colour bins, then the mean near it
        colors[grainy] = _binned_mode(region, exact, counts, n, params)[grainy]
        use = (labels > 0).ravel()
        lab = labels.ravel()[use].astype(np.int64)
        colors = _denoised(colors, grainy, lab, image.reshape(-1, 3)[use], params)
    ramp = ok & ~grainy & _no_flat_colour(region, counts, n + 1, params)
    colors = _rim_pockets(regions, colors, ramp, keys, counts, params)
    if art is None or params.pocket_depth <= 0:
        return colors
    return _line_pockets(regions, colors, image, art, params)


def _line_pockets(
    regions: Regions, colors: np.ndarray, image: np.ndarray, art: np.ndarray, params: FlatParams
) -> np.ndarray:
    """`colors` (N+1, 3) uint8, with each pocket of the line art that holds only rim shading taking the flat
    colour of the part it belongs to. `image` (H, W, 3) uint8 is the keyframe, `art` (H, W, 3) uint8 its
    line art.

    Why: a finished keyframe darkens each part along its outline (rim shading). A pocket the line art closes
    off inside or beside a thick line (no pixel farther than `pocket_depth` from a line) lies wholly in that
    band, so its pixels are shading steps and its most frequent colour is one of them, not a flat colour.
    A pocket is judged only where the evidence says shading:
    - its colour is no part's flat colour: no region that reaches away from the lines has it (a thin cel
      shadow strip, or a speck of the shadow beside it, has its part's colour and keeps it);
    - the line art is paper on all its pixels: where lines are anti-aliased, the pixels next to them are
      blends with the ink, the ink shows in the line art on the same pixels, and the ground truth of a
      drawing is that blend (kept).
    It then takes the colour of the nearest region across its lines (within the reach `neighbours_of` uses)
    whose colour it is a uniform darkening of (`shade_floor`, `shade_tol`): the part it is a piece of. With
    none, the brightest of its own pixels of which its colour is such a darkening: the least shaded step.
    """
    import cv2

    from .copies import region_boxes
    from .votes import neighbour_reach

    labels = regions.labels
    n1 = regions.count + 1
    size = 2 * params.pocket_depth + 1
    near_line = cv2.dilate(regions.line_mask.view(np.uint8), np.ones((size, size), np.uint8))
    deep = np.bincount(labels[near_line == 0], minlength=n1) > 0  # (N+1,) reaches away from every line
    deep[0] = False
    c64 = colors.astype(np.int64)
    packed = c64[:, 0] << 16 | c64[:, 1] << 8 | c64[:, 2]  # (N+1,) 0xRRGGBB
    source = deep | np.isin(packed, packed[deep])  # (N+1,) regions that show a part's flat colour
    grey = cv2.cvtColor(np.ascontiguousarray(art), cv2.COLOR_RGB2GRAY)  # (H, W) uint8
    inked = grey < int(grey.max()) - params.shade_tol  # (H, W) bool: darker than the drawing's paper
    inked_regions = np.bincount(labels[inked], minlength=n1) > 0
    pocket = ~source & ~inked_regions & (regions.area > 0)
    pocket[0] = False
    ids = np.flatnonzero(pocket)
    if not ids.size:
        return colors
    boxes = region_boxes(regions)[ids]  # (P, 4) y0, y1, x0, x1
    reach = neighbour_reach(regions)
    h, w = labels.shape
    out = colors.copy()
    for r, (y0, y1, x0, x1) in zip(ids.tolist(), boxes.tolist(), strict=True):
        y0, y1, x0, x1 = max(0, y0 - reach), min(h, y1 + reach), max(0, x0 - reach), min(w, x1 + reach)
        lab = labels[y0:y1, x0:x1]
        mine = lab == r
        mode = colors[r].astype(np.float64)  # (3,)
        dist = cv2.distanceTransform((~mine).view(np.uint8), cv2.DIST_L2, 3)  # (h', w') px to the pocket
        other = source[lab] & (dist <= reach)
        cand = np.unique(lab[other])  # (C,) regions across the lines, sorted
        closest = np.full(cand.size, np.inf)
        np.minimum.at(closest, np.searchsorted(cand, lab[other]), dist[other])
        fits = _darkening(mode, colors[cand].astype(np.float64), params)  # (C,)
        if fits.any():
            out[r] = colors[cand[fits][np.argmin(closest[fits])]]
            continue
        own, count = np.unique(image[y0:y1, x0:x1][mine], axis=0, return_counts=True)  # its exact colours
        if 2 * count.max() > count.sum():  # one colour holds most of it: a flat colour, not a ramp
            continue
        own = own.astype(np.float64)  # (U, 3)
        fits = _darkening(mode, own, params)
        if fits.any():
            out[r] = own[fits][np.argmax(own[fits].sum(axis=1))].astype(np.uint8)
    return out


def _darkening(mode: np.ndarray, flat: np.ndarray, params: FlatParams) -> np.ndarray:
    """(C,) bool: `mode` (3,) is each of `flat` (C, 3) or a uniform darkening of it: one factor in
    [shade_floor, 1] (or the colour itself, up to grain), each channel within shade_tol."""
    factor = mode.sum() / np.maximum(flat.sum(axis=1), 1.0)  # (C,)
    fits = np.abs(mode[None] - flat * np.minimum(factor, 1.0)[:, None]).max(axis=1) <= params.shade_tol
    return fits & (factor >= params.shade_floor)


def _colour_counts(labels: np.ndarray, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keys, counts): the sorted distinct region << 24 | 0xRRGGBB (int64) of the region pixels (line pixels
    left out), and how many pixels hold each (int64). `packed` (H, W) uint32 0x..RRGGBB. Counted a band of
    rows at a time, then merged: a band's keys stay in the cache (a frame's are tens of MB of fresh pages)
    and flat colour gives each band few distinct keys; the counts are whole numbers, exact whatever the
    order."""
    h, w = labels.shape
    rows = max(1, _COUNT_BAND // max(w, 1))
    found, tally = [], []
    for r in range(0, h, rows):
        lab = labels[r : r + rows]
        use = lab > 0
        code = packed[r : r + rows][use] & np.uint32(0xFFFFFF)
        k, c = np.unique(lab[use].astype(np.int64) * (1 << 24) + code, return_counts=True)
        found.append(k)
        tally.append(c)
    keys, inverse = np.unique(np.concatenate(found), return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate(tally), minlength=keys.size).astype(np.int64)
    return keys, counts


_COUNT_BAND = 1 << 17  # pixels per band of rows `_colour_counts` reads at once


def _no_flat_colour(region: np.ndarray, counts: np.ndarray, n1: int, params: FlatParams) -> np.ndarray:
    """(N+1,) bool: regions whose most frequent exact colour does not outnumber the runner-up
    `rim_pocket_lead` times (a ramp of shading steps; a flat colour, shaded or grainy, dominates), and
    the two together hold at most `shade_max_share` of the region (more: two flat colours, not a ramp)."""
    order = np.lexsort((-counts, region))
    r, c = region[order], counts[order].astype(np.float64)
    first = np.ones(r.size, bool)
    first[1:] = r[1:] != r[:-1]
    top = np.zeros(n1)
    top[r[first]] = c[first]
    second = np.zeros(n1)
    runner = np.flatnonzero(~first[1:] & first[:-1]) + 1  # the entry right after each region's first
    second[r[runner]] = c[runner]
    total = np.bincount(region, weights=counts, minlength=n1)  # (N+1,) pixels per region
    spread = top + second <= params.shade_max_share * total
    return (second > 0) & (top < params.rim_pocket_lead * second) & spread


def _rim_pockets(
    regions: Regions, colors: np.ndarray, ramp: np.ndarray, keys: np.ndarray, counts: np.ndarray, params: FlatParams
) -> np.ndarray:
    """`colors` (N+1, 3) uint8, with each region flagged in `ramp` (N+1,) bool (no flat colour) that continues
    a flat neighbour's rim shading taking that neighbour's colour (the darkest of several such neighbours).

    Why: rim shading darkens a band along a part's lines; where a line cuts a small pocket off that band
    (a strip of road between a line and the frame's edge, a corner of a sleeve), every pixel of the pocket
    is a ramp step and its flat colour is nowhere in it. The pocket continues a neighbour's band when its
    colour is a uniform darkening (`shade_floor`, `shade_tol`) of the neighbour's flat colour and the
    neighbour's own rim holds that very colour on at least as many pixels (at least 2) as the pocket: the
    band a piece was cut off is the larger part. A shadow region of its own colour (cel shading, also a
    darkening of the lit colour next to it) is not in the lit region beyond a few anti-aliased pixels.
    `keys` (K,) sorted region << 24 | 0xRRGGBB and `counts` (K,): the exact colours of each region.
    """
    from ...foundation.lineart import neighbours_of

    ids = np.flatnonzero(ramp)
    if not ids.size:
        return colors
    rows, near = neighbours_of(regions.labels, ids, regions.count, box=regions.box)
    keep = ~ramp[near]  # only neighbours that hold their colour flat
    rows, near = rows[keep], near[keep]
    mode = colors[ids[rows]].astype(np.int64)  # (E, 3) the pocket's colour
    flat = colors[near].astype(np.float64)  # (E, 3) the neighbour's
    factor = mode.sum(axis=1) / np.maximum(flat.sum(axis=1), 1.0)  # (E,)
    fits = np.abs(mode - flat * factor[:, None]).max(axis=1) <= params.shade_tol
    fits &= (factor >= params.shade_floor) & (factor < 1.0)
    rgb = mode[:, 0] << 16 | mode[:, 1] << 8 | mode[:, 2]
    held = _count_of(keys, counts, ids[rows] * (1 << 24) + rgb)  # (E,) pixels of that colour in the pocket
    fits &= _count_of(keys, counts, near * (1 << 24) + rgb) >= np.maximum(held, 2)  # ... and in the neighbour
    rows, near = rows[fits], near[fits]
    if not rows.size:
        return colors
    order = np.lexsort((colors[near].astype(np.int64).sum(axis=1), rows))  # per pocket, darkest first
    first = np.ones(order.size, bool)
    first[1:] = rows[order][1:] != rows[order][:-1]
    out = colors.copy()
    out[ids[rows[order][first]]] = colors[near[order][first]]
    return out


def _unshaded(
    region: np.ndarray, exact: np.ndarray, counts: np.ndarray, chosen: np.ndarray, params: FlatParams
) -> np.ndarray:
    """(N+1,) index into `exact`: per region, the brightest colour of which its exact mode is a darkening.

    Why: rim shading is a ramp of uniformly darkened copies of the flat colour; in a small region one
    ramp step can outnumber the flat colour. A brighter colour qualifies when it holds at least
    `shade_share` of the mode's count and the mode equals it times one factor in [shade_floor, 1], unless
    the two hold more than `shade_max_share` of the region (two flat colours, not a ramp).
    """
    if not 0 < params.shade_share <= 1:
        return chosen
    ok = chosen >= 0
    mode_idx = np.where(ok, chosen, 0)[region]  # (K,) each entry's region mode
    rgb = np.stack([(exact >> 16) & 255, (exact >> 8) & 255, exact & 255], axis=1).astype(np.float64)  # (K, 3)
    mode_rgb = rgb[mode_idx]  # (K, 3)
    factor = mode_rgb.sum(axis=1) / np.maximum(rgb.sum(axis=1), 1.0)  # (K,) common darkening factor
    fits = np.abs(mode_rgb - rgb * factor[:, None]).max(axis=1) <= params.shade_tol
    need = np.maximum(params.shade_share * counts[mode_idx], 2)
    good = ok[region] & fits & (factor >= params.shade_floor) & (factor <= 1) & (counts >= need)
    brightness = np.where(good, rgb.sum(axis=1), -1.0)
    best = _argmax_per_group(region, brightness, chosen.size)
    take = ok & (best >= 0)
    take[take] &= brightness[best[take]] >= 0
    total = np.bincount(region, weights=counts, minlength=chosen.size)  # (N+1,) pixels per region
    pair = np.zeros(chosen.size)
    pair[take] = (counts[best[take]] + counts[chosen[take]]) / np.maximum(total[take], 1.0)
    take &= pair <= params.shade_max_share  # a ramp spreads over many steps; two flat colours do not
    return np.where(take, best, chosen)


def _binned_mode(region: np.ndarray, exact: np.ndarray, counts: np.ndarray, n: int, params: FlatParams) -> np.ndarray:
    """(N+1, 3) uint8: per region, the most frequent exact colour inside its most frequent coarse bin."""
    shift = 8 - params.colour_bits
    mask = (0xFF >> shift) << shift
    binned = exact & ((mask << 16) | (mask << 8) | mask)
    bin_keys, inverse = np.unique(region * (1 << 24) + binned, return_inverse=True)
    bin_counts = np.bincount(inverse, weights=counts)  # (B,) pixels per (region, bin)
    best_bin = _argmax_per_group(bin_keys >> 24, bin_counts, n + 1)  # (N+1,) index into bin_keys, -1 none
    in_best = best_bin[region] == inverse
    chosen = _argmax_per_group(region[in_best], counts[in_best].astype(np.float64), n + 1)
    colors = np.zeros((n + 1, 3), np.uint8)
    ok = chosen >= 0
    picked = exact[in_best][chosen[ok]]
    colors[ok] = np.stack([(picked >> 16) & 255, (picked >> 8) & 255, picked & 255], axis=1)
    return colors


def _denoised(
    colors: np.ndarray, grainy: np.ndarray, lab: np.ndarray, rgb: np.ndarray, params: FlatParams
) -> np.ndarray:
    """Grainy regions take the mean of their pixels within half a bin of their binned mode.

    Why: under grain or JPEG noise the exact mode is one arbitrary noisy value, while the mean of the
    pixels near the dominant colour is the fill.
    """
    n1 = colors.shape[0]
    diff = np.abs(rgb.astype(np.int16) - colors[lab].astype(np.int16)).max(axis=1)  # (S,)
    near = diff <= (1 << (8 - params.colour_bits)) // 2
    n_near = np.bincount(lab[near], minlength=n1).astype(np.float64)
    sums = np.stack([np.bincount(lab[near], weights=rgb[near, c], minlength=n1) for c in range(3)], axis=1)
    take = grainy & (n_near > 0)
    out = colors.copy()
    out[take] = np.clip(np.rint(sums[take] / n_near[take, None]), 0, 255).astype(np.uint8)
    out[0] = 0
    return out


def _argmax_per_group(group: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """(n,) index of the largest `value` within each group id (ties: the first), -1 for empty groups."""
    order = np.lexsort((-value, group))
    first = np.ones(order.size, bool)
    first[1:] = group[order][1:] != group[order][:-1]
    out = np.full(n, -1, np.int64)
    out[group[order][first]] = order[first]
    return out


def _count_of(keys: np.ndarray, counts: np.ndarray, code: np.ndarray) -> np.ndarray:
    """(E,) pixels of each (region << 24 | 0xRRGGBB) `code` among the sorted `keys` (0 where absent)."""
    at = np.minimum(np.searchsorted(keys, code), max(keys.size - 1, 0))
    return np.where(keys[at] == code, counts[at], 0)
