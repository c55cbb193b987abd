"""Three readings of a weak region (the chain, the flow straight from the keyframe, the form): two agreeing win.

The scene: two boxes on paper, the left one (red) turning from tall to wide frame by frame (its outline is
no copy of the keyframe's), the right one (blue) still. The left box is made weak and re-decided with the flow from the
keyframe traced to blue: on open, noisy line art (XDoG) that long flow slides onto a neighbouring part, while
the chain's short steps and the box's form both still say red.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import tracked_shot

SIZE = (120, 200)  # (H, W)
RED, BLUE, GREEN = (200, 60, 60), (60, 120, 200), (90, 170, 90)
LEFT = (55, 30)  # (y, x) inside the left box


def scene(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour): the left box `width` x `height` px, the right box fixed."""
    sketch = np.full((*SIZE, 3), 255, np.uint8)
    color = sketch.copy()
    cv2.rectangle(color, (15, 30), (15 + width, 30 + height), RED, -1)
    cv2.rectangle(color, (130, 30), (185, 90), BLUE, -1)
    for img in (sketch, color):
        cv2.rectangle(img, (15, 30), (15 + width, 30 + height), (0, 0, 0), 2, cv2.LINE_AA)
        cv2.rectangle(img, (130, 30), (185, 90), (0, 0, 0), 2, cv2.LINE_AA)
    return sketch, color


@pytest.fixture(scope="module")
def turned():
    frames = {1: scene(50, 60)[0], 2: scene(55, 55)[0], 3: scene(60, 50)[0]}
    c, _ = tracked_shot(SIZE, frames, {1: scene(50, 60)[1]})
    state = c.tracker._states[3]
    box = int(state.regions.labels[LEFT])
    assert box > 0 and c.tracker.palette.rgb[state.color[box]] == RED
    return c.tracker, state, box


def _redecide(
    turned, monkeypatch, chain_rgb: tuple, guess: bool = False, camera=None, chain_conf: float = 0.3
) -> tuple[tuple, float]:
    """Re-decide the left box (weak, the chain saying `chain_rgb` with `chain_conf`; with `guess`, that colour
    is a guess made on this area; `camera`: the frame's camera to its keyframe) with the flow from the keyframe
    tracing it to blue: (colour, confidence) after."""
    tracker, state, box = turned
    pal = tracker.palette
    color, conf = state.color.copy(), state.confidence.copy()
    color[box], conf[box] = pal.index(chain_rgb), chain_conf
    guessed = np.zeros(color.size)
    guessed[box] = state.regions.area[box] if guess else 0.0
    trial = type(state)(state.number, state.regions, color, conf, state.source.copy(), guessed=guessed)
    trial.camera = camera

    def traced(_state, _key, ids, _room):
        on = ids == box
        return np.where(on, pal.index(BLUE), -1), np.where(on, 0.9, 0.0)

    monkeypatch.setattr(tracker, "_direct_vote", traced)
    tracker._resolve_weak(trial)
    return pal.rgb[trial.color[box]], float(trial.confidence[box])


def test_chain_and_form_agreeing_outvote_the_keyframes_flow(turned, monkeypatch):
    colour, conf = _redecide(turned, monkeypatch, RED)
    assert colour == RED
    assert conf < turned[0].params.carry_min  # still weak: asked again next frame


def test_the_keyframes_flow_decides_when_the_form_does_not_back_the_chain(turned, monkeypatch):
    assert _redecide(turned, monkeypatch, GREEN)[0] == BLUE


def test_a_guess_is_no_reading_against_the_keyframes_flow(turned, monkeypatch):
    assert _redecide(turned, monkeypatch, RED, guess=True)[0] == BLUE


def test_a_colour_the_chain_holds_with_no_confidence_is_no_reading_against_the_keyframes_flow(turned, monkeypatch):
    """A chain colour with no confidence at all (filled in, not read: no step found evidence for it) does not
    join the form against the flow from the keyframe, however well the form agrees with it."""
    assert _redecide(turned, monkeypatch, RED, chain_conf=0.0)[0] == BLUE
    assert _redecide(turned, monkeypatch, RED, chain_conf=0.05)[0] == RED  # a reading, however weak


ZOOMED = (0.6, 40.0, 20.0)  # the keyframe seen from 1.7x further back: form (which reads area) is no reading


def test_under_a_zoom_the_form_does_not_back_the_chain_against_the_keyframes_flow(turned, monkeypatch):
    assert _redecide(turned, monkeypatch, RED, camera=ZOOMED)[0] == BLUE
