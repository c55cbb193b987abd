"""Chain repair: a colour the chain lost comes back from the keyframe (issue 3, the hand over the belt)."""

from __future__ import annotations

import numpy as np
from flat_helpers import frame, rgb_u8, shot

from colorframes.backends.flat import FlatColorizer

FIRST = 1001


def test_belt_uncovered_by_the_hand_is_belt_again_at_1080p(make_example):
    """Seed 0 at 1920x1080, keyframe + sheet: from frame 7 the whole belt was carried as skin for the rest of
    the shot."""
    walk = [make_example.render_frame(i, (1920, 1080), n_frames=24) for i in range(10)]
    belt = next(i for i, (name, _) in make_example.PALETTE.items() if name == "belt")
    belt_rgb = np.array(make_example.PALETTE[belt][1], np.uint8)
    c = FlatColorizer(gap_radius=2)
    loader = lambda n: walk[n - FIRST]["sketch"] if 0 <= n - FIRST < len(walk) else None  # noqa: E731
    sheet = make_example.render_sheet(make_example.SHEET_SIZE)["color"]
    keyframes = {FIRST: walk[0]["color"]}
    c.setup_shot(shot((1080, 1920), reference=sheet, keyframes=keyframes, first_frame=FIRST, loader=loader))
    for i, drawing in enumerate(walk):
        image = rgb_u8(c.colorize([frame(FIRST + i, drawing["sketch"])])[0].image)
        if i < 7:
            continue
        on_belt = image[drawing["labels"] == belt]  # (P, 3)
        share = np.all(on_belt == belt_rgb, axis=1).mean()
        assert share > 0.9, f"frame {i}: only {share:.2f} of the belt is belt-coloured"


def test_enclosed_pants_shadow_is_not_the_sheets_paper_at_1080p(make_example):
    """Seed 0 at 1920x1080, keyframe + sheet: frame 23's re-emerging pants shadow (enclosed by the figure) was
    matched to a paper gap of the sheet although the keyframe calls it pants shadow."""
    walk = [make_example.render_frame(i, (1920, 1080), n_frames=24) for i in range(24)]
    shadow = next(i for i, (name, _) in make_example.PALETTE.items() if name == "pants_shadow")
    c = FlatColorizer(gap_radius=2)
    loader = lambda n: walk[n - FIRST]["sketch"] if 0 <= n - FIRST < len(walk) else None  # noqa: E731
    sheet = make_example.render_sheet(make_example.SHEET_SIZE)["color"]
    c.setup_shot(
        shot((1080, 1920), reference=sheet, keyframes={FIRST: walk[0]["color"]}, first_frame=FIRST, loader=loader)
    )
    image = rgb_u8(c.colorize([frame(FIRST + 23, walk[23]["sketch"])])[0].image)
    on_shadow = image[walk[23]["labels"] == shadow]  # (P, 3)
    paper = np.all(on_shadow == 255, axis=1).mean()
    assert paper < 0.05, f"{paper:.2f} of the pants shadow is painted paper"
