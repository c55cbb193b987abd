"""Full-reference fidelity: PSNR, SSIM and MS-SSIM on RGB images in [0, 1].

SSIM follows Wang et al. 2004 with the usual settings: an 11×11 Gaussian window (σ = 1.5),
C1 = (0.01·L)², C2 = (0.03·L)² with L = 1, statistics without sample-covariance correction, the
mean taken over the "valid" part of the filtered map (no padded borders) and over the RGB channels.
MS-SSIM follows Wang, Simoncelli & Bovik 2003: five scales with weights
(0.0448, 0.2856, 0.3001, 0.2363, 0.1333), 2×2 average-pool downsampling, contrast-structure terms
at the first four scales and the full SSIM at the last (negative terms clamped to 0 as in common
implementations). Images too small for five scales use as many as fit (the smallest side must stay
>= 11 px) with the weights of the used scales renormalised to sum to 1.
"""

from __future__ import annotations

import math

import numpy as np

from ..foundation.color import to_unit_rgb

WINDOW = 11
SIGMA = 1.5
K1, K2 = 0.01, 0.03
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
# PSNR of frames that match exactly is infinite; it is reported as this cap so means stay finite and
# comparable (a frame at the cap matches its ground truth to within 1e-10 mean squared error).
PSNR_CAP_DB = 100.0


def _pair(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = to_unit_rgb(pred), to_unit_rgb(gt)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    return a, b


def mse(pred: np.ndarray, gt: np.ndarray) -> float:
    a, b = _pair(pred, gt)
    return float(np.mean((a - b) ** 2))


def psnr(pred: np.ndarray, gt: np.ndarray) -> float:
    """10·log10(1 / MSE) on [0, 1] images, capped at PSNR_CAP_DB (identical images give the cap)."""
    err = mse(pred, gt)
    return PSNR_CAP_DB if err == 0 else min(PSNR_CAP_DB, 10.0 * math.log10(1.0 / err))


def _gaussian_window() -> np.ndarray:
    x = np.arange(WINDOW, dtype=np.float64) - (WINDOW - 1) / 2.0
    g = np.exp(-(x**2) / (2.0 * SIGMA**2))
    g /= g.sum()
    return np.outer(g, g)  # (11, 11), sums to 1


def _filter_valid(img: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Correlate each channel with the window, keeping only fully covered pixels. (H', W', C)."""
    import cv2

    pad = WINDOW // 2
    out = cv2.filter2D(img, cv2.CV_64F, window, borderType=cv2.BORDER_REFLECT)
    if out.ndim == 2:
        out = out[..., None]
    return out[pad : img.shape[0] - pad, pad : img.shape[1] - pad]


def _ssim_terms(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(mean SSIM, mean contrast-structure) of two (H, W, C) float64 images in [0, 1]."""
    if min(a.shape[:2]) < WINDOW:
        raise ValueError(f"SSIM needs images of at least {WINDOW}×{WINDOW} pixels, got {a.shape[:2]}")
    w = _gaussian_window()
    mu_a, mu_b = _filter_valid(a, w), _filter_valid(b, w)
    var_a = _filter_valid(a * a, w) - mu_a**2
    var_b = _filter_valid(b * b, w) - mu_b**2
    cov = _filter_valid(a * b, w) - mu_a * mu_b
    c1, c2 = K1**2, K2**2
    cs = (2.0 * cov + c2) / (var_a + var_b + c2)  # (H', W', C)
    lum = (2.0 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
    return float(np.mean(lum * cs)), float(np.mean(cs))


def ssim(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean SSIM over the valid window positions and the channels; 1.0 for identical images."""
    a, b = _pair(pred, gt)
    return _ssim_terms(a, b)[0]


def _downsample(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[0] // 2 * 2, img.shape[1] // 2 * 2
    x = img[:h, :w]
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def ms_ssim(pred: np.ndarray, gt: np.ndarray) -> float:
    """Multi-scale SSIM (five scales where the image is large enough, see the module docstring)."""
    a, b = _pair(pred, gt)
    scales = 0
    side = min(a.shape[:2])
    while scales < len(MS_SSIM_WEIGHTS) and side >= WINDOW:
        scales += 1
        side //= 2
    if scales == 0:
        raise ValueError(f"MS-SSIM needs images of at least {WINDOW}×{WINDOW} pixels, got {a.shape[:2]}")
    weights = np.array(MS_SSIM_WEIGHTS[:scales])
    weights /= weights.sum()
    result = 1.0
    for level in range(scales):
        full, cs = _ssim_terms(a, b)
        term = full if level == scales - 1 else cs
        result *= max(term, 0.0) ** weights[level]
        a, b = _downsample(a), _downsample(b)
    return float(result)
