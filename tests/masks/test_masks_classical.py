"""Classical sketch masks against drawn frames with known figure masks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from masks_helpers import example_module, ring_frame

from colorframes.masks.classical import ClassicalSketchParams, classical_sketch_mask
from colorframes.masks.util import iou


@pytest.mark.parametrize("index", [0, 7, 18])
def test_example_frames_match_ground_truth(index):
    frame = example_module().render_frame(index, (480, 270))
    mask, warnings = classical_sketch_mask(frame["sketch"])
    assert warnings == []
    assert mask.shape == (270, 480) and mask.dtype == np.float32
    assert iou(mask >= 0.5, frame["mask"] > 127) >= 0.95


def test_full_hd_frame_is_worked_at_reduced_size_and_still_accurate():
    frame = example_module().render_frame(5, (1920, 1080))
    mask, _ = classical_sketch_mask(frame["sketch"])
    assert mask.shape == (1080, 1920)
    assert iou(mask >= 0.5, frame["mask"] > 127) >= 0.95


def test_closed_outline_encloses_figure():
    sketch, truth = ring_frame()
    mask, _ = classical_sketch_mask(sketch)
    assert iou(mask >= 0.5, truth) >= 0.97


def test_small_gap_is_closed_but_large_gap_lets_paper_in():
    params = ClassicalSketchParams(gap_radius=3)
    small, truth = ring_frame(gap=4)
    mask, _ = classical_sketch_mask(small, params)
    assert iou(mask >= 0.5, truth) >= 0.95
    large, truth = ring_frame(gap=30)
    mask, _ = classical_sketch_mask(large, params)
    assert mask[120, 160] < 0.05  # the interior leaked to the border: background
    assert iou(mask >= 0.5, truth) < 0.3


def test_mask_is_soft_and_in_range():
    sketch, _ = ring_frame()
    mask, _ = classical_sketch_mask(sketch)
    assert mask.min() >= 0.0 and mask.max() <= 1.0
    edge = (mask > 0.05) & (mask < 0.95)
    assert edge.any()  # feathered edge
    hard, _ = classical_sketch_mask(sketch, ClassicalSketchParams(feather=0))
    assert set(np.unique(hard)) <= {0.0, 1.0}


def test_blank_frame_gives_empty_mask_and_warning():
    mask, warnings = classical_sketch_mask(np.full((90, 160, 3), 255, np.uint8))
    assert mask.shape == (90, 160) and not mask.any()
    assert len(warnings) == 1 and "blank frame" in warnings[0]


def test_all_figure_frames_give_full_mask():
    ink = np.zeros((64, 96, 3), np.uint8)
    mask, warnings = classical_sketch_mask(ink)
    assert warnings == [] and mask.min() == 1.0
    boxed = np.full((120, 160, 3), 255, np.uint8)
    cv2.rectangle(boxed, (0, 0), (159, 119), (0, 0, 0), 2)  # outline along the frame edge
    cv2.circle(boxed, (80, 60), 20, (0, 0, 0), 2)
    mask, _ = classical_sketch_mask(boxed)
    assert mask.min() >= 0.99


def test_isolated_dust_is_not_figure():
    sketch, truth = ring_frame(size=(480, 640))
    sketch[20:22, 20:22] = 0  # a 2x2 speck in the paper
    mask, _ = classical_sketch_mask(sketch)
    assert mask[21, 21] < 0.05
    assert iou(mask >= 0.5, truth) >= 0.97


def test_tiny_and_huge_frames():
    tiny = np.full((16, 16, 3), 255, np.uint8)
    cv2.circle(tiny, (8, 8), 5, (0, 0, 0), 1)
    mask, _ = classical_sketch_mask(tiny)
    assert mask.shape == (16, 16) and mask[8, 8] > 0.5 and mask[0, 0] < 0.5
    huge = np.full((4320, 7680, 3), 255, np.uint8)
    cv2.circle(huge, (3840, 2160), 1500, (0, 0, 0), 6)
    mask, _ = classical_sketch_mask(huge)
    assert mask.shape == (4320, 7680) and mask.dtype == np.float32
    assert mask[2160, 3840] > 0.99 and mask[100, 100] < 0.01 and mask[2160, 3840 + 1600] < 0.01
