"""The room prior under a camera zoom: keyframe areas are taken at the frame's scale once the chain measured the
zoom (`WeakRegions._key_area`); a state without a measured camera takes them unscaled (a known limitation).

The scene: a wall and a floor cut by the frame's border, and a figure (head, shirt, jeans), two boxes and a
window, wholly in view. The camera zooms in from the keyframe (1.0) to 1.25, so every part grows by 1.25² in area.
In the last frame a fold line cuts a strip off the shirt. By the keyframe's unscaled area the shirt is then
already more than fully placed by its larger piece; at the frame's scale there is room for the strip (with the
chain's camera; without it there is not: see the xfail below).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import redecide_with_flow, resolve_with_flow, tracked_shot, weak_trial

SIZE = (180, 320)  # (H, W)
CENTRE = (160.0, 90.0)  # (x, y) the zoom's fixed point
WALL, FLOOR = (226, 212, 180), (150, 140, 120)
SKIN, SHIRT, JEANS, BOX, GLASS = (240, 200, 170), (180, 60, 80), (60, 90, 150), (200, 160, 60), (160, 200, 230)
STRIP = (48, 160)  # (y, x) inside the strip the fold cuts off the shirt (at zoom 1.25)


def _at(points: list[tuple[float, float]], zoom: float) -> np.ndarray:
    cx, cy = CENTRE
    return np.array([[cx + (x - cx) * zoom, cy + (y - cy) * zoom] for x, y in points], np.int32)


def scene(zoom: float, fold: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour) at camera `zoom`; with `fold`, a line across the shirt's top."""
    h, w = SIZE
    sketch = np.full((h, w, 3), 255, np.uint8)
    color = np.full((h, w, 3), WALL, np.uint8)
    floor_y = int(CENTRE[1] + (130 - CENTRE[1]) * zoom)
    color[floor_y:] = FLOOR
    shirt = _at([(135, 50), (185, 50), (185, 100), (135, 100)], zoom)
    jeans = _at([(138, 100), (182, 100), (182, 140), (138, 140)], zoom)
    box = _at([(210, 95), (250, 95), (250, 140), (210, 140)], zoom)
    crate = _at([(70, 105), (105, 105), (105, 140), (70, 140)], zoom)
    window = _at([(60, 25), (100, 25), (100, 60), (60, 60)], zoom)
    cx, cy = _at([(160, 30)], zoom)[0]
    r = int(round(12 * zoom))
    figure = np.zeros((h, w), np.uint8)
    cv2.fillPoly(figure, [shirt, jeans, box, crate, window], 1)
    cv2.circle(figure, (int(cx), int(cy)), r, 1, -1)
    for img in (sketch, color):
        ground = img.copy()
        cv2.line(ground, (0, floor_y), (w, floor_y), (0, 0, 0), 2, cv2.LINE_AA)
        img[figure == 0] = ground[figure == 0]
    cv2.fillPoly(color, [shirt], SHIRT)
    cv2.fillPoly(color, [jeans], JEANS)
    cv2.fillPoly(color, [box, crate], BOX)
    cv2.fillPoly(color, [window], GLASS)
    cv2.circle(color, (int(cx), int(cy)), r, SKIN, -1)
    for img in (sketch, color):
        cv2.polylines(img, [shirt, jeans, box, crate, window], True, (0, 0, 0), 2, cv2.LINE_AA)
        cv2.circle(img, (int(cx), int(cy)), r, (0, 0, 0), 2, cv2.LINE_AA)
        if fold:
            a, b = _at([(135, 62), (185, 62)], zoom)
            cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), (0, 0, 0), 2, cv2.LINE_AA)
    return sketch, color


@pytest.fixture(scope="module")
def zoomed():
    """The tracker after the keyframe (zoom 1.0) and frames zooming in to 1.25, the last with the fold."""
    frames = {1: scene(1.0)[0], 2: scene(1.08)[0], 3: scene(1.16)[0], 4: scene(1.25, fold=True)[0]}
    c, _ = tracked_shot(SIZE, frames, {1: scene(1.0)[1]})
    tracker = c.tracker
    state = tracker._states[4]
    strip = int(state.regions.labels[STRIP])
    assert strip > 0 and 300 < state.regions.area[strip] < 1500  # the fold and the shirt's top enclose it
    return tracker, state, strip


def test_by_the_keyframe_area_a_grown_part_is_already_overfull(zoomed):
    # Placed without the strip, the shirt's larger piece alone holds more than the keyframe's shirt area.
    tracker, state, strip = zoomed
    key = tracker._key_state(1, SIZE)
    trial = type(state)(state.number, state.regions, state.color.copy(), state.confidence.copy(), state.source)
    trial.confidence[strip] = 0.0
    assert tracker._room(trial, key)[tracker.palette.index(SHIRT)] < 0


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: the room prior uses the keyframe's unscaled areas. Scaling them by the frame's "
    "measured area scale (median area ratio of one-to-one flow pairs) fixes this case but costs 0.1-0.55 dB on "
    "shaded (quick bench): the tight unscaled room keeps wrong colours off grown regions there. Carrying the "
    "keyframe's areas through the camera measured along the chain (zoom.py: scale and crop) cost room 0.11-0.18 dB "
    "and gave dolly at most +0.07 dB (session 7)",
)
def test_a_piece_of_a_zoomed_in_part_takes_the_part(zoomed, monkeypatch):
    assert redecide_with_flow(*zoomed, JEANS, SHIRT, monkeypatch) == SHIRT


def test_at_the_frames_scale_a_piece_of_a_zoomed_in_part_takes_the_part(zoomed, monkeypatch):
    # With the camera the chain measured from the keyframe (`zoom.py`: a zoom of 1.25), the keyframe's areas
    # are taken at the frame's scale: the shirt has room for the strip the fold cut off, which takes it.
    tracker, state, strip = zoomed
    a = state.camera[0]
    assert a == pytest.approx(1 / 1.25, abs=0.03)
    key = tracker._key_state(1, SIZE)
    trial = weak_trial(tracker, state, strip, JEANS, camera=True)
    assert tracker._room(trial, key)[tracker.palette.index(SHIRT)] > state.regions.area[strip]
    assert resolve_with_flow(tracker, trial, strip, SHIRT, monkeypatch) == SHIRT
