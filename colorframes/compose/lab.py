"""sRGB <-> CIE Lab (D65) in numpy.

Written out instead of using OpenCV's float Lab conversion because that one round-trips with errors around
2e-3; harmonization must leave pixels it does not move bit-identical and move the others by exactly the
requested fraction, so the conversion has to invert cleanly (float64 inside, ~1e-6 round trip).
"""

from __future__ import annotations

import numpy as np

# sRGB primaries -> XYZ (D65), IEC 61966-2-1.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = _RGB_TO_XYZ.sum(axis=1)  # XYZ of RGB (1, 1, 1), so white maps to L=100, a=b=0 exactly
_EPS = 216.0 / 24389.0
_KAPPA = 24389.0 / 27.0


def _to_linear(c: np.ndarray) -> np.ndarray:
    out = c / 12.92
    high = c > 0.04045
    out[high] = ((c[high] + 0.055) / 1.055) ** 2.4
    return out


def _to_srgb(c: np.ndarray) -> np.ndarray:
    out = c * 12.92
    high = c > 0.0031308
    out[high] = 1.055 * c[high] ** (1.0 / 2.4) - 0.055
    return out


def _transform(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(..., 3) @ matrix.T; OpenCV's transform is ~50x faster than numpy matmul with an inner size of 3."""
    import cv2

    flat = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, 1, 3)
    return cv2.transform(flat, matrix).reshape(x.shape)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB in [0, 1] -> (..., 3) float64 Lab (L in [0, 100])."""
    xyz = _transform(_to_linear(np.asarray(rgb, dtype=np.float64)), _RGB_TO_XYZ / _WHITE[:, None])
    f = (_KAPPA * xyz + 16.0) / 116.0  # (..., 3)
    high = xyz > _EPS
    f[high] = np.cbrt(xyz[high])
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """(..., 3) Lab -> (..., 3) float64 sRGB, not clipped (out-of-gamut values leave [0, 1])."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)  # (..., 3)
    xyz = (116.0 * f - 16.0) / _KAPPA
    f3 = f**3
    high = f3 > _EPS
    xyz[high] = f3[high]
    return _to_srgb(_transform(xyz, _XYZ_TO_RGB * _WHITE[None, :]))
