"""A region that the camera's shift since the keyframe alone lays on a keyframe region's outline is that
region (`ShotTracker._keyframe_copies`): whatever the chain carried onto it, it takes the keyframe's colour;
a part that moved keeps what the chain says."""

from __future__ import annotations

import cv2
import numpy as np

from colorframes.backends.flat.tracker import ShotTracker

SIZE = (160, 360)  # (H, W)
BOXES = [(200, 60, 60), (60, 100, 180), (80, 160, 90), (230, 200, 60), (140, 80, 160), (90, 90, 90)]
DISC = (250, 214, 184)
PLACES = [(15, 20, 50, 70), (62, 35, 110, 80), (122, 15, 160, 60), (172, 40, 225, 95), (236, 22, 280, 66),
          (292, 30, 345, 88)]  # (x0, y0, x1, y1): irregular, so the camera's shift is unambiguous  # fmt: skip


def drawing(pan: int, disc_x: int, colour: bool) -> np.ndarray:
    """Six boxes panned `pan` px to the left and a disc at `disc_x`; in colour (the keyframe) or line art."""
    img = np.full((*SIZE, 3), 255, np.uint8)
    boxes = [(x0 - pan, y0, x1 - pan, y1) for x0, y0, x1, y1 in PLACES]
    for (x0, y0, x1, y1), fill in zip(boxes, BOXES, strict=True):
        if colour:
            cv2.rectangle(img, (x0, y0), (x1, y1), fill, -1)
        cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2)
    if colour:
        cv2.circle(img, (disc_x, 125), 12, DISC, -1)
    cv2.circle(img, (disc_x, 125), 12, (0, 0, 0), 2, cv2.LINE_AA)
    return img


def test_background_at_its_keyframe_place_takes_the_keyframe_colour_back():
    frames = {1: drawing(0, 60, False), 2: drawing(4, 150, False)}  # the camera pans 4 px; the disc moves 90
    tracker = ShotTracker(
        frame_size=SIZE, first_frame=1, gap_radius=1, keyframes={1: drawing(0, 60, True)}, sketch_loader=frames.get
    )
    state = tracker.state(2, frames[2])
    labels = state.regions.labels
    box_ids = [int(labels[(y0 + y1) // 2, (x0 + x1) // 2 - 4]) for x0, y0, x1, y1 in PLACES]
    disc_id = int(labels[125, 150])
    assert [tracker.palette.rgb[state.color[r]] for r in box_ids] == BOXES
    # What a chain could carry wrongly: the disc's colour on two boxes, a box's colour on the disc.
    disc_colour, box_colour = tracker.palette.index(DISC), tracker.palette.index(BOXES[0])
    state.color[box_ids[1]] = state.color[box_ids[4]] = disc_colour
    state.color[disc_id] = box_colour
    state.confidence[[box_ids[1], box_ids[4], disc_id]] = 1.0
    tracker._keyframe_copies(state)
    assert [tracker.palette.rgb[state.color[r]] for r in box_ids] == BOXES
    assert state.color[disc_id] == box_colour  # it moved: not a copy of its keyframe place


def test_new_line_art_for_a_frame_is_matched_to_the_keyframe_again():
    """The flow from the keyframe is kept per frame: line art given again for that frame replaces it."""
    frames = {1: drawing(0, 60, False), 2: drawing(4, 150, False)}
    tracker = ShotTracker(
        frame_size=SIZE, first_frame=1, gap_radius=1, keyframes={1: drawing(0, 60, True)}, sketch_loader=frames.get
    )
    tracker.state(2, frames[2])
    again = drawing(4, 150, False)
    cv2.line(again, (0, 110), (SIZE[1], 110), (0, 0, 0), 2)  # other regions: the wall cut in two
    state = tracker.state(2, again)
    labels = state.regions.labels
    box_ids = [int(labels[(y0 + y1) // 2, (x0 + x1) // 2 - 4]) for x0, y0, x1, y1 in PLACES]
    assert [tracker.palette.rgb[state.color[r]] for r in box_ids] == BOXES
