import math

import numpy as np
import pytest

from colorframes.metrics.fidelity import PSNR_CAP_DB, ms_ssim, psnr, ssim


def test_psnr_identical_is_inf_and_known_mse():
    a = np.zeros((16, 16, 3), np.float32)
    assert psnr(a, a) == PSNR_CAP_DB == 100.0  # exact match: the documented cap, not inf
    b = np.full_like(a, 0.1)  # MSE = 0.01 → 20 dB
    assert psnr(a, b) == pytest.approx(20.0)
    # uint8 inputs are scaled by 255: one level off everywhere → 20·log10(255)
    u = np.zeros((16, 16, 3), np.uint8)
    assert psnr(u, u + 1) == pytest.approx(20 * math.log10(255.0))


def test_ssim_identical_is_one():
    rng = np.random.default_rng(0)
    a = rng.random((32, 32, 3))
    assert ssim(a, a) == pytest.approx(1.0)
    assert ms_ssim(a, a) == pytest.approx(1.0)


def test_ssim_of_flat_images_is_the_luminance_term():
    # No variance: SSIM = (2·x·y + C1) / (x² + y² + C1), C1 = 0.01²
    a = np.full((20, 20, 3), 0.5)
    b = np.full((20, 20, 3), 0.25)
    c1 = 0.01**2
    expected = (2 * 0.5 * 0.25 + c1) / (0.5**2 + 0.25**2 + c1)
    assert ssim(a, b) == pytest.approx(expected, rel=1e-9)


def test_ssim_drops_with_noise_and_ms_ssim_in_range():
    rng = np.random.default_rng(1)
    a = rng.random((64, 64, 3))
    slight = np.clip(a + rng.normal(0, 0.02, a.shape), 0, 1)
    heavy = np.clip(a + rng.normal(0, 0.2, a.shape), 0, 1)
    assert 1.0 > ssim(a, slight) > ssim(a, heavy) > 0.0
    assert 1.0 > ms_ssim(a, slight) > ms_ssim(a, heavy) > 0.0


def test_ms_ssim_of_flat_images_is_luminance_to_last_weight():
    # Flat images: every contrast-structure term is 1, only the coarsest scale's luminance counts.
    # 176 px → exactly five scales (176, 88, 44, 22, 11), weight 0.1333 on the last one.
    a = np.full((176, 176, 3), 0.5)
    b = np.full((176, 176, 3), 0.25)
    c1 = 0.01**2
    lum = (2 * 0.5 * 0.25 + c1) / (0.5**2 + 0.25**2 + c1)
    weights = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
    assert ms_ssim(a, b) == pytest.approx(lum ** (0.1333 / weights.sum()), rel=1e-9)


def test_ssim_rejects_images_smaller_than_window():
    with pytest.raises(ValueError):
        ssim(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)))
