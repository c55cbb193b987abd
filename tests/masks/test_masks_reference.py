"""Reference masks: alpha, backdrop flood, and the official 11x11 dilation."""

from __future__ import annotations

import cv2
import numpy as np
from masks_helpers import example_module

from colorframes.masks.reference import backdrop_flood, classical_reference_mask, dilate_max
from colorframes.masks.util import binarize_ref, iou


def test_dilation_is_an_11x11_max_pool():
    mask = np.zeros((40, 40), np.float32)
    mask[20, 20] = 0.7
    out = dilate_max(mask)
    ys, xs = np.nonzero(out)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (15, 25, 15, 25)
    assert np.allclose(out[15:26, 15:26], 0.7)


def test_alpha_channel_is_the_mask_then_dilated():
    rgb = np.full((60, 80, 3), 200, np.uint8)
    alpha = np.zeros((60, 80), np.float32)
    alpha[20:40, 30:50] = 1.0
    alpha[20:40, 29] = 0.4  # soft edge kept
    mask, warnings = classical_reference_mask(rgb, alpha)
    assert warnings == []
    expected = np.zeros((60, 80), bool)
    expected[15:45, 24:55] = True
    assert np.array_equal(mask > 0, expected)
    assert mask[30, 24] == np.float32(0.4) and mask[30, 25] == 1.0  # max-pool keeps soft values


def test_backdrop_flood_keeps_enclosed_white_inside_the_figure():
    rgb = np.full((100, 100, 3), (240, 240, 236), np.uint8)  # off-white backdrop
    cv2.circle(rgb, (50, 50), 30, (200, 40, 40), -1)
    cv2.circle(rgb, (50, 50), 10, (240, 240, 236), -1)  # eye-white patch inside the figure
    mask = backdrop_flood(rgb)
    assert mask[50, 50] == 1.0 and mask[50, 30] == 1.0
    assert mask[5, 5] == 0.0 and mask[50, 85] == 0.0


def test_example_sheet_without_alpha_matches_its_mask():
    sheet = example_module().render_sheet((384, 384))
    mask, _ = classical_reference_mask(sheet["color"])
    truth = dilate_max(sheet["mask"].astype(np.float32) / 255.0) > 0.5
    assert iou(binarize_ref(mask, 0.5), truth) >= 0.95


def test_opaque_alpha_falls_back_to_the_flood_and_uniform_sheet_warns():
    rgb = np.full((50, 50, 3), 255, np.uint8)
    mask, warnings = classical_reference_mask(rgb, np.ones((50, 50), np.float32))
    assert not mask.any() and "no figure" in warnings[0]
