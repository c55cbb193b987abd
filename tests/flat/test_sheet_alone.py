"""A part coming into view that the sheet reads alone (not as part of a sheet figure) must fit where it is.

The rule (`SheetEntries._alone_must_fit`): its sheet colour is one the sheet shows next to the colour of one of
its neighbours, counting its sure neighbours and the parts coming into view with it as the sheet reads them.
Found on the dialog generator: a hand rising from the bottom edge cut a piece of wall off, the sheet read that
piece alone as a shoe (a colour no keyframe shows, in a close-up whose box puts the bottom edge at the feet),
and the wall piece turned brown where the keyframe's reading had it right (0.2-0.5 dB below keyframe alone).
Drawn here: a sheet figure (trousers, shoes under them, an arm beside the trousers, on paper) and a frame with
a wall and two parts coming into view side by side."""

from __future__ import annotations

import cv2
import numpy as np
from flat_helpers import shot

from colorframes.backends.flat import FlatColorizer
from colorframes.backends.flat.state import FrameState
from colorframes.foundation.lineart import segment_regions

SIZE = (120, 200)  # (H, W)
WALL, LEGS, SHOES, ARM = (88, 120, 152), (60, 90, 150), (120, 60, 40), (196, 140, 104)


def _box(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour=None) -> None:
    if colour is not None:
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
    cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2)


def _sheet() -> np.ndarray:
    sheet = np.full((*SIZE, 3), 255, np.uint8)
    _box(sheet, 40, 10, 110, 80, LEGS)
    _box(sheet, 40, 82, 100, 110, SHOES)  # shoes touch the trousers only
    _box(sheet, 112, 10, 130, 70, ARM)  # the arm touches the trousers only
    return sheet


def _tracker_and_state():
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(SIZE, reference=_sheet()))
    tracker = c.tracker
    sketch = np.full((*SIZE, 3), 255, np.uint8)
    _box(sketch, 20, 70, 90, 119)  # a part coming into view at the bottom edge
    _box(sketch, 92, 60, 120, 119)  # and another right of it
    regions = segment_regions(sketch, 2, tracker.params.lineart)
    wall, part, other = (int(regions.labels[y, x]) for y, x in ((10, 10), (95, 50), (95, 105)))
    assert len({wall, part, other}) == 3 and min(wall, part, other) > 0
    n1 = regions.count + 1
    color, conf = np.full(n1, -1, np.int64), np.zeros(n1)
    color[wall], conf[wall] = tracker.palette.index(WALL), 1.0  # the wall is sure
    state = FrameState(2, regions, color, conf, np.zeros(n1, np.int64))
    return tracker, state, np.array([part, other])


def _kept(colours, figure=(False, False)) -> np.ndarray:
    tracker, state, ids = _tracker_and_state()
    color = np.array([tracker.palette.index(c) for c in colours])
    conf = np.array([0.3, 0.3])
    return tracker._alone_must_fit(state, ids, color, conf, np.array(figure)) > 0


def test_a_part_read_alone_as_shoes_next_to_the_wall_and_an_arm_fits_nowhere():
    # The sheet never shows shoes next to the wall (no sheet colour) or next to an arm: no reading.
    assert not _kept([SHOES, ARM])[0]


def test_a_part_read_alone_fits_next_to_a_part_coming_into_view_with_it():
    # The part beside it read as trousers: the sheet shows shoes under the trousers.
    assert _kept([SHOES, LEGS]).all()


def test_a_figures_reading_needs_no_neighbour():
    # Read as part of a sheet figure (a character walking in touches only background), it stands.
    assert _kept([SHOES, ARM], figure=(True, False))[0]
