import numpy as np
import pytest

from colorframes.foundation.color import ciede2000, kmeans, srgb_to_lab

from .sharma2005 import SHARMA_PAIRS


def test_ciede2000_matches_sharma_2005_table():
    lab1 = np.array([p[0] for p in SHARMA_PAIRS])
    lab2 = np.array([p[1] for p in SHARMA_PAIRS])
    expected = np.array([p[2] for p in SHARMA_PAIRS])
    assert len(SHARMA_PAIRS) == 34
    np.testing.assert_allclose(ciede2000(lab1, lab2), expected, atol=5e-5)
    np.testing.assert_allclose(ciede2000(lab2, lab1), expected, atol=5e-5)  # symmetric


def test_ciede2000_zero_for_identical_colours():
    lab = np.array([[50.0, 10.0, -20.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(ciede2000(lab, lab), [0.0, 0.0])


def test_srgb_to_lab_known_values():
    lab = srgb_to_lab(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    np.testing.assert_allclose(lab[0], [100.0, 0.0, 0.0], atol=1e-3)
    np.testing.assert_allclose(lab[1], [0.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(lab[2], [53.2408, 80.0925, 67.2032], atol=1e-3)  # standard sRGB red


def test_kmeans_finds_separated_clusters_with_weights():
    pts = np.concatenate([np.zeros((300, 3)), np.full((100, 3), 50.0)])
    centres, weights = kmeans(pts, 2)
    np.testing.assert_allclose(centres, [[0, 0, 0], [50, 50, 50]])
    np.testing.assert_allclose(weights, [0.75, 0.25])
    again = kmeans(pts, 2)
    np.testing.assert_array_equal(again[0], centres)  # deterministic


def test_kmeans_caps_k_at_distinct_points():
    centres, weights = kmeans(np.ones((10, 3)), 5)
    assert centres.shape == (1, 3)
    assert weights[0] == pytest.approx(1.0)
