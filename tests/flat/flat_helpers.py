"""Helpers for the flat backend tests: a ShotSetup with an optional line-art loader, drawn shapes."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from colorframes.backends.base import FrameInput, ShotSetup


@dataclass(frozen=True)
class LoaderShot(ShotSetup):
    """ShotSetup plus the runner's line-art loader (the field the flat backend asks the runner for)."""

    sketch_loader: object = None


def shot(frame_size, *, reference=None, keyframes=None, first_frame=1, loader=None, alpha=None) -> ShotSetup:
    return LoaderShot(
        name="t", seed=0, frame_size=frame_size, reference=reference, reference_alpha=alpha,
        reference_mask=None, keyframes=dict(keyframes or {}), first_frame=first_frame, sketch_loader=loader,
    )  # fmt: skip


def frame(number: int, sketch: np.ndarray) -> FrameInput:
    return FrameInput(number, sketch, np.ones(sketch.shape[:2], np.float32))


def rgb_u8(result_image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(result_image * 255.0), 0, 255).astype(np.uint8)


def two_boxes(size=(120, 200), gap=0, paper=255, thickness=2) -> np.ndarray:
    """Two closed rectangles side by side; `gap` opens the left one's right edge by that many px."""
    img = np.full((*size, 3), paper, np.uint8)
    cv2.rectangle(img, (20, 20), (90, 100), (0, 0, 0), thickness, cv2.LINE_AA)
    cv2.rectangle(img, (110, 20), (180, 100), (0, 0, 0), thickness, cv2.LINE_AA)
    if gap:
        img[58 : 58 + gap, 86:95] = paper
    return img
