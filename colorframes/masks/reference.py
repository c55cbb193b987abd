"""Classical reference (character sheet) masks and the official 11x11 reference dilation.

A character sheet is a coloured figure on a flat backdrop. Its alpha channel is the best mask when
present; otherwise the backdrop colour is estimated from the image border and flood-filled from the
border with a colour tolerance (so interior white such as eyes or shirts stays figure). The official
v1.5 pipeline dilates every reference mask with an 11x11 max-pool at the reference's own size; the same
is done here so threshold ts_r behaves the same way.
"""

from __future__ import annotations

import numpy as np

REFERENCE_DILATION = 11  # official: max_pool2d(kernel_size=11, stride=1, padding=5)
PAPER_TOLERANCE = 12  # max per-channel difference from the backdrop colour still counted as backdrop


def dilate_max(mask: np.ndarray, kernel: int = REFERENCE_DILATION) -> np.ndarray:
    """(H, W) float32 -> (H, W) float32 grey dilation with a kernel x kernel square (max-pool, stride 1)."""
    import cv2

    if kernel <= 1:
        return mask.astype(np.float32, copy=False)
    return cv2.dilate(mask.astype(np.float32, copy=False), np.ones((kernel, kernel), np.uint8))


def border_colour(rgb: np.ndarray) -> np.ndarray:
    """The backdrop colour: the per-channel median of the 1-pixel image border. (3,) uint8."""
    edge = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]], axis=0)  # (N, 3)
    return np.median(edge, axis=0).astype(np.uint8)


def backdrop_flood(rgb: np.ndarray, tolerance: int = PAPER_TOLERANCE) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W) float32 figure mask: 0 where the backdrop colour reaches the border."""
    import cv2

    paper = border_colour(rgb).astype(np.int16)
    diff = np.abs(rgb.astype(np.int16) - paper).max(axis=2)  # (H, W)
    near = np.where(diff <= tolerance, np.uint8(255), np.uint8(0))
    n, labels = cv2.connectedComponents(near, connectivity=4)
    touching = np.zeros(n, bool)
    for edge in (labels[0, :], labels[-1, :], labels[:, 0], labels[:, -1]):
        touching[edge] = True
    touching[0] = False  # label 0 = not backdrop-coloured
    return (~touching[labels]).astype(np.float32)


def classical_reference_mask(
    rgb: np.ndarray,
    alpha: np.ndarray | None = None,
    tolerance: int = PAPER_TOLERANCE,
    dilation: int = REFERENCE_DILATION,
) -> tuple[np.ndarray, list[str]]:
    """(H, W, 3) uint8 sheet (+ (H, W) float32 alpha) -> ((H, W) float32 dilated mask, warnings)."""
    warnings: list[str] = []
    if alpha is not None and float(alpha.min()) < 0.999:
        mask = np.clip(alpha.astype(np.float32), 0.0, 1.0)
    else:
        mask = backdrop_flood(rgb, tolerance)
    if not mask.any():
        warnings.append("reference has no figure (uniform image); its mask is empty")
    return np.clip(dilate_max(mask, dilation), 0.0, 1.0), warnings
