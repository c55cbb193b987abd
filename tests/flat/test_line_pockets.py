"""Pockets of a finished keyframe's thick lines, read per line-art region (`keycolors.dominant_colors`).

The drawing (hard-edged lines, no anti-aliasing): a wall of flat colour WALL; a thick line crosses it, and
holes in that line close off small pockets. A finished keyframe darkens the wall along its outline (rim
shading), so every pixel a pocket has is a darker copy of WALL: its own pixels never show the flat colour.
A second part (a cel shadow of colour SHADOW, itself a darkening of WALL) has a shaded pocket, and a speck of
SHADOW sits in the wall's thick line.
An ink blob far wider than any other line hides a pocket no part is near: its two pixels are a shading step
and the flat colour plus grain. A strip between two lines, as thin as a pocket, holds its own flat colour.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from colorframes.backends.flat.keycolors import dominant_colors
from colorframes.backends.flat.params import DEFAULT_PARAMS, FlatParams
from colorframes.foundation.lineart import segment_regions

WALL = np.array([200, 160, 120], np.uint8)
SHADOW = np.array([150, 120, 90], np.uint8)  # the cel shadow's own flat colour: 0.75 * WALL
SKIN = np.array([196, 140, 104], np.uint8)
STRIP = np.array([60, 90, 200], np.uint8)  # a thin strip's own flat colour, which no other part has
INK = (0, 0, 0)
RIM = 0.78  # the rim shading's darkening inside the pockets


def _shade(colour: np.ndarray, factor: float) -> np.ndarray:
    return np.rint(colour * factor).astype(np.uint8)


def _drawing(anti_aliased: bool = False) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[int, int]]]:
    """(line art, finished keyframe) (90, 200, 3) uint8 each, and a point (x, y) inside each part."""
    sketch = np.full((90, 200, 3), 255, np.uint8)
    cv2.rectangle(sketch, (5, 5), (120, 84), INK, 2)  # the wall: x 7..118
    cv2.rectangle(sketch, (120, 5), (150, 84), INK, 2)  # the shadow beside it: x 122..148
    cv2.rectangle(sketch, (56, 7), (64, 82), INK, -1)  # a thick line across the wall (9 px)
    cv2.rectangle(sketch, (154, 20), (194, 70), INK, -1)  # an ink blob, far thicker than any line
    sketch[30:32, 60:62] = 255  # a pocket in the thick line (2 x 2)
    sketch[60:62, 59:61] = 255  # another: a speck of a cel shadow's flat colour
    sketch[50:52, 133:135] = 0  # a ring of ink around a pocket of the shadow
    sketch[50:52, 137:139] = 0
    sketch[49, 133:139] = 0
    sketch[52, 133:139] = 0
    sketch[50:52, 135:137] = 255
    sketch[45, 174:176] = 255  # a pocket deep inside the blob (2 x 1)
    sketch[70, 7:56] = 0  # a strip 3 px wide between two lines across the wall
    sketch[74, 7:56] = 0
    key = sketch.copy()
    paper = sketch.min(axis=2) == 255
    key[paper] = 255
    wall = np.zeros(sketch.shape[:2], bool)
    wall[7:83, 7:119] = True
    key[wall & paper] = WALL
    shadow = np.zeros_like(wall)
    shadow[7:83, 122:149] = True
    key[shadow & paper] = SHADOW
    key[30:32, 60:62] = _shade(WALL, RIM)  # every pocket pixel is a shading step
    key[60:62, 59:61] = SHADOW
    key[71:74, 7:56] = STRIP
    key[72, 30] = STRIP + 3  # grain
    key[50:52, 135:137] = _shade(SHADOW, 0.9)
    key[45, 174] = _shade(SKIN, RIM)
    key[45, 175] = SKIN + 2  # the flat colour, touched by grain
    if anti_aliased:  # the pockets' darkening is the ink's: the line art shows it there
        sketch[30:32, 60:62] = int(255 * RIM)
    where = {"pocket": (60, 30), "wall": (30, 40), "shadow": (128, 40), "shadow pocket": (135, 50)}
    where.update({"speck": (59, 60), "blob pocket": (174, 45), "strip": (20, 72)})
    return sketch, key, where


def _read(anti_aliased: bool = False, params: FlatParams = DEFAULT_PARAMS, with_art: bool = True):
    sketch, key, where = _drawing(anti_aliased)
    regions = segment_regions(sketch, 1)
    ids = {name: int(regions.labels[y, x]) for name, (x, y) in where.items()}
    assert len(set(ids.values())) == len(ids) and 0 not in ids.values()
    colors = dominant_colors(regions, key, params, sketch if with_art else None)
    return {name: tuple(int(c) for c in colors[i]) for name, i in ids.items()}


@pytest.fixture(scope="module")
def read():
    return _read()


def test_a_pocket_in_a_thick_line_is_the_part_beyond_it(read):
    assert read["wall"] == tuple(WALL)
    assert read["pocket"] == tuple(WALL)
    # Without the line art (or with the rule off) the pocket reads as its shading step: a colour no part has.
    assert _read(with_art=False)["pocket"] == tuple(_shade(WALL, RIM))
    assert _read(params=FlatParams(pocket_depth=0))["pocket"] == tuple(_shade(WALL, RIM))


def test_a_pocket_takes_the_nearest_part_that_explains_it(read):
    """The shadow's pocket is a darkening of SHADOW and of WALL: the nearer part, the shadow, explains it."""
    assert read["shadow"] == tuple(SHADOW)
    assert read["shadow pocket"] == tuple(SHADOW)


def test_a_pocket_of_a_flat_colour_some_part_has_keeps_it(read):
    """The speck in the wall's line is SHADOW, a darkening of WALL too, but a part's own flat colour."""
    assert read["speck"] == tuple(SHADOW)


def test_a_pocket_no_part_is_near_takes_its_least_shaded_step(read):
    assert read["blob pocket"] == tuple(SKIN + 2)


def test_a_thin_strip_of_one_flat_colour_keeps_it(read):
    """A strip between two lines is as thin as a pocket, but one colour holds most of it: its flat colour."""
    assert read["strip"] == tuple(STRIP)


def test_an_anti_aliased_pocket_keeps_the_blend_its_line_art_shows():
    """Where the line art has ink on the pocket, its darker colour is the blend of fill and ink: kept."""
    assert _read(anti_aliased=True)["pocket"] == tuple(_shade(WALL, RIM))
