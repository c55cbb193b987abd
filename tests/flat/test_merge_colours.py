"""A region the chain's assignment leaves unmatched keeps its flow vote as a merge of previous regions only
when the previous regions of that colour made it up: three boxes (red, green, blue) whose dividing lines
vanish form one region that none of the three colours explains; it is re-decided, not carried as red."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from colorframes.backends.flat.tracker import SOURCE_NAMES, FrameState, ShotTracker
from colorframes.foundation.lineart import segment_regions

SIZE = (180, 320)  # (H, W)
WALL, RED, GREEN, BLUE = (226, 212, 180), (200, 60, 50), (60, 160, 80), (50, 80, 190)


def drawing(divided: bool) -> np.ndarray:
    """A 120x60 box on paper (the wall); with `divided`, two lines split it into three boxes (48, 36, 36 px)."""
    sketch = np.full((*SIZE, 3), 255, np.uint8)
    cv2.rectangle(sketch, (100, 60), (220, 120), (0, 0, 0), 2, cv2.LINE_AA)
    if divided:
        for x in (148, 184):
            cv2.line(sketch, (x, 60), (x, 120), (0, 0, 0), 2, cv2.LINE_AA)
    return sketch


def carried(colours: tuple) -> tuple[FrameState, int]:
    """The box of the undivided drawing carried from the divided one whose three boxes had `colours`."""
    tracker = ShotTracker(frame_size=SIZE, first_frame=1, gap_radius=2)
    p = tracker.params
    before = segment_regions(drawing(True), 2, p.lineart)
    after = segment_regions(drawing(False), 2, p.lineart)
    n1 = before.count + 1
    color = np.full(n1, tracker.palette.index(WALL), np.int64)
    color[0] = -1
    for (x, y), rgb in zip(((124, 90), (166, 90), (202, 90)), colours, strict=True):
        rid = int(before.labels[y, x])
        assert rid > 0
        color[rid] = tracker.palette.index(rgb)
    conf = np.ones(n1)
    conf[0] = 0.0
    prev = FrameState(1, before, color, conf, np.full(n1, SOURCE_NAMES.index("keyframe"), np.int64))
    state = tracker._carry(2, after, prev)
    box = int(after.labels[90, 160])
    assert box > 0 and after.area[box] < 0.2 * after.area.sum()  # the box is one region now
    return state, box


def test_boxes_of_one_colour_merging_keep_it():
    state, box = carried((RED, RED, RED))
    assert state.new is not None and not state.new[box]
    assert state.color[box] >= 0 and state.confidence[box] >= 0.55


@pytest.mark.parametrize("colours", [(RED, GREEN, BLUE), (GREEN, RED, BLUE)])
def test_boxes_of_different_colours_merging_are_re_decided(colours):
    state, box = carried(colours)
    assert state.new is not None and state.new[box]
    assert state.confidence[box] == 0.0
