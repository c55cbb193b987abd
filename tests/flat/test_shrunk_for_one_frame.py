"""A part half hidden by another is weak for the frame it shrank in only (`ShotTracker._carry`, `shrunk`).

The scene: two red cushions, a tall skin-coloured arm and a green box, black outlines on a blue wall. In the
keyframe the arm hides most of the right cushion and stands on the green box. It slides left, uncovering that
cushion, then swings onto the left one in one step (the cushion's visible piece continues the whole cushion
alone at about two thirds of its area: `shrunk`) and keeps sliding over it, so the piece shrinks towards the
green box's outline. The flow straight from the keyframe cannot vouch for the piece: the uncovered cushion
already holds about the keyframe's red area (a part keeps roughly its area), so only the chain does. Carried
weak along the chain, the piece was asked again every frame, and once its outline repeated the green box's
(which the keyframe also shows next to the arm) it took the box's colour. Weak for its own frame only, it
keeps its colour and the chain's confidence.
"""

from __future__ import annotations

import cv2
import numpy as np
from flat_helpers import frame, rgb_u8, shot

from colorframes.backends.flat import FlatColorizer

SIZE = (240, 480)  # (H, W)
WALL, RED, GREEN, SKIN = (88, 120, 152), (200, 72, 56), (72, 168, 88), (232, 184, 152)
LEFT, RIGHT, BOX = (20, 40, 150, 120), (240, 40, 364, 120), (250, 150, 312, 227)  # (x0, y0, x1, y1)
ARM_X = (236, 220, 200, 180, 158, 154, 110, 104, 98, 92, 86, 80)  # the arm's left edge per frame (86 px wide)
SWING = 7  # the frame the arm swings onto the left cushion in


def drawing(t: int, coloured: bool) -> np.ndarray:
    """Frame t's line art, or with `coloured` its colours (the keyframe)."""
    img = np.full((*SIZE, 3), WALL if coloured else (255, 255, 255), np.uint8)
    x = ARM_X[t - 1]
    for (x0, y0, x1, y1), rgb in ((LEFT, RED), (RIGHT, RED), (BOX, GREEN), ((x, 20, x + 86, 150), SKIN)):
        if coloured or rgb == SKIN:  # the arm is opaque in the line art too
            cv2.rectangle(img, (x0, y0), (x1, y1), rgb if coloured else (255, 255, 255), -1)
        cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2, cv2.LINE_AA)
    return img


def test_a_cushion_half_hidden_by_an_arm_keeps_its_colour_and_the_chains_confidence():
    frames = {t: drawing(t, False) for t in range(1, len(ARM_X) + 1)}
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(SIZE, keyframes={1: drawing(1, True)}, first_frame=1, loader=frames.get))
    carry_min = c.tracker.params.carry_min
    area, colours, confidence = {}, {}, {}
    for t in sorted(frames):
        out = rgb_u8(c.colorize([frame(t, frames[t])])[0].image)
        state = c.tracker._states[t]
        piece = state.regions.labels[60, 30]  # the left cushion's visible piece (never under the arm)
        inside = state.regions.labels == piece
        cols, counts = np.unique(out[inside], axis=0, return_counts=True)
        area[t], confidence[t] = int(inside.sum()), float(state.confidence[piece])
        colours[t] = tuple(int(v) for v in cols[np.argmax(counts)])
    # The scene does what it says: the piece continues the cushion alone, much smaller, in the swing's frame
    # only; it shrinks on by less than `split_slack` a frame, below half the keyframe's cushion.
    slack = c.tracker.params.split_slack
    assert (1.0 + slack) * area[SWING] < area[SWING - 1]
    assert all((1.0 + slack) * area[t] > area[t - 1] for t in frames if t not in (1, SWING))
    assert area[len(ARM_X)] < 0.5 * area[1]
    assert {t: rgb for t, rgb in colours.items() if rgb != RED} == {}  # never the green box's colour
    assert {t: round(v, 3) for t, v in confidence.items() if t > SWING and v < carry_min} == {}
