"""Small helpers around soft masks: thresholds for viewing, 8-bit export, overlap scores."""

from __future__ import annotations

import numpy as np


def binarize(mask: np.ndarray, threshold: float) -> np.ndarray:
    """(H, W) float mask -> (H, W) bool figure, `mask > threshold` as the split attention selects (ts_s).

    For the reference, the official rule is `mask >= ts_r`; pass `inclusive=True` via `binarize_ref`.
    """
    return np.asarray(mask) > threshold


def binarize_ref(mask: np.ndarray, threshold: float) -> np.ndarray:
    """(H, W) float reference mask -> (H, W) bool figure, `mask >= ts_r` (official reference rule)."""
    return np.asarray(mask) >= threshold


def to_uint8(mask: np.ndarray) -> np.ndarray:
    """(H, W) float32 in [0, 1] -> (H, W) uint8 grey, 255 = figure (what `segment` and --save-masks write)."""
    return (np.clip(np.asarray(mask, np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks; 1.0 when both are empty."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)
