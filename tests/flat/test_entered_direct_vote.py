"""A part that came into view after the keyframe (its outline is new, here or along the chain) whose place
the keyframe shows: the flow straight from the keyframe's line art brings its samples from that part, and
it takes that part's colour, weakly (re-decided every frame: a part no keyframe shows flows from whatever
covered its place there). Without the vote it kept what the chain's flow sent it, the colour of the region
it came into view next to (a leg reappearing from behind its look-alike took the other leg's shade)."""

from __future__ import annotations

import numpy as np
import pytest
from flat_helpers import flow_to_keyframe_region
from test_crossing_parts import LEFT, RIGHT, _track


@pytest.fixture(scope="module")
def walked():
    tracker, state, key = _track(knees=False)
    left, key_left = int(state.regions.labels[90, 65]), int(key.regions.labels[90, 65])
    assert left > 0 and key_left > 0
    return tracker, state, key, left, key_left


def _entered(tracker, state, key, monkeypatch, region: int, src: int):
    """`region` came into view (weak, `entered`) with the chain saying RIGHT; the flow from the keyframe
    sends all its samples from the keyframe's region `src`. The region's (colour, confidence) once the weak
    regions are re-decided."""
    pal = tracker.palette
    n1 = state.regions.count + 1
    color, conf = state.color.copy(), state.confidence.copy()
    color[region], conf[region] = pal.index(RIGHT), 0.45
    entered = np.zeros(n1, bool)
    entered[region] = True
    trial = type(state)(
        state.number, state.regions, color, conf, state.source.copy(), new=np.zeros(n1, bool),
        fresh=np.zeros(n1, bool), entered=entered, guessed=np.zeros(n1), camera=state.camera,
    )  # fmt: skip
    flow_to_keyframe_region(tracker, monkeypatch, n1, region, src)
    tracker._resolve_weak(trial)
    return pal.rgb[trial.color[region]], float(trial.confidence[region])


def test_a_part_back_in_view_takes_the_colour_the_keyframe_shows_there(walked, monkeypatch):
    tracker, state, key, left, key_left = walked
    colour, conf = _entered(tracker, state, key, monkeypatch, left, key_left)
    assert colour == LEFT
    assert conf < tracker.params.carry_min  # weak: asked again next frame
