"""The fast paths of the flat backend give the same answers as the plain ones (box-cropped segmentation,
packed-colour painting, uint8 output); the dense correspondence follows motion and finds new outlines."""

from __future__ import annotations

import os
from dataclasses import replace

import cv2
import numpy as np
import pytest
from flat_helpers import frame, shot

from colorframes.backends.flat import FlatColorizer, create_colorizer
from colorframes.backends.flat import flow as flow_module
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


def _plain_shifted_labels(labels, y0, y1, x0, x1, step, dx, dy):
    """Each grid sample moved and rounded on its own (what `_shifted_labels` reads as a grid)."""
    h, w = labels.shape
    ys, xs = np.mgrid[y0:y1:step, x0:x1:step]
    sx = np.rint(xs.ravel() - dx).astype(np.int64)
    sy = np.rint(ys.ravel() - dy).astype(np.int64)
    inside = (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
    out = np.zeros(sx.size, np.int64)
    out[inside] = labels[sy[inside], sx[inside]]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_shifted_grid_labels_equal_moving_each_sample(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 50, (37, 53)).astype(np.int32)
    for _ in range(20):
        y0, x0 = int(rng.integers(0, 10)), int(rng.integers(0, 10))
        y1, x1 = int(rng.integers(y0 + 1, 38)), int(rng.integers(x0 + 1, 54))
        step = int(rng.integers(1, 4))
        # half-pixel shifts (rounding ties), shifts off the frame, and plain ones
        dx, dy = (float(rng.integers(-60, 60)) / 2, float(rng.normal(0, 9)))
        got = flow_module._shifted_labels(labels, y0, y1, x0, x1, step, dx, dy)
        assert np.array_equal(got, _plain_shifted_labels(labels, y0, y1, x0, x1, step, dx, dy))


def _fresh(regions):
    """The same regions without anything derived from them yet."""
    return replace(regions)


def test_correspondence_kept_with_the_regions_equals_a_fresh_one():
    # A chain a → b → c and a keyframe-like a → c: b is asked for once as the drawing and once as the previous
    # one, a for two grids; what is kept with the regions must give the numbers a fresh computation gives.
    drawings = [_drawing(size=(160, 260), at=(40 + 9 * k, 30 + 4 * k)) for k in range(3)]
    drawings[2][120:150, 200:240] = 0  # ink far from the rest: c's box differs from a's
    a, b, c = (segment_regions(d, 2) for d in drawings)
    steps = [(a, b, {}), (b, c, {}), (a, c, {"outline": False, "preset": "FAST"}), (a, b, {}), (c, a, {})]
    for prev, cur, kw in steps:
        kept = correspond(prev, cur, DEFAULT_PARAMS, **kw)
        fresh = correspond(_fresh(prev), _fresh(cur), DEFAULT_PARAMS, **kw)
        for name in kept.__dataclass_fields__:
            x, y = getattr(kept, name), getattr(fresh, name)
            assert np.array_equal(np.asarray(x), np.asarray(y)), name


def test_prepared_frame_paints_the_same_and_keeps_no_line_layers():
    # The line layers of a frame prepared ahead are used for its painting and then dropped (they are not kept
    # with the regions the tracker caches); painting the same prepared regions again gives the same image.
    sketch = _drawing()
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(sketch.shape[:2], keyframes={1: np.full_like(sketch, 200)}))
    prepared = c.prepare(sketch)
    assert "line_layers" in prepared.derived
    first = c.colorize([replace(frame(1, sketch), prepared=prepared)])[0].image
    assert "line_layers" not in prepared.derived
    again = c.colorize([replace(frame(1, sketch), prepared=prepared)])[0].image
    plain = FlatColorizer(gap_radius=2)
    plain.setup_shot(shot(sketch.shape[:2], keyframes={1: np.full_like(sketch, 200)}))
    unprepared = plain.colorize([frame(1, sketch)])[0].image
    assert np.array_equal(first, again) and np.array_equal(first, unprepared)


