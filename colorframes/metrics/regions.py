"""Closed line-art regions for line fidelity, segment accuracy and the flattener.

Delegates to the flat backend's paint-bucket segmentation (`segment_regions`) so every part of
colorframes agrees on what a region and a line pixel are. The small fallback (threshold + 4-connected
components) keeps these modules usable in a checkout without the flat backend.
"""

from __future__ import annotations

import numpy as np

LINE_GRAY = 128  # fallback: a pixel darker than this (0..255 grey) is a line pixel


def line_regions(sketch: np.ndarray, gap_radius: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) uint8 line art → (labels (H, W) int32 with 0 = line, line_mask (H, W) bool)."""
    try:
        from ..backends.flat.regions import segment_regions
    except ImportError:  # pragma: no cover - only in checkouts without the flat backend
        return _fallback_regions(sketch)
    regions = segment_regions(np.ascontiguousarray(sketch[..., :3]), gap_radius)
    return regions.labels.astype(np.int32), regions.line_mask.astype(bool)


def _fallback_regions(sketch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    gray = cv2.cvtColor(np.ascontiguousarray(sketch[..., :3]), cv2.COLOR_RGB2GRAY)
    line_mask = gray < LINE_GRAY
    _, labels = cv2.connectedComponents((~line_mask).astype(np.uint8), connectivity=4)
    return labels.astype(np.int32), line_mask
