"""Palette distance: how far an output's dominant colours are from the character sheet's.

Dominant colours are k-means centres in CIELAB (deterministic, see `color.kmeans`), weighted by the
share of pixels they cover. Paper is excluded: transparent pixels (alpha < 0.5) and near-white
achromatic pixels (L* > 95, chroma < 5), so the sheet's empty margins do not dominate its palette.
The distance is the symmetric, weight-averaged nearest-neighbour CIEDE2000:
    ½ (Σ_i w_i min_j ΔE00(r_i, p_j) + Σ_j v_j min_i ΔE00(p_j, r_i))
which is 0 for identical palettes and grows with any missing or invented colour.
"""

from __future__ import annotations

import math

import numpy as np

from ..foundation.color import ciede2000, kmeans, srgb_to_lab, to_unit_rgb

PALETTE_SIZE = 8


def paper_mask(lab: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    """(H, W) bool True on paper: near-white achromatic or transparent pixels."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    paper = (lab[..., 0] > 95.0) & (chroma < 5.0)
    if alpha is not None:
        paper |= alpha < 0.5
    return paper


def dominant_colors(
    image: np.ndarray, alpha: np.ndarray | None = None, k: int = PALETTE_SIZE, exclude_paper: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) image → (Lab centres (k', 3), weights (k',)) of its dominant colours."""
    lab = srgb_to_lab(to_unit_rgb(image))  # (H, W, 3)
    pixels = lab[~paper_mask(lab, alpha)] if exclude_paper else lab.reshape(-1, 3)
    if len(pixels) == 0:
        pixels = lab.reshape(-1, 3)
    return kmeans(pixels, k)


def palette_distance(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Symmetric weighted nearest-colour ΔE00 between two (centres, weights) palettes."""
    (ca, wa), (cb, wb) = a, b
    if len(ca) == 0 or len(cb) == 0:
        return math.nan
    d = ciede2000(ca[:, None, :], cb[None, :, :])  # (Ka, Kb)
    return float(0.5 * (np.sum(wa * d.min(axis=1)) + np.sum(wb * d.min(axis=0))))
