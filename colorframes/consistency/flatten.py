"""`--flatten` / `--keep-lines`: turn a colorized frame into a cel with exact lines.

Per closed line-art region (the flat backend's `segment_regions`, so paint-bucket and flattening agree
on what a region is) the output gets one flat colour: the region's median colour in CIELAB, snapped to
the nearest shot-palette colour by CIEDE2000. With `keep_lines`, the sketch's line pixels are copied
into the output unchanged, so line fidelity is exact.

Tracking and shard invariance. A region that continues from the previous frame (it overlaps one
previous region by at least `MATCH_OVERLAP` of its own area) keeps the palette colour that previous
region's *raw* median snaps to, unless its own nearest palette colour is clearly better (by more than
`HYSTERESIS_DELTA_E`): a region whose colour sits between two palette entries does not flip every
frame, and no third colour is ever mixed in. The decision for frame n therefore depends only on
frames n and n-1 (raw colorized output and sketch) and the shot palette, never on a chain of earlier
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

from ..foundation.color import ciede2000, kmeans, lab_to_srgb, srgb_to_lab
from ..metrics.palette import paper_mask
from ..metrics.regions import line_regions

PALETTE_SIZE = 24  # k-means centres per palette source; more than a model sheet's paint colours
EXACT_SHARE = 0.0005  # an exact sheet colour on this share of the figure's pixels is a paint colour
SNAP_DELTA_E = 10.0  # a region further than this (ΔE00) from every palette colour keeps its own median
HYSTERESIS_DELTA_E = 5.0  # a tracked region switches palette colour only when this much closer (ΔE00)
MATCH_OVERLAP = 0.5  # share of a region's area that must fall into one previous region to track it
DEDUPE_DELTA_E = 1.0  # palette entries closer than this (ΔE00) are merged (paints can be ~2.5 apart)
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
    """Shot palette (K, 3) float32 sRGB in [0, 1]: the sheet's paint colours (paper excluded), the
    given frames' dominant colours (paper included) and white paper, near-duplicates merged.

    Sheet colours are every exact colour covering >= EXACT_SHARE of the figure (small paints such as
    pupils survive) plus, for shaded sheets, the most frequent exact colour of each k-means cluster
    (not the cluster mean, so anti-aliased edges never shift a flat paint colour). Earlier entries
    win when two are closer than DEDUPE_DELTA_E.
    """
    entries: list[np.ndarray] = []
    if reference is not None:
        rgb = _unit(reference)
        lab = srgb_to_lab(rgb)
        keep = ~paper_mask(lab, reference_alpha)
        if not keep.any():
            keep = np.ones(keep.shape, bool)
        entries.append(_frequent_colours(rgb[keep]))
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


def _frequent_colours(rgb: np.ndarray, share: float = EXACT_SHARE) -> np.ndarray:
    """(P, 3) pixels in [0, 1] → (k, 3) exact colours covering >= `share` of them, most frequent first."""
    codes = np.rint(rgb * 255.0).astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    values, counts = np.unique(codes, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    picked = values[order][counts[order] >= max(2, share * len(codes))]
    return np.stack([(picked >> 16) & 255, (picked >> 8) & 255, picked & 255], axis=-1) / 255.0


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
        previous_choice = np.full(len(raw), -1)  # (N+1,) palette index of the tracked region, -1 none
        prev = self._previous
        if prev is not None and prev.number == number - 1 and prev.labels.shape == labels.shape:
            match = match_previous(labels, prev.labels)
            prev_choice = self._nearest(prev.raw_lab)[0]  # (M+1,)
            previous_choice = np.where(match > 0, prev_choice[match], -1)
        colours = self._choose(raw, previous_choice)  # (N+1, 3) sRGB
        out = np.array(colorized, dtype=np.float32, copy=True)[..., :3]
        region = (labels > 0) & ~np.isnan(colours[labels]).any(axis=-1)
        out[region] = colours[labels[region]]
        if self.keep_lines:
            out = restore_lines(out, sketch, line_mask)
        self._previous = state  # raw colours, not decisions: the window stays two frames
        return out

    def _nearest(self, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest palette index per Lab row (-1 for NaN rows or no palette) and ΔE00 to every entry."""
        index = np.full(len(lab), -1)
        if len(self.palette_lab) == 0:
            return index, np.zeros((len(lab), 0))
        d = ciede2000(np.nan_to_num(lab)[:, None, :], self.palette_lab[None, :, :])  # (R, K)
        valid = ~np.isnan(lab).any(axis=1)
        index[valid] = np.argmin(d[valid], axis=1)
        return index, d

    def _choose(self, raw: np.ndarray, previous_choice: np.ndarray) -> np.ndarray:
        """Raw Lab per region → sRGB: the nearest palette colour, the tracked region's colour while it
        is within HYSTERESIS_DELTA_E of the best, or the raw colour when nothing is within snap range."""
        valid = ~np.isnan(raw).any(axis=1)
        out = np.full(raw.shape, np.nan, dtype=np.float32)
        out[valid] = lab_to_srgb(raw[valid])
        best, d = self._nearest(raw)
        if d.shape[1] == 0:
            return out
        rows = np.arange(len(raw))
        chosen = best.copy()
        keep = valid & (previous_choice >= 0)
        margin = d[rows, np.maximum(previous_choice, 0)] - d[rows, np.maximum(best, 0)]
        keep &= margin <= HYSTERESIS_DELTA_E
        chosen[keep] = previous_choice[keep]
        close = valid & (d[rows, np.maximum(chosen, 0)] <= self.snap_delta_e)
        out[close] = self.palette_rgb[chosen[close]]
        return out
