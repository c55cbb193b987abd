import math

import numpy as np
import pytest

from colorframes.metrics.palette import dominant_colors, palette_distance
from colorframes.metrics.regions import line_regions
from colorframes.metrics.segments import line_fidelity, segment_accuracy

RED, GREEN, BLUE, WHITE, BLACK = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)


def _hand_made():
    """A 6×10 label map: line column 0 at x=3; segments 1 (3×6=18 px, white paper), 2 (12 px),
    3 (6 px, < 10 px), 4 (6 px)."""
    labels = np.zeros((6, 10), np.int32)
    labels[:, 0:3] = 1
    labels[0:6, 4:6] = 2
    labels[0:3, 6:8] = 3  # 6 px
    labels[3:6, 6:8] = 4  # 6 px
    labels[:, 8:10] = 2  # segment 2 totals 24 px
    gt = np.zeros((6, 10, 3), np.uint8)
    for lab, col in ((1, WHITE), (2, RED), (3, GREEN), (4, BLUE)):
        gt[labels == lab] = col
    return labels, gt


def test_segment_accuracy_on_hand_made_label_map():
    labels, gt = _hand_made()
    assert segment_accuracy(gt, gt, labels) == {"acc": 1.0, "acc_thres": 1.0, "pix_acc": 1.0, "pix_acc_wobg": 1.0}
    pred = gt.copy()
    pred[labels == 3] = RED  # small segment wrong
    pred[labels == 1] = GREEN  # background wrong
    pred[0, 8] = BLUE  # one stray pixel: segment 2's most frequent colour is still red → correct
    res = segment_accuracy(pred, gt, labels)
    assert res["acc"] == pytest.approx(2 / 4)  # segments 2, 4 correct
    assert res["acc_thres"] == pytest.approx(1 / 2)  # >10 px: segments 1 (18), 2 (24); only 2 correct
    assert res["pix_acc"] == pytest.approx((24 + 6) / (18 + 24 + 6 + 6))
    assert res["pix_acc_wobg"] == pytest.approx((24 + 6) / (24 + 6 + 6))  # white segment 1 excluded


def test_segment_accuracy_alpha_marks_background():
    labels, gt = _hand_made()
    alpha = np.ones((6, 10), np.float32)
    alpha[labels == 3] = 0.0  # transparent → background
    pred = gt.copy()
    pred[labels == 3] = RED
    res = segment_accuracy(pred, gt, labels, gt_alpha=alpha)
    assert res["pix_acc_wobg"] == pytest.approx(1.0)  # the wrong segment is background now
    assert res["acc"] == pytest.approx(3 / 4)


def test_segment_accuracy_none_when_gt_not_flat():
    labels, gt = _hand_made()
    rng = np.random.default_rng(0)
    noisy = np.clip(gt.astype(np.int16) + rng.integers(-30, 30, gt.shape), 0, 255).astype(np.uint8)
    assert segment_accuracy(gt, noisy, labels) is None  # a painted / generated GT: no exact flats
    half = gt.copy()
    half[labels == 2] = noisy[labels == 2]
    assert segment_accuracy(gt, half, labels) is not None  # 3 of 4 segments flat: still a flat GT


def test_segment_accuracy_without_sketch_uses_gt_components():
    labels, gt = _hand_made()
    gt[:, 3] = BLACK  # the line column becomes its own black component
    res = segment_accuracy(gt, gt, None)
    assert res["acc"] == 1.0
    pred = gt.copy()
    pred[labels == 4] = RED
    # components: white, black line, red (x=4..5), red (x=8..9), green, blue → 6 segments, 1 wrong
    assert segment_accuracy(pred, gt, None)["acc"] == pytest.approx(5 / 6)


def test_line_fidelity_counts_preserved_line_pixels():
    from .helpers import sketch

    art = sketch()
    _, line_mask = line_regions(art)
    pred = np.full_like(art, 200)
    assert line_fidelity(pred, art, line_mask) == 0.0
    pred[line_mask] = art[line_mask]
    assert line_fidelity(pred, art, line_mask) == 1.0
    ys, xs = np.nonzero(line_mask)
    pred[ys[: len(ys) // 4], xs[: len(xs) // 4]] = 100
    assert line_fidelity(pred, art, line_mask) == pytest.approx(1 - (len(ys) // 4) / len(ys))
    assert math.isnan(line_fidelity(pred, np.full_like(art, 255), np.zeros(line_mask.shape, bool)))


def test_palette_distance_zero_for_same_image_and_grows_with_shift():
    img = np.zeros((20, 30, 3), np.uint8)
    img[:, :10] = RED
    img[:, 10:20] = (40, 120, 200)
    img[:, 20:] = WHITE  # paper: excluded
    ref = dominant_colors(img)
    assert len(ref[0]) == 2  # white paper left out
    assert palette_distance(ref, ref) == 0.0
    slightly = img.copy()
    slightly[:, :10] = (235, 10, 10)
    far = img.copy()
    far[:, :10] = GREEN
    d_slight = palette_distance(dominant_colors(slightly), ref)
    d_far = palette_distance(dominant_colors(far), ref)
    assert 0.0 < d_slight < d_far
