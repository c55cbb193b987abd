"""The character sheet (`--ref SHEET`): next to keyframes it colours only what comes into view; on its own
it colours only what it shows. Small scenes drawn here (`test_behaviour.scene`), not frames of a generator."""

from __future__ import annotations

import cv2
import numpy as np
from test_behaviour import PARTS, SIZE, WALL, rgb, run, scene


def _inverted_sheet(hand_step: int) -> np.ndarray:
    """The scene's figure on white paper in other colours (each part's colour inverted)."""
    sketch, _, part = scene(0, hand_step=hand_step)
    sheet = np.full((*SIZE, 3), 255, np.uint8)
    for i, name in enumerate(PARTS):
        if name != "wall":
            sheet[part == i] = tuple(255 - v for v in PARTS[name])
    ink = sketch.min(axis=2) < 128
    sheet[ink] = sketch[ink]
    return sheet


def test_sheet_adds_nothing_where_no_part_comes_into_view():
    """The hand crosses the belt and leaves the body faster than its own size per frame (regions split and
    merge, some left unexplained by the chain), nothing enters the frame: the sheet, which shows the figure
    in other colours, changes no pixel of any frame (it used to recolour the hand from the second frame)."""
    n = 8
    frames = {1 + t: scene(t, hand_step=12)[0] for t in range(n)}
    key = (1, scene(0, hand_step=12)[1])
    with_sheet = run(frames, keyframe=key, sheet=_inverted_sheet(12))
    alone = run(frames, keyframe=key)
    for number in frames:
        assert np.array_equal(rgb(with_sheet[number]), rgb(alone[number])), number


def test_sheet_alone_gives_its_colours_to_no_more_regions_than_its_parts_can_serve():
    """Sheet-only: a frame with the figure and many small background objects the sheet does not show.
    Each sheet part serves at most two regions; what is left over takes no character colour (the neutral
    palette) and is listed as low confidence, never a sheet colour."""
    sketch, _, _ = scene(0)
    for k in range(18):  # a shelf of small boxes along the top and the bottom
        x, y = 8 + (k % 9) * 34, 6 if k < 9 else 160
        cv2.rectangle(sketch, (x, y), (x + 12, y + 12), (0, 0, 0), 2, cv2.LINE_AA)
    sheet_sketch, sheet_color, _ = scene(0)
    sheet = sheet_color.copy()
    sheet[(sheet == WALL).all(axis=2)] = 255  # the figure on white paper
    res = run({1: sketch}, sheet=sheet, report=True)[1]
    out, labels = rgb(res), res.extras["labels"]
    sheet_colours = {tuple(int(v) for v in c) for name, c in PARTS.items() if name != "wall"}
    ids = np.unique(labels[labels > 0])
    coloured = [r for r in ids if tuple(int(v) for v in out[labels == r][0]) in sheet_colours]
    n_parts = 7  # body and shadow (each split by the belt), head, belt, hand
    assert 0 < len(coloured) <= 2 * n_parts
    listed = {e["region"] for e in res.extras["report"]["low_confidence"]}
    left = set(ids.tolist()) - set(coloured) - {int(labels[0, 0])}  # the frame's background is paper
    assert left and left <= listed
