"""Closed line-art regions for line fidelity, segment accuracy and the flattener.

The one segmentation of colorframes: `foundation.lineart.segment_regions`, the flat backend's paint-bucket
regions. No fallback: what `eval` measures is exactly what the colorizer paints.
"""

from __future__ import annotations

import numpy as np

from ..foundation.lineart import segment_regions


def line_regions(sketch: np.ndarray, gap_radius: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) uint8 line art → (labels (H, W) int32 with 0 = line, line_mask (H, W) bool)."""
    regions = segment_regions(np.ascontiguousarray(sketch[..., :3]), gap_radius)
    return regions.labels.astype(np.int32), regions.line_mask.astype(bool)
