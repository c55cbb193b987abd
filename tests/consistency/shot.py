"""A tiny moving cel shot generated in code: line art, flat ground truth and a noisy 'colorized' take."""

import cv2
import numpy as np

SKIN, HAIR, SHIRT = (240, 200, 170), (90, 50, 30), (40, 90, 200)
PALETTE = np.array([SKIN, HAIR, SHIRT, (255, 255, 255)], np.float32) / 255.0


def frame(t: int, h: int = 64, w: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """(sketch uint8, flat ground truth uint8) of frame t: a figure moving 2 px right per frame."""
    x = 10 + 2 * t
    sketch = np.full((h, w, 3), 255, np.uint8)
    cv2.circle(sketch, (x + 15, 18), 11, (0, 0, 0), 2)  # head
    cv2.line(sketch, (x + 5, 14), (x + 25, 14), (0, 0, 0), 2)  # hairline
    cv2.rectangle(sketch, (x + 3, 31), (x + 27, 58), (0, 0, 0), 2)  # shirt
    gt = np.full((h, w, 3), 255, np.uint8)
    cv2.circle(gt, (x + 15, 18), 11, SKIN, -1)
    gt[:14][(gt[:14] == SKIN).all(-1)] = HAIR
    cv2.rectangle(gt, (x + 3, 31), (x + 27, 58), SHIRT, -1)
    gt[(sketch < 128).all(-1)] = 0
    return sketch, gt


def colorized(gt: np.ndarray, t: int, noise: float = 0.04, drift: float = 0.03) -> np.ndarray:
    """A generator-like take: per-pixel noise, a per-frame colour drift, blurred lines. float32."""
    rng = np.random.default_rng(100 + t)
    img = cv2.GaussianBlur(gt.astype(np.float32) / 255.0, (3, 3), 0)
    img = img + rng.normal(0, noise, img.shape) + drift * np.sin(t + np.arange(3))
    return np.clip(img, 0, 1).astype(np.float32)
