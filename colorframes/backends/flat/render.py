"""Flat fill output: region colours painted, original line pixels restored exactly, optional line layer."""

from __future__ import annotations

import numpy as np

from .tracker import SOURCE_NAMES, FrameState


def paint(labels: np.ndarray, region_colors: np.ndarray, sketch: np.ndarray, line_mask: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 in [0, 1]: each region its colour, line pixels exactly the input line art."""
    flat = region_colors[labels]  # (H, W, 3) uint8
    np.copyto(flat, sketch, where=line_mask[..., None])
    out = flat.astype(np.float32)
    out *= np.float32(1.0 / 255.0)
    return out


def lines_layer(sketch: np.ndarray, line_mask: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA: the line pixels with full alpha, transparent elsewhere (for compositing)."""
    alpha = line_mask.view(np.uint8) * np.uint8(255)
    return np.dstack([sketch, alpha])


def confidence_report(state: FrameState, region_colors: np.ndarray, warnings: list[str], threshold: float) -> dict:
    """The colorist's check list for one frame: regions whose colour is uncertain, worst first."""
    regs = state.regions
    low = [int(i) for i in np.flatnonzero(state.confidence[1:] < threshold) + 1]
    low.sort(key=lambda i: (float(state.confidence[i]), -float(regs.area[i])))
    entries = []
    for i in low:
        r, g, b = (int(v) for v in region_colors[i])
        entries.append(
            {
                "region": i,
                "x": round(float(regs.centroid[i, 0]), 1),
                "y": round(float(regs.centroid[i, 1]), 1),
                "area": int(regs.area[i]),
                "color": f"#{r:02x}{g:02x}{b:02x}",
                "confidence": round(float(state.confidence[i]), 3),
                "source": SOURCE_NAMES[int(state.source[i])],
            }
        )
    return {
        "frame": state.number,
        "threshold": threshold,
        "regions_total": regs.count,
        "low_confidence": entries,
        "warnings": list(warnings),
    }
