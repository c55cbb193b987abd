"""The neighbours' tie-break between the chain and the form weighs its evidence: a region leaves the chain's
colour for a less confident form answer only when the share of its sure neighbours' say against the chain's
colour alone is more than the chain's lead in confidence over the form; a neighbour's say is how many colours
the keyframe shows next to its colour.

The scene: a wall with a cream stripe, a cloth stripe, a basket under the cloth and four signs. In the
keyframe the basket touches only the cloth and the wall; later it slides left, under the cream stripe. No
keyframe shows cream next to the basket (the basket refutes a cream stripe); the wall and the basket both fit
a cloth stripe. But the keyframe shows the basket next to two colours, the wall next to seven: that the
basket was never seen next to cream says little. It does not outweigh a chain that holds the stripe with
some confidence (a nearer layer sliding past under parallax); it does outweigh a chain with none, but not
under a camera zoom since the keyframe (the form is no reading then).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from flat_helpers import frame, shot

import colorframes.backends.flat.weak as weak
from colorframes.backends.flat import FlatColorizer
from colorframes.backends.flat.votes import judge

SIZE = (180, 320)  # (H, W)
WALL, CREAM, CLOTH, BASKET = (120, 150, 180), (250, 246, 236), (80, 158, 176), (190, 140, 70)
STRIPE, CLOTH_BOX = (40, 30, 120, 80), (180, 30, 260, 80)  # x0, y0, x1, y1
SIGNS = [((20 + 60 * i, 145, 60 + 60 * i, 170), (60 + 40 * i, 40, 200 - 30 * i)) for i in range(4)]


def scene(basket_x: int) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour) with the basket's left edge at x = `basket_x`, just under the stripes."""
    h, w = SIZE
    color = np.full((h, w, 3), WALL, np.uint8)
    boxes = [(STRIPE, CREAM), (CLOTH_BOX, CLOTH), ((basket_x, 80, basket_x + 80, 130), BASKET), *SIGNS]
    for (x0, y0, x1, y1), rgb in boxes:
        cv2.rectangle(color, (x0, y0), (x1, y1), rgb, -1)
    sketch = np.full((h, w, 3), 255, np.uint8)
    for img in (sketch, color):
        for (x0, y0, x1, y1), _ in boxes:
            cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2, cv2.LINE_AA)
    return sketch, color


@pytest.fixture(scope="module")
def slid():
    """The tracker with the keyframe (basket under the cloth) and the frame after the basket slid under the
    stripe's right end; the stripe's id there."""
    frames = {1: scene(180)[0], 2: scene(95)[0]}
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(SIZE, keyframes={1: scene(180)[1]}, first_frame=1, loader=frames.get))
    for n in (1, 2):
        c.colorize([frame(n, frames[n])])
    state = c.tracker._states[2]
    stripe = int(state.regions.labels[55, 60])
    basket = int(state.regions.labels[105, 130])
    assert stripe > 0 and basket > 0 and stripe != basket
    return c.tracker, state, stripe


def _true_colours(tracker, state) -> np.ndarray:
    """(N+1,) palette colour per region of the slid frame: the colour most of its pixels have."""
    truth = scene(95)[1].reshape(-1, 3)
    labels = state.regions.labels.ravel()
    color = np.full(state.regions.count + 1, -1, np.int64)
    for r in range(1, state.regions.count + 1):
        rgb, count = np.unique(truth[labels == r], axis=0, return_counts=True)
        color[r] = tracker.palette.index(rgb[np.argmax(count)])
    return color


def _decide(slid, monkeypatch, chain_conf: float, camera: tuple[float, float, float] | None = None) -> tuple:
    """Re-decide the stripe with the chain saying cream (`chain_conf`) and the keyframe's form saying cloth
    (less confident); every other region holds its true colour, sure."""
    tracker, state, stripe = slid
    pal = tracker.palette
    color = _true_colours(tracker, state)
    conf = np.ones(color.size)
    color[stripe], conf[stripe] = pal.index(CREAM), chain_conf
    source = np.full(color.size, 3, np.int64)  # tracked
    trial = type(state)(state.number, state.regions, color, conf, source, camera=camera)

    def no_answer(st, key, ids, *args, **kwargs):  # neither the flow nor the camera's shift answers
        return np.full(ids.size, -1, np.int64), np.zeros(ids.size)

    def form_match(regions, ids, ref, iterations=3, room=None):
        out = np.full(ids.size, -1, np.int64)
        out[ids == stripe] = pal.index(CLOTH)
        return out, np.where(ids == stripe, min(chain_conf, 0.15) * 0.9, 0.0)

    def no_copies(regions, ids, *args, **kwargs):
        return np.zeros(ids.size, np.int64), np.zeros(ids.size)

    monkeypatch.setattr(tracker, "_direct_vote", no_answer)
    monkeypatch.setattr(tracker, "_shift_vote", no_answer)
    monkeypatch.setattr(tracker, "_match_to", form_match)
    monkeypatch.setattr(weak, "copies", no_copies)
    tracker._resolve_weak(trial)
    return pal.rgb[trial.color[stripe]]


def test_the_basket_refutes_the_cream_stripe_with_little_say(slid):
    tracker, state, stripe = slid
    pal = tracker.palette
    sure = np.ones(state.regions.count + 1, bool)
    sure[0] = sure[stripe] = False
    key = tracker._key_state(1, SIZE)
    known = tracker._colour_pairs(1, key)
    trial = type(state)(state.number, state.regions, _true_colours(tracker, state), state.confidence, state.source)
    answers = np.array([[pal.index(CLOTH)], [pal.index(CREAM)]])
    misfit, refuted = judge(trial, np.array([stripe]), answers, sure, known)
    assert misfit[:, 0].tolist() == [0, 1]  # the basket refutes cream, nothing refutes cloth
    assert refuted[0, 0] == 0.0 and refuted[1, 0] == pytest.approx(2 / 9)  # the basket's say of the two's


def test_a_part_shown_next_to_few_colours_does_not_outweigh_a_chain_that_holds_the_stripe(slid, monkeypatch):
    assert _decide(slid, monkeypatch, chain_conf=0.45) == CREAM


def test_it_outweighs_a_chain_with_no_confidence(slid, monkeypatch):
    assert _decide(slid, monkeypatch, chain_conf=0.02) == CLOTH


def test_under_a_camera_zoom_the_neighbours_do_not_hand_the_stripe_to_the_form(slid, monkeypatch):
    # Since the keyframe the camera zoomed by 1 / 0.6 (a dolly): the form reads area, no reading, and parts of
    # different depths slide along each other, so what touches what is no longer the keyframe's.
    assert _decide(slid, monkeypatch, chain_conf=0.02, camera=(0.6, 10.0, 5.0)) == CREAM
