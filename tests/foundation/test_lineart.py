"""Line art → regions: gaps, thin regions, coloured lines, paper and noise."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from flat_helpers import two_boxes

from colorframes.foundation.lineart import (
    DEFAULT_LINEART,
    adjacency,
    grow_labels,
    line_reach,
    segment_regions,
    wall_corners,
)


def _region_at(regions, x, y):
    return int(regions.labels[y, x])


def test_closed_shapes_give_one_region_each_plus_paper():
    r = segment_regions(two_boxes(), gap_radius=2)
    inside_a, inside_b, paper = _region_at(r, 50, 60), _region_at(r, 140, 60), _region_at(r, 5, 5)
    assert len({inside_a, inside_b, paper}) == 3 and 0 not in (inside_a, inside_b, paper)
    assert r.count == 3
    assert r.line_mask[20, 50] and not r.line_mask[60, 50]
    assert r.labels.dtype == np.int32 and r.labels.shape == (120, 200)
    assert np.array_equal(r.labels == 0, r.line_mask)


def test_gap_is_closed_by_gap_radius_and_leaks_without():
    sketch = two_boxes(gap=4)
    leaky = segment_regions(sketch, gap_radius=0)
    assert _region_at(leaky, 50, 60) == _region_at(leaky, 5, 5)  # paint leaks out of the open box
    closed = segment_regions(sketch, gap_radius=3)
    assert _region_at(closed, 50, 60) != _region_at(closed, 5, 5)
    # The box interior keeps (nearly) its whole area; the gap is split at the line, not eaten.
    area = closed.area[_region_at(closed, 50, 60)]
    assert 66 * 76 * 0.95 < area < 66 * 76 * 1.1


def test_thin_region_narrower_than_the_ball_is_kept():
    img = np.full((100, 160, 3), 255, np.uint8)
    cv2.rectangle(img, (10, 10), (150, 90), (0, 0, 0), 2)
    cv2.line(img, (10, 50), (150, 50), (0, 0, 0), 2)
    cv2.line(img, (10, 54), (150, 54), (0, 0, 0), 2)  # a 2-px strip between 52 and 53
    r = segment_regions(img, gap_radius=3)
    strip = _region_at(r, 80, 52)
    assert strip not in (0, _region_at(r, 80, 30), _region_at(r, 80, 70))
    assert r.area[strip] > 100


def test_coloured_lines_are_boundaries():
    img = np.full((100, 160, 3), 255, np.uint8)
    cv2.rectangle(img, (10, 10), (150, 90), (0, 0, 0), 2)
    cv2.line(img, (80, 10), (80, 90), (0, 72, 255), 2)  # blue shadow line splits the box
    cv2.line(img, (10, 50), (80, 50), (255, 230, 0), 2)  # a light yellow highlight line
    r = segment_regions(img, gap_radius=1)
    assert len({_region_at(r, 40, 30), _region_at(r, 40, 70), _region_at(r, 120, 50)}) == 3
    assert r.color_line_mask[50, 80] and r.line_mask[50, 40] and not r.color_line_mask[10, 40]


def test_grey_paper_antialiasing_and_scan_noise():
    rng = np.random.default_rng(0)
    img = two_boxes(paper=200, thickness=1)
    noisy = np.clip(img.astype(np.int16) + rng.normal(0, 6, img.shape).round(), 0, 255).astype(np.uint8)
    for y, x in rng.integers(0, 120, size=(30, 2)):
        noisy[y, x + 40] = 60  # isolated dark specks
    r = segment_regions(noisy, gap_radius=1)
    assert r.count == 3
    assert _region_at(r, 50, 60) not in (0, _region_at(r, 5, 5))


def _faint_split_box(rng: np.random.Generator, faint: int) -> np.ndarray:
    """A dark anti-aliased box on grainy paper, split in two by a 1-px line only `faint` levels darker
    than the paper (a line XDoG draws between two colours of similar brightness)."""
    img = np.full((100, 160, 3), 240, np.uint8)
    cv2.rectangle(img, (10, 10), (150, 90), (0, 0, 0), 2, cv2.LINE_AA)
    img[12:89, 80] = 240 - faint  # the faint line, touching the box outline at both ends
    grain = rng.normal(0, 2.5, img.shape[:2]).round()[..., None]
    return np.clip(img.astype(np.int16) + grain, 0, 255).astype(np.uint8)


def test_faint_thin_lines_split_regions_without_grain_or_fringes_becoming_lines():
    rng = np.random.default_rng(3)
    sketch = _faint_split_box(rng, faint=40)  # darkness 0.17: far under `ink_darkness`
    r = segment_regions(sketch, gap_radius=2)
    left, right, paper = _region_at(r, 40, 50), _region_at(r, 120, 50), _region_at(r, 5, 5)
    assert len({left, right, paper}) == 3 and 0 not in (left, right, paper)
    assert r.count == 3  # the grain and the outline's anti-aliased fringe add nothing
    off = segment_regions(sketch, gap_radius=2, params=replace(DEFAULT_LINEART, faint_ridge=0.0))
    assert _region_at(off, 40, 50) == _region_at(off, 120, 50)  # the ink threshold alone misses the line
    plain = _faint_split_box(rng, faint=0)  # grain only: no line appears
    assert segment_regions(plain, gap_radius=2).count == 2


def test_blank_and_tiny_images_do_not_crash():
    r = segment_regions(np.full((40, 50, 3), 255, np.uint8), gap_radius=2)
    assert r.count == 1 and not r.line_mask.any()
    r = segment_regions(np.zeros((3, 3, 3), np.uint8), gap_radius=2)
    assert r.labels.shape == (3, 3)


def test_adjacency_pairs_across_lines():
    r = segment_regions(two_boxes(), gap_radius=1)
    pairs = {tuple(p) for p in adjacency(r.labels).tolist()}
    a, b, paper = _region_at(r, 50, 60), _region_at(r, 140, 60), _region_at(r, 5, 5)
    assert (min(a, paper), max(a, paper)) in pairs and (min(b, paper), max(b, paper)) in pairs
    assert (min(a, b), max(a, b)) not in pairs


def test_example_frame_segments_match_ground_truth(make_example):
    f = make_example.render_frame(3, (480, 270))
    r = segment_regions(f["sketch"], gap_radius=2)
    gt = f["labels"].astype(np.int64)
    # Pixel-weighted purity: each predicted region lies (almost) inside one GT region id.
    both = (gt > 0) & (r.labels > 0)
    codes = r.labels[both].astype(np.int64) * 64 + gt[both]
    pairs = np.bincount(codes, minlength=(r.count + 1) * 64).reshape(-1, 64)
    purity = pairs.max(axis=1).sum() / pairs.sum()
    assert purity > 0.98


def _split_box(thickness: int) -> np.ndarray:
    """A box cut in two by a vertical divider, every line `thickness` px wide (1080p lines are ~7 px)."""
    img = np.full((160, 240, 3), 255, np.uint8)
    cv2.rectangle(img, (30, 30), (210, 130), (0, 0, 0), thickness, cv2.LINE_AA)
    cv2.line(img, (120, 30), (120, 130), (0, 0, 0), thickness, cv2.LINE_AA)
    return img


@pytest.mark.parametrize("thickness", [2, 5, 9])
def test_adjacency_reach_follows_the_line_width(thickness):
    r = segment_regions(_split_box(thickness), gap_radius=1)
    left, right, paper = _region_at(r, 70, 80), _region_at(r, 170, 80), _region_at(r, 5, 5)
    pairs = {tuple(p) for p in adjacency(r.labels, box=r.box).tolist()}
    assert (min(left, right), max(left, right)) in pairs
    assert (min(left, paper), max(left, paper)) in pairs and (min(right, paper), max(right, paper)) in pairs


def test_line_reach_grows_with_thicker_lines():
    reaches = [line_reach(segment_regions(_split_box(t), gap_radius=1).labels[::2, ::2]) for t in (2, 5, 9)]
    assert DEFAULT_LINEART.line_reach_min <= reaches[0] <= reaches[1] <= reaches[2]
    assert reaches[2] > reaches[0] and reaches[2] >= 9
    # The old fixed 4 px reach sees no neighbours at all across 9 px lines.
    r = segment_regions(_split_box(9), gap_radius=1)
    assert len(adjacency(r.labels, reach=4, box=r.box)) == 0


def test_ink_across_the_whole_width_keeps_sky_and_road_apart():
    """A street whose lines span the frame's width: a kerb line across it, roofs above, lane dashes below,
    no ink near the top and bottom edges. The paper above the roofs and the road below the dashes are
    different regions, each reaching its own edge of the frame (not one region for all the paper outside
    the lines' bounding box)."""
    img = np.full((200, 300, 3), 255, np.uint8)
    cv2.line(img, (0, 120), (299, 120), (0, 0, 0), 2)  # the kerb: sky / houses above, road below
    cv2.rectangle(img, (40, 60), (120, 119), (0, 0, 0), 2)  # a house standing on the kerb
    for x in range(10, 290, 40):
        cv2.rectangle(img, (x, 150), (x + 20, 154), (0, 0, 0), 1)  # lane dashes
    r = segment_regions(img, gap_radius=2)
    sky, road = _region_at(r, 150, 2), _region_at(r, 150, 197)
    assert sky != road and 0 not in (sky, road)
    assert _region_at(r, 150, 100) == sky and _region_at(r, 150, 135) == road
    assert _region_at(r, 299, 199) == road and _region_at(r, 0, 0) == sky
    assert r.area[road] == np.count_nonzero(r.labels == road) and r.border[road] and r.border[sky]


@pytest.mark.parametrize("rgb", [(240, 140, 30), (92, 64, 200), (0, 0, 0)])  # highlight, shadow, ink
def test_thin_strip_behind_a_one_pixel_diagonal_line_is_its_own_region(rgb):
    """A cel highlight or shadow bounded by 1 px diagonal lines, coloured or black (pixels touching only at
    corners), is a region of its own, all of it: its parent's label must not flow through the corners of those
    lines, and the parent stays one region on both sides of the strip."""
    sketch = np.full((120, 160, 3), 255, np.uint8)
    cv2.rectangle(sketch, (10, 10), (150, 110), (0, 0, 0), 3)
    ys = np.arange(30, 91)
    for k in (20, 27):  # two parallel ↘ staircases, 7 px apart horizontally
        sketch[ys, ys + k] = rgb
    sketch[30, 50:58] = rgb  # 4-connected ends close the strip
    sketch[90, 110:118] = rgb
    r = segment_regions(sketch, gap_radius=2)
    strip, parent = _region_at(r, 60, 35), _region_at(r, 100, 40)
    assert 0 not in (strip, parent) and strip != parent
    inside = np.zeros(r.shape, bool)
    for y in range(31, 90):
        inside[y, y + 21 : y + 27] = True  # the 6 paper pixels between the staircases on each row
    assert np.array_equal(r.labels == strip, inside)
    assert _region_at(r, 40, 80) == parent  # the other side of the strip
    assert r.count == 3  # paper outside, the parent, the strip


def test_growth_through_a_wall_corner_takes_the_long_way_round():
    """With walls, growth reaches a pixel behind a 1 px diagonal wall only along a 4-connected path."""
    allowed = np.ones((9, 9), bool)
    ys = np.arange(0, 6)
    allowed[ys, ys + 1] = False  # a ↘ staircase from (y, x) = (0, 1) to (5, 6): rows 6-8 are open
    labels = np.zeros((9, 9), np.int32)
    labels[0, 0] = 7  # on the staircase's lower-left side
    corners = wall_corners(~allowed)
    free = grow_labels(labels, allowed, 2)
    barred = grow_labels(labels, allowed, 2, corners=corners)
    assert free[0, 2] == 7  # without walls, one diagonal step through the corner and one more
    assert barred[0, 2] == 0 and barred[1, 0] == 7 and barred[2, 1] == 7  # the near side grows as before
    whole = grow_labels(labels, allowed, 40, corners=corners)
    assert (whole[allowed] == 7).all()  # the far side is reached round the staircase's open end
