"""Look-alike parts that cross (two trouser legs walking): the flow straight from the keyframe spans many
frames of motion and sends the hidden leg's samples onto the leg in front. A direct vote does not move a
region off the chain's colour when the region is that colour's part (it alone holds the colour, at its
keyframe area): taking the front leg's colour away would leave it nowhere in the frame.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import frame, shot

from colorframes.backends.flat import FlatColorizer
from colorframes.backends.flat import weak as weak_module
from colorframes.backends.flat.flow import Correspondence

SIZE = (180, 200)  # (H, W)
PAPER, LEFT, RIGHT = (255, 255, 255), (42, 40, 60), (66, 64, 86)  # two trouser shades


def legs() -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour): two legs side by side."""
    sketch = np.full((*SIZE, 3), 255, np.uint8)
    color = np.full((*SIZE, 3), PAPER, np.uint8)
    for (x0, x1), shade in (((40, 90), LEFT), ((110, 160), RIGHT)):
        cv2.rectangle(color, (x0, 30), (x1, 150), shade, -1)
        for img in (sketch, color):
            cv2.rectangle(img, (x0, 30), (x1, 150), (0, 0, 0), 2, cv2.LINE_AA)
    return sketch, color


@pytest.fixture(scope="module")
def walked():
    """The tracker after the keyframe and one frame; the frame's state, the keyframe's, both legs' ids."""
    sketch, color = legs()
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(SIZE, keyframes={1: color}, first_frame=1, loader={1: sketch, 2: sketch}.get))
    for n in (1, 2):
        c.colorize([frame(n, sketch)])
    tracker = c.tracker
    state, key = tracker._states[2], tracker._key_state(1, SIZE)
    left, right = int(state.regions.labels[90, 65]), int(state.regions.labels[90, 135])
    key_left, key_right = int(key.regions.labels[90, 65]), int(key.regions.labels[90, 135])
    assert min(left, right, key_left, key_right) > 0 and left != right
    return tracker, state, key, (left, right), (key_left, key_right)


def _vote(walked, monkeypatch, chain_left: tuple, flows_from: str) -> tuple | None:
    """The left leg weak with the chain saying `chain_left`; the flow from the keyframe sends all its
    samples to the keyframe's `flows_from` leg. The direct vote's colour for it (None: no answer)."""
    tracker, state, key, (left, right), (key_left, key_right) = walked
    pal = tracker.palette
    color, conf = state.color.copy(), state.confidence.copy()
    color[left], conf[left] = pal.index(chain_left), 0.45
    trial = type(state)(state.number, state.regions, color, conf, state.source.copy())
    src = key_left if flows_from == "left" else key_right
    n1 = state.regions.count + 1
    samples = np.zeros(n1)
    samples[left] = 100.0

    def fake(prev, cur, params, outline=True, preset="MEDIUM"):
        none = np.zeros((0, 2), np.int64)
        return Correspondence(
            np.array([[left, src]]), np.array([100.0]), samples, none, np.zeros(0), np.zeros(n1),
            np.zeros((n1, 2)), np.zeros(n1), np.zeros(n1, bool),
        )  # fmt: skip

    monkeypatch.setattr(weak_module, "correspond", fake)
    monkeypatch.setattr(tracker, "_key_corr", {})  # the frame's flow from the keyframe, computed again
    room = np.full(len(pal.rgb), 1e9)  # every colour has room: the vote is weighed on areas alone
    got, share = tracker._direct_vote(trial, key, np.array([left]), np.array([True]), room)
    return pal.rgb[got[0]] if got[0] >= 0 else None


def test_a_leg_in_front_of_its_look_alike_keeps_its_colour(walked, monkeypatch):
    # The chain is right; the long flow confuses the legs: the vote would leave the left shade nowhere.
    assert _vote(walked, monkeypatch, LEFT, "right") is None


def test_a_vote_that_restores_a_missing_part_is_taken(walked, monkeypatch):
    # The chain gave both legs the right shade (the left one is missing): the vote puts it back.
    assert _vote(walked, monkeypatch, RIGHT, "left") == LEFT
