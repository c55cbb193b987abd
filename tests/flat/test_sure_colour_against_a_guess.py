"""A guess from look-alikes of several colours never overturns a colour the chain is sure of (issue 16, xdog:
a green region held surely, asked again only because its colour was held over the keyframe's area, flipped
to a paper-like guess when a 12 px change of its outline made it repeat look-alikes of several colours).

The scene: a wall of bricks of three colours with one green square (two bricks high) in it; in the frame a
line splits the square into two brick-shaped halves, both still green. Their outline now repeats the bricks'
(`instances.twins`: look-alikes of several colours, the form names the kind of part only, a guess), not the
keyframe's green square. The chain holds them green surely; a neighbouring brick it wrongly painted green
makes the frame hold more green than the keyframe shows, so `_recognise_twins` asks them again.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import moved_pair

from colorframes.backends.flat.params import DEFAULT_PARAMS

SIZE = (180, 320)  # (H, W)
BRICKS = ((178, 80, 60), (150, 88, 70), (196, 104, 76))
GREEN = (60, 150, 120)
BRICK_W, BRICK_H = 40, 20
SQUARE = (3, 3)  # (row, col) of the square's top brick cell; it covers rows 3 and 4


def _brick_colour(row: int, col: int) -> tuple[int, int, int]:
    return BRICKS[(row * 2 + col * 5 + (row * col) % 3) % 3]


def scene(split: bool, coloured: bool) -> np.ndarray:
    """The line art (the square split in two with `split`), or its colours with `coloured`: (H, W, 3) uint8."""
    img = np.full((*SIZE, 3), 255, np.uint8)
    ink = (0, 0, 0)
    row0, col0 = SQUARE
    for row in range(SIZE[0] // BRICK_H):
        for col in range(SIZE[1] // BRICK_W):
            x0, y0 = col * BRICK_W, row * BRICK_H
            square = col == col0 and row in (row0, row0 + 1)
            if coloured:
                colour = GREEN if square else _brick_colour(row, col)
                cv2.rectangle(img, (x0, y0), (x0 + BRICK_W, y0 + BRICK_H), colour, -1)
            if not square:
                cv2.rectangle(img, (x0, y0), (x0 + BRICK_W, y0 + BRICK_H), ink, 2, cv2.LINE_AA)
    x0, y0 = col0 * BRICK_W, row0 * BRICK_H
    cv2.rectangle(img, (x0, y0), (x0 + BRICK_W, y0 + 2 * BRICK_H), ink, 2, cv2.LINE_AA)
    if split:
        cv2.line(img, (x0, y0 + BRICK_H), (x0 + BRICK_W, y0 + BRICK_H), ink, 2, cv2.LINE_AA)
    return img


def _at(labels: np.ndarray, row: int, col: int) -> int:
    return int(labels[row * BRICK_H + BRICK_H // 2, col * BRICK_W + BRICK_W // 2])


@pytest.mark.parametrize("unsure_halves", [False, True])
def test_a_guess_moves_only_what_the_chain_was_unsure_of(unsure_halves):
    tracker, state = moved_pair(scene, SIZE)
    labels = state.regions.labels
    row0, col0 = SQUARE
    halves = np.array([_at(labels, row0, col0), _at(labels, row0 + 1, col0)])
    wrong = _at(labels, row0, col0 + 1)  # the brick beside the square
    assert (halves > 0).all() and halves[0] != halves[1] and wrong not in halves
    green = tracker.palette.index(GREEN)
    sure = DEFAULT_PARAMS.carry_min + 0.01  # barely sure: the xdog region held 0.555
    state.color[halves], state.confidence[halves] = green, sure
    state.color[wrong], state.confidence[wrong] = green, 0.9  # the frame now holds more green than the keyframe
    unsure = np.zeros(state.regions.count + 1, bool)
    unsure[halves] = unsure_halves
    tracker._recognise_twins(state, unsure)
    got = [tuple(int(v) for v in tracker.palette.rgb[state.color[r]]) for r in halves]
    if unsure_halves:  # what the chain was unsure of takes the look-alikes' guess, kept in the report
        assert all(c in BRICKS for c in got), got
        assert (state.confidence[halves] < DEFAULT_PARAMS.low_confidence).all()
    else:  # a sure colour is no guess's to overturn
        assert got == [GREEN, GREEN]
        assert np.allclose(state.confidence[halves], sure)
