"""Line and mask-edge helpers shared by harmonization and process export.

Lines come from the sketch (black on white): a pixel darker than `threshold` is a line pixel. Anti-aliased
halo pixels between `threshold` and `paper` are partly line; `line_weight` gives that as a soft weight so an
edit can fade out toward a line instead of stopping with a hard step next to it.
"""

from __future__ import annotations

import numpy as np

LINE_THRESHOLD = 128  # grey value below which a sketch pixel is a line pixel (darker than half grey)
PAPER = 250  # grey value above which a sketch pixel is clean paper


def sketch_grey(sketch: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 sketch -> (H, W) float32 grey in [0, 255]; darkest channel, so coloured lines count."""
    return sketch.min(axis=2).astype(np.float32)


def line_mask(sketch: np.ndarray, threshold: int = LINE_THRESHOLD) -> np.ndarray:
    """(H, W) bool: the sketch's line pixels."""
    return sketch_grey(sketch) < threshold


def line_weight(sketch: np.ndarray, threshold: int = LINE_THRESHOLD, paper: int = PAPER) -> np.ndarray:
    """(H, W) float32: 1 on line pixels, 0 on clean paper, a linear ramp over the anti-aliased halo."""
    grey = sketch_grey(sketch)
    return np.clip((paper - grey) / float(max(paper - threshold, 1)), 0.0, 1.0).astype(np.float32)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Edge-preserving smoothing of `src` (H, W) steered by `guide` (H, W), both float in [0, 1].

    The guided filter of He, Sun and Tang (ECCV 2010): a local linear model src ~ a * guide + b per window,
    so `src` edges that coincide with `guide` edges stay sharp while edges the guide does not have get a
    soft ramp about `radius` wide.
    """
    import cv2

    size = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, cv2.CV_64F, size, borderType=cv2.BORDER_REFLECT)

    guide = guide.astype(np.float64)
    src = src.astype(np.float64)
    mean_i, mean_p = box(guide), box(src)
    cov_ip = box(guide * src) - mean_i * mean_p
    var_i = box(guide * guide) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return (box(a) * guide + box(b)).astype(np.float32)


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """(H, W) bool grown by `radius` pixels (Euclidean disk).

    Uses an exact distance transform, which costs the same for any radius (a 90 px structuring element
    would take seconds at 1080p).
    """
    import cv2

    if radius <= 0:
        return mask.astype(bool, copy=True)
    if not mask.any():
        return np.zeros(mask.shape, dtype=bool)
    outside = (~mask.astype(bool)).astype(np.uint8)
    distance = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)  # to the nearest True
    return distance <= radius
