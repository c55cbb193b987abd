"""Tiny synthetic scenes for the compose tests: a two-region disk figure drawn in black on white."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

SIZE = (64, 72)  # (H, W): not square, to catch transposed axes


@pytest.fixture
def scene() -> dict:
    """sketch (H, W, 3) uint8, hard mask (H, W) float32, colorized figure (H, W, 3) float32, plate."""
    h, w = SIZE
    rng = np.random.default_rng(7)
    sketch = np.full((h, w, 3), 255, np.uint8)
    cv2.circle(sketch, (36, 32), 20, (0, 0, 0), 2, lineType=cv2.LINE_AA)  # outline, anti-aliased
    cv2.line(sketch, (36, 12), (36, 52), (0, 0, 0), 2)  # splits the figure into two regions
    cv2.rectangle(sketch, (2, 2), (10, 60), (0, 0, 0), 1)  # a background region
    mask = np.zeros((h, w), np.float32)
    cv2.circle(mask, (36, 32), 21, 1.0, -1)
    figure = np.ones((h, w, 3), np.float32)
    yy, xx = np.mgrid[:h, :w]
    left = (mask > 0) & (xx < 36)
    right = (mask > 0) & (xx >= 36)
    figure[left] = np.array([0.85, 0.35, 0.30]) + rng.normal(0, 0.04, (left.sum(), 3))
    figure[right] = np.array([0.30, 0.40, 0.80]) + rng.normal(0, 0.04, (right.sum(), 3))
    grey = sketch.min(axis=2).astype(np.float32)[:, :, None] / 255.0
    figure = np.clip(figure * grey, 0, 1).astype(np.float32)  # lines drawn over the paint
    plate = np.stack([0.25 + 0.3 * xx / w, 0.45 + 0.2 * yy / h, 0.30 + 0.0 * xx], axis=2) + rng.normal(
        0, 0.03, (h, w, 3)
    )
    return {
        "sketch": sketch,
        "mask": mask,
        "figure": figure,
        "plate": np.clip(plate, 0, 1).astype(np.float32),
    }
