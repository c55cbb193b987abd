"""Colour science for the palette metrics and the flattener: sRGB → CIELAB, CIEDE2000, k-means in Lab.

Own implementations (no colour library dependency) so the numbers are reproducible everywhere:
sRGB with the IEC 61966-2-1 transfer curve, D65 white, CIE 1976 L*a*b*, and CIEDE2000 as written in
Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes".
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
    if flat.size == 0:
        return flat.reshape(x.shape)
    return cv2.transform(flat, matrix).reshape(x.shape)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] (any leading shape, last axis 3) → CIELAB (L in [0, 100]); float64.

    Written out rather than OpenCV's float Lab (which round-trips with ~2e-3 error): harmonization must
    move pixels by exactly the requested fraction, so the conversion inverts cleanly (~1e-9)."""
    c = np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 1.0)
    xyz = _transform(_to_linear(c), _RGB_TO_XYZ / _WHITE[:, None])
    f = (_KAPPA * xyz + 16.0) / 116.0  # (..., 3)
    high = xyz > _EPS
    f[high] = np.cbrt(xyz[high])
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def lab_to_srgb(lab: np.ndarray, clip: bool = True) -> np.ndarray:
    """CIELAB → sRGB (inverse of `srgb_to_lab`); out-of-gamut colours clipped to [0, 1] unless `clip=False`."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)  # (..., 3)
    xyz = (116.0 * f - 16.0) / _KAPPA
    f3 = f**3
    high = f3 > _EPS
    xyz[high] = f3[high]
    linear = _transform(xyz, _XYZ_TO_RGB * _WHITE[None, :])
    if clip:
        linear = np.clip(linear, 0.0, 1.0)
    rgb = _to_srgb(linear)
    return np.clip(rgb, 0.0, 1.0) if clip else rgb


def to_unit_rgb(image: np.ndarray) -> np.ndarray:
    """uint8 / uint16 / float image → float64 RGB in [0, 1] (drops an alpha channel)."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[-1] == 4:
        arr = arr[..., :3]
    if arr.dtype == np.uint8:
        return arr.astype(np.float64) / 255.0
    if arr.dtype == np.uint16:
        return arr.astype(np.float64) / 65535.0
    return np.clip(arr.astype(np.float64), 0.0, 1.0)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray, kl: float = 1.0, kc: float = 1.0, kh: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference ΔE00 between broadcastable Lab arrays (last axis 3).

    Follows Sharma et al. 2005 step by step, including the hue-angle conventions for achromatic
    colours (h' = 0 when a' = b' = 0) and the mean-hue rule when |h1' - h2'| > 180°.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]

    c1 = np.hypot(a1, b1)
    c2 = np.hypot(a2, b2)
    c_bar7 = ((c1 + c2) / 2.0) ** 7
    g = 0.5 * (1.0 - np.sqrt(c_bar7 / (c_bar7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, h1p)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, h2p)

    d_lp = l2 - l1
    d_cp = c2p - c1p
    chroma_prod = c1p * c2p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(chroma_prod == 0, 0.0, dh)
    d_hp = 2.0 * np.sqrt(chroma_prod) * np.sin(np.radians(dh) / 2.0)

    l_bar = (l1 + l2) / 2.0
    c_bar_p = (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    h_bar = np.where(
        np.abs(h1p - h2p) <= 180.0,
        h_sum / 2.0,
        np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0),
    )
    h_bar = np.where(chroma_prod == 0, h_sum, h_bar)

    t = (
        1.0
        - 0.17 * np.cos(np.radians(h_bar - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * h_bar))
        + 0.32 * np.cos(np.radians(3.0 * h_bar + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * h_bar - 63.0))
    )
    d_theta = 30.0 * np.exp(-(((h_bar - 275.0) / 25.0) ** 2))
    c_bar_p7 = c_bar_p**7
    r_c = 2.0 * np.sqrt(c_bar_p7 / (c_bar_p7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / np.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * c_bar_p
    s_h = 1.0 + 0.015 * c_bar_p * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c

    term_l = d_lp / (kl * s_l)
    term_c = d_cp / (kc * s_c)
    term_h = d_hp / (kh * s_h)
    return np.sqrt(term_l**2 + term_c**2 + term_h**2 + r_t * term_c * term_h)


def kmeans(
    points: np.ndarray, k: int, *, iterations: int = 20, max_points: int = 20000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic k-means (k-means++ init, fixed seed) → (centres (k', D), weights (k',) summing to 1).

    Points beyond `max_points` are subsampled with a fixed stride so the result depends only on the
    data. Empty clusters are dropped, so k' <= k; centres are sorted by weight (largest first).
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, np.asarray(points).shape[-1])
    if len(pts) == 0:
        return np.zeros((0, pts.shape[1])), np.zeros((0,))
    if len(pts) > max_points:
        pts = pts[:: int(np.ceil(len(pts) / max_points))]
    rng = np.random.default_rng(seed)
    k = min(k, len(np.unique(pts, axis=0)))
    centres = [pts[rng.integers(len(pts))]]
    dist2 = np.sum((pts - centres[0]) ** 2, axis=1)
    for _ in range(1, k):
        total = dist2.sum()
        idx = int(rng.choice(len(pts), p=dist2 / total)) if total > 0 else int(rng.integers(len(pts)))
        centres.append(pts[idx])
        dist2 = np.minimum(dist2, np.sum((pts - pts[idx]) ** 2, axis=1))
    c = np.stack(centres)  # (k, D)
    for _ in range(iterations):
        assign = np.argmin(((pts[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        new = np.stack([pts[assign == j].mean(0) if np.any(assign == j) else c[j] for j in range(len(c))])
        if np.allclose(new, c):
            c = new
            break
        c = new
    assign = np.argmin(((pts[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
    counts = np.bincount(assign, minlength=len(c)).astype(np.float64)
    keep = counts > 0
    c, counts = c[keep], counts[keep]
    order = np.argsort(-counts, kind="stable")
    return c[order], counts[order] / counts.sum()
