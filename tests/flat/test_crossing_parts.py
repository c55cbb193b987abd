"""Look-alike parts that cross (two trouser legs walking): the flow straight from the keyframe spans many
frames of motion and sends the hidden leg's samples onto the leg in front. A direct vote does not move a
region off the chain's colour when the region is (a piece of) that colour's part: without it the frame would
hold less of the colour than the keyframe does (taking the front leg's colour away would leave it nowhere in
the frame). The same holds for a piece of a part (a shin below the knee line) that moved further since the
keyframe than that flow follows: it flows from the background behind it.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import flow_to_keyframe_region, frame, shot

from colorframes.backends.flat import FlatColorizer

SIZE = (180, 200)  # (H, W)
PAPER, LEFT, RIGHT = (255, 255, 255), (42, 40, 60), (66, 64, 86)  # two trouser shades


def legs(knees: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour): two legs side by side; with `knees`, a line across each at y = 90 (thigh, shin)."""
    sketch = np.full((*SIZE, 3), 255, np.uint8)
    color = np.full((*SIZE, 3), PAPER, np.uint8)
    for (x0, x1), shade in (((40, 90), LEFT), ((110, 160), RIGHT)):
        cv2.rectangle(color, (x0, 30), (x1, 150), shade, -1)
        for img in (sketch, color):
            cv2.rectangle(img, (x0, 30), (x1, 150), (0, 0, 0), 2, cv2.LINE_AA)
            if knees:
                cv2.line(img, (x0, 90), (x1, 90), (0, 0, 0), 2, cv2.LINE_AA)
    return sketch, color


def _track(knees: bool):
    """The tracker after the keyframe and one frame of the legs; the frame's state and the keyframe's."""
    sketch, color = legs(knees)
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(SIZE, keyframes={1: color}, first_frame=1, loader={1: sketch, 2: sketch}.get))
    for n in (1, 2):
        c.colorize([frame(n, sketch)])
    tracker = c.tracker
    return tracker, tracker._states[2], tracker._key_state(1, SIZE)


@pytest.fixture(scope="module")
def walked():
    """The tracker after the keyframe and one frame; the frame's state, the keyframe's, both legs' ids."""
    tracker, state, key = _track(knees=False)
    left, right = int(state.regions.labels[90, 65]), int(state.regions.labels[90, 135])
    key_left, key_right = int(key.regions.labels[90, 65]), int(key.regions.labels[90, 135])
    assert min(left, right, key_left, key_right) > 0 and left != right
    return tracker, state, key, (left, right), (key_left, key_right)


def _vote(walked, monkeypatch, chain_left: tuple, flows_from: str) -> tuple | None:
    """The left leg weak with the chain saying `chain_left`; the flow from the keyframe sends all its
    samples to the keyframe's `flows_from` leg. The direct vote's colour for it (None: no answer)."""
    tracker, state, key, (left, right), (key_left, key_right) = walked
    src = key_left if flows_from == "left" else key_right
    return _direct(tracker, state, key, monkeypatch, left, chain_left, src)


def _direct(tracker, state, key, monkeypatch, region: int, chain: tuple, src: int) -> tuple | None:
    """`region` weak with the chain saying `chain`; the flow from the keyframe sends all its samples to the
    keyframe's region `src`. The direct vote's colour for it (None: no answer)."""
    pal = tracker.palette
    color, conf = state.color.copy(), state.confidence.copy()
    color[region], conf[region] = pal.index(chain), 0.45
    trial = type(state)(state.number, state.regions, color, conf, state.source.copy())
    n1 = state.regions.count + 1
    flow_to_keyframe_region(tracker, monkeypatch, n1, region, src)
    room = np.full(len(pal.rgb), 1e9)  # every colour has room: the vote is weighed on areas alone
    got, share = tracker._direct_vote(trial, key, np.array([region]), room)
    return pal.rgb[got[0]] if got[0] >= 0 else None


def test_a_leg_in_front_of_its_look_alike_keeps_its_colour(walked, monkeypatch):
    # The chain is right; the long flow confuses the legs: the vote would leave the left shade nowhere.
    assert _vote(walked, monkeypatch, LEFT, "right") is None


def test_a_vote_that_restores_a_missing_part_is_taken(walked, monkeypatch):
    # The chain gave both legs the right shade (the left one is missing): the vote puts it back.
    assert _vote(walked, monkeypatch, RIGHT, "left") == LEFT


@pytest.fixture(scope="module")
def kneed():
    """The tracker after the keyframe and one frame of legs with knee lines; the frame's state, the
    keyframe's, and the ids of the left shin, the right shin and the paper (frame, keyframe)."""
    tracker, state, key = _track(knees=True)
    ids = [int(r.labels[y, x]) for r in (state.regions, key.regions) for y, x in ((120, 65), (120, 135), (90, 20))]
    assert min(ids) > 0 and len(set(ids[:3])) == 3 and len(set(ids[3:])) == 3
    return tracker, state, key, ids


def test_a_shin_that_moved_further_than_the_long_flow_follows_keeps_its_colour(kneed, monkeypatch):
    # The chain is right; the flow from the keyframe lost the shin and sends it to the paper behind it. The
    # shin is half of the left shade: taking it away would leave half the leg out of the frame.
    tracker, state, key, (shin, _, _, _, _, key_paper) = kneed
    assert _direct(tracker, state, key, monkeypatch, shin, LEFT, key_paper) is None


def test_a_shin_carried_as_the_other_legs_shade_takes_its_own_back(kneed, monkeypatch):
    # The chain gave the left shin the right shade, which both right-leg pieces already hold in full: the
    # flow from the keyframe's left shin puts the left shade back.
    tracker, state, key, (shin, _, _, key_shin, _, _) = kneed
    assert _direct(tracker, state, key, monkeypatch, shin, RIGHT, key_shin) == LEFT
