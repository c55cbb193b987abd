import math

import numpy as np
import pytest

from colorframes.metrics.temporal import pair_flow, temporal_consistency, warping_error

from .helpers import moving_shot, textured


def test_warping_error_zero_for_static_identical_frames():
    frame = textured()
    flow = pair_flow(frame, frame)
    assert flow.valid_t.mean() > 0.9
    assert warping_error(frame, frame, flow) == 0.0


def test_warping_error_positive_for_flicker():
    frame = textured()
    flicker = np.clip(frame.astype(np.int16) + 40, 0, 255).astype(np.uint8)
    flow = pair_flow(frame, frame)  # flow from the (static) input, as in Lai et al.
    err = warping_error(frame, flicker, flow)
    # every channel +40/255 (minus clipping) → about 3·(40/255)² per pixel
    assert 0.03 < err <= 3 * (40 / 255) ** 2 + 1e-9


def test_warping_error_small_for_pure_motion():
    shot = moving_shot(2, shift=2)
    a, b = shot[1001], shot[1002]
    flow = pair_flow(a, b)
    moving = warping_error(a, b, flow)
    flicker = warping_error(a, np.clip(b.astype(np.int16) + 40, 0, 255).astype(np.uint8), flow)
    assert moving < 0.1 * flicker


def test_tc_is_one_when_prediction_equals_ground_truth():
    shot = moving_shot(2)
    gt_t, gt_t1 = shot[1001], shot[1002]
    flow = pair_flow(gt_t, gt_t1)
    assert temporal_consistency(gt_t, gt_t1, gt_t, gt_t1, flow) == pytest.approx(1.0)


def test_tc_above_one_for_flickering_prediction():
    shot = moving_shot(2)
    gt_t, gt_t1 = shot[1001], shot[1002]
    flow = pair_flow(gt_t, gt_t1)
    flicker = np.clip(gt_t1.astype(np.int16) + 30, 0, 255).astype(np.uint8)
    assert temporal_consistency(gt_t, flicker, gt_t, gt_t1, flow) > 1.5


def test_tc_static_ground_truth():
    frame = textured()
    flow = pair_flow(frame, frame)
    assert temporal_consistency(frame, frame, frame, frame, flow) == 1.0
    assert temporal_consistency(frame, 255 - frame, frame, frame, flow) == math.inf
