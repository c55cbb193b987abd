"""Painting-process export: an N-step "how it was painted" sequence for one frame.

The sequence goes sketch -> flat colours -> shading and detail -> the final frame:

  * image 0 is the sketch itself (uint8 / 255), image N-1 is the final frame itself (bit-exact);
  * the flat stage fills the paint-bucket regions one batch at a time, the figure's regions first (a region
    is the figure's when most of it is under the mask), then the background's, larger regions first within
    each; each region gets its flat colour multiplied with the line art so lines stay on top. The filled
    area only ever grows, and the last flat image has every region filled;
  * the shading stage blends from the full flats to the final frame. With the sampler's intermediate
    predictions (`intermediates`, predicted x0 at evenly spaced steps) step t in (0, 1) shows
    (1 - t) * flats + t * x0(t), where x0(t) is the prediction at that point of the sampling, so detail
    arrives the way the sampler produced it; without them (flat backend) it is (1 - t) * flats + t * final.

Regions come from `labels` (the flat backend's region map, 0 = line) or, when absent, from segmenting the
sketch; flat colours come from `region_colors` or, when absent, from the final frame's median inside each
region. With N = 2 the sequence is just [sketch, final]; the middle N - 2 images are split between flats
(the first half, rounded up) and shading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import FrameError
from .process_export import write_process_mp4, write_process_png

MIN_STEPS = 2
MAX_HISTOGRAM_BINS = 1 << 22  # per-label colour histograms: 4M bins (32 MB) at most


def process_frames(
    sketch: np.ndarray,
    mask: np.ndarray,
    final: np.ndarray,
    labels: np.ndarray | None = None,
    region_colors: np.ndarray | Mapping[int, Sequence[float]] | None = None,
    intermediates: Sequence[np.ndarray] | None = None,
    n: int = 8,
    gap_radius: int = 2,
) -> list[np.ndarray]:
    """`n` images (H, W, 3) float32 in [0, 1] from `sketch` (H, W, 3) uint8 to `final` (H, W, 3) float32.

    `mask` (H, W) float32 is the soft figure mask (decides figure-first fill order). `labels` (H, W) int
    (0 = line) and `region_colors` ((R+1, 3) array indexed by label, or {label: rgb}; 0..1 or 0..255) come
    from the flat backend when it ran; `intermediates` are the diffusion sampler's decoded x0 predictions.
    """
    size = sketch.shape[:2]
    if n < MIN_STEPS:
        raise FrameError(f"process export needs at least {MIN_STEPS} steps, got {n}; raise --process")
    if final.shape[:2] != size or mask.shape != size or (labels is not None and labels.shape != size):
        raise FrameError(
            f"process export: sizes differ (sketch {sketch.shape}, final {final.shape}, mask {mask.shape})"
        )
    first = sketch.astype(np.float32) / 255.0  # (H, W, 3)
    last = np.asarray(final, dtype=np.float32)
    middle = n - 2
    n_flat = (middle + 1) // 2
    n_shade = middle - n_flat
    if labels is None:
        labels = _segment(sketch, gap_radius)
    labels = np.asarray(labels).astype(np.int64)
    order = fill_order(labels, mask)
    colours = _region_palette(labels, last, region_colors)  # (R+1, 3)
    flats = [_flats(first, labels, order, colours, k / n_flat) for k in range(1, n_flat + 1)]
    full = flats[-1] if flats else _flats(first, labels, order, colours, 1.0)
    shades = _shading(full, last, intermediates, n_shade)
    return [first.copy(), *flats, *shades, last.copy()]


def fill_order(labels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Region ids (label > 0) in painting order: figure regions first, then background; larger first."""
    flat_labels = labels.ravel()
    count = int(flat_labels.max(initial=0)) + 1
    area = np.bincount(flat_labels.clip(0), minlength=count).astype(np.float64)
    cover = np.bincount(flat_labels.clip(0), weights=mask.ravel().astype(np.float64), minlength=count)
    ids = np.nonzero(area > 0)[0]
    ids = ids[ids > 0]
    figure = cover[ids] / area[ids] >= 0.5
    # lexsort: last key is primary -> background after figure, then by descending area, then by id
    return ids[np.lexsort((ids, -area[ids], ~figure))]


def filled_fraction(image: np.ndarray, sketch: np.ndarray, atol: float = 1.0 / 512) -> float:
    """Share of pixels that differ from the sketch: how much has been painted (for tests and reports)."""
    diff = np.abs(image - sketch.astype(np.float32) / 255.0).max(axis=2)
    return float((diff > atol).mean())


def _segment(sketch: np.ndarray, gap_radius: int) -> np.ndarray:
    """Region map of the sketch: the one line-art segmentation (the flat backend's paint bucket)."""
    from ..foundation.lineart import segment_regions

    return segment_regions(np.ascontiguousarray(sketch, dtype=np.uint8), gap_radius).labels


