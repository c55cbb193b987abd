"""`--flatten` / `--keep-lines`: turn a colorized frame into a cel with exact lines.

Per closed line-art region (the flat backend's `segment_regions`, so paint-bucket and flattening agree
on what a region is) the output gets one flat colour: the region's median colour in CIELAB, snapped to
the nearest shot-palette colour by CIEDE2000. With `keep_lines`, the sketch's line pixels are copied
into the output unchanged, so line fidelity is exact.

Tracking and shard invariance. A region that continues from the previous frame (it overlaps one
previous region by at least `MATCH_OVERLAP` of its own area) is decided on the mean of its own and
that previous region's *raw* median colours, before snapping: a region whose colour sits between two
palette entries does not flip every frame. The decision for frame n therefore depends only on frames
n and n-1 (raw colorized output and sketch) and the shot palette, never on a chain of earlier
decisions. Inside one worker the Flattener remembers frame n-1 by itself; a worker whose shard starts
at frame n > first frame calls `prime(colorized, sketch, n - 1)` with that frame recomputed (the
colorizer is deterministic per frame under `--consistency seed`), which makes shards bit-identical to
a whole run. The palette must be the same for every shard: build it from the reference and, if
wanted, the shot's own first frames (not the shard's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..metrics.color import ciede2000, kmeans, lab_to_srgb, srgb_to_lab
from ..metrics.palette import paper_mask
from ..metrics.regions import line_regions

PALETTE_SIZE = 24  # k-means centres per palette source; more than a model sheet's paint colours
SNAP_DELTA_E = 10.0  # a region further than this (ΔE00) from every palette colour keeps its own median
MATCH_OVERLAP = 0.5  # share of a region's area that must fall into one previous region to track it
DEDUPE_DELTA_E = 3.0  # palette entries closer than this (ΔE00) are merged
PAPER_RGB = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class _FrameState:
    number: int
    labels: np.ndarray  # (H, W) int32, 0 = line
    raw_lab: np.ndarray  # (N+1, 3) median Lab per label (row 0 unused)


def build_palette(
    reference: np.ndarray | None = None,
    reference_alpha: np.ndarray | None = None,
    frames: Sequence[np.ndarray] = (),
    size: int = PALETTE_SIZE,
    paper: bool = True,
) -> np.ndarray:
    """Shot palette (K, 3) float32 sRGB in [0, 1]: the sheet's dominant colours (paper excluded),
    the given frames' dominant colours (paper included) and white paper, near-duplicates merged.

    Each entry is the most frequent exact colour of its k-means cluster, not the cluster mean, so a
    flat-painted sheet yields its paint colours exactly (anti-aliased edges do not shift them).
    """
    entries: list[np.ndarray] = []
    if reference is not None:
        rgb = _unit(reference)
        lab = srgb_to_lab(rgb)
        keep = ~paper_mask(lab, reference_alpha)
        if not keep.any():
            keep = np.ones(keep.shape, bool)
        entries.append(_cluster_modes(rgb[keep], lab[keep], size))
    for frame in frames:
        rgb = _unit(frame).reshape(-1, 3)
        entries.append(_cluster_modes(rgb, srgb_to_lab(rgb), size))
    if paper:
        entries.append(np.array([PAPER_RGB]))
    if not entries:
        return np.zeros((0, 3), np.float32)
    rgb = np.concatenate(entries)
    lab = srgb_to_lab(rgb)
    kept: list[int] = []
    for i, colour in enumerate(lab):
        if all(ciede2000(colour, lab[k]) >= DEDUPE_DELTA_E for k in kept):
            kept.append(i)
    return rgb[kept].astype(np.float32)


def _cluster_modes(rgb: np.ndarray, lab: np.ndarray, k: int) -> np.ndarray:
    """k-means in Lab over (P, 3) pixels → (k', 3) sRGB: each cluster's most frequent exact colour."""
    centres, _ = kmeans(lab, k)
    if len(centres) == 0:
        return np.zeros((0, 3))
    step = max(1, int(np.ceil(len(lab) / 200000)))  # bound the work on large sheets
    rgb, lab = rgb[::step], lab[::step]
    assign = np.argmin(((lab[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)  # (P,)
    codes = np.rint(rgb * 255.0).astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    modes = []
    for j in range(len(centres)):
        members = codes[assign == j]
        if len(members) == 0:
            continue
        values, counts = np.unique(members, return_counts=True)
        code = int(values[np.argmax(counts)])
        modes.append([(code >> 16) & 255, (code >> 8) & 255, code & 255])
    return np.array(modes, dtype=np.float64) / 255.0


def _unit(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    return arr[..., :3].astype(np.float64) / 255.0 if arr.dtype == np.uint8 else arr[..., :3].astype(np.float64)


def region_medians(labels: np.ndarray, lab: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per-label median of `lab` over `valid` pixels → (N+1, 3); rows of empty labels are NaN."""
    n = int(labels.max()) + 1
    flat_labels = labels[valid].ravel()
    values = lab[valid].reshape(-1, 3)
    order = np.argsort(flat_labels, kind="stable")
    sorted_labels, sorted_values = flat_labels[order], values[order]
    bounds = np.searchsorted(sorted_labels, np.arange(n + 1))
    out = np.full((n, 3), np.nan)
    for label in range(1, n):
        lo, hi = bounds[label], bounds[label + 1]
        if hi > lo:
            out[label] = np.median(sorted_values[lo:hi], axis=0)
    return out


def match_previous(labels: np.ndarray, prev_labels: np.ndarray) -> np.ndarray:
    """For each current label, the previous label holding >= MATCH_OVERLAP of its pixels, else 0."""
    n, m = int(labels.max()) + 1, int(prev_labels.max()) + 1
    both = (labels > 0) & (prev_labels > 0)
    pairs = labels[both].astype(np.int64) * m + prev_labels[both]
    counts = np.bincount(pairs, minlength=n * m).reshape(n, m)  # (N+1, M+1) overlap pixel counts
    area = np.bincount(labels.ravel(), minlength=n)
    best = counts.argmax(axis=1)
    ok = counts[np.arange(n), best] >= MATCH_OVERLAP * np.maximum(area, 1)
    return np.where(ok, best, 0)


def restore_lines(image: np.ndarray, sketch: np.ndarray, line_mask: np.ndarray) -> np.ndarray:
    """Copy the sketch's line pixels into a float32 (H, W, 3) image exactly (`--keep-lines`)."""
    out = np.array(image, dtype=np.float32, copy=True)
    out[line_mask] = sketch[line_mask].astype(np.float32) / 255.0
    return out


class Flattener:
    """Set up once per shot; `flatten()` one frame at a time in increasing frame order."""

    def __init__(
        self,
        palette: np.ndarray | None,
        *,
        keep_lines: bool = True,
        gap_radius: int = 2,
        snap_delta_e: float = SNAP_DELTA_E,
    ) -> None:
        """`palette`: (K, 3) sRGB in [0, 1] from `build_palette` (None or empty: no snapping).

        `snap_delta_e`: regions whose colour is further than this from every palette entry keep their
        own median colour (still one flat colour), so a colour the palette lacks is not replaced by a
        wrong one."""
        self.snap_delta_e = snap_delta_e
        pal = np.zeros((0, 3)) if palette is None else np.asarray(palette, dtype=np.float64).reshape(-1, 3)
        self.palette_rgb = pal.astype(np.float32)  # (K, 3)
        self.palette_lab = srgb_to_lab(pal)  # (K, 3)
        self.keep_lines = keep_lines
        self.gap_radius = gap_radius
        self._previous: _FrameState | None = None

    @classmethod
    def for_shot(
        cls,
        reference: np.ndarray | None,
        reference_alpha: np.ndarray | None = None,
        palette_frames: Sequence[np.ndarray] = (),
        *,
        keep_lines: bool = True,
        gap_radius: int = 2,
        palette_size: int = PALETTE_SIZE,
    ) -> Flattener:
        """Build the shot palette (see `build_palette`) and the flattener in one call."""
        palette = build_palette(reference, reference_alpha, palette_frames, palette_size)
        return cls(palette, keep_lines=keep_lines, gap_radius=gap_radius)

    def _analyse(self, colorized: np.ndarray, sketch: np.ndarray, number: int) -> tuple[_FrameState, np.ndarray]:
        """Regions of the sketch and their raw median colours → (state, line_mask)."""
        labels, line_mask = line_regions(sketch, self.gap_radius)
        lab = srgb_to_lab(np.asarray(colorized, dtype=np.float64)[..., :3])  # (H, W, 3)
        raw = region_medians(labels, lab, (labels > 0) & ~line_mask)  # (N+1, 3)
        return _FrameState(number, labels, raw), line_mask

    def prime(self, colorized: np.ndarray, sketch: np.ndarray, number: int) -> None:
        """Remember frame `number` as the previous frame without producing output (shard start)."""
        self._previous = self._analyse(colorized, sketch, number)[0]

    def flatten(self, colorized: np.ndarray, sketch: np.ndarray, number: int) -> np.ndarray:
        """(H, W, 3) float32 colorized + (H, W, 3) uint8 sketch → (H, W, 3) float32 cel."""
        state, line_mask = self._analyse(colorized, sketch, number)
        labels, raw = state.labels, state.raw_lab
        decided = raw.copy()
        prev = self._previous
        if prev is not None and prev.number == number - 1 and prev.labels.shape == labels.shape:
            match = match_previous(labels, prev.labels)
            tracked = (match > 0) & ~np.isnan(prev.raw_lab[match]).any(axis=1) & ~np.isnan(raw).any(axis=1)
            decided[tracked] = 0.5 * (raw[tracked] + prev.raw_lab[match[tracked]])
        colours = self._snap(decided)  # (N+1, 3) sRGB
        out = np.array(colorized, dtype=np.float32, copy=True)[..., :3]
        region = (labels > 0) & ~np.isnan(colours[labels]).any(axis=-1)
        out[region] = colours[labels[region]]
        if self.keep_lines:
            out = restore_lines(out, sketch, line_mask)
        self._previous = state  # raw colours, not decisions: the window stays two frames
        return out

    def _snap(self, lab: np.ndarray) -> np.ndarray:
        """Lab rows → sRGB rows of the nearest palette colour (ΔE00); NaN rows stay NaN."""
        valid = ~np.isnan(lab).any(axis=1)
        out = np.full(lab.shape, np.nan, dtype=np.float32)
        if not valid.any():
            return out
        if len(self.palette_lab) == 0:
            out[valid] = lab_to_srgb(lab[valid])
            return out
        d = ciede2000(lab[valid][:, None, :], self.palette_lab[None, :, :])  # (R, K)
        nearest = np.argmin(d, axis=1)
        close = d[np.arange(len(d)), nearest] <= self.snap_delta_e
        snapped = lab_to_srgb(lab[valid]).astype(np.float32)
        snapped[close] = self.palette_rgb[nearest[close]]
        out[valid] = snapped
        return out
