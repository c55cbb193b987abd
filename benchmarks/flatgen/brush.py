"""Brush-inked line art for the generators: every outline is inked as one or a few brush strokes whose width
follows the pen pressure (thick in the middle, tapered at both ends) and overlaps where two strokes of a
closed outline meet, so the outline stays closed; open strokes (creases, mouths) end in sharp tapers. The
ink is dry-brush textured (its coverage varies from pixel to pixel) and each drawing is inked anew (stroke
starts and pressure change from frame to frame, a light boil).

`BrushCanvas` is a `canvas.Canvas` that draws its outlines this way; fills, clipping and labels are the
canvas's own, so the ground truth is made exactly as for the other generators.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .canvas import ONE, SHIFT, Camera, Canvas, Palette, Stroke


@dataclass(frozen=True)
class Brush:
    """How the brush inks: stroke length, taper, pressure, texture (screen px unless said otherwise)."""

    stroke_px: float = 220.0  # a closed outline longer than this is inked as several strokes
    taper: float = 0.3  # a stroke's width at its tips, relative to its full width (open strokes: 0.12)
    taper_px: float = 14.0  # length of each tapered end, at most a third of the stroke
    overlap: float = 0.6  # strokes of a closed outline overlap by this fraction of a taper (outline stays closed)
    pressure: float = 0.22  # width varies by ± this fraction along a stroke
    step_px: float = 3.0  # resampling step of the stroke's centre line
    texture: float = 0.25  # dry brush: ink coverage is multiplied by 1 - texture * noise, noise in [0, 1]


class BrushCanvas(Canvas):
    """A `Canvas` whose outlines are brush strokes (`_outline`) and whose ink is dry-brush textured (`compose`)."""

    def __init__(self, size: tuple[int, int], camera: Camera, background: int, rng: np.random.Generator | None = None,
                 brush: Brush = Brush()):  # fmt: skip
        super().__init__(size, camera, background, rng)
        self.brush = brush
        self._ink_rng = rng if rng is not None else np.random.default_rng(0)

    def use_camera(self, camera: Camera) -> None:
        """Draw what follows under another camera (a layer at another depth: parallax)."""
        self.scale, self.tx, self.ty = camera.matrix((self.w, self.h))

    def _line_px(self, stroke: Stroke) -> float:  # a brush width need not be a whole pixel
        return max(1.0, stroke.width * self.scale)

    def _outline(self, ipts: np.ndarray, shape: tuple[int, int], width: float, aa: bool, closed: bool) -> np.ndarray:
        b, rng = self.brush, self._ink_rng
        pts = ipts.astype(np.float64) / ONE
        line = np.concatenate([pts, pts[:1]]) if closed else pts
        seg = np.hypot(*np.diff(line, axis=0).T)
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        length = float(arc[-1])
        buf = np.zeros(shape, np.uint8)
        if length < 2.0 * b.step_px:  # a dot
            c = np.round(pts.mean(axis=0) * ONE).astype(np.int32)
            cv2.circle(buf, (int(c[0]), int(c[1])), int(round(0.5 * width * ONE)), 255, -1, cv2.LINE_AA, SHIFT)
            return buf.astype(np.float32) * (1.0 / 255.0)
        if closed:
            n = max(1, int(np.ceil(length / b.stroke_px)))
            start = rng.uniform(0, length)
            taper = min(b.taper_px, length / (3 * n))
            bounds = start + length * np.arange(n + 1) / n
            spans = [
                (a - b.overlap * taper, c + b.overlap * taper) for a, c in zip(bounds[:-1], bounds[1:], strict=True)
            ]
            tip = b.taper
        else:
            taper = min(b.taper_px, length / 3)
            spans, tip = [(0.0, length)], 0.12
        for s0, s1 in spans:
            s = np.linspace(s0, s1, max(int(np.ceil((s1 - s0) / b.step_px)) + 1, 2))
            along = np.mod(s, length) if closed else s
            xy = np.stack([np.interp(along, arc, line[:, 0]), np.interp(along, arc, line[:, 1])], axis=1)
            d = np.minimum(s - s0, s1 - s) / max(taper, 1e-6)  # 0 at the tips, 1 past the tapers
            ramp = np.clip(d, 0.0, 1.0)
            ramp = ramp * ramp * (3 - 2 * ramp)
            phase, wave = rng.uniform(0, 2 * np.pi), rng.uniform(40, 90)
            pressure = 1.0 + b.pressure * np.sin(2 * np.pi * (s - s0) / wave + phase)
            radius = 0.5 * width * pressure * (tip + (1 - tip) * ramp)
            _ink(buf, xy, radius)
        return buf.astype(np.float32) * (1.0 / 255.0)

    def compose(self, palette: Palette, fill: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Dry-brush texture on the ink (fine grain, per drawing), then the canvas's own compositing."""
        rng = self._ink_rng
        grain = cv2.GaussianBlur(rng.random((self.h, self.w)).astype(np.float32), (0, 0), 0.7)
        grain = (grain - grain.min()) / max(float(grain.max() - grain.min()), 1e-6)
        keep = 1.0 - self.brush.texture * grain
        ink_a, ink_rgb = self.ink_a, self.ink_rgb
        self.ink_a, self.ink_rgb = ink_a * keep, ink_rgb * keep[..., None]
        try:
            return super().compose(palette, fill)
        finally:
            self.ink_a, self.ink_rgb = ink_a, ink_rgb


def _ink(buf: np.ndarray, xy: np.ndarray, radius: np.ndarray) -> None:
    """A stroke of varying radius through the points `xy` (N, 2) screen px: discs at the points, quads between."""
    r = np.maximum(radius, 0.3)
    tangent = np.gradient(xy, axis=0)
    tangent /= np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-9)[:, None]
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1) * r[:, None]
    left, right = xy + normal, xy - normal
    quads = np.round(np.stack([left[:-1], left[1:], right[1:], right[:-1]], axis=1) * ONE).astype(np.int32)
    centres = np.round(xy * ONE).astype(np.int32).tolist()
    radii = np.round(r * ONE).astype(np.int32).tolist()
    for i, (c, rad) in enumerate(zip(centres, radii, strict=True)):
        cv2.circle(buf, c, rad, 255, -1, cv2.LINE_AA, SHIFT)
        if i:
            cv2.fillConvexPoly(buf, quads[i - 1], 255, cv2.LINE_AA, SHIFT)
