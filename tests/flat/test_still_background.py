"""A background that only pans keeps its regions while a fast part crosses it (`flow.correspond`).

The smooth flow drags the background next to a fast part along with it; on a repeating pattern (bricks)
the dragged flow lands on a neighbouring brick of the same form. A region that the global shift alone lays
on a previous region's outline stood still relative to the camera and votes along the shift."""

from __future__ import annotations

import cv2
import numpy as np

from colorframes.backends.flat.flow import correspond
from colorframes.backends.flat.params import FlatParams
from colorframes.foundation.lineart import segment_regions

SIZE = (300, 960)  # (H, W)
BRICK = (26, 12)  # (W, H) px
P = FlatParams()


def wall(pan: int, hero_x: int) -> np.ndarray:
    """Running-bond bricks panned `pan` px to the left, and a thick-outlined figure at `hero_x` in front."""
    img = np.full((*SIZE, 3), 255, np.uint8)
    for row in range(SIZE[0] // BRICK[1] + 1):
        y = row * BRICK[1]
        cv2.line(img, (0, y), (SIZE[1], y), (0, 0, 0), 1)
        for col in range(-2, SIZE[1] // BRICK[0] + 3):
            x = col * BRICK[0] + (BRICK[0] // 2) * (row % 2) - pan
            cv2.line(img, (x, y), (x, y + BRICK[1]), (0, 0, 0), 1)
    for k in range(12):  # a few round things on the wall (what makes the camera's shift unambiguous)
        cv2.circle(img, (40 + 83 * k - pan, 30 + (37 * k) % 200), 9 + k % 4, (0, 0, 0), 2, cv2.LINE_AA)
    cv2.rectangle(img, (hero_x, 40), (hero_x + 60, 260), (255, 255, 255), -1)
    cv2.rectangle(img, (hero_x, 40), (hero_x + 60, 260), (0, 0, 0), 5)
    cv2.line(img, (hero_x, 150), (hero_x + 60, 150), (0, 0, 0), 5)
    return img


def brick_at(x: float, y: float, pan: int) -> tuple[int, int]:
    """(row, column) of the brick under point (x, y) of a drawing panned by `pan`."""
    row = int(y // BRICK[1])
    return row, int(np.floor((x + pan - (BRICK[0] // 2) * (row % 2)) / BRICK[0]))


def test_bricks_next_to_a_fast_part_follow_the_pan_not_the_dragged_flow():
    pan, before, after = 3, 300, 330  # the camera pans 3 px; the figure moves 30 px over the wall
    prev = segment_regions(wall(0, before), 1, P.lineart)
    cur = segment_regions(wall(pan, after), 1, P.lineart)
    corr = correspond(prev, cur, P)
    j, i = corr.pairs[:, 0], corr.pairs[:, 1]
    order = np.lexsort((-corr.counts, j))
    first = np.ones(order.size, bool)
    first[1:] = j[order][1:] != j[order][:-1]
    source = dict(zip(j[order][first].tolist(), i[order][first].tolist(), strict=True))
    brick = (BRICK[0] - 1) * (BRICK[1] - 1)
    checked, wrong = 0, []
    for r in range(1, cur.count + 1):
        x, y = cur.centroid[r]
        if abs(cur.area[r] - brick) > 6 or r not in source:  # only whole bricks (no figure line cuts them)
            continue
        if before - 20 <= x + pan <= before + 80:  # behind the figure before: uncovered now, nothing to follow
            continue
        checked += 1
        px, py = prev.centroid[source[r]]
        if brick_at(x, y, pan) != brick_at(px, py, 0):
            wrong.append((round(x), round(y)))
    assert checked >= 400
    assert wrong == []
