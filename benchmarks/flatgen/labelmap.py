"""A label-map-first renderer for the generators: regions are painted into a label map, then the line art is
derived from the label boundaries with a varying pen width.

The other generators draw each shape's outline as they fill it (`canvas.Canvas`); here nothing is outlined
while painting. Every label carries a pen (world px) and, for a cel shadow or highlight, a tone: its parents
and a line colour. After painting, every pixel whose right or lower neighbour holds another label is a
boundary pixel; a boundary between a tone and one of its parents gets the tone's line colour and width,
every other boundary a dark line with the pen of the label registered later (higher id: details drawn over a
part carry their own, thinner pen; a tone's outline elsewhere is its parent's). The pen is modulated along
the line by a smooth pressure field (a light boil from frame to frame), and a line of width w covers the
pixels within w/2 of its boundary pixels (anti-aliased over one pixel). Labels and line art come from the
same boundaries: the ground-truth label map is the painted one with 0 wherever the line covers at least half
a pixel, as in `canvas.Canvas.compose`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .canvas import ONE, SHIFT, Camera

RGB = tuple[int, int, int]
DARK = (36, 28, 34)  # outlines


@dataclass(frozen=True)
class Pen:
    width: float  # world px (960×540 view at zoom 1): the dark line where this label is painted over another
    tone: tuple[int, ...] = ()  # a shadow / highlight: the labels it is painted on
    line: RGB = DARK  # the line between the tone and its parents
    tone_width: float = 0.0  # ... and its width


@dataclass
class Inks:
    """Region ids → flat RGB and pen for one shot; id 0 is the line, ids are handed out in order (painting
    order: a label registered later is drawn over the earlier ones where they touch)."""

    names: list[str] = field(default_factory=lambda: ["line"])
    colors: list[RGB] = field(default_factory=lambda: [(0, 0, 0)])
    pens: list[Pen] = field(default_factory=lambda: [Pen(0.0)])

    def add(self, name: str, rgb: RGB, pen: float) -> int:
        self.names.append(name)
        self.colors.append(tuple(int(c) for c in rgb))  # type: ignore[arg-type]
        self.pens.append(Pen(pen))
        return len(self.colors) - 1

    def tone(self, name: str, rgb: RGB, parents: int | tuple[int, ...], line: RGB, width: float) -> int:
        """A shadow / highlight painted on `parents`: a `line`-coloured boundary of `width` with them, its
        outline elsewhere is its (first) parent's."""
        parents = tuple(np.atleast_1d(parents).tolist())
        rid = self.add(name, rgb, self.pens[parents[0]].width)
        self.pens[rid] = Pen(self.pens[parents[0]].width, parents, line, width)
        return rid

    def as_dict(self) -> dict[int, RGB]:
        return dict(enumerate(self.colors))


class LabelCanvas:
    """One frame: a label map (H, W) int32 painted in world coordinates through a camera."""

    def __init__(self, size: tuple[int, int], camera: Camera, background: int):
        self.w, self.h = size
        self.scale, self.tx, self.ty = camera.matrix(size)
        self.labels = np.full((self.h, self.w), background, np.int32)

    def fill(self, pts: np.ndarray, label: int, clip: int | tuple[int, ...] | None = None) -> None:
        """Paint the polygon `pts` (N, 2) world with `label`; with `clip` only over those labels' pixels."""
        scr = np.asarray(pts, np.float64) * self.scale + (self.tx, self.ty)
        x0, y0 = max(int(np.floor(scr[:, 0].min())) - 1, 0), max(int(np.floor(scr[:, 1].min())) - 1, 0)
        x1, y1 = min(int(np.ceil(scr[:, 0].max())) + 2, self.w), min(int(np.ceil(scr[:, 1].max())) + 2, self.h)
        if x1 <= x0 or y1 <= y0:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [np.round((scr - (x0, y0)) * ONE).astype(np.int32)], 1, cv2.LINE_8, SHIFT)
        inside = mask.astype(bool)
        roi = self.labels[y0:y1, x0:x1]
        if clip is not None:
            inside &= np.isin(roi, np.atleast_1d(np.asarray(clip)))
        roi[inside] = label

    def compose(self, inks: Inks, seed: tuple[int, ...]) -> dict[str, np.ndarray]:
        """Derive the lines from the label boundaries → sketch (ink on paper), color (ink over the flat fill),
        labels (0 under the line)."""
        labels = self.labels
        width, colour = _boundaries(labels, inks, self.scale)
        width *= _pressure(labels.shape, np.random.default_rng(list(seed)))
        edge = width > 0
        if not edge.any():
            cov = np.zeros(labels.shape, np.float32)
            ink = np.zeros(labels.shape + (3,), np.float32)
        else:
            dist, near = cv2.distanceTransformWithLabels(
                (~edge).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
            )  # (H, W) px to the nearest boundary pixel, and that pixel's index
            w_of = np.zeros(int(near.max()) + 1, np.float32)
            w_of[near[edge]] = np.maximum(width[edge], 1.0)
            c_of = np.zeros((w_of.size, 3), np.float32)
            c_of[near[edge]] = colour[edge]
            cov = np.clip(w_of[near] / 2.0 + 0.5 - dist, 0.0, 1.0)
            ink = c_of[near] * cov[..., None]
        a = cov[..., None]
        fill = np.asarray(inks.colors, np.float32)[labels]
        sketch = np.clip(np.rint(ink + 255.0 * (1.0 - a)), 0, 255).astype(np.uint8)
        color = np.clip(np.rint(ink + fill * (1.0 - a)), 0, 255).astype(np.uint8)
        gt = labels.copy()
        gt[cov >= 0.5] = 0
        return {"sketch": sketch, "color": color, "labels": gt}


def _boundaries(labels: np.ndarray, inks: Inks, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel: line width (screen px, 0 = no boundary) and line colour (H, W, 3) of the boundary between it
    and its right / lower neighbour (the wider one where both differ)."""
    pen = np.asarray([p.width for p in inks.pens], np.float32) * scale
    tone_pen = np.asarray([p.tone_width for p in inks.pens], np.float32) * scale
    n = len(inks.pens)
    tone_line = np.zeros((n, n), bool)  # [tone, parent]
    line_rgb = np.asarray([p.line for p in inks.pens], np.float32)
    for i, p in enumerate(inks.pens):
        tone_line[i, list(p.tone)] = True
    width = np.zeros(labels.shape, np.float32)
    colour = np.zeros(labels.shape + (3,), np.float32)
    for a, b, sl in (
        (labels[:, :-1], labels[:, 1:], np.s_[:, :-1]),
        (labels[:-1, :], labels[1:, :], np.s_[:-1, :]),
    ):
        diff = a != b
        top, low = np.maximum(a, b), np.minimum(a, b)
        toned = tone_line[top, low] | tone_line[low, top]
        tone = np.where(tone_line[top, low], top, low)  # the tone of a tone / parent pair
        w = np.where(diff, np.where(toned, tone_pen[tone], pen[top]), 0.0)
        rgb = np.where((diff & toned)[..., None], line_rgb[tone], np.asarray(DARK, np.float32))
        take = w > width[sl]
        width[sl] = np.where(take, w, width[sl])
        colour[sl] = np.where(take[..., None], rgb, colour[sl])
    return width, colour


def _pressure(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A smooth pen-pressure field in [0.7, 1.3]: the line's width changes along it and boils a little."""
    h, w = shape
    low = rng.uniform(-1.0, 1.0, (max(h // 48, 2), max(w // 48, 2))).astype(np.float32)
    return 1.0 + 0.3 * cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC).clip(-1.0, 1.0)
