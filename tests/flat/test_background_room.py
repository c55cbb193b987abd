"""The room prior (a part keeps roughly its area): what it refuses, and where it is wrong (the background).

The scene: a wall, a pavement and a road, each cut by the frame's border, and a figure (shirt, two jeans legs)
standing on the pavement, and a cart on it rolling out of view. In the keyframe the legs touch; later they
lean out and uncover a pocket of pavement between them, enclosed by the legs and the kerb. With the pavement
the cart uncovered, the pavement's other region already holds more pavement than the keyframe shows: by area
alone, one more pavement region is unlikely. But the pavement runs out of the frame; figures and the camera
uncover more of it freely, so when the flow straight from the keyframe says pavement, the pocket should be
pavement (today it is not: see the xfail below). The shirt, wholly in view and already found, keeps its
area: the same vote for the shirt is refused.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import redecide_with_flow, tracked_shot

SIZE = (180, 320)  # (H, W)
WALL, PAVE, ROAD = (226, 212, 180), (190, 186, 176), (90, 92, 100)
SHIRT, JEANS, CART = (180, 60, 80), (60, 90, 150), (200, 160, 60)
POCKET = (140, 160)  # (y, x) between the legs, above the kerb


def scene(spread: int, cart: int) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour) with each leg leaning out by `spread` px at its foot (0: legs together) and the cart's
    left edge at x = `cart`."""
    h, w = SIZE
    sketch = np.full((h, w, 3), 255, np.uint8)
    color = np.full((h, w, 3), WALL, np.uint8)
    color[60:150], color[150:] = PAVE, ROAD
    torso = np.array([[130, 40], [190, 40], [190, 100], [130, 100]], np.int32)
    left = np.array([[130, 100], [160, 100], [160 - spread, 165], [130 - spread, 165]], np.int32)
    right = np.array([[160, 100], [190, 100], [190 + spread, 165], [160 + spread, 165]], np.int32)
    box = np.array([[cart, 90], [cart + 30, 90], [cart + 30, 140], [cart, 140]], np.int32)
    figure = np.zeros((h, w), np.uint8)
    cv2.fillPoly(figure, [torso, left, right, box], 1)
    for img in (sketch, color):
        ground = img.copy()
        for y in (60, 150):  # the wall's foot and the kerb, hidden behind the figure
            cv2.line(ground, (0, y), (w, y), (0, 0, 0), 2, cv2.LINE_AA)
        img[figure == 0] = ground[figure == 0]
    cv2.fillPoly(color, [torso], SHIRT)
    cv2.fillPoly(color, [left, right], JEANS)
    cv2.fillPoly(color, [box], CART)
    for img in (sketch, color):
        cv2.polylines(img, [torso, left, right, box], True, (0, 0, 0), 2, cv2.LINE_AA)
    return sketch, color


@pytest.fixture(scope="module")
def spread():
    """The tracker after the keyframe (legs together) and two frames with the legs spreading; the pocket."""
    frames = {1: scene(0, 270)[0], 2: scene(14, 290)[0], 3: scene(20, 310)[0]}
    c, _ = tracked_shot(SIZE, frames, {1: scene(0, 270)[1]})
    tracker = c.tracker
    state = tracker._states[3]
    pocket = int(state.regions.labels[POCKET])
    assert pocket > 0 and 300 < state.regions.area[pocket] < 1500  # the legs and the kerb enclose it
    return tracker, state, pocket


def test_a_colour_keeps_the_area_the_keyframe_shows(spread):
    # Room = keyframe area minus the area already confidently placed in this frame. The shirt and the legs
    # are all in place; the pavement the cart uncovered already exceeds the keyframe's pavement.
    tracker, state, pocket = spread
    room = tracker._room(state, tracker._key_state(1, SIZE))
    pal = tracker.palette
    for part in (SHIRT, JEANS):
        assert room[pal.index(part)] < 0.3 * state.regions.area[pocket]
    assert room[pal.index(PAVE)] < 0


def test_a_part_in_view_that_is_fully_placed_is_not_one_region_more(spread, monkeypatch):
    assert redecide_with_flow(*spread, JEANS, SHIRT, monkeypatch) == JEANS


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: the room prior also refuses background pieces; exempting colours cut by the "
    "frame border fixes this case but costs 0.15-0.26 dB on make_example, room and shaded (quick bench): "
    "there the prior keeps figure pieces off a fully placed background colour",
)
def test_uncovered_pavement_takes_the_pavement_though_the_pavement_is_fully_placed(spread, monkeypatch):
    assert redecide_with_flow(*spread, JEANS, PAVE, monkeypatch) == PAVE
