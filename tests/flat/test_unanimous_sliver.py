"""The form alone never overturns a colour the flow read unanimously (issue 16, xdog and room: a sliver the
global assignment left unexplained, every flow sample of the chain's step coming from the colour it holds,
was handed to a keyframe part of another colour on its form alone, and the wrong colour rode the chain).

The scene: two boxes apart on paper, left one red, right one blue in the keyframe; the frame repeats the line
art. The left box is made a weak region the chain holds blue (unexplained by the assignment, confidence 0, or
merely weak, as a carried minimum keeps it), and the
readings that would place it straight from the keyframe (its outline repeated, the camera's shift, the flow
from the keyframe's line art) are taken away, so the form (red) is the only answer against the chain. Only
whether the chain's step voted for blue unanimously (`FrameState.voted`) differs.
"""

from __future__ import annotations

import numpy as np
import pytest
from flat_helpers import two_boxes

from colorframes.backends.flat import weak
from colorframes.backends.flat.params import DEFAULT_PARAMS
from colorframes.backends.flat.tracker import ShotTracker

SIZE = (120, 200)  # (H, W)
RED, BLUE = (200, 40, 40), (40, 60, 200)


def keyframe() -> np.ndarray:
    img = two_boxes(SIZE)
    img[22:99, 22:89] = RED
    img[22:99, 112:179] = BLUE
    return img


@pytest.mark.parametrize(("voted", "unexplained"), [(True, True), (True, False), (False, True)])
def test_the_form_alone_does_not_overturn_a_unanimous_flow_vote(voted, unexplained, monkeypatch):
    art = two_boxes(SIZE)
    frames = {1: art, 2: art}
    tracker = ShotTracker(
        frame_size=SIZE, first_frame=1, gap_radius=2, keyframes={1: keyframe()}, sketch_loader=frames.get
    )
    state = tracker.state(2, art)
    left = int(state.regions.labels[60, 55])
    assert left > 0
    red, blue = tracker.palette.index(RED), tracker.palette.index(BLUE)
    assert state.color[left] == red  # tracked right; now the chain holds it blue, weakly, unexplained
    state.color[left], state.confidence[left] = blue, 0.0 if unexplained else 0.3
    assert state.new is not None and state.guessed is not None and state.voted is not None
    if unexplained:
        state.new[left], state.guessed[left] = True, state.regions.area[left]
    state.voted[left] = blue if voted else -1

    def no_copies(regions, ids, *args, **kwargs):
        return np.zeros(len(ids), np.int64), np.zeros(len(ids))

    real_vote = weak.vote

    def no_direct_answer(j, counts, colors, confidence, samples):
        out, share, extra = real_vote(j, counts, colors, confidence, samples)
        out, share = out.copy(), share.copy()
        out[left], share[left] = -1, 0.0
        return out, share, extra

    monkeypatch.setattr(weak, "copies", no_copies)
    monkeypatch.setattr(weak, "vote", no_direct_answer)
    monkeypatch.setattr(tracker, "_shift_vote", lambda st, ref, ids: (np.full(ids.size, -1), np.zeros(ids.size)))
    tracker._resolve_weak(state)
    if voted:  # one reading against one: the chain's stays, weak, asked again next frame
        assert state.color[left] == blue
        assert state.confidence[left] < DEFAULT_PARAMS.carry_min
    else:  # a guess is no reading: the form places it
        assert state.color[left] == red
