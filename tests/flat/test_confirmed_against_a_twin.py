"""A colour the chain lost confidence in, that the flow straight from the keyframe names too, is not overturned
by an outline repeated elsewhere (issue 16, `dolly`/`harbour`: a row of awning stripes and a hull, weak for one
step, confirmed by that flow, went to a window's colour because their outline repeats the window's, and the
chain carried the window's colour to the shot's end).

The scene: a keyframe with a red door (a tall rectangle) at the left and a wide blue wall at the right; in the
frame a line draws a door-shaped panel into the wall, far from the door. The chain holds the panel blue but
weak; the flow from the keyframe lays it on the wall (blue): two readings. Its outline repeats the red door
(`instances.twins`): one reading, which moves it only while nothing but the chain vouched for it.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import moved_pair, weak_trial

from colorframes.backends.flat.params import DEFAULT_PARAMS

SIZE = (200, 320)  # (H, W)
RED, BLUE = (200, 50, 50), (60, 90, 200)
DOOR = (20, 50, 50, 140)  # x0, y0, x1, y1
WALL = (110, 20, 310, 180)
PANEL = (250, 50, 280, 140)  # the door's outline, inside the wall, 230 px from the door


def scene(panel: bool, coloured: bool) -> np.ndarray:
    """Line art (with the panel drawn into the wall with `panel`), or the keyframe's colours with `coloured`."""
    img = np.full((*SIZE, 3), 255, np.uint8)
    for (x0, y0, x1, y1), colour in ((DOOR, RED), (WALL, BLUE)):
        if coloured:
            cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
        cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2, cv2.LINE_AA)
    if panel:
        cv2.rectangle(img, PANEL[:2], PANEL[2:], (0, 0, 0), 2, cv2.LINE_AA)
    return img


@pytest.mark.parametrize("confirmed", [True, False])
def test_a_colour_the_keyframe_flow_confirms_is_no_twins_to_overturn(confirmed):
    tracker, state = moved_pair(scene, SIZE)
    labels = state.regions.labels
    panel = int(labels[(PANEL[1] + PANEL[3]) // 2, (PANEL[0] + PANEL[2]) // 2])
    wall = int(labels[WALL[1] + 10, WALL[0] + 10])
    assert panel > 0 and wall > 0 and panel != wall
    trial = weak_trial(tracker, state, panel, BLUE)  # the chain says blue, weakly (confidence 0.3)
    blue, red = tracker.palette.index(BLUE), tracker.palette.index(RED)
    assert trial.color[wall] == blue and trial.confidence[wall] >= DEFAULT_PARAMS.carry_min
    unsure = trial.confidence < DEFAULT_PARAMS.carry_min
    resolved = tracker._resolve_weak(trial)
    assert trial.color[panel] == blue and trial.confidence[panel] >= DEFAULT_PARAMS.carry_min  # the flow agrees
    if confirmed:
        unsure[resolved] = False  # as `ShotTracker._step` does
    tracker._recognise_twins(trial, unsure)
    if confirmed:  # chain and the flow from the keyframe: two readings against one outline
        assert trial.color[panel] == blue
    else:  # only the chain vouched for it: the door's outline makes it a door
        assert trial.color[panel] == red
