"""A twin naming the colour the chain carried restores it against the neighbours (`_recognise_twins`, issue 16,
shaded: the yellow house's window pane behind Ren's head, moved to the face's colour because his hair, which
passed in front of it, touches it).

The scene: a wall with two windows (white frame, blue pane); in the keyframe a head (hair on its left half,
face on its right) hides the right-hand window. Then the head moves right and uncovers the pane, its hair
still touching the pane's corner. The keyframe never shows a pane next to hair, but shows the face next to
the hair: a re-decision that moved the pane to the face's colour is what its neighbours fit best. The pane
repeats the left-hand pane's outline (a twin of the colour the chain carried): chain and outline agree, so
the pane takes its colour back. Without the chain's colour the neighbours keep the face's colour.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import draw_windows, tracked_shot

from colorframes.backends.flat.votes import neighbours

SIZE = (180, 320)  # (H, W)
WALL, FRAME, PANE = (230, 210, 150), (250, 250, 250), (200, 230, 246)
SKIN, HAIR = (250, 214, 184), (44, 28, 24)
WINDOWS = ((60, 70), (190, 70))  # centres (x, y)
RADIUS = 36  # the head's
HEADS = (190, 235)  # the head's centre x in the keyframe and in the next frame (y = 75)


def scene(t: int, coloured: bool) -> np.ndarray:
    """Frame t's line art, or its colours with `coloured`: (H, W, 3) uint8."""
    img = np.full((*SIZE, 3), WALL if coloured else (255, 255, 255), np.uint8)
    ink = (0, 0, 0)
    draw_windows(img, WINDOWS, coloured, FRAME, PANE)
    x = HEADS[t]
    head = np.zeros(SIZE, np.uint8)
    cv2.circle(head, (x, 75), RADIUS, 1, -1)
    hair = head.astype(bool) & (np.arange(SIZE[1])[None, :] < x - 10)
    if coloured:
        img[head.astype(bool)] = SKIN
        img[hair] = HAIR
    else:
        img[head.astype(bool)] = 255
    cv2.circle(img, (x, 75), RADIUS, ink, 2, cv2.LINE_AA)
    ys = np.flatnonzero(head[:, x - 10])
    cv2.line(img, (x - 10, int(ys[0])), (x - 10, int(ys[-1])), ink, 2, cv2.LINE_AA)
    return img


@pytest.fixture(scope="module")
def uncovered():
    """(tracker, frame 2's state, the pane's region, palette indices) after the chain from keyframe 1."""
    colorizer, _ = tracked_shot(SIZE, {1: scene(0, False), 2: scene(1, False)}, {1: scene(0, True)})
    tracker = colorizer.tracker
    state = tracker._states[2]
    labels = state.regions.labels
    (bx, by) = WINDOWS[1]
    pane = int(labels[by, bx - 6])
    hair = int(labels[75, HEADS[1] - 20])
    ring = int(labels[by - 17, bx - 6])
    face = int(labels[75, HEADS[1] + 15])
    assert len({pane, hair, ring, face, 0}) == 5
    rows, near = neighbours(state.regions, np.array([pane]))
    assert hair in near.tolist()  # the hair touches the uncovered pane
    idx = {name: tracker.palette.index(np.array(rgb)) for name, rgb in
           (("pane", PANE), ("skin", SKIN), ("hair", HAIR), ("frame", FRAME))}  # fmt: skip
    return tracker, state, (pane, hair, ring, face), idx


def _after_redecision(tracker, state, ids, idx, carried_pane: str) -> int:
    """The pane's colour after `_recognise_twins`, the re-decision having moved it to the face's colour
    and the chain having carried `carried_pane` into it; the hair and face sure of their colours, the pieces
    of the window's frame the head cut not (re-decided too, as in shaded)."""
    pane, hair, ring, face = ids
    rows, near = neighbours(state.regions, np.array([pane]))
    pieces = near[(near != hair) & (near != face)]
    state.color[pieces], state.confidence[pieces] = idx["frame"], 0.3
    state.color[[hair, face]] = [idx["hair"], idx["skin"]]
    state.confidence[[hair, face]] = 1.0
    state.color[pane], state.confidence[pane] = idx["skin"], 0.2
    unsure = np.zeros(state.regions.count + 1, bool)
    unsure[pane] = True
    carried = state.color.copy()
    carried[pane] = idx[carried_pane]
    tracker._recognise_twins(state, unsure, carried)
    return int(state.color[pane])


def test_a_twin_of_the_carried_colour_takes_it_back(uncovered):
    tracker, state, ids, idx = uncovered
    assert _after_redecision(tracker, state, ids, idx, "pane") == idx["pane"]


def test_without_the_chain_the_neighbours_keep_the_fitting_colour(uncovered):
    tracker, state, ids, idx = uncovered
    assert _after_redecision(tracker, state, ids, idx, "skin") == idx["skin"]
