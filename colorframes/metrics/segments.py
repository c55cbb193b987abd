"""Line-art metrics: line fidelity and BasicPBC-style segment accuracy.

Segment accuracy follows BasicPBC's `eval_json_stage2` as summarised in the research brief §4.3, in
the paint-bucket setting where the ground truth is flat (one colour per line-enclosed segment):
a segment is correct when the prediction's colour there equals the ground truth's exactly (RGB, no
tolerance by default). Since a generated frame is not flat, a segment's predicted colour is its
*most frequent* RGB value. Segments come from the sketch (the same regions as the flat backend;
label 0 = line pixels, excluded) or, without a sketch, are the 4-connected components of equal
ground-truth colour. BasicPBC counts its line index 0 as a segment and subtracts it again in
`acc_thres`; our segment lists never contain the lines, so no `- 1` appears below.
Background segments (for `pix_acc_wobg`) are those whose ground-truth colour is transparent
(mean alpha < 0.5) or pure white paper.

This is the one implementation: `colorframes eval` and `benchmarks/bench_flat.py` both call
`segment_accuracy` on the line art's regions (`metrics.regions.line_regions`); tests that hold a
ground-truth label map of materials pass `split_components(labels)` as the segments.
"""

from __future__ import annotations

import math

import numpy as np

SEGMENT_MIN_PIXELS = 10  # BasicPBC's threshold for acc_thres: segments with more pixels than this
# GT is flat when at least FLAT_SEGMENTS of its segments have one colour on >= FLAT_SHARE of their pixels
# (anti-aliased line fringes stay below half of a segment; a painted or generated GT has no such colour).
FLAT_SEGMENTS = 0.6
FLAT_SHARE = 0.5
MAX_FLAT_COLOURS = 1024  # without a sketch, a GT with more distinct colours is not flat
LINE_TOLERANCE = 8  # line fidelity: max per-channel difference (0..255) of a preserved line pixel
LINE_DARKNESS = 128  # line fidelity: a drawing pixel whose luma (BT.601) is below this is a line pixel


def dark_pixels(sketch: np.ndarray, level: int = LINE_DARKNESS) -> np.ndarray:
    """(H, W) bool: the drawing's dark pixels (luma < level) of a (H, W, 3) uint8 sketch."""
    rgb = sketch.astype(np.float32)
    luma = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    return luma < level


def line_fidelity(
    pred: np.ndarray, sketch: np.ndarray, line_mask: np.ndarray | None = None, tolerance: int = LINE_TOLERANCE
) -> float:
    """Share of the sketch's line pixels whose colour the output kept (max channel diff <= tolerance).

    `pred` and `sketch` are (H, W, 3) uint8; NaN when the sketch has no line pixels. By default the line
    pixels are the input drawing's dark pixels (`dark_pixels`), every one of them, so line pixels a
    colorizer painted over (specks it removed, lines it thinned) count as lost.
    """
    if line_mask is None:
        line_mask = dark_pixels(sketch)
    count = int(line_mask.sum())
    if count == 0:
        return math.nan
    diff = np.abs(pred[line_mask].astype(np.int16) - sketch[line_mask].astype(np.int16)).max(axis=-1)
    return float(np.count_nonzero(diff <= tolerance) / count)


def _codes(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.int64)
    return (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]


