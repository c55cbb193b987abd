"""Background a keyframe shows only in part, uncovered by a part walking past under a pan (issue 16, `dense`:
the crowd's shirts half behind the walking character).

The scene: a row of look-alike shirts (three colours) in front of a stony wall, the camera panning left, and a
figure walking right in front of them. The keyframe shows some shirts only in part (the rest behind the
figure). Once the figure has moved on, the chain cannot give such a shirt its colour (its flow steps and the
flow straight from the keyframe were dragged along by the figure), and its form matches a shirt of any of
the three colours. But the camera's shift alone lays the part the keyframe shows inside it
(`WeakRegions._shift_vote`): a flat region has one colour, so it is the keyframe's colour there.
"""

from __future__ import annotations

import cv2
import numpy as np
from flat_helpers import colorize_shot

SIZE = (200, 400)  # (H, W)
SHIRTS = ((200, 60, 60), (60, 100, 180), (80, 160, 90))
WALL, SKIN, TROUSERS = (178, 150, 120), (250, 214, 184), (70, 74, 96)
SHIRT_X = [20 + 34 * k + (5 * k * k) % 9 for k in range(-2, 14)]  # irregular: no periodic pattern to alias
SHIRT_Y, SHIRT_AXES = 130, (14, 24)
_rng = np.random.default_rng(3)
_stone = np.stack([_rng.integers(-60, 460, 90), _rng.integers(10, 195, 90), _rng.integers(4, 9, 90)], axis=1)
STONES = [tuple(int(v) for v in row) for row in _stone]  # (x, y, radius)
PAN, STEP, FIGURE_X, FIGURE_W = 4, 16, 120, 36  # px per frame (camera, figure); the figure's x in the keyframe
N = 7


def _shirt_colour(k: int) -> tuple[int, int, int]:
    return SHIRTS[(k * 7 + k // 3) % 3]


def scene(t: int, coloured: bool) -> np.ndarray:
    """Frame t's line art, or its colours with `coloured`: (H, W, 3) uint8."""
    img = np.full((*SIZE, 3), WALL if coloured else (255, 255, 255), np.uint8)
    ink, off = (0, 0, 0), -PAN * t
    for x, y, r in STONES:  # thin texture: the camera's shift is the wall's, not the figure's
        cv2.circle(img, (x + off, y), r, ink, 2, cv2.LINE_AA)
    cv2.line(img, (0, 90), (SIZE[1], 90), ink, 1)
    for k in range(8):  # pebbles along the bottom
        cv2.circle(img, (30 + 57 * k + off, 170 + (13 * k) % 20), 6 + k % 3, ink, 2, cv2.LINE_AA)
    for k, x in enumerate(SHIRT_X, start=-2):
        if coloured:
            cv2.ellipse(img, (x + off, SHIRT_Y), SHIRT_AXES, 0, 0, 360, _shirt_colour(k), -1)
        cv2.ellipse(img, (x + off, SHIRT_Y), SHIRT_AXES, 0, 0, 360, ink, 1, cv2.LINE_AA)
    fx = FIGURE_X + STEP * t
    cv2.rectangle(img, (fx, 40), (fx + FIGURE_W, 195), (255, 255, 255), -1)
    if coloured:
        cv2.rectangle(img, (fx, 40), (fx + FIGURE_W, 110), SKIN, -1)
        cv2.rectangle(img, (fx, 110), (fx + FIGURE_W, 195), TROUSERS, -1)
    cv2.rectangle(img, (fx, 40), (fx + FIGURE_W, 195), ink, 5)
    cv2.line(img, (fx, 110), (fx + FIGURE_W, 110), ink, 5)
    return img


def _hidden_share(x0: int, x1: int, fx: int) -> float:
    """Share of the span [x0, x1) behind the figure at `fx` (its outline included)."""
    return max(0, min(x1, fx + FIGURE_W + 3) - max(x0, fx - 3)) / (x1 - x0)


def test_background_the_keyframe_shows_in_part_takes_its_keyframe_colour_once_uncovered():
    frames = {t + 1: scene(t, False) for t in range(N)}
    img, _ = colorize_shot(SIZE, frames, {1: scene(0, True)})
    checked, in_part, wrong = 0, 0, []
    last = FIGURE_X + STEP * (N - 1)
    for k, x in enumerate(SHIRT_X, start=-2):
        now = x - PAN * (N - 1)
        span = (x - SHIRT_AXES[0], x + SHIRT_AXES[0])
        hidden = _hidden_share(*span, FIGURE_X)
        if not SHIRT_AXES[0] < now < SIZE[1] - SHIRT_AXES[0] or hidden >= 1.0:
            continue  # out of view now, or no keyframe shows it: nothing to know
        if _hidden_share(now - SHIRT_AXES[0], now + SHIRT_AXES[0], last) > 0:
            continue  # still (partly) behind the figure
        checked += 1
        in_part += hidden > 0
        got = tuple(int(v) for v in img[SHIRT_Y, now])
        if got != _shirt_colour(k):
            wrong.append((k, round(hidden, 2), got))
    assert checked >= 8 and in_part >= 2  # the case in question occurs
    assert wrong == []
