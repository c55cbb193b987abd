import numpy as np
import pytest

from colorframes.consistency.flatten import DEDUPE_DELTA_E, Flattener, build_palette, match_previous, restore_lines
from colorframes.foundation.color import ciede2000, srgb_to_lab
from colorframes.metrics.regions import line_regions
from colorframes.metrics.segments import line_fidelity, segment_accuracy

from .shot import PALETTE, colorized, frame


def _to_u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)


def test_flatten_keep_lines_exact_lines_and_one_colour_per_region():
    flattener = Flattener(PALETTE, keep_lines=True)
    for t in range(3):
        sketch, gt = frame(t)
        out = flattener.flatten(colorized(gt, t), sketch, t + 1)
        assert out.dtype == np.float32 and out.shape == gt.shape
        labels, line_mask = line_regions(sketch)
        # 100 % of line pixels exactly the sketch's, even before 8-bit quantisation
        np.testing.assert_array_equal(out[line_mask], sketch[line_mask].astype(np.float32) / 255.0)
        assert line_fidelity(_to_u8(out), sketch, line_mask, tolerance=0) == 1.0
        for label in np.unique(labels[labels > 0]):
            colours = np.unique(out[(labels == label) & ~line_mask], axis=0)
            assert len(colours) == 1, f"region {label} has {len(colours)} colours"
            assert np.min(np.abs(PALETTE - colours[0]).max(axis=1)) == 0.0  # a palette colour
        # the noisy take becomes the flat ground truth: paint-bucket segment accuracy
        assert segment_accuracy(_to_u8(out), gt, labels)["acc"] == 1.0


def test_flatten_without_keep_lines_leaves_line_pixels_to_the_colorizer():
    sketch, gt = frame(0)
    take = colorized(gt, 0)
    out = Flattener(PALETTE, keep_lines=False).flatten(take, sketch, 1)
    _, line_mask = line_regions(sketch)
    np.testing.assert_array_equal(out[line_mask], take[line_mask])


def test_restore_lines_alone():
    sketch, gt = frame(0)
    _, line_mask = line_regions(sketch)
    out = restore_lines(np.full(gt.shape, 0.5, np.float32), sketch, line_mask)
    np.testing.assert_array_equal(out[line_mask], sketch[line_mask] / 255.0)
    assert np.all(out[~line_mask] == 0.5)


def _two_colour_case():
    """Palette A/B; frame 1 clearly A, frame 2 slightly nearer B (by 2.5 ΔE00, inside the hysteresis)."""
    a, b = np.array([0.8, 0.2, 0.2]), np.array([0.2, 0.2, 0.8])
    sketch = np.full((32, 32, 3), 255, np.uint8)
    sketch[:, 15:17] = 0  # two regions: left and right of a vertical line
    take1 = np.empty((32, 32, 3), np.float32)
    take1[:] = 0.9 * a + 0.1 * b
    take2 = np.empty_like(take1)
    take2[:] = 0.6 * a + 0.4 * b  # ΔE00 to A minus ΔE00 to B = 2.51
    return np.stack([a, b]).astype(np.float32), sketch, take1, take2


def test_tracking_keeps_a_region_colour_at_a_palette_boundary():
    palette, sketch, take1, take2 = _two_colour_case()
    tracked = Flattener(palette, snap_delta_e=np.inf)  # far from both A and B: always snap
    tracked.flatten(take1, sketch, 1)
    out2 = tracked.flatten(take2, sketch, 2)
    alone = Flattener(palette, snap_delta_e=np.inf).flatten(take2, sketch, 2)  # no previous frame
    left = (slice(None), slice(0, 15))
    np.testing.assert_array_equal(out2[left][0, 0], palette[0])  # kept A
    np.testing.assert_array_equal(alone[left][0, 0], palette[1])  # on its own it would flip to B


def test_shard_invariance_with_prime():
    frames = [frame(t) for t in range(5)]
    takes = [colorized(gt, t) for t, (_, gt) in enumerate(frames)]
    whole = Flattener(PALETTE)
    full = [whole.flatten(takes[t], frames[t][0], t + 1) for t in range(5)]
    shard = Flattener(PALETTE)
    shard.prime(takes[2], frames[2][0], 3)  # the frame before the shard, recomputed
    part = [shard.flatten(takes[t], frames[t][0], t + 1) for t in (3, 4)]
    np.testing.assert_array_equal(part[0], full[3])
    np.testing.assert_array_equal(part[1], full[4])


def test_tracked_region_switches_when_clearly_closer_to_another_colour():
    palette, sketch, take1, _ = _two_colour_case()
    a, b = palette.astype(np.float64)
    flattener = Flattener(palette, snap_delta_e=np.inf)
    flattener.flatten(take1, sketch, 1)
    take2 = np.empty_like(take1)
    take2[:] = 0.3 * a + 0.7 * b  # clearly B now
    out = flattener.flatten(take2, sketch, 2)
    np.testing.assert_array_equal(out[0, 0], palette[1])


def test_previous_state_is_ignored_for_a_non_consecutive_frame():
    palette, sketch, take1, take2 = _two_colour_case()
    flattener = Flattener(palette, snap_delta_e=np.inf)
    flattener.flatten(take1, sketch, 1)
    out = flattener.flatten(take2, sketch, 5)  # frame 4 was not seen: decided on its own
    np.testing.assert_array_equal(out[0, 0], palette[1])


def test_match_previous_by_overlap():
    prev = np.array([[1, 1, 0, 2, 2, 2]])
    cur = np.array([[1, 1, 1, 0, 2, 3]])
    # label 1: 2 of 3 px in prev 1 → match; label 2: in prev 2; label 3: 1 px in prev 2 → match
    np.testing.assert_array_equal(match_previous(cur, prev), [0, 1, 2, 2])
    cur_split = np.array([[1, 2, 2, 0, 2, 2]])  # label 2: 2 px on line/0 of 4 → 2/4 in prev 2 = 0.5
    np.testing.assert_array_equal(match_previous(cur_split, prev), [0, 1, 2])


def test_build_palette_from_reference_adds_paper_and_merges_duplicates():
    _, gt = frame(0)
    palette = build_palette(gt, frames=[gt])
    lab = srgb_to_lab(palette.astype(np.float64))
    d = ciede2000(lab[:, None], lab[None])
    assert np.all(d[~np.eye(len(lab), dtype=bool)] >= DEDUPE_DELTA_E)  # no near-duplicates
    for colour in [*PALETTE, np.zeros(3)]:  # the sheet's colours, paper and the black lines
        assert np.min(np.abs(palette * 255 - colour * 255).max(axis=1)) == 0  # exact paint colours
    assert len(palette) == 5


def test_flatten_without_palette_uses_region_medians():
    sketch, gt = frame(0)
    out = Flattener(None).flatten(gt.astype(np.float32) / 255.0, sketch, 1)
    labels, line_mask = line_regions(sketch)
    inside = (labels > 0) & ~line_mask
    assert np.abs(out[inside] - gt[inside] / 255.0).max() == pytest.approx(0.0, abs=1e-5)