def segment_modes(labels: np.ndarray, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Most frequent RGB code per label → (codes (N+1,) int64, share of pixels having it (N+1,))."""
    n = int(labels.max()) + 1
    keys = labels.astype(np.int64).ravel() * (1 << 24) + _codes(rgb).ravel()
    uniq, counts = np.unique(keys, return_counts=True)
    seg, code = uniq >> 24, uniq & ((1 << 24) - 1)
    order = np.lexsort((-counts, seg))  # by segment, most frequent first
    first = np.ones(len(order), dtype=bool)
    first[1:] = seg[order][1:] != seg[order][:-1]
    best = order[first]
    modes = np.full(n, -1, dtype=np.int64)
    share = np.zeros(n)
    totals = np.bincount(labels.ravel(), minlength=n).astype(np.float64)
    modes[seg[best]] = code[best]
    share[seg[best]] = counts[best] / np.maximum(totals[seg[best]], 1)
    return modes, share


def split_components(ids: np.ndarray) -> np.ndarray:
    """Relabel every id's 4-connected components as segments 1..N; id 0 (line) stays 0.

    A ground-truth label map that names materials (both shoes one id) becomes BasicPBC's segment map
    (one label per line-enclosed region)."""
    import cv2
    from scipy import ndimage

    values, dense = np.unique(ids, return_inverse=True)
    dense = dense.reshape(ids.shape).astype(np.int32)
    if values[0] != 0:  # no line pixels: shift so that every id gets a slot (find_objects skips 0)
        dense += 1
    out = np.zeros(ids.shape, dtype=np.int32)
    offset = 0
    for k, box in enumerate(ndimage.find_objects(dense), start=1):  # each id inside its bounding box only
        if box is None:
            continue
        mask = dense[box] == k
        count, comp = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
        out[box][mask] = comp[mask] + offset
        offset += count - 1
    return out


def colour_components(gt: np.ndarray) -> np.ndarray | None:
    """4-connected components of equal colour, labels from 1; None when the GT does not look flat
    (more than MAX_FLAT_COLOURS colours, or components averaging under 4 pixels)."""
    codes = _codes(gt)
    if len(np.unique(codes)) > MAX_FLAT_COLOURS:
        return None
    labels = split_components(codes + 1)  # + 1: colour code 0 (black) is a colour here, not the line id
    if labels.max() > codes.size / 4:  # mostly specks of a few pixels: noise or a gradient, not flat paint
        return None
    return labels


def segment_accuracy(
    pred: np.ndarray,
    gt: np.ndarray,
    labels: np.ndarray | None = None,
    gt_alpha: np.ndarray | None = None,
    tolerance: int = 0,
) -> dict[str, float] | None:
    """BasicPBC metrics {acc, acc_thres, pix_acc, pix_acc_wobg} in [0, 1], or None if GT is not flat.

    `pred`, `gt`: (H, W, 3) uint8; `labels`: (H, W) int with 0 = line (from the sketch), or None to
    use the GT's own equal-colour components. `tolerance` > 0 accepts a per-channel difference.
    """
    if labels is None:
        labels = colour_components(gt)
        if labels is None:
            return None
    labels = labels.astype(np.int64)
    gt_modes, gt_share = segment_modes(labels, gt)
    areas = np.bincount(labels.ravel(), minlength=len(gt_modes)).astype(np.float64)
    segs = np.nonzero(areas > 0)[0]
    segs = segs[segs != 0]
    if len(segs) == 0:
        return None
    if np.mean(gt_share[segs] >= FLAT_SHARE) < FLAT_SEGMENTS:
        return None  # GT is not flat: per-segment exact colours are meaningless
    pred_modes, _ = segment_modes(labels, pred)

    def unpack(code: np.ndarray) -> np.ndarray:
        return np.stack([(code >> 16) & 255, (code >> 8) & 255, code & 255], axis=-1)

    diff = np.abs(unpack(pred_modes[segs]) - unpack(gt_modes[segs])).max(axis=-1)
    correct = diff <= tolerance
    area = areas[segs]
    background = gt_modes[segs] == 0xFFFFFF
    if gt_alpha is not None:
        alpha_sum = np.bincount(labels.ravel(), weights=gt_alpha.ravel(), minlength=len(areas))
        background |= alpha_sum[segs] / area < 0.5
    big = area > SEGMENT_MIN_PIXELS
    foreground = ~background

    def ratio(num: float, den: float) -> float:
        return float(num / den) if den > 0 else math.nan

    return {
        "acc": ratio(correct.sum(), len(segs)),
        "acc_thres": ratio((correct & big).sum(), big.sum()),
        "pix_acc": ratio(area[correct].sum(), area.sum()),
        "pix_acc_wobg": ratio(area[correct & foreground].sum(), area[foreground].sum()),
    }
