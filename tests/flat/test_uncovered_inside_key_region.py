"""Background a part uncovers, which the keyframe shows at its place as a piece of a still region
(`WeakRegions._uncovered`, issue 16, room and dense: wall pockets between a walking figure's legs and arms).

The scene: a wall (a rectangle, outlined) on paper, and a figure (two legs joined at the hip, one region)
standing in front of the wall's left end in the keyframe, then far to the right. In the next frame the wall
between its legs is a pocket: its own outline is the legs' (it repeats no keyframe region), the keyframe
shows no region inside it, and the flow gives it the legs' colour. But the camera's shift (none here) lays it
inside the keyframe's wall, which stood still (its outline is on the frame's lines), and the legs are whole
elsewhere (the frame's figure holds the trousers' keyframe area): it is the wall. The figure itself lies
inside the wall's place too, but it is the trousers' part: it keeps its colour. (The other readings, flow
from the keyframe and form, already answer wall on a scene this plain; the test asks the rule alone, with
the chain's colour set as the flow from the legs gives it on room and dense.)
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import tracked_shot

SIZE = (180, 340)  # (H, W)
WALL, TROUSERS, PAPER = (190, 186, 176), (60, 90, 150), (255, 255, 255)
WALL_BOX = (30, 20, 310, 150)  # x0, y0, x1, y1
LEG_W, GAP, TOP, BOTTOM = 16, 24, 50, 160  # the figure: legs' width, the gap between them, hip top, feet
FIGURE_X = (50, 190)  # the figure's left edge in the keyframe and in the next frame
STONES = [(40 + (37 * k) % 260, 30 + (53 * k) % 110) for k in range(40)]  # (x, y) on the wall


def _figure(x: int) -> np.ndarray:
    """(H, W) bool mask of the figure: a hip bar over two legs."""
    mask = np.zeros(SIZE, np.uint8)
    right = x + 2 * LEG_W + GAP
    cv2.rectangle(mask, (x, TOP), (right, TOP + 18), 1, -1)
    cv2.rectangle(mask, (x, TOP), (x + LEG_W, BOTTOM), 1, -1)
    cv2.rectangle(mask, (right - LEG_W, TOP), (right, BOTTOM), 1, -1)
    return mask.astype(bool)


def scene(t: int, coloured: bool) -> np.ndarray:
    """Frame t's line art, or its colours with `coloured`: (H, W, 3) uint8."""
    img = np.full((*SIZE, 3), PAPER, np.uint8)
    x0, y0, x1, y1 = WALL_BOX
    if coloured:
        img[y0:y1, x0:x1] = WALL
    cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2)
    for x, y in STONES:  # texture: the camera's shift is the wall's, not the figure's
        cv2.circle(img, (x, y), 4, (0, 0, 0), 2, cv2.LINE_AA)
    figure = _figure(FIGURE_X[t])
    img[figure] = TROUSERS if coloured else PAPER
    edge = cv2.morphologyEx(figure.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)).astype(bool)
    img[edge] = 0
    return img


@pytest.fixture(scope="module")
def walked():
    """(tracker, frame 2's state, pocket region, figure region, palette indices)."""
    colorizer, _ = tracked_shot(SIZE, {1: scene(0, False), 2: scene(1, False)}, {1: scene(0, True)})
    tracker = colorizer.tracker
    state = tracker._states[2]
    labels = state.regions.labels
    x = FIGURE_X[1]
    pocket = int(labels[(TOP + 18 + WALL_BOX[3]) // 2, x + LEG_W + GAP // 2])
    figure = int(labels[(TOP + BOTTOM) // 2, x + LEG_W // 2])
    wall = int(labels[WALL_BOX[1] + 15, WALL_BOX[2] - 20])
    assert len({pocket, figure, wall, 0}) == 4
    idx = {name: tracker.palette.index(np.array(rgb)) for name, rgb in (("wall", WALL), ("trousers", TROUSERS))}
    return tracker, state, pocket, figure, idx


def test_the_uncovered_pocket_takes_the_keyframe_colour_at_its_place(walked):
    tracker, state, pocket, figure, idx = walked
    state.color[pocket], state.confidence[pocket] = idx["trousers"], 0.3  # what the flow from the legs says
    tracker._uncovered(state)
    assert state.color[pocket] == idx["wall"]
    assert state.confidence[pocket] == pytest.approx(0.3)  # still weak: asked again next frame


def test_the_part_itself_keeps_its_colour(walked):
    tracker, state, pocket, figure, idx = walked
    state.color[figure], state.confidence[figure] = idx["trousers"], 0.3
    tracker._uncovered(state)
    assert state.color[figure] == idx["trousers"]
