"""`holdout`: the HELD-OUT generator. Never used for tuning the flat colorizer; reported separately.

It shares no drawing code with the other generators: its own characters (two robots and a bird), its own
background (a park: sky, sun, clouds, hills, a picket fence, flowers, a path) and its own renderer. Regions
are painted first into a label map with OpenCV primitives; lines are then derived from the label map's
boundaries with an anti-aliased distance-to-boundary profile (width varying per frame like a pen), and the
boundaries between a region and its shade or highlight partner are drawn in purple / green instead of
black. The keyframe is the LAST frame (colours must travel backwards); a bird flies out of the frame
before it (a part the keyframe never shows); the camera zooms out.
"""

from __future__ import annotations

import cv2
import numpy as np

from .canvas import Palette
from .shot import Shot

FEATURES = ["held out: own characters, background and renderer", "keyframe is the last frame",
            "part the keyframe never shows (bird leaves the frame)", "camera zoom out",
            "lines from label boundaries, purple shadow / green highlight lines"]  # fmt: skip
SHADE_LINE = (128, 0, 200)
LIGHT_LINE = (0, 160, 80)


class _View:
    """World (960×540 units) → screen for one frame: zoom about a world point."""

    def __init__(self, size: tuple[int, int], zoom: float, focus: tuple[float, float]):
        self.w, self.h = size
        self.s = zoom * self.h / 540.0
        self.fx, self.fy = focus

    def pt(self, x: float, y: float) -> tuple[int, int]:
        sx = (x - self.fx) * self.s + self.w / 2
        sy = (y - self.fy) * self.s + self.h / 2
        return int(round(sx * 16)), int(round(sy * 16))

    def poly(self, pts) -> np.ndarray:
        return np.array([self.pt(x, y) for x, y in pts], np.int32)

    def r(self, v: float) -> int:
        return max(1, int(round(v * self.s * 16)))


class _Paint:
    def __init__(self, view: _View, background: int):
        self.v = view
        self.labels = np.full((view.h, view.w), background, np.int32)

    def poly(self, pts, rid: int) -> None:
        cv2.fillPoly(self.labels, [self.v.poly(pts)], int(rid), cv2.LINE_8, 4)

    def disc(self, x: float, y: float, rx: float, ry: float, rid: int, angle: float = 0.0) -> None:
        axes = (self.v.r(rx), self.v.r(ry))
        cv2.ellipse(self.labels, self.v.pt(x, y), axes, angle, 0, 360, int(rid), -1, cv2.LINE_8, 4)

    def box(self, x0: float, y0: float, x1: float, y1: float, rid: int, angle: float = 0.0, pivot=None) -> None:
        pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
        if angle:
            px, py = pivot if pivot is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
            a = np.radians(angle)
            c, s = np.cos(a), np.sin(a)
            d = pts - (px, py)
            pts = np.stack([d[:, 0] * c - d[:, 1] * s, d[:, 0] * s + d[:, 1] * c], axis=1) + (px, py)
        self.poly(pts, rid)

    def inside(self, parent: int, fn) -> None:
        """Paint with `fn` but keep the result only inside the parent region's current pixels."""
        before = self.labels.copy()
        fn()
        outside = before != parent
        self.labels[outside] = before[outside]


