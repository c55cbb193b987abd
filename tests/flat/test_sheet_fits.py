"""Keyframe + sheet (`--ref SHEET`): the sheet's colour for a part coming into view must fit what it touches,
and the sheet never gives a colour a keyframe draws as lines. Small scenes drawn here."""

from __future__ import annotations

import cv2
import numpy as np
from test_behaviour import SIZE, WALL, rgb, run
from test_sheet import VISITOR, _visitor_scene

H, W = SIZE
INK, PAPER = (0, 0, 0), (255, 255, 255)
SHOE, PANTS, SKIN, SLEEVE = (40, 30, 120), (60, 90, 150), (232, 184, 152), (200, 60, 160)
LINE, TOP, DEPTH = 130, 125, 40  # the skirting line; the hand's fingertips; the gap between its fingers: depth


def _hand(top: int, x0: int = 100) -> np.ndarray:
    """A two-fingered hand (80 px wide, a 30 px gap `DEPTH` deep between its fingers), fingertips at `top`,
    reaching below the frame's bottom edge."""
    g0, g1 = x0 + 25, x0 + 55
    pts = [[x0, top], [g0, top], [g0, top + DEPTH], [g1, top + DEPTH], [g1, top], [x0 + 80, top], [x0 + 80, H + 5]]
    return np.array([*pts, [x0, H + 5]], np.int32)


def _wall(t: int, coloured: bool = False) -> np.ndarray:
    """A wall split by a skirting line; from frame t=1 on a hand up from the bottom edge, its fingertips
    above the line: the gap between its fingers cuts a piece off the wall below the line."""
    img = np.full((H, W, 3), WALL if coloured else PAPER, np.uint8)
    cv2.line(img, (0, LINE), (W, LINE), INK, 2, cv2.LINE_AA)
    if t:
        cv2.fillPoly(img, [_hand(TOP)], SKIN if coloured else PAPER)
        cv2.polylines(img, [_hand(TOP)], True, INK, 2, cv2.LINE_AA)
    return img


def _figure_sheet() -> np.ndarray:
    """A figure on paper: trousers over a shoe, a sleeve over a hand shaped like the frame's. The sheet shows
    the trousers and the shoe next to neither the hand nor anything of the wall's colour."""
    sheet = np.full((H, W, 3), 255, np.uint8)
    shapes = [
        (np.array([[10, 40], [100, 40], [100, 110], [10, 110]], np.int32), PANTS),
        (np.array([[40, 110], [70, 110], [70, 140], [40, 140]], np.int32), SHOE),
        (np.array([[180, 20], [260, 20], [260, 60], [180, 60]], np.int32), SLEEVE),
        (np.minimum(_hand(60, 180), [W, 170]).astype(np.int32), SKIN),
    ]
    for pts, colour in shapes:
        cv2.fillPoly(sheet, [pts], colour)
    for pts, _ in shapes:
        cv2.polylines(sheet, [pts], True, INK, 2, cv2.LINE_AA)
    return sheet


def test_a_wall_piece_a_hand_from_the_bottom_edge_cuts_off_keeps_the_wall_colour():
    """A hand comes up from the frame's bottom edge; the gap between its fingers cuts a piece off the wall
    below the skirting line (a new outline, touching the frame's edge: it reads as a part coming into view).
    The sheet shows a figure whose trousers the piece matches on form (read together with the hand), but
    the sheet shows the trousers next to neither the wall nor the hand: the colour does not fit. With the
    sheet every frame equals the keyframe-only output on the piece, the keyframe's wall colour (before
    1f8896b the piece took the sheet's trouser colour from the hand's first frame on)."""
    n = 5
    frames = {1 + t: _wall(t) for t in range(n)}
    key = (1, _wall(0, coloured=True))
    with_sheet = run(frames, keyframe=key, sheet=_figure_sheet())
    alone = run(frames, keyframe=key)
    piece = np.zeros((H, W), bool)
    piece[LINE + 4 : TOP + DEPTH - 3, 128:152] = True  # inside the gap between the fingers, below the line
    for number in frames:
        got, ref = rgb(with_sheet[number]), rgb(alone[number])
        inside = piece & (with_sheet[number].extras["labels"] > 0)
        assert inside.sum() > 500, number
        assert np.array_equal(got[inside], ref[inside]), number
        assert np.all(got[inside] == WALL), number


BLUE = (0, 72, 255)  # the scene's shade-line colour (`test_behaviour.scene`)


def _strap_scene(x: int | None):
    """`test_sheet._visitor_scene` (the figure with blue shade lines at rest, shelves; a visitor at left edge
    `x`), the visitor's shirt crossed by a strap 12 px wide, coloured the shade lines' blue. → (sketch, colour,
    part map: 1 head, 2 shirt, 3 trousers, 4 strap)."""
    sketch, color, part = _visitor_scene(x)
    if x is not None:
        m = np.zeros(SIZE, np.uint8)
        cv2.rectangle(m, (x + 14, 60), (x + 26, 108), 1, -1)
        color[m > 0], sketch[m > 0], part[m > 0] = BLUE, 255, 4
        for img in (sketch, color):
            cv2.rectangle(img, (x + 14, 60), (x + 26, 108), INK, 2, cv2.LINE_AA)
    return sketch, color, part


def test_the_sheet_never_gives_a_colour_the_keyframe_draws_as_lines():
    """The keyframe draws its shade lines blue; the sheet shows a visitor (walking in from the right edge,
    24 px a frame) whose strap is that blue, drawn thick. No region of any frame is painted blue (blue
    output pixels are line pixels only): the strap, which matches the sheet's blue part on form, gets no
    sheet colour (before 1f8896b it was painted blue from its first frame). The visitor's other parts still
    take their sheet colours (head, shirt, trousers, from the third frame on)."""
    n, step = 8, 24
    at = {1 + t: (SIZE[1] + 10 - step * t if t else None) for t in range(n)}
    frames = {k: _strap_scene(x)[0] for k, x in at.items()}
    s_sketch, s_color, s_part = _strap_scene(140)
    sheet = np.full((*SIZE, 3), 255, np.uint8)
    sheet[s_part > 0] = s_color[s_part > 0]
    ink = s_sketch.min(axis=2) < 128
    sheet[ink] = s_sketch[ink]
    results = run(frames, keyframe=(1, _strap_scene(None)[1]), sheet=sheet)
    for number, x in at.items():
        out, labels = rgb(results[number]), results[number].extras["labels"]
        assert not (np.all(out == BLUE, axis=2) & (labels > 0)).any(), number
        if number < 3:
            continue
        part = _strap_scene(x)[2]
        for k, colour in VISITOR.items():
            m = (part == k) & (labels > 0)
            assert np.all(out[m] == colour, axis=1).mean() > 0.5, (number, k)
