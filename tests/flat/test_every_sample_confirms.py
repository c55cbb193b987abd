"""Under a camera zoom, a colour every sample of the flow straight from the keyframe gives a weak region confirms it
against an outline repeated elsewhere, even where that flow is no answer on area (issue 16, `dolly`: a wall
piece that the chain and that flow both held went to a window's colour on its outline, because other regions
held the wall's colour over its keyframe area scaled by the zoom; the chain carried the window's colour to the
shot's end). Without a zoom the area is a reading and the outline decides.

The scene: a keyframe with a red door (a tall rectangle) at the left, a wide blue wall at the right and a
white box below the door; in the frame a line draws a door-shaped panel into the wall. The chain holds the
panel blue but weak, and blue is held over the wall's keyframe area (the chain measured a zoom since the
keyframe, which scales that area down; without a zoom, the chain holds the box blue too), so `_direct_vote`
does not answer for the panel (a part keeps roughly its area). Every sample of the flow from the
keyframe lands on the wall (the flow is replaced: 100 samples, all on the keyframe's wall): under a zoom
measured by the chain (x1.12) the panel's colour is confirmed (it stays weak) and the door's outline
(`instances.twins`) does not move it. Where a third of the panel's samples are inconsistent (the same
plurality, at a share of two thirds), or without a zoom, the door's outline makes it a door.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import moved_pair, weak_trial

from colorframes.backends.flat.params import DEFAULT_PARAMS
from colorframes.backends.flat.zoom import zooming

SIZE = (240, 320)  # (H, W)
RED, BLUE, WHITE = (200, 50, 50), (60, 90, 200), (250, 250, 250)
DOOR = (20, 50, 50, 140)  # x0, y0, x1, y1
WALL = (110, 20, 310, 180)
BOX = (20, 160, 90, 230)  # paper-white in the keyframe
PANEL = (250, 50, 280, 140)  # the door's outline, inside the wall, 230 px from the door


def scene(panel: bool, coloured: bool) -> np.ndarray:
    """Line art (with the panel drawn into the wall with `panel`), or the keyframe's colours with `coloured`."""
    img = np.full((*SIZE, 3), 255, np.uint8)
    for (x0, y0, x1, y1), colour in ((DOOR, RED), (WALL, BLUE), (BOX, WHITE)):
        if coloured:
            cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
        cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2, cv2.LINE_AA)
    if panel:
        cv2.rectangle(img, PANEL[:2], PANEL[2:], (0, 0, 0), 2, cv2.LINE_AA)
    return img


def flow_from_keyframe(tracker, monkeypatch, n1: int, region: int, src: int, samples: float) -> None:
    """The flow straight from the keyframe: 100 consistent samples of `region` land in the keyframe's `src`,
    out of `samples` in all (`weak.correspond` replaced; the tracker's cached keyframe flows dropped)."""
    from colorframes.backends.flat import weak
    from colorframes.backends.flat.flow import Correspondence

    total = np.zeros(n1)
    total[region] = samples

    def fake(prev, cur, params, outline=True, preset="MEDIUM", camera=None):
        none = np.zeros((0, 2), np.int64)
        return Correspondence(
            np.array([[region, src]]), np.array([100.0]), total, none, np.zeros(0), np.zeros(n1),
            np.zeros((n1, 2)), np.zeros(n1), np.zeros(n1, bool),
        )  # fmt: skip

    monkeypatch.setattr(weak, "correspond", fake)
    monkeypatch.setattr(tracker, "_key_corr", {})


@pytest.mark.parametrize(("zoom", "flow_names_it"), [(True, True), (True, False), (False, True)])
def test_every_sample_of_the_keyframe_flow_confirms_a_colour_held_over_its_area(zoom, flow_names_it, monkeypatch):
    tracker, state = moved_pair(scene, SIZE)
    labels = state.regions.labels
    at = lambda x, y: int(labels[y, x])  # noqa: E731
    panel, wall = at((PANEL[0] + PANEL[2]) // 2, (PANEL[1] + PANEL[3]) // 2), at(WALL[0] + 10, WALL[1] + 10)
    box, door = at((BOX[0] + BOX[2]) // 2, (BOX[1] + BOX[3]) // 2), at((DOOR[0] + DOOR[2]) // 2, DOOR[1] + 10)
    assert len({panel, wall, box, door, 0}) == 5
    trial = weak_trial(tracker, state, panel, BLUE)  # the chain says blue, weakly (confidence 0.3)
    blue, red = tracker.palette.index(BLUE), tracker.palette.index(RED)
    # Blue held over the wall's keyframe area: under the zoom the chain measured since the keyframe (x1.12, the
    # keyframe's areas scaled by 1/1.12²) by the wall and the panel alone; without a zoom, with the box too.
    trial.camera = (1.12, 0.0, 0.0) if zoom else None
    if not zoom:
        trial.color[box], trial.confidence[box] = blue, 1.0
    assert zooming(trial.camera, DEFAULT_PARAMS) == zoom
    assert trial.color[wall] == blue and trial.confidence[wall] >= DEFAULT_PARAMS.carry_min
    key = tracker._key_state(1, state.regions.shape)
    key_wall = int(key.regions.labels[WALL[1] + 10, WALL[0] + 10])
    assert key.color[key_wall] == blue
    flow_from_keyframe(
        tracker, monkeypatch, state.regions.count + 1, panel, key_wall, 100.0 if flow_names_it else 150.0
    )
    got, share = tracker._direct_vote(trial, key, np.array([panel]), np.full(len(tracker.palette.rgb), 1e9))
    assert got[0] == -1 and share[0] == 0.0  # no answer: it would repeat a colour already held over its area
    unsure = trial.confidence < DEFAULT_PARAMS.carry_min
    unsure[tracker._resolve_weak(trial)] = False  # as `ShotTracker._step` does
    assert trial.color[panel] == blue and trial.confidence[panel] < DEFAULT_PARAMS.carry_min  # still weak
    tracker._recognise_twins(trial, unsure)
    if zoom and flow_names_it:  # the chain and every sample of the flow from the keyframe, against one outline
        assert trial.color[panel] == blue
    else:  # a third of its samples elsewhere, or the area a reading (no zoom): the door's outline makes it a door
        assert trial.color[panel] == red
