"""A part of the background that a character hides in the keyframe and uncovers later (shaded: the yellow
house's window behind Ren's head, the door behind his shirt; issue 16).

The scene: a wall with two windows (white frame, blue pane); in the keyframe a head (a skin disc) hides the
right-hand window completely, then moves right and uncovers it. The keyframe shows the window's colours in
the left-hand window only, so no flow from the keyframe leads to them: at the uncovered pane's place the
keyframe has the head, which is found again elsewhere in the frame. The uncovered pane repeats the
left-hand pane's outline (`instances.twins`), so it takes its colour.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import colorize_shot, draw_windows

SIZE = (180, 320)  # (H, W)
WALL, FRAME, PANE, SKIN = (230, 210, 150), (250, 250, 250), (200, 230, 246), (250, 214, 184)
WINDOWS = ((60, 70), (190, 70))  # centres (x, y)
STEP = 14  # px the head moves right per frame
N = 6


def scene(t: int, coloured: bool) -> np.ndarray:
    """Frame t's line art, or its colours with `coloured`: (H, W, 3) uint8."""
    img = np.full((*SIZE, 3), WALL if coloured else (255, 255, 255), np.uint8)
    ink = (0, 0, 0)
    draw_windows(img, WINDOWS, coloured, FRAME, PANE)
    head = (190 + STEP * t, 75)
    cv2.circle(img, head, 32, SKIN if coloured else (255, 255, 255), -1)
    cv2.circle(img, head, 32, ink, 2, cv2.LINE_AA)
    return img


@pytest.fixture(scope="module")
def last_frame() -> np.ndarray:
    """The colorized last frame (the right-hand window fully uncovered), keyframe = frame 1."""
    return colorize_shot(SIZE, {1 + t: scene(t, False) for t in range(N)}, {1: scene(0, True)})[0]


def _colour(img: np.ndarray, x: int, y: int, r: int = 8) -> tuple[int, int, int]:
    """Most frequent colour in the (2r+1)² box around (x, y)."""
    box = img[y - r : y + r + 1, x - r : x + r + 1].reshape(-1, 3)
    cols, counts = np.unique(box, axis=0, return_counts=True)
    return tuple(int(v) for v in cols[np.argmax(counts)])


def test_what_the_keyframe_shows_keeps_its_colours(last_frame):
    (ax, ay), _ = WINDOWS
    assert _colour(last_frame, ax, ay) == PANE
    assert _colour(last_frame, 190 + STEP * (N - 1), 75) == SKIN


def test_a_window_the_keyframe_hides_is_a_window_once_uncovered(last_frame):
    (_, _), (bx, by) = WINDOWS
    assert _colour(last_frame, bx, by) == PANE