class _Robot:
    def __init__(self, pal: Palette, name: str, body, shade, head, visor, limb):
        self.body = pal.add(f"{name}.body", body)
        self.shade = pal.add(f"{name}.body_shade", shade)
        self.head = pal.add(f"{name}.head", head)
        self.light = pal.add(f"{name}.head_light", tuple(min(255, c + 50) for c in head))
        self.visor = pal.add(f"{name}.visor", visor)
        self.eye = pal.add(f"{name}.eye", (255, 250, 120))
        self.limb = pal.add(f"{name}.limb", limb)
        self.screen = pal.add(f"{name}.screen", (40, 200, 190))
        self.antenna = pal.add(f"{name}.antenna", (230, 60, 60))
        self.pairs = [(self.body, self.shade, SHADE_LINE), (self.head, self.light, LIGHT_LINE)]

    def paint(self, p: _Paint, x: float, y: float, size: float, arm_a: float, arm_b: float, hop: float) -> None:
        s, y = size, y - hop
        p.box(x - 0.3 * s, y - 0.05 * s, x - 0.12 * s, y + 0.45 * s, self.limb)  # legs
        p.box(x + 0.12 * s, y - 0.05 * s, x + 0.3 * s, y + 0.45 * s, self.limb)
        p.box(x - 0.62 * s, y - 0.55 * s, x - 0.48 * s, y - 0.05 * s, self.limb, arm_a, (x - 0.55 * s, y - 0.5 * s))
        p.box(x - 0.4 * s, y - 0.6 * s, x + 0.4 * s, y, self.body)
        p.inside(self.body, lambda: p.disc(x + 0.45 * s, y - 0.3 * s, 0.3 * s, 0.5 * s, self.shade))
        p.box(x - 0.2 * s, y - 0.45 * s, x + 0.1 * s, y - 0.2 * s, self.screen)
        p.box(x - 0.3 * s, y - 1.05 * s, x + 0.3 * s, y - 0.65 * s, self.head)
        p.inside(self.head, lambda: p.disc(x - 0.28 * s, y - 1.03 * s, 0.18 * s, 0.1 * s, self.light))
        p.box(x - 0.22 * s, y - 0.95 * s, x + 0.22 * s, y - 0.78 * s, self.visor)
        p.disc(x - 0.1 * s, y - 0.865 * s, 0.05 * s, 0.05 * s, self.eye)
        p.disc(x + 0.1 * s, y - 0.865 * s, 0.05 * s, 0.05 * s, self.eye)
        p.box(x - 0.015 * s, y - 1.25 * s, x + 0.015 * s, y - 1.05 * s, self.limb)
        p.disc(x, y - 1.27 * s, 0.06 * s, 0.06 * s, self.antenna)
        # the near arm swings in front of the body
        p.box(x + 0.48 * s, y - 0.55 * s, x + 0.62 * s, y - 0.05 * s, self.limb, arm_b, (x + 0.55 * s, y - 0.5 * s))


def _bird(pal: Palette):
    body = pal.add("bird.body", (60, 90, 200))
    return body, pal.add("bird.wing", (30, 50, 150)), pal.add("bird.beak", (250, 170, 30))


def _paint_bird(p: _Paint, ids, x: float, y: float, flap: float) -> None:
    body, wing, beak = ids
    p.poly([(x + 26, y - 2), (x + 40, y + 2), (x + 26, y + 6)], beak)
    p.disc(x, y, 30, 14, body)
    p.poly([(x - 12, y), (x + 10, y), (x - 4, y - 30 * flap)], wing)


