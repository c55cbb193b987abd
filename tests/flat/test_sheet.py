"""The character sheet (`--ref SHEET`): next to keyframes it colours only what comes into view; on its own
it colours only what it shows. Small scenes drawn here (`test_behaviour.scene`), not frames of a generator."""

from __future__ import annotations

import cv2
import numpy as np
from test_behaviour import PARTS, SIZE, WALL, inverted_sheet, rgb, run, scene


def test_sheet_adds_nothing_where_no_part_comes_into_view():
    """The hand crosses the belt and leaves the body faster than its own size per frame (regions split and
    merge, some left unexplained by the chain), nothing enters the frame: the sheet, which shows the figure
    in other colours, changes no pixel of any frame (it used to recolour the hand from the second frame)."""
    n = 8
    frames = {1 + t: scene(t, hand_step=12)[0] for t in range(n)}
    key = (1, scene(0, hand_step=12)[1])
    with_sheet = run(frames, keyframe=key, sheet=inverted_sheet(12))
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


SKIN, SHIRT, PANTS, SHELF = (196, 140, 104), (244, 176, 40), (60, 90, 150), (150, 110, 70)
VISITOR = {1: SKIN, 2: SHIRT, 3: PANTS}


def _visitor_scene(x: int | None):
    """The scene's figure at rest, shelves on the wall, and (at left edge `x`, None: not there) a second
    figure (head, shirt, trousers in colours the keyframe does not show). → (sketch, colour, part map)."""
    sketch, color, _ = scene(0)
    h, w = SIZE
    part = np.zeros((h, w), np.int32)
    for y in (40, 90, 140):
        cv2.rectangle(color, (215, y), (315, y + 10), SHELF, -1)
        for img in (sketch, color):
            cv2.rectangle(img, (215, y), (315, y + 10), (0, 0, 0), 2, cv2.LINE_AA)
    if x is not None:
        shapes = (
            lambda m, c, t: cv2.circle(m, (x + 20, 40), 16, c, t, cv2.LINE_AA),
            lambda m, c, t: cv2.rectangle(m, (x, 58), (x + 40, 110), c, t, cv2.LINE_AA),
            lambda m, c, t: cv2.rectangle(m, (x + 4, 112), (x + 36, 170), c, t, cv2.LINE_AA),
        )
        for k, draw in enumerate(shapes, start=1):
            draw(color, VISITOR[k], -1)
            draw(sketch, (255, 255, 255), -1)  # it hides the shelves' lines behind it
            mask = np.zeros((h, w), np.uint8)
            draw(mask, 1, -1)
            part[mask > 0] = k
        for draw in shapes:
            for img in (sketch, color):
                draw(img, (0, 0, 0), 2)
    return sketch, color, part


def test_a_figure_walking_in_takes_the_sheet_colours_though_the_sheet_shows_it_alone():
    """A second figure walks in from the right edge (24 px a frame) over a wall with shelves; the keyframe
    does not show it. The sheet shows it alone on paper, so the sheet's box is the figure's while the frame's
    is the whole scene: matched as a figure, in its own box against the sheet figure's, each part takes its
    sheet colour from its second frame on (part by part in the frame's box, the shirt took the keyframe
    figure's shadow colour for three frames). Each part's colour holds most of its pixels."""
    n, step = 8, 24
    frames = {1 + t: _visitor_scene(SIZE[1] + 10 - step * t if t else None)[0] for t in range(n)}
    key = _visitor_scene(None)[1]
    s_sketch, s_color, s_part = _visitor_scene(140)
    sheet = np.full((*SIZE, 3), 255, np.uint8)
    sheet[s_part > 0] = s_color[s_part > 0]
    ink = s_sketch.min(axis=2) < 128
    sheet[ink] = s_sketch[ink]
    results = run(frames, keyframe=(1, key), sheet=sheet)
    for t in range(2, n):
        _, _, part = _visitor_scene(SIZE[1] + 10 - step * t)
        res = results[1 + t]
        out, labels = rgb(res), res.extras["labels"]
        for k, colour in VISITOR.items():
            m = (part == k) & (labels > 0)
            cols, counts = np.unique(out[m], axis=0, return_counts=True)
            assert tuple(int(v) for v in cols[np.argmax(counts)]) == colour, (t, k)
            assert np.all(out[m] == colour, axis=1).mean() > 0.5, (t, k)


BRICKS = [(178, 80, 60), (160, 70, 52), (196, 104, 76), (150, 88, 70)]


def _brick_wall(shift: int) -> tuple[np.ndarray, np.ndarray]:
    """A running-bond brick wall (26×12 px bricks, 1 px mortar lines, colour fixed per brick) seen with the
    camera `shift` px to the right. → (sketch, colour)."""
    h, w = SIZE
    sketch = np.full((h, w, 3), 255, np.uint8)
    color = sketch.copy()
    bw, bh = 26, 12
    for row in range(h // bh + 1):
        for k in range(-2, (w + shift) // bw + 3):
            x0, y0 = k * bw + (bw // 2) * (row % 2) - shift, row * bh
            if x0 > w or x0 + bw < 0:
                continue
            cv2.rectangle(color, (x0, y0), (x0 + bw, y0 + bh), BRICKS[(row * 7 + k * 3) % 4], -1)
            for img in (sketch, color):
                cv2.rectangle(img, (x0, y0), (x0 + bw, y0 + bh), (0, 0, 0), 1)
    return sketch, color


def test_bricks_a_pan_brings_in_do_not_take_the_sheet_figures_colours():
    """A brick wall under a pan (10 px a frame); the keyframe shows the wall, the sheet a three-part figure
    in colours no keyframe shows. The bricks coming in at the edge are read against the sheet figure every
    frame while weak; that reading never fits the growing strip (its area-weighted confidence stays under
    `sheet_min_conf`), so the figure's colours never spread over the wall: after the strip's first frame no
    more pixels take them than in that frame, and none once the first bricks are in whole. (With a count of
    regions against the figure's parts deciding instead, the first frame's reading let the figure read the
    growing strip: 616 px of shirt colour on the wall at the fifth frame.)"""
    n, step = 8, 10
    frames = {1 + t: _brick_wall(step * t)[0] for t in range(n)}
    s_sketch, s_color, s_part = _visitor_scene(140)
    sheet = np.full((*SIZE, 3), 255, np.uint8)
    sheet[s_part > 0] = s_color[s_part > 0]
    ink = s_sketch.min(axis=2) < 128
    sheet[ink] = s_sketch[ink]
    results = run(frames, keyframe=(1, _brick_wall(0)[1]), sheet=sheet)
    painted = [
        sum(int(np.all(rgb(results[1 + t]) == colour, axis=2).sum()) for colour in VISITOR.values())
        for t in range(1, n)
    ]
    assert all(p <= painted[0] for p in painted[1:]), painted
    assert not any(painted[2:]), painted
