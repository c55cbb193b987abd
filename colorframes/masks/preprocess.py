"""Input conventions of the segmentation networks (numpy + OpenCV, no torch needed).

Three conventions exist in the wild and each checkpoint was trained or wired with one of them:

* ``sketch``   official ISNet-sketch (`sketch-segment`): black lines on white in [-1, 1], stretched to
  S x S bicubic; the probability map is resized back bicubic and clamped. No dilation.
* ``official`` official ISNet reference path (`isnetis` in the colorizer): letterbox to S (longest
  side, bicubic) padded with -1, the network sees the *inverted* image 1 - (x + 1) / 2; crop, resize.
* ``skytnt``   SkyTNT anime-segmentation (`isnetis.onnx`): RGB / 255 (no mean/std), letterbox with
  zero padding centred; crop the pad back out and resize.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONVENTIONS = ("sketch", "official", "skytnt")


@dataclass(frozen=True)
class Box:
    """Where the content sits inside the S x S network input (rows top:top+h, cols left:left+w)."""

    top: int
    left: int
    h: int
    w: int


def letterbox(img: np.ndarray, size: int, pad_value: float) -> tuple[np.ndarray, Box]:
    """(H, W, C) float32 -> ((size, size, C) float32 centred and padded, content box)."""
    import cv2

    h0, w0 = img.shape[:2]
    if h0 > w0:
        h, w = size, max(1, int(size * w0 / h0))
    else:
        h, w = max(1, int(size * h0 / w0)), size
    top, left = (size - h) // 2, (size - w) // 2
    out = np.full((size, size, img.shape[2]), pad_value, np.float32)
    out[top : top + h, left : left + w] = cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC)
    return out, Box(top, left, h, w)


def to_input(rgb: np.ndarray, convention: str, size: int) -> tuple[np.ndarray, Box]:
    """(H, W, 3) uint8 RGB -> ((1, 3, size, size) float32 network input, content box)."""
    import cv2

    x = rgb.astype(np.float32)
    if convention == "sketch":
        x = x / 127.5 - 1.0  # black lines on white, [-1, 1]
        square = cv2.resize(x, (size, size), interpolation=cv2.INTER_CUBIC)
        box = Box(0, 0, size, size)
    elif convention == "official":
        square, box = letterbox(x / 127.5 - 1.0, size, pad_value=-1.0)
        square = 1.0 - (square + 1.0) / 2.0  # the official reference path inverts its input
    elif convention == "skytnt":
        square, box = letterbox(x / 255.0, size, pad_value=0.0)
    else:
        raise ValueError(f"unknown convention {convention!r}; expected one of {CONVENTIONS}")
    return np.ascontiguousarray(square.transpose(2, 0, 1)[None]), box  # (1, 3, S, S)


def from_output(prob: np.ndarray, box: Box, out_hw: tuple[int, int]) -> np.ndarray:
    """(S, S) probabilities -> (H, W) float32 in [0, 1]: crop the content box, resize bicubic, clamp."""
    import cv2

    crop = np.ascontiguousarray(prob[box.top : box.top + box.h, box.left : box.left + box.w], np.float32)
    h, w = out_hw
    resized = cv2.resize(crop, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(resized, 0.0, 1.0).astype(np.float32, copy=False)
