"""The fast paths of the flat backend give the same answers as the plain ones (box-cropped segmentation,
packed-colour painting, uint8 output); the dense correspondence follows motion and finds new outlines."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from flat_helpers import frame, shot

from colorframes.backends.flat import FlatColorizer, create_colorizer
from colorframes.backends.flat.flow import correspond
from colorframes.backends.flat.matching import descriptor_cost
from colorframes.backends.flat.params import DEFAULT_PARAMS
from colorframes.backends.flat.render import paint
from colorframes.foundation import lineart
from colorframes.foundation.lineart import (
    fill_regions,
    grow_labels,
    line_masks,
    region_stats,
    segment_regions,
    wall_corners,
)
from colorframes.options import RunOptions
from colorframes.runner.stages import uint8_results


def _drawing(size=(140, 220), at=(60, 30)) -> np.ndarray:
    """A small figure (nested shapes, a thin strip, a gap) placed at `at` (x, y) on white paper."""
    img = np.full((*size, 3), 255, np.uint8)
    x, y = at
    cv2.rectangle(img, (x, y), (x + 70, y + 80), (0, 0, 0), 2, cv2.LINE_AA)
    cv2.circle(img, (x + 35, y + 30), 15, (0, 0, 0), 2, cv2.LINE_AA)
    cv2.line(img, (x, y + 55), (x + 70, y + 55), (0, 72, 255), 2)
    cv2.line(img, (x, y + 59), (x + 70, y + 59), (0, 0, 0), 2)
    img[y + 20 : y + 23, x + 68 : x + 73] = 255  # a 3-px gap in the right edge
    return img


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(a.astype(np.int64) * (int(b.max()) + 1) + b)
    return pairs.size == np.unique(a).size == np.unique(b).size


@pytest.mark.parametrize("at", [(60, 30), (0, 0), (150, 59)])  # middle, touching the top-left, bottom-right
@pytest.mark.parametrize("gap_radius", [0, 2])
def test_cropped_segmentation_equals_whole_frame(at, gap_radius):
    sketch = _drawing(at=at)
    fast = segment_regions(sketch, gap_radius)
    lines, _, _ = line_masks(sketch)
    labels, n = fill_regions(lines, gap_radius)
    assert np.array_equal(np.unique(labels), np.arange(n + 1))  # 0 = line, then 1..N without gaps
    whole = region_stats(labels, lines, n)
    assert fast.count == whole.count and fast.labels.shape == whole.labels.shape
    assert _same_partition(fast.labels, whole.labels)
    assert np.array_equal(fast.labels == 0, lines)
    order = np.argsort(fast.area[1:]), np.argsort(whole.area[1:])
    assert np.array_equal(fast.area[1:][order[0]], whole.area[1:][order[1]])  # areas exact
    paper_fast, paper_whole = int(fast.labels[-1, 0]), int(whole.labels[-1, 0])
    assert fast.border[paper_fast] and whole.border[paper_whole]
    assert np.allclose(fast.centroid[paper_fast], whole.centroid[paper_whole], atol=1.0)
    assert np.allclose(np.sqrt(fast.spread[paper_fast, :2]), np.sqrt(whole.spread[paper_whole, :2]), atol=1.0)


@pytest.mark.parametrize("walls", [False, True])  # diagonal steps between corner-touching walls barred or not
@pytest.mark.parametrize("dtype", [np.int32, np.float32])  # uint16 and float32 working maps
def test_sparse_growth_equals_whole_image_dilation(monkeypatch, dtype, walls):
    rng = np.random.default_rng(3)
    allowed = rng.random((90, 130)) > 0.3  # ragged walls: some pixels stay unreachable
    labels = np.zeros((90, 130), np.int32)
    seeds = rng.random((90, 130)) > 0.97
    labels[seeds] = rng.integers(1, 70000 if dtype == np.float32 else 500, int(seeds.sum()))
    labels[~allowed] = 0
    answers = []
    for ratio in (0, 10**9):  # never sparse, sparse from the first step
        monkeypatch.setattr(lineart, "_SPARSE_GROW_RATIO", ratio)
        answers.append(grow_labels(labels, allowed, 6, corners=wall_corners(~allowed) if walls else None))
    dense, sparse = answers
    assert np.array_equal(dense, sparse) and dense.dtype == sparse.dtype == np.int32
    assert (dense[~allowed] == 0).all() and (dense[labels > 0] == labels[labels > 0]).all()
    assert 0 < int((dense[allowed] == 0).sum()) < int((labels[allowed] == 0).sum())  # grew, not everywhere


@pytest.mark.parametrize("gap_radius", [1, 2, 3])
def test_fill_labels_are_consecutive_on_noisy_lines(gap_radius):
    rng = np.random.default_rng(gap_radius)
    lines = rng.random((120, 160)) > 0.8  # specks and crumbs: seeds, thin regions, orphans all occur
    lines[40:44, :] = True
    labels, n = fill_regions(lines, gap_radius)
    assert labels.dtype == np.int32 and n > 3
    assert np.array_equal(np.unique(labels), np.arange(n + 1))
    assert np.array_equal(labels == 0, lines)  # every paper pixel labelled, every line pixel 0


def test_descriptor_cost_is_bit_identical_to_the_norm_formulation():
    rng = np.random.default_rng(5)
    dst, src = rng.normal(size=(40, 9)), rng.normal(size=(55, 9))
    src[:3] = dst[:3]  # some zero distances
    p = DEFAULT_PARAMS
    d, s = dst[:, None, :], src[None, :, :]
    form = np.abs(d[..., 6] - s[..., 6]) + np.linalg.norm(d[..., 7:9] - s[..., 7:9], axis=-1)
    expected = (
        p.w_pos * np.linalg.norm(d[..., :2] - s[..., :2], axis=2)
        + p.w_size * np.abs(d[..., 2] - s[..., 2])
        + p.w_shape * np.abs(d[..., 3:6] - s[..., 3:6]).sum(axis=2)
        + p.w_form * form
    )
    assert np.array_equal(descriptor_cost(dst, src, p), expected)


def test_paint_paths_agree_keep_the_ink_and_multiply_line_fringes():
    sketch = _drawing()
    r = segment_regions(sketch, 2)
    colors = np.random.default_rng(0).integers(0, 256, (r.count + 1, 3)).astype(np.uint8)
    colors[0] = 0
    plain = paint(r.labels, colors, sketch, r.line_mask, as_uint8=True, color_lines=r.color_line_mask)
    boxed = paint(r.labels, colors, sketch, r.line_mask, r.box, r.outside, True, r.color_line_mask)
    assert np.array_equal(plain, boxed) and plain.dtype == np.uint8
    assert np.array_equal(plain[~r.line_mask], colors[r.labels][~r.line_mask])
    ink = cv2.cvtColor(sketch, cv2.COLOR_RGB2GRAY) < 128
    exact = r.line_mask & (r.color_line_mask | ink)
    assert r.color_line_mask.any() and ink.any() and np.array_equal(plain[exact], sketch[exact])  # the drawing's ink
    fringe = r.line_mask & ~exact
    under = colors[grow_labels(r.labels, fringe, 8)]
    expected = np.rint(under.astype(np.float64) * sketch / 255.0)
    assert fringe.sum() > 20 and np.abs(plain[fringe] - expected[fringe]).max() <= 1  # line art x colour under it
    specked = sketch.copy()
    specked[100:102, 10:12] = 0  # a removed speck is not a line: it takes its region's colour
    rs = segment_regions(specked, 2)
    out = paint(rs.labels, colors, specked, rs.line_mask, rs.box, rs.outside, True, rs.color_line_mask)
    assert not rs.line_mask[100, 10] and np.array_equal(out[100, 10], colors[rs.labels[100, 10]])
    as_float = paint(r.labels, colors, sketch, r.line_mask, r.box, r.outside, color_lines=r.color_line_mask)
    assert as_float.dtype == np.float32
    assert np.array_equal(np.rint(as_float * 255).astype(np.uint8), plain)


def test_uint8_output_only_when_nothing_downstream_needs_floats(walk):
    traits = create_colorizer(RunOptions()).traits
    assert uint8_results(traits, RunOptions()) and uint8_results(traits, RunOptions(bit_depth=16))  # exact colours
    risky = ({"flatten": True}, {"keep_lines": True}, {"alpha": True}, {"background": "plate.png"}, {"process": 3})
    for changes in risky:
        assert not uint8_results(traits, RunOptions(**changes)), changes
    outs = []
    for u8 in (False, True):
        c = FlatColorizer(gap_radius=2)
        c.setup_shot(replace(shot((540, 960), keyframes={1001: walk[0]["color"]}, first_frame=1001), uint8_output=u8))
        outs.append(c.colorize([frame(1002, walk[1]["sketch"])])[0].image)
    assert outs[0].dtype == np.float32 and outs[1].dtype == np.uint8
    assert np.array_equal(np.rint(outs[0] * 255).astype(np.uint8), outs[1])


def test_flow_outline_tells_an_emerging_part_from_a_closing_hole():
    before = np.full((120, 200, 3), 255, np.uint8)
    cv2.rectangle(before, (20, 20), (90, 100), (0, 0, 0), 2)  # a body
    cv2.line(before, (110, 20), (110, 100), (0, 0, 0), 2)  # an arm line, not yet touching the body
    after = before.copy()
    cv2.line(after, (90, 60), (110, 60), (0, 0, 0), 2)  # the arm touches: a hole closes between old lines
    cv2.circle(after, (150, 60), 12, (0, 0, 0), 2)  # a hand comes into view
    src, dst = segment_regions(before, 1), segment_regions(after, 1)
    corr = correspond(src, dst, DEFAULT_PARAMS)
    hole, hand, body = int(dst.labels[40, 100]), int(dst.labels[60, 150]), int(dst.labels[60, 50])
    assert corr.new_outline[hand] > 0.9  # its whole outline is new
    assert corr.new_outline[hole] < 0.4 and corr.new_outline[body] < 0.1
    # The body flows from the body: its votes go (almost) all to the body of the first drawing.
    src_body = int(src.labels[60, 50])
    rows = corr.pairs[:, 0] == body
    assert corr.counts[rows & (corr.pairs[:, 1] == src_body)].sum() > 0.95 * corr.counts[rows].sum()


def test_flow_follows_a_pan_larger_than_the_parts():
    img = _drawing(size=(200, 320), at=(40, 40))
    moved = _drawing(size=(200, 320), at=(150, 70))  # the whole drawing moves 110 px right, 30 down
    src, dst = segment_regions(img, 2), segment_regions(moved, 2)
    corr = correspond(src, dst, DEFAULT_PARAMS)
    circle_src, circle_dst = int(src.labels[70, 75]), int(dst.labels[100, 185])
    rows = corr.pairs[:, 0] == circle_dst
    best = corr.pairs[rows][np.argmax(corr.counts[rows]), 1]
    assert best == circle_src
    assert np.allclose(corr.displacement[circle_dst], (-110, -30), atol=3)


@pytest.mark.parametrize("at", [(60, 30), (61, 33)])  # the ink box at even and odd offsets
def test_neighbours_looked_up_in_region_boxes_equal_the_frame_scan(at):
    from colorframes.backends.flat.copies import region_boxes
    from colorframes.backends.flat.votes import neighbour_reach

    img = _drawing(at=at)
    for k in range(6):  # more parts: a row of small boxes next to the figure
        cv2.rectangle(img, (at[0] + 80, at[1] + 12 * k), (at[0] + 100, at[1] + 12 * k + 10), (0, 0, 0), 1)
    regions = segment_regions(img, 2)
    assert regions.box is not None and regions.count >= 8
    reach = neighbour_reach(regions)
    every = np.arange(1, regions.count + 1)
    for ids in (every, every[::3], every[-2:], every[:1]):
        scan = lineart.neighbours_of(regions.labels, ids, regions.count, reach, regions.box)
        boxed = lineart.neighbours_of(
            regions.labels, ids, regions.count, reach, regions.box, region_boxes(regions)[ids]
        )
        assert np.array_equal(scan[0], boxed[0]) and np.array_equal(scan[1], boxed[1])
        assert scan[0].size > 0


def _boxes_by_scan(labels: np.ndarray, count: int) -> np.ndarray:
    """The plain definition: each region's rows and columns, (y0, y1, x0, x1), zeros for an absent id."""
    out = np.zeros((count + 1, 4), np.int64)
    for k in range(1, count + 1):
        ys, xs = np.nonzero(labels == k)
        if ys.size:
            out[k] = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_region_boxes_from_row_runs_equal_the_plain_scan(seed):
    from colorframes.backends.flat.copies import region_boxes

    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 9, (7, 11))  # runs of equal labels along rows, ids missing, label 0 (lines)
    labels = np.repeat(np.repeat(blocks, 3, axis=0), 5, axis=1)[1:, 2:].astype(np.int32)
    labels[rng.random(labels.shape) < 0.05] = 10  # scattered single pixels of one region
    regions = region_stats(labels, labels == 0, 12)  # ids 11 and 12 have no pixel
    assert np.array_equal(region_boxes(regions), _boxes_by_scan(labels, 12))
    view = region_stats(labels[::-1, 3:], labels[::-1, 3:] == 0, 12)  # a non-contiguous map
    assert np.array_equal(region_boxes(view), _boxes_by_scan(labels[::-1, 3:], 12))