@pytest.mark.parametrize("gap_radius", [0, 1, 2])
def test_fill_written_into_a_frame_view_equals_the_returned_map(gap_radius):
    rng = np.random.default_rng(7 + gap_radius)
    lines = rng.random((90, 120)) > 0.6  # many regions, crumbs and orphans
    lines[30:33, :] = True
    labels, n = fill_regions(lines, gap_radius)
    frame_map = np.full((110, 150), -5, np.int32)
    got, m = fill_regions(lines, gap_radius, out=frame_map[7:97, 11:131])
    assert m == n and np.shares_memory(got, frame_map)
    assert np.array_equal(frame_map[7:97, 11:131], labels)
    assert (frame_map[:7] == -5).all() and (frame_map[97:] == -5).all()  # nothing written outside the view


def test_opencv_pool_size_changes_no_segmentation_or_correspondence():
    # FlatColorizer sizes OpenCV's worker pool to the cores the runner's threads leave (`spare_cores`);
    # that is only a speed choice if OpenCV's answers do not depend on the pool size.
    before = cv2.getNumThreads()
    rng = np.random.default_rng(11)
    drawings = [_drawing(size=(540, 960), at=(300 + 40 * k, 200 + 10 * k)) for k in range(2)]
    for d in drawings:
        d[rng.random(d.shape[:2]) > 0.999] = 0  # specks
    answers = []
    try:
        for threads in (1, 4):
            cv2.setNumThreads(threads)
            a, b = (segment_regions(d, 2) for d in drawings)
            corr = correspond(a, b, DEFAULT_PARAMS)
            answers.append((a.labels, b.labels, corr.pairs, corr.counts, corr.displacement, corr.new_outline))
        for x, y in zip(*answers, strict=True):
            assert np.array_equal(x, y)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        FlatColorizer(params=replace(DEFAULT_PARAMS, spare_cores=cores - 1))
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)


@pytest.mark.parametrize("seed", range(3))
def test_keyframe_colours_counted_by_bands_equal_one_count_over_the_frame(seed, monkeypatch):
    from colorframes.backends.flat import keycolors

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 40, (70, 90)).astype(np.int32)
    packed = rng.integers(0, 6, (70, 90)).astype(np.uint32) * np.uint32(0x010203) | np.uint32(0xAB000000)
    use = labels > 0  # region pixels: line pixels (label 0) are left out
    plain = np.unique(labels[use].astype(np.int64) * (1 << 24) + (packed[use] & 0xFFFFFF), return_counts=True)
    for band in (90, 1000, 10**6):  # a row, a few rows, the whole frame at once
        monkeypatch.setattr(keycolors, "_COUNT_BAND", band)
        keys, counts = keycolors._colour_counts(labels, packed)
        assert keys.dtype == counts.dtype == np.int64
        assert np.array_equal(keys, plain[0]) and np.array_equal(counts, plain[1])


def test_areas_and_missed_centroids_read_by_bands_equal_the_plain_sums(monkeypatch):
    # Regions the 2x grid misses (on odd rows and columns only) take full-resolution centroids; areas and
    # those sums are read a band of rows at a time: any band size gives the plain per-pixel answers.
    rng = np.random.default_rng(4)
    labels = rng.integers(1, 30, (41, 57)).astype(np.int32)
    labels[1::2, 1::2] = rng.integers(30, 60, (20, 28))  # odd-odd pixels: regions 30..59 never on the grid
    lines = np.zeros(labels.shape, bool)
    ys, xs = np.mgrid[0:41, 0:57]
    for band in (57, 3 * 57, 10**6):
        monkeypatch.setattr(lineart, "_BAND", band)
        r = region_stats(labels, lines, 59)
        assert np.array_equal(r.area, np.bincount(labels.ravel(), minlength=60).astype(np.float64))
        for i in range(30, 60):
            at = labels == i
            if at.any():
                assert np.allclose(r.centroid[i], (xs[at].mean(), ys[at].mean()), rtol=0, atol=1e-9)
