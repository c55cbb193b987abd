"""The sheet and the order frames are seen in do not change how the flat tracker breaks ties.

Palette indices break ties (a vote split evenly between two colours, an assignment of equal cost). When the
sheet's colours were interned first, they shifted every keyframe colour's index, so giving a sheet changed
which of two equally supported keyframe colours a region took, in regions the sheet never coloured (a
shaded shot: a 1500 px region a different wrong colour for four frames, 0.6 dB). Small scenes drawn here
(`test_behaviour.scene`)."""

from __future__ import annotations

import numpy as np
from flat_helpers import frame, shot
from test_behaviour import BOX, PARTS, SIZE, inverted_sheet, scene

from colorframes.backends.flat import FlatColorizer


def _palette(sheet: np.ndarray | None, order: list[int]) -> tuple[dict, dict]:
    """Colorize the shot's frames in `order`; (palette index per keyframe colour, {frame: output})."""
    frames = {1 + t: scene(t, box_from=4)[0] for t in range(6)}
    keys = {1: scene(0, box_from=4)[1], 6: scene(5, box_from=4)[1]}  # the box only in the second keyframe
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(SIZE, reference=sheet, keyframes=keys, loader=frames.get))
    out = {n: c.colorize([frame(n, frames[n])])[0].image for n in order}
    index = {rgb: i for i, rgb in enumerate(c.tracker.palette.rgb)}
    return {PARTS[name]: index[PARTS[name]] for name in PARTS}, out


def test_keyframe_colours_break_ties_the_same_with_a_sheet_and_in_any_frame_order():
    alone, out_alone = _palette(None, [1, 2, 3, 4, 5, 6])
    with_sheet, out_sheet = _palette(inverted_sheet(), [1, 2, 3, 4, 5, 6])
    backwards, out_back = _palette(inverted_sheet(), [6, 5, 4, 3, 2, 1])
    assert BOX in alone  # the second keyframe's own colour is in the palette from the start
    assert with_sheet == alone  # the sheet's colours come after the keyframes'
    assert backwards == alone  # a process that starts near the second keyframe orders them alike
    for n in out_sheet:  # nothing comes into view that no keyframe shows: the sheet changes no pixel
        assert np.array_equal(out_sheet[n], out_alone[n]), n
        assert np.array_equal(out_back[n], out_sheet[n]), n
