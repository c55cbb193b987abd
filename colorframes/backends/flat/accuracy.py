"""Segment accuracy of a flat colorization against ground truth (paint-bucket protocol).

A GT segment is a connected run of one GT region id (0 = line, excluded). Its predicted colour is the
most frequent predicted RGB inside it; it is correct when that equals the GT colour exactly (no
tolerance, as in BasicPBC's `acc` / `pix_acc`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def segment_accuracy(
    pred_rgb: np.ndarray, gt_labels: np.ndarray, palette: Mapping[int, tuple[int, int, int]], min_pixels: int = 1
) -> dict[str, float]:
    """{"acc": count-weighted, "pix_acc": pixel-weighted, "segments": n} over GT segments ≥ min_pixels.

    pred_rgb: (H, W, 3) uint8; gt_labels: (H, W) int (0 = line); palette: GT id → RGB.
    """
    import cv2

    labels = gt_labels.astype(np.int64)
    n_ids = int(labels.max()) + 1
    seg_key = np.zeros(labels.shape, np.int64)
    offset = 0
    for gid in np.unique(labels):
        if gid == 0:
            continue
        n, cc = cv2.connectedComponents((labels == gid).astype(np.uint8), connectivity=4)
        seg_key = np.where(cc > 0, cc + offset, seg_key)
        offset += n - 1
    pred_code = (pred_rgb[..., 0].astype(np.int64) << 16) | (pred_rgb[..., 1].astype(np.int64) << 8) | pred_rgb[..., 2]
    gt_rgb = np.zeros((n_ids, 3), np.int64)
    for gid, rgb in palette.items():
        if 0 <= int(gid) < n_ids:
            gt_rgb[int(gid)] = rgb
    gt_code = (gt_rgb[:, 0] << 16) | (gt_rgb[:, 1] << 8) | gt_rgb[:, 2]
    inside = seg_key > 0
    seg = seg_key[inside]
    codes = pred_code[inside]
    gids = labels[inside]
    order = np.lexsort((codes, seg))
    seg, codes, gids = seg[order], codes[order], gids[order]
    # Runs of identical (segment, colour): the longest run per segment is its predicted colour.
    brk = np.flatnonzero((np.diff(seg) != 0) | (np.diff(codes) != 0)) + 1
    starts = np.concatenate([[0], brk])
    lengths = np.diff(np.concatenate([starts, [seg.size]]))
    run_seg = seg[starts]
    total = np.bincount(seg, minlength=offset + 1)
    best_len = np.zeros(offset + 1, np.int64)
    np.maximum.at(best_len, run_seg, lengths)
    is_best = lengths == best_len[run_seg]
    correct = np.zeros(offset + 1, bool)
    hit = is_best & (codes[starts] == gt_code[gids[starts]])
    correct[run_seg[hit]] = True
    # A tie between two colours counts as correct only if the GT colour is among the winners.
    used = total >= max(1, min_pixels)
    used[0] = False
    n_used = int(used.sum())
    if n_used == 0:
        return {"acc": 1.0, "pix_acc": 1.0, "segments": 0}
    return {
        "acc": float(correct[used].sum() / n_used),
        "pix_acc": float(total[used & correct].sum() / total[used].sum()),
        "segments": n_used,
    }