def _lines(labels: np.ndarray, width: float, pairs: dict) -> tuple[np.ndarray, np.ndarray]:
    """Ink coverage and premultiplied ink colour from the label map's boundaries."""
    h, w = labels.shape
    right = np.zeros((h, w), bool)
    down = np.zeros((h, w), bool)
    right[:, :-1] = labels[:, :-1] != labels[:, 1:]
    down[:-1, :] = labels[:-1, :] != labels[1:, :]
    edge = right | down
    dist = cv2.distanceTransform((~edge).astype(np.uint8), cv2.DIST_L2, 5)
    cov = np.clip(0.5 * width + 0.5 - dist, 0.0, 1.0).astype(np.float32)
    # colour of each boundary pixel: black unless it separates a region from its shade / highlight partner
    colour = np.zeros((h, w, 3), np.float32)
    for (a, b), rgb in pairs.items():
        la, lb = labels == a, labels == b
        pr = right & ((la & np.roll(lb, -1, 1)) | (lb & np.roll(la, -1, 1)))
        pd = down & ((la & np.roll(lb, -1, 0)) | (lb & np.roll(la, -1, 0)))
        colour[pr | pd] = rgb
    # spread the boundary colour over the line's width (nearest boundary pixel)
    _, idx = cv2.distanceTransformWithLabels((~edge).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(edge)
    lut = np.zeros((idx.max() + 1, 3), np.float32)
    lut[idx[ys, xs]] = colour[ys, xs]
    return cov, lut[idx] * cov[..., None]


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    rng = np.random.default_rng([seed, 909])
    pal = Palette()
    paper = pal.add("paper", (255, 255, 255))
    sky = pal.add("park.sky", (120, 190, 250))
    sun = pal.add("park.sun", (255, 220, 60))
    cloud = pal.add("park.cloud", (245, 248, 255))
    hill = pal.add("park.hill", (110, 190, 90))
    hill2 = pal.add("park.far_hill", (80, 150, 110))
    path = pal.add("park.path", (220, 190, 140))
    picket = pal.add("park.picket", (250, 250, 245))
    petals = [pal.add(f"park.petal{i}", c) for i, c in enumerate([(240, 80, 120), (250, 240, 90), (200, 120, 240)])]
    centre = pal.add("park.flower_centre", (250, 160, 40))
    robo = _Robot(pal, "bolt", (200, 70, 60), (150, 44, 40), (190, 190, 200), (30, 40, 60), (90, 90, 100))
    bot2 = _Robot(pal, "nix", (90, 160, 90), (60, 115, 64), (240, 210, 120), (60, 30, 70), (120, 80, 60))
    bird = _bird(pal)
    pairs = {(a, b): rgb for r in (robo, bot2) for a, b, rgb in r.pairs}
    flowers = [(rng.uniform(40, 920), rng.uniform(440, 520), int(rng.integers(0, 3))) for _ in range(14)]
    clouds = [(rng.uniform(80, 880), rng.uniform(40, 140), rng.uniform(40, 70)) for _ in range(3)]
    phase0 = rng.uniform(0, 2 * np.pi)
    key_index = n_frames - 1
    frames = []
    for t in range(n_frames):
        u = t / max(n_frames - 1, 1)
        view = _View(size, 1.25 - 0.25 * u, (520 - 40 * u, 300))
        p = _Paint(view, sky)
        p.disc(820, 80, 40, 40, sun)
        for cx, cy, r in clouds:
            p.disc(cx + 20 * u, cy, r, 0.4 * r, cloud)
        p.disc(250, 430, 420, 150, hill2)
        p.disc(760, 450, 460, 130, hill)
        p.poly([(380, 560), (560, 560), (500, 420), (470, 420)], path)
        for i in range(18):
            x = -20 + 60 * i
            p.poly([(x, 330), (x + 14, 316), (x + 28, 330), (x + 28, 400), (x, 400)], picket)
        p.box(-40, 345, 1100, 355, picket)
        p.box(-40, 375, 1100, 385, picket)
        for fx, fy, k in flowers:
            for j in range(5):
                a = 2 * np.pi * j / 5 + 0.3 * t
                p.disc(fx + 9 * np.cos(a), fy + 9 * np.sin(a), 6, 4, petals[k], np.degrees(a))
            p.disc(fx, fy, 4.5, 4.5, centre)
        phase = phase0 + 2 * np.pi * t / 9
        robo.paint(p, 300 + 200 * u, 420, 150, 30 * np.sin(phase), -40 * np.sin(phase) - 20, 10 * abs(np.sin(phase)))
        bot2.paint(p, 700 - 60 * u, 430, 130, -20, -100 - 40 * np.sin(2 * phase), 0.0)
        bx = 520 + 900 * u  # leaves the frame before the keyframe (the last frame)
        _paint_bird(p, bird, bx, 200 - 60 * u, np.sin(3 * phase))
        width = 2.2 * view.s * (1.0 + 0.15 * np.sin(1.7 * t + seed))
        ink_a, ink_rgb = _lines(p.labels, width, pairs)
        frames.append(_compose(p.labels, ink_a, ink_rgb, pal))
    sheet_p = _Paint(_View(size, 1.0, (480, 270)), paper)
    robo.paint(sheet_p, 250, 420, 150, 0.0, 0.0, 0.0)
    bot2.paint(sheet_p, 560, 420, 150, 0.0, 0.0, 0.0)
    _paint_bird(sheet_p, bird, 800, 300, 1.0)
    ink_a, ink_rgb = _lines(sheet_p.labels, 2.2 * size[1] / 540, pairs)
    sheet = _compose(sheet_p.labels, ink_a, ink_rgb, pal)["color"]
    return Shot("holdout", frames, key_index, frames[key_index]["color"].copy(), sheet, pal.as_dict(), FEATURES)


def _compose(labels: np.ndarray, ink_a: np.ndarray, ink_rgb: np.ndarray, pal: Palette) -> dict[str, np.ndarray]:
    fill = pal.lut()[labels]
    a = ink_a[..., None]
    sketch = np.clip(np.rint(ink_rgb + 255.0 * (1.0 - a)), 0, 255).astype(np.uint8)
    color = np.clip(np.rint(ink_rgb + fill * (1.0 - a)), 0, 255).astype(np.uint8)
    out = labels.copy()
    out[ink_a >= 0.5] = 0
    return {"sketch": sketch, "color": color, "labels": out}
