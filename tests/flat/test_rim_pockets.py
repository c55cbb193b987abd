"""A finished keyframe's rim shading, read per line-art region (`keycolors.dominant_colors`).

The drawing: a large part (a wall) whose left side is rim-shaded (a ramp of darkened copies of its flat
colour, darkest at the edge), a small pocket that two short lines cut off that shaded band, and next to
the wall a cel-shadow region filled flat with a darker copy of the wall's colour. The pocket holds only
ramp steps (its flat colour is nowhere in it): it is the wall's colour. The shadow region holds its own
colour flat: it keeps it, though that colour is a darkening of the wall's too.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from colorframes.backends.flat.keycolors import dominant_colors
from colorframes.backends.flat.params import DEFAULT_PARAMS, FlatParams
from colorframes.foundation.lineart import segment_regions

BASE = np.array([200.0, 160.0, 120.0])
SHADOW = np.rint(BASE * 0.78).astype(np.uint8)  # the cel shadow's own flat colour: a darkening of BASE
INK = (0, 0, 0)


def _drawing() -> tuple[np.ndarray, np.ndarray]:
    """(line art, finished keyframe), both (80, 150, 3) uint8."""
    sketch = np.full((80, 150, 3), 255, np.uint8)
    cv2.rectangle(sketch, (10, 10), (110, 70), INK, 2)  # the wall: interior x 12..108, y 12..68
    cv2.rectangle(sketch, (110, 10), (140, 70), INK, 2)  # the cel shadow beside it
    cv2.line(sketch, (10, 34), (21, 34), INK, 2)  # the pocket: x 12..19, y 36..45, inside the band
    cv2.line(sketch, (10, 46), (21, 46), INK, 2)
    cv2.line(sketch, (21, 34), (21, 46), INK, 2)
    key = sketch.copy()
    wall = np.tile(BASE, (57, 97, 1))  # (y 12..68, x 12..108)
    for x in range(16):  # the rim band along the left edge: 2 px per step, factors 0.72 .. 0.93
        wall[:, x] *= 0.72 + 0.03 * (x // 2)
    region = sketch[12:69, 12:109].min(axis=2) > 128  # not on a line
    key[12:69, 12:109][region] = np.rint(wall[region]).astype(np.uint8)
    shade = sketch[12:69, 112:139].min(axis=2) > 128
    key[12:69, 112:139][shade] = SHADOW
    return sketch, key


@pytest.fixture(scope="module")
def read():
    sketch, key = _drawing()
    regions = segment_regions(sketch, 1)
    ids = {
        name: int(regions.labels[y, x])
        for name, (x, y) in {"pocket": (15, 40), "wall": (60, 40), "shadow": (125, 40)}.items()
    }
    assert len(set(ids.values())) == 3 and 0 not in ids.values()
    return regions, key, ids


def test_a_pocket_cut_off_a_shaded_rim_is_the_parts_colour(read):
    regions, key, ids = read
    colors = dominant_colors(regions, key, DEFAULT_PARAMS)
    assert tuple(colors[ids["wall"]]) == tuple(BASE.astype(np.uint8))
    assert tuple(colors[ids["pocket"]]) == tuple(BASE.astype(np.uint8))
    # Without the rule the pocket reads as one of its own ramp steps: a shadow that no drawing has.
    plain = dominant_colors(regions, key, FlatParams(rim_pocket_lead=0.0))
    assert tuple(plain[ids["pocket"]]) != tuple(BASE.astype(np.uint8))


def test_a_cel_shadow_of_its_own_flat_colour_keeps_it(read):
    regions, key, ids = read
    colors = dominant_colors(regions, key, DEFAULT_PARAMS)
    assert tuple(colors[ids["shadow"]]) == tuple(SHADOW)