def _region_palette(
    labels: np.ndarray,
    final: np.ndarray,
    region_colors: np.ndarray | Mapping[int, Sequence[float]] | None,
) -> np.ndarray:
    """(R+1, 3) float32 flat colour per label: the backend's colours where given, else the final's median.

    The median (not the mean) so a region that strays a few pixels over a differently coloured neighbour
    (paper around the figure, say) still gets its own colour exactly.
    """
    flat_labels = labels.ravel().clip(0)
    count = int(flat_labels.max(initial=0)) + 1
    palette = np.stack([_median_per_label(flat_labels, final[..., c].ravel(), count) for c in range(3)], 1)
    for label, rgb in _given_colours(region_colors, count).items():
        palette[label] = rgb
    return np.clip(palette, 0.0, 1.0).astype(np.float32)


def _median_per_label(labels: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """(count,) median of `values` in [0, 1] per label, at 8-bit precision (one histogram per label).

    Past MAX_HISTOGRAM_BINS (tens of thousands of specks in noisy line art) the per-label mean is used
    instead, so memory stays bounded.
    """
    if count * 256 > MAX_HISTOGRAM_BINS:
        area = np.maximum(np.bincount(labels, minlength=count), 1)
        return np.bincount(labels, weights=values.astype(np.float64), minlength=count) / area
    levels = (np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.int64)  # (N,)
    hist = np.bincount(labels * 256 + levels, minlength=count * 256).reshape(count, 256)
    cdf = np.cumsum(hist, axis=1)  # (count, 256)
    half = (cdf[:, -1:] + 1) // 2
    return np.argmax(cdf >= np.maximum(half, 1), axis=1) / 255.0


def _given_colours(region_colors: object, count: int) -> dict[int, np.ndarray]:
    """Normalise the backend's region colours to {label: rgb in [0, 1]}; unusable input is ignored."""
    if region_colors is None:
        return {}
    if isinstance(region_colors, Mapping):
        items = [(int(k), np.asarray(v, dtype=np.float64)) for k, v in region_colors.items()]
        integer = False
    else:
        raw = np.asarray(region_colors)
        if raw.ndim != 2 or raw.shape[1] < 3:
            return {}
        items = list(enumerate(raw[:, :3].astype(np.float64)))
        integer = np.issubdtype(raw.dtype, np.integer)  # the flat backend's (R+1, 3) uint8 palette
    items = [(k, v[:3]) for k, v in items if 0 < k < count and v.shape[0] >= 3 and np.isfinite(v[:3]).all()]
    if not items:
        return {}
    scale = 255.0 if integer or max(float(v.max()) for _, v in items) > 1.0 else 1.0
    return {k: v / scale for k, v in items}


def _flats(sketch: np.ndarray, labels: np.ndarray, order: np.ndarray, colours: np.ndarray, share: float) -> np.ndarray:
    """The sketch with the first `share` of `order` filled: colour x line art (multiply keeps lines)."""
    count = int(np.ceil(share * len(order) - 1e-9))
    chosen = np.zeros(colours.shape[0], dtype=bool)
    chosen[order[:count]] = True
    filled = chosen[labels.clip(0)] & (labels > 0)  # (H, W)
    out = sketch.copy()
    out[filled] = colours[labels[filled]] * sketch[filled]
    return out


def _shading(
    flats: np.ndarray, final: np.ndarray, intermediates: Sequence[np.ndarray] | None, steps: int
) -> list[np.ndarray]:
    """`steps` images blending from `flats` to `final`, through the sampler's predictions when given."""
    detail = _usable(intermediates, final.shape)
    out = []
    for j in range(1, steps + 1):
        t = j / (steps + 1)
        target = final if not detail else detail[min(len(detail) - 1, round(t * (len(detail) - 1)))]
        out.append(np.clip((1.0 - t) * flats + t * target, 0.0, 1.0).astype(np.float32))
    return out


def _usable(intermediates: Sequence[np.ndarray] | None, shape: tuple[int, ...]) -> list[np.ndarray]:
    """Intermediates at the frame size (a working-resolution one is resized: they only illustrate)."""
    if not intermediates:
        return []
    import cv2

    out = []
    for item in intermediates:
        image: np.ndarray = np.asarray(item, dtype=np.float32).squeeze()
        if image.ndim == 3 and image.shape[0] == 3 and image.shape[2] != 3:
            image = image.transpose(1, 2, 0)  # (3, H, W) -> (H, W, 3)
        if image.ndim != 3 or image.shape[2] != 3:
            continue
        if image.shape != shape:
            image = cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
        out.append(np.clip(image, 0.0, 1.0))
    return out


__all__ = ["process_frames", "fill_order", "filled_fraction", "write_process_png", "write_process_mp4"]
