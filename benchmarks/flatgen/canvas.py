"""Drawing toolkit of the evaluation generators: shapes in world coordinates → region labels, a line layer
and the flat-colour ground truth.

World coordinates are pixels of a 960×540 frame; a `Camera` maps them to the requested frame size with a
pan (`cx`, `cy`: the world point at the frame centre) and a zoom, so 1080p frames are the same drawing
at twice the resolution. Every shape is drawn inside its own bounding box (thousands of shapes per frame
stay fast). Painter's order: a filled shape hides the lines and regions behind it; a shape `clip`ped to
a parent region (cel shadow, highlight) paints only inside that parent and hides nothing.

The line layer is premultiplied colour + coverage (`ink_rgb`, `ink_a`): black outlines, coloured
shadow / highlight lines, anti-aliased or hard. Compositing follows `examples/make_example.py`: the
line art is ink over white paper, the ground truth is the same ink over the flat fill, and the label
map is the fill's region id with 0 wherever the ink covers at least half a pixel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SHIFT = 4  # OpenCV sub-pixel bits for polygon coordinates
ONE = 1 << SHIFT
WORLD_H = 540.0  # world units per frame height at zoom 1
BLACK = (0, 0, 0)
SHADOW_LINE = (0, 72, 255)  # studio colour-trace line bounding a shadow
HIGHLIGHT_LINE = (230, 30, 40)  # ... and a highlight


@dataclass
class Palette:
    """Region ids → flat RGB for one shot; id 0 is the line, ids are handed out in order."""

    names: list[str] = field(default_factory=lambda: ["line"])
    colors: list[tuple[int, int, int]] = field(default_factory=lambda: [(0, 0, 0)])

    def add(self, name: str, rgb: tuple[int, int, int]) -> int:
        self.names.append(name)
        self.colors.append(tuple(int(c) for c in rgb))
        return len(self.colors) - 1

    def lut(self) -> np.ndarray:
        return np.asarray(self.colors, np.float32)  # (N, 3)

    def as_dict(self) -> dict[int, tuple[int, int, int]]:
        return dict(enumerate(self.colors))


@dataclass(frozen=True)
class Camera:
    cx: float = 480.0  # world point at the frame centre
    cy: float = 270.0
    zoom: float = 1.0

    def matrix(self, size: tuple[int, int]) -> tuple[float, float, float]:
        """(scale, tx, ty): screen = world * scale + (tx, ty) for a (W, H) frame."""
        w, h = size
        s = self.zoom * h / WORLD_H
        return s, w / 2 - self.cx * s, h / 2 - self.cy * s


@dataclass(frozen=True)
class Stroke:
    """How outlines are drawn: width in world px, anti-aliased or hard, per-vertex jitter (boil / jag)."""

    width: float = 2.0
    aa: bool = True
    jitter: float = 0.0


class Canvas:
    """One frame being drawn: labels (H, W) int32, ink coverage (H, W) float32, premultiplied ink RGB."""

    def __init__(self, size: tuple[int, int], camera: Camera, background: int, rng: np.random.Generator | None = None):
        self.w, self.h = size
        self.scale, self.tx, self.ty = camera.matrix(size)
        self.labels = np.full((self.h, self.w), background, np.int32)
        self.ink_a = np.zeros((self.h, self.w), np.float32)
        self.ink_rgb = np.zeros((self.h, self.w, 3), np.float32)
        self.rng = rng

    # --- coordinates -------------------------------------------------------------------------------
    def screen(self, pts: np.ndarray, jitter: float = 0.0) -> np.ndarray:
        out = np.asarray(pts, np.float64) * self.scale + (self.tx, self.ty)
        if jitter > 0 and self.rng is not None:
            out = out + self.rng.normal(0.0, jitter * self.scale, out.shape)
        return out

    def _roi(self, scr: np.ndarray, pad: float) -> tuple[int, int, int, int] | None:
        x0 = max(int(np.floor(scr[:, 0].min() - pad)), 0)
        y0 = max(int(np.floor(scr[:, 1].min() - pad)), 0)
        x1 = min(int(np.ceil(scr[:, 0].max() + pad)) + 1, self.w)
        y1 = min(int(np.ceil(scr[:, 1].max() + pad)) + 1, self.h)
        if x1 <= x0 or y1 <= y0:
            return None
        return y0, y1, x0, x1

    def _line_px(self, stroke: Stroke) -> int:
        return max(1, int(round(stroke.width * self.scale)))

    # --- drawing -----------------------------------------------------------------------------------
    def shape(
        self,
        pts: np.ndarray,
        label: int,
        stroke: Stroke | None = Stroke(),
        line_rgb: tuple[int, int, int] = BLACK,
        clip: int | tuple[int, ...] | None = None,
    ) -> None:
        """Fill the closed polygon `pts` (N, 2) world with `label` and outline it.

        With `clip` (a parent id or ids) the fill and the outline stay inside the parent's current pixels
        and its outline is not covered (a cel shadow / highlight region bounded by a coloured line)."""
        jitter = stroke.jitter if stroke is not None else 0.0
        scr = self.screen(pts, jitter)
        width = self._line_px(stroke) if stroke is not None else 0
        roi = self._roi(scr, width + 2)
        if roi is None:
            return
        y0, y1, x0, x1 = roi
        ipts = np.round((scr - (x0, y0)) * ONE).astype(np.int32)
        fill = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(fill, [ipts], 1, cv2.LINE_8, SHIFT)
        labels = self.labels[y0:y1, x0:x1]
        ink_a = self.ink_a[y0:y1, x0:x1]
        ink_rgb = self.ink_rgb[y0:y1, x0:x1]
        inside = fill.astype(bool)
        parent = None
        if clip is not None:
            parent = np.isin(labels, np.atleast_1d(np.asarray(clip)))
            inside &= parent & (ink_a < 0.5)
        else:
            ink_a[inside] = 0.0  # a filled shape hides the lines behind it
            ink_rgb[inside] = 0.0
        labels[inside] = label
        if stroke is None:
            return
        cov = self._outline(ipts, fill.shape, width, stroke.aa, closed=True)
        if parent is not None:
            cov *= parent & (ink_a < 0.3)
        _over(ink_a, ink_rgb, cov, line_rgb)

    def stroke(
        self, pts: np.ndarray, stroke: Stroke = Stroke(), line_rgb=BLACK, closed: bool = False, clip=None
    ) -> None:
        """An open (or closed) line with no fill: creases, mouths, folds — lines that end inside a region."""
        scr = self.screen(pts, stroke.jitter)
        width = self._line_px(stroke)
        roi = self._roi(scr, width + 2)
        if roi is None:
            return
        y0, y1, x0, x1 = roi
        ipts = np.round((scr - (x0, y0)) * ONE).astype(np.int32)
        cov = self._outline(ipts, (y1 - y0, x1 - x0), width, stroke.aa, closed)
        if clip is not None:
            cov *= np.isin(self.labels[y0:y1, x0:x1], np.atleast_1d(np.asarray(clip)))
        _over(self.ink_a[y0:y1, x0:x1], self.ink_rgb[y0:y1, x0:x1], cov, line_rgb)

    @staticmethod
    def _outline(ipts: np.ndarray, shape: tuple[int, int], width: int, aa: bool, closed: bool) -> np.ndarray:
        buf = np.zeros(shape, np.uint8)
        cv2.polylines(buf, [ipts], closed, 255, width, cv2.LINE_AA if aa else cv2.LINE_8, SHIFT)
        return buf.astype(np.float32) * (1.0 / 255.0)

    def erase_ink(self, cx: float, cy: float, radius_px: float) -> None:
        """A gap: remove the ink in a disc (screen px), the fill shows through."""
        cv2.circle(self.ink_a, (int(cx), int(cy)), int(round(radius_px)), 0.0, -1)
        cv2.circle(self.ink_rgb, (int(cx), int(cy)), int(round(radius_px)), (0.0, 0.0, 0.0), -1)

    # --- output --------------------------------------------------------------------------------------
    def fill_rgb(self, palette: Palette) -> np.ndarray:
        """(H, W, 3) float32 flat colours of the regions (no lines)."""
        return palette.lut()[self.labels]

    def compose(self, palette: Palette, fill: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """sketch (ink over paper), color (ink over the flat fill, or over `fill`), labels (0 = line)."""
        a = self.ink_a[..., None]
        base = self.fill_rgb(palette) if fill is None else fill
        sketch = np.clip(np.rint(self.ink_rgb + 255.0 * (1.0 - a)), 0, 255).astype(np.uint8)
        color = np.clip(np.rint(self.ink_rgb + base * (1.0 - a)), 0, 255).astype(np.uint8)
        labels = self.labels.copy()
        labels[self.ink_a >= 0.5] = 0
        return {"sketch": sketch, "color": color, "labels": labels}


def _over(ink_a: np.ndarray, ink_rgb: np.ndarray, cov: np.ndarray, rgb: tuple[int, int, int]) -> None:
    """Composite a line of colour `rgb` and coverage `cov` over the line layer (in place)."""
    keep = 1.0 - cov
    ink_a *= keep
    ink_a += cov
    ink_rgb *= keep[..., None]
    ink_rgb += cov[..., None] * np.asarray(rgb, np.float32)


# --- geometry helpers (world px) ----------------------------------------------------------------------


def ellipse(cx: float, cy: float, rx: float, ry: float, deg: float = 0.0, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([rx * np.cos(t), ry * np.sin(t)], axis=1)
    return rotate(pts, deg) + (cx, cy)


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 16) -> np.ndarray:
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def rotate(pts: np.ndarray, deg: float, pivot: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    r = np.radians(deg)
    c, s = np.cos(r), np.sin(r)
    p = np.asarray(pts, np.float64) - pivot
    return np.stack([p[:, 0] * c - p[:, 1] * s, p[:, 0] * s + p[:, 1] * c], axis=1) + pivot


def capsule(x0: float, y0: float, x1: float, y1: float, r0: float, r1: float | None = None, n: int = 10) -> np.ndarray:
    """A limb: rounded segment from (x0, y0) to (x1, y1), radius r0 tapering to r1."""
    r1 = r0 if r1 is None else r1
    ang = np.degrees(np.arctan2(y1 - y0, x1 - x0))
    a = arc(x1, y1, r1, r1, ang - 90, ang + 90, n)
    b = arc(x0, y0, r0, r0, ang + 90, ang + 270, n)
    return np.concatenate([a, b])


def limb_end(x: float, y: float, length: float, deg: float) -> tuple[float, float]:
    """End of a segment hanging from (x, y): deg 0 = straight down, + = towards +x."""
    r = np.radians(deg)
    return x + length * np.sin(r), y + length * np.cos(r)
