"""Composite the colorized figure over a background plate and harmonize its colours to the plate.

Harmonization is colour-statistics transfer in CIE Lab (AdaIN-style): inside the figure, each Lab channel is
shifted and scaled so its mean and standard deviation move toward the plate's,

    lab' = lab + w * (((lab - mean_fig) / std_fig) * std_plate + mean_plate - lab), w = strength * (1 - line)

so the figure's Lab mean moves exactly `strength` of the way to the plate's (before gamut clipping), and
its std likewise. `line` is the sketch's soft line weight: line pixels (grey < 128) are never touched, so
lines stay crisp and black, and their anti-aliased halos fade smoothly. The std scale is clamped to
[1/max_std_ratio, max_std_ratio] so a near-uniform plate cannot flatten the figure into one colour.

Statistics: the figure's over its clean paint (mask >= 0.5, no line or halo); the plate's, by default,
over a band `band` pixels wide just outside the figure (`region="band"`: the light the figure stands in,
not a sky far away), falling back to the whole plate when the band is too small; `region="plate"` always
uses the whole plate.

The figure layer's alpha is the given mask (`edge_radius=0`) or, with `edge_radius > 0`, the mask feathered
by a guided filter steered by the sketch, plus the figure's outline lines made opaque, so the outline does
not turn grey over the plate. Pixels where alpha is 0 are the plate, exactly.

A diffusion re-render of the figure region (low strength) plugs in through `RegionRefiner`; this module
never runs a model itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import FrameError
from ..foundation.color import lab_to_srgb, srgb_to_lab
from .edges import dilate, guided_filter, line_weight, sketch_grey

REGIONS = ("band", "plate")
MIN_PIXELS = 16  # fewer figure / band pixels than this: statistics are meaningless, skip or fall back
STATS_SAMPLE = 200_000  # statistics over more pixels than this use an even subsample (same numbers, faster)


@runtime_checkable
class RegionRefiner(Protocol):
    """Hook for an optional diffusion pass over the figure region (e.g. img2img at low strength).

    `refine_region` gets the harmonized figure (H, W, 3) float32 already composited over the plate, the
    figure alpha (H, W) float32 and the requested strength, and returns (H, W, 3) float32. Only the figure
    region of its result is kept and line pixels are restored afterwards. The diffusion backend may provide
    one when the colorizer weights are present; pass None to skip.
    """

    def refine_region(self, image: np.ndarray, mask: np.ndarray, strength: float) -> np.ndarray: ...


@dataclass
class Harmonized:
    composite: np.ndarray  # (H, W, 3) float32 RGB in [0, 1]: the figure over the plate
    layer: np.ndarray  # (H, W, 4) float32 RGBA, straight (not premultiplied) alpha: the figure alone
    stats: dict = field(default_factory=dict)  # JSON-able Lab statistics before/after, for reports


def default_band(size: tuple[int, int]) -> int:
    """Plate statistics band width: 8% of the shorter side, at least 4 px."""
    return max(4, round(0.08 * min(size)))


def lab_stats(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel Lab mean and std (3,) of RGB pixels (N, 3); large sets use an even subsample."""
    step = max(1, len(rgb) // STATS_SAMPLE)
    lab = srgb_to_lab(rgb[::step])  # (n, 3)
    return lab.mean(axis=0), lab.std(axis=0)


def plate_region(mask: np.ndarray, region: str, band: int) -> tuple[np.ndarray, str]:
    """Pixels the plate statistics come from, and which region was actually used."""
    if region == "band":
        figure = mask > 0.0
        ring = dilate(figure, band) & ~figure
        if ring.sum() >= max(MIN_PIXELS, ring.size // 100):
            return ring, "band"
    return np.ones(mask.shape, dtype=bool), "plate"


def feather_alpha(mask: np.ndarray, sketch: np.ndarray | None, radius: int, eps: float = 1e-3) -> np.ndarray:
    """The figure layer's alpha (H, W) float32: `mask` itself for radius 0, else guided-feathered.

    The guided filter (guide: sketch grey) keeps the mask edge on drawn lines and softens it elsewhere;
    outline line pixels within `radius` of the figure are then made opaque so the outline stays solid.
    """
    mask = mask.astype(np.float32)
    if radius <= 0 or sketch is None:
        return mask
    guide = sketch_grey(sketch) / 255.0
    alpha = np.clip(guided_filter(guide, mask, radius, eps), 0.0, 1.0)
    alpha[(alpha < 1.0 / 1024) | ~dilate(mask > 0.0, radius)] = 0.0  # no haze beyond the feather
    near = dilate(mask >= 0.5, radius)
    alpha = np.where(near, np.maximum(alpha, line_weight(sketch)), alpha)
    alpha[mask >= 1.0] = 1.0  # the feathering never makes the figure's solid interior transparent
    return alpha.astype(np.float32)


def transfer_statistics(
    figure: np.ndarray,
    weight: np.ndarray,
    source_select: np.ndarray,
    target_mean: np.ndarray,
    target_std: np.ndarray,
    max_std_ratio: float = 4.0,
) -> tuple[np.ndarray, dict]:
    """Move `figure`'s Lab statistics (measured over `source_select`) toward the targets by `weight`.

    `weight` (H, W) in [0, 1] is the per-pixel fraction of the move; pixels with weight 0 are not even
    converted, so they come back bit-identical. Returns the new (H, W, 3) float32 RGB clipped to [0, 1]
    and the figure statistics.
    """
    mean, std = lab_stats(figure[source_select])
    scale = np.clip(target_std / np.maximum(std, 1e-6), 1.0 / max_std_ratio, max_std_ratio)  # (3,)
    moving = weight > 0.0
    out = figure.astype(np.float32, copy=True)
    lab = srgb_to_lab(figure[moving])  # (N, 3) float64
    moved = (lab - mean) * scale + target_mean
    lab += weight[moving][:, None] * (moved - lab)
    out[moving] = lab_to_srgb(lab)
    return out, {"figure_mean": mean.tolist(), "figure_std": std.tolist(), "scale": scale.tolist()}


def harmonize(
    figure: np.ndarray,
    plate: np.ndarray,
    mask: np.ndarray,
    sketch: np.ndarray | None = None,
    *,
    strength: float = 0.5,
    region: str = "band",
    band: int | None = None,
    edge_radius: int = 2,
    max_std_ratio: float = 4.0,
    refiner: RegionRefiner | None = None,
) -> Harmonized:
    """Composite `figure` (H, W, 3) float32 over `plate` (H, W, 3) float32 with `mask` (H, W) float32,
    harmonizing the figure's colours to the plate by `strength` in [0, 1] (0 = unchanged, 1 = matched).

    `sketch` (H, W, 3) uint8 black-on-white protects line pixels and steers the edge feathering; without it
    every figure pixel is harmonized and alpha is the mask. See the module docstring for the method.
    """
    size = figure.shape[:2]
    if plate.shape != figure.shape or mask.shape != size or (sketch is not None and sketch.shape[:2] != size):
        raise FrameError(
            f"harmonize: sizes differ (figure {figure.shape}, plate {plate.shape}, mask {mask.shape}); "
            "give the plate and mask at the frame size"
        )
    if not 0.0 <= strength <= 1.0:
        raise FrameError(f"harmonize: strength must be in [0, 1], got {strength}; fix --harmonize")
    if region not in REGIONS:
        raise FrameError(f"harmonize: region must be one of {', '.join(REGIONS)}, got {region!r}")
    figure = np.asarray(figure, dtype=np.float32)
    plate = np.asarray(plate, dtype=np.float32)
    mask = np.clip(np.asarray(mask, dtype=np.float32), 0.0, 1.0)
    lines = line_weight(sketch) if sketch is not None else np.zeros(size, dtype=np.float32)

    paint = (mask >= 0.5) & (lines <= 0.0)  # clean figure paint: the pixels the statistics describe
    select, used = plate_region(mask, region, default_band(size) if band is None else band)
    plate_mean, plate_std = lab_stats(plate[select])
    stats: dict = {
        "strength": strength,
        "region": used,
        "plate_mean": plate_mean.tolist(),
        "plate_std": plate_std.tolist(),
        "figure_pixels": int(paint.sum()),
    }
    colour = figure
    if strength > 0.0 and paint.sum() >= MIN_PIXELS:
        weight = (strength * (1.0 - lines)) * (mask > 0.0)  # (H, W): only where the figure shows
        colour, before = transfer_statistics(figure, weight, paint, plate_mean, plate_std, max_std_ratio)
        stats.update(before)
        stats["figure_mean_after"] = lab_stats(colour[paint])[0].tolist()
    elif strength > 0.0:
        stats["skipped"] = "figure too small for colour statistics"

    alpha = feather_alpha(mask, sketch, edge_radius)
    if refiner is not None and strength > 0.0:
        colour = _apply_refiner(refiner, colour, figure, plate, alpha, lines, strength)
    composite = _over(colour, alpha, plate)
    layer = np.concatenate([colour, alpha[:, :, None]], axis=2).astype(np.float32)  # (H, W, 4)
    return Harmonized(composite=composite, layer=layer, stats=stats)


def _over(colour: np.ndarray, alpha: np.ndarray, plate: np.ndarray) -> np.ndarray:
    """`colour` over `plate` with straight `alpha`; alpha 0 gives the plate bit-exactly."""
    a = alpha[:, :, None]
    blended = colour * a + plate * (1.0 - a)
    return np.where(a > 0.0, blended, plate).astype(np.float32)


def _apply_refiner(
    refiner: RegionRefiner,
    colour: np.ndarray,
    original: np.ndarray,
    plate: np.ndarray,
    alpha: np.ndarray,
    lines: np.ndarray,
    strength: float,
) -> np.ndarray:
    refined = np.asarray(refiner.refine_region(_over(colour, alpha, plate), alpha, strength), np.float32)
    if refined.shape != colour.shape:
        raise FrameError(f"harmonize: refiner returned {refined.shape}, expected {colour.shape}")
    keep = ((alpha > 0.0) * (1.0 - lines))[:, :, None]  # figure only; lines restored
    out = colour + keep * (refined - colour)
    return np.where(lines[:, :, None] >= 1.0, original, np.clip(out, 0.0, 1.0)).astype(np.float32)


__all__ = [
    "Harmonized",
    "RegionRefiner",
    "harmonize",
    "feather_alpha",
    "plate_region",
    "default_band",
]
