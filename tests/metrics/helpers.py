"""Tiny synthetic shots for the metric tests (generated here, no external images)."""

import cv2
import numpy as np


def textured(h: int = 64, w: int = 80, seed: int = 0) -> np.ndarray:
    """Smooth random RGB texture, uint8, that DIS can track."""
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.random((h + 40, w + 40, 3)).astype(np.float32), (0, 0), 3)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)
    return base.astype(np.uint8)


def moving_shot(frames: int = 3, shift: int = 2, h: int = 64, w: int = 80) -> dict[int, np.ndarray]:
    """A texture panning right by `shift` px per frame, numbered from 1001."""
    big = textured(h, w)
    return {
        1001 + i: np.ascontiguousarray(big[10 : 10 + h, 20 - i * shift : 20 - i * shift + w]) for i in range(frames)
    }


def sketch(h: int = 48, w: int = 64) -> np.ndarray:
    """Line art: three closed regions on paper (black 2 px lines)."""
    art = np.full((h, w, 3), 255, np.uint8)
    cv2.rectangle(art, (4, 4), (28, 40), (0, 0, 0), 2)
    cv2.rectangle(art, (34, 6), (58, 26), (0, 0, 0), 2)
    cv2.line(art, (5, 22), (27, 22), (0, 0, 0), 2)
    return art
