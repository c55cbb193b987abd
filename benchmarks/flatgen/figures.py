"""Puppet characters for the generators: head, hair, eyes, torso, two-segment arms and legs, shoes, cel
shadows and highlights (regions of their own, bounded by coloured lines), seen from the side or front.

A `Style` holds colours and proportions; `Character.register` gives each material a region id in the
shot's palette; `Character.draw` draws one pose. The far arm and leg go behind the torso, the near arm in
front of it, so limbs overlap the body and each other as they swing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .canvas import HIGHLIGHT_LINE, SHADOW_LINE, Canvas, Palette, Stroke, capsule, ellipse, limb_end, rect, rotate

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Style:
    name: str
    skin: RGB
    skin_shadow: RGB
    hair: RGB
    hair_shadow: RGB
    hair_highlight: RGB
    iris: RGB
    top: RGB
    top_shadow: RGB
    bottom: RGB
    bottom_shadow: RGB
    shoes: RGB
    accent: RGB  # belt / collar / hair band
    long_hair: bool = False
    skirt: bool = False
    girth: float = 1.0  # torso width factor


STYLES = {
    "ren": Style("ren", (250, 214, 184), (214, 166, 140), (70, 46, 36), (44, 28, 24), (150, 104, 80), (60, 120, 70),
                 (200, 54, 48), (146, 30, 34), (70, 74, 96), (46, 48, 66), (36, 36, 40), (232, 196, 60)),
    "mio": Style("mio", (246, 222, 200), (206, 174, 158), (28, 30, 44), (14, 14, 24), (96, 104, 150), (150, 80, 40),
                 (60, 150, 120), (34, 104, 84), (232, 224, 204), (190, 180, 156), (120, 60, 40), (210, 80, 130),
                 long_hair=True, skirt=True, girth=0.9),
    "tao": Style("tao", (196, 140, 104), (160, 104, 76), (226, 190, 90), (186, 142, 52), (250, 236, 170),
                 (80, 90, 170), (244, 176, 40), (200, 128, 20), (60, 90, 150), (38, 60, 108), (220, 220, 226),
                 (130, 40, 120), girth=1.15),
}  # fmt: skip

MATERIALS = ("skin", "skin_shadow", "hair", "hair_shadow", "hair_highlight", "eye", "iris", "top", "top_shadow",
             "bottom", "bottom_shadow", "shoes", "accent", "mouth")  # fmt: skip
EYE_WHITE = (246, 246, 250)
MOUTH = (150, 40, 50)


@dataclass(frozen=True)
class Pose:
    x: float  # hip centre, world px
    ground: float  # feet y, world px
    height: float  # character height, world px
    face: int = 1  # +1 faces +x, -1 faces -x
    near_arm: float = 15.0  # shoulder angle, degrees from straight down, + = forward
    near_elbow: float = 20.0
    far_arm: float = -15.0
    far_elbow: float = 20.0
    near_leg: float = 0.0
    far_leg: float = 0.0
    knee: float = 8.0
    lean: float = 0.0
    head_tilt: float = 0.0
    bob: float = 0.0
    mouth: float = 0.0  # 0 closed line, > 0 open region
    blink: bool = False  # eye closed: a line instead of the eye and iris regions


def neutral(x: float, ground: float, height: float) -> Pose:
    """The model-sheet pose: standing, arms slightly out so every region shows."""
    return Pose(x, ground, height, 1, 24.0, 6.0, -24.0, 6.0, 7.0, -7.0, 0.0, 0.0, 0.0, 0.0, 0.6)


def walk(x: float, ground: float, height: float, phase: float, face: int = 1, gesture: float = 0.0) -> Pose:
    s, c = np.sin(phase), np.cos(phase)
    return Pose(
        x, ground, height, face,
        near_arm=-34 * s + gesture, near_elbow=18 + 10 * c + gesture * 0.6, far_arm=30 * s, far_elbow=20,
        near_leg=24 * s, far_leg=-24 * s, knee=10 + 12 * max(c, 0.0), lean=3.0, head_tilt=2 * c,
        bob=0.012 * height * abs(c), mouth=max(0.0, np.sin(phase * 0.5)),
    )  # fmt: skip


class Character:
    def __init__(self, style: Style, palette: Palette, stroke: Stroke = Stroke()):
        self.style = style
        self.stroke = stroke
        self.ids = {}
        for m in MATERIALS:
            rgb = {"eye": EYE_WHITE, "mouth": MOUTH}.get(m) or getattr(style, m)
            self.ids[m] = palette.add(f"{style.name}.{m}", rgb)

    def draw(self, cv: Canvas, pose: Pose) -> None:
        st, ids, k = self.style, self.ids, self.stroke
        h, f = pose.height, pose.face
        hip = np.array([pose.x, pose.ground - 0.47 * h - pose.bob])
        lean = pose.lean * f

        def body(pts: np.ndarray) -> np.ndarray:  # body-local (x forward, y down from hip) → world
            p = np.asarray(pts, np.float64) * (f, 1.0)
            return rotate(p, lean) + hip

        shoulder_y = -0.30 * h
        near_sh = body([[0.01 * h, shoulder_y + 0.03 * h]])[0]
        far_sh = body([[-0.03 * h, shoulder_y + 0.03 * h]])[0]
        self._arm(cv, far_sh, pose.far_arm, pose.far_elbow, f, h)
        self._leg(cv, hip + (-0.03 * h * f, 0), pose.far_leg, pose.knee, f, h)
        if st.long_hair:
            back = np.concatenate([[[-0.13 * h, shoulder_y + 0.06 * h]], _arc(h, 0.01, -0.43, 0.115, 0.125, 150, 300),
                                   [[0.0, shoulder_y]]])  # fmt: skip
            cv.shape(body(back), ids["hair"], k)
        # torso (+ skirt) with a cel shadow on its back half
        w = 0.1 * h * st.girth
        torso = body([[-w, shoulder_y], [w * 0.9, shoulder_y], [w * 0.85, -0.02 * h], [-w * 0.95, -0.02 * h]])
        cv.shape(torso, ids["top"], k)
        cv.shape(body(_ellipse_pts(-0.16 * h, -0.17 * h, 0.12 * h, 0.2 * h)), ids["top_shadow"], k, SHADOW_LINE,
                 clip=ids["top"])  # fmt: skip
        cv.shape(body(rect(-w * 0.95, -0.05 * h, w * 0.87, -0.015 * h)), ids["accent"], k)
        if st.skirt:
            cv.shape(body([[-w, -0.03 * h], [w * 0.9, -0.03 * h], [w * 1.5, 0.12 * h], [-w * 1.6, 0.12 * h]]),
                     ids["bottom"], k)  # fmt: skip
            cv.shape(body(_ellipse_pts(-0.2 * h, 0.1 * h, 0.12 * h, 0.1 * h)), ids["bottom_shadow"], k, SHADOW_LINE,
                     clip=ids["bottom"])  # fmt: skip
        self._leg(cv, hip + (0.03 * h * f, 0), pose.near_leg, pose.knee, f, h)
        # neck, head, face
        neck = body(rect(-0.025 * h, shoulder_y - 0.05 * h, 0.025 * h, shoulder_y + 0.01 * h))
        cv.shape(neck, ids["skin"], k)
        head_c = body([[0.01 * h, shoulder_y - 0.13 * h]])[0]
        tilt = pose.head_tilt * f + lean

        def head(pts: np.ndarray) -> np.ndarray:  # head-local, centre of the skull
            return rotate(np.asarray(pts, np.float64) * (f, 1.0), tilt) + head_c

        cv.shape(head(_ellipse_pts(0, 0, 0.085 * h, 0.1 * h)), ids["skin"], k)
        cv.shape(head(_ellipse_pts(-0.02 * h, -0.085 * h, 0.13 * h, 0.06 * h)), ids["skin_shadow"], k, SHADOW_LINE,
                 clip=ids["skin"])  # fmt: skip
        if pose.blink:
            cv.stroke(head([[0.018 * h, 0.004 * h], [0.04 * h, 0.01 * h], [0.062 * h, 0.004 * h]]), k)
        else:
            cv.shape(head(_ellipse_pts(0.04 * h, 0.0, 0.022 * h, 0.026 * h)), ids["eye"], k)
            cv.shape(head(_ellipse_pts(0.05 * h, 0.004 * h, 0.011 * h, 0.016 * h)), ids["iris"], k, clip=ids["eye"])
        if pose.mouth > 0.15:
            cv.shape(head(_ellipse_pts(0.05 * h, 0.06 * h, 0.018 * h, 0.009 * h * (1 + pose.mouth))), ids["mouth"], k)
        else:
            cv.stroke(head([[0.035 * h, 0.062 * h], [0.065 * h, 0.058 * h]]), replace(k, width=k.width * 0.8))
        # hair cap with bangs, a shadow band and a highlight
        cap = np.concatenate([_arc(h, 0, 0, 0.098, 0.115, 180, 360), [[0.1 * h, -0.02 * h], [0.06 * h, -0.05 * h],
                              [0.02 * h, -0.035 * h], [-0.03 * h, -0.05 * h], [-0.1 * h, 0.02 * h]]])  # fmt: skip
        cv.shape(head(cap), ids["hair"], k)
        cv.shape(head(_ellipse_pts(-0.1 * h, -0.02 * h, 0.07 * h, 0.06 * h)), ids["hair_shadow"], k, SHADOW_LINE,
                 clip=ids["hair"])  # fmt: skip
        cv.shape(head(_ellipse_pts(0.02 * h, -0.085 * h, 0.035 * h, 0.012 * h, 12)), ids["hair_highlight"], k,
                 HIGHLIGHT_LINE, clip=ids["hair"])  # fmt: skip
        self._arm(cv, near_sh, pose.near_arm, pose.near_elbow, f, h)

    def _arm(self, cv: Canvas, sh: np.ndarray, deg: float, elbow: float, f: int, h: float) -> None:
        ids, k = self.ids, self.stroke
        ex, ey = limb_end(sh[0], sh[1], 0.16 * h, deg * f)
        wx, wy = limb_end(ex, ey, 0.15 * h, (deg + elbow) * f)
        cv.shape(capsule(ex, ey, wx, wy, 0.026 * h, 0.022 * h), ids["skin"], k)
        cv.shape(ellipse(wx, wy + 0.02 * h, 0.03 * h, 0.034 * h, 0, 20), ids["skin"], k)
        cv.shape(capsule(sh[0], sh[1], ex, ey, 0.038 * h, 0.032 * h), ids["top"], k)

    def _leg(self, cv: Canvas, hip: np.ndarray, deg: float, knee: float, f: int, h: float) -> None:
        ids, k = self.ids, self.stroke
        kx, ky = limb_end(hip[0], hip[1], 0.23 * h, deg * f)
        ax, ay = limb_end(kx, ky, 0.22 * h, (deg - knee) * f)
        cv.shape(ellipse(ax + 0.035 * h * f, ay + 0.012 * h, 0.055 * h, 0.025 * h, 0, 20), ids["shoes"], k)
        cv.shape(capsule(kx, ky, ax, ay, 0.04 * h, 0.032 * h), ids["bottom"], k)
        cv.shape(capsule(hip[0], hip[1], kx, ky, 0.05 * h, 0.042 * h), ids["bottom"], k)
        cv.shape(capsule(hip[0] - 0.05 * h * f, hip[1], kx - 0.06 * h * f, ky, 0.03 * h), ids["bottom_shadow"], k,
                 SHADOW_LINE, clip=ids["bottom"])  # fmt: skip


def _ellipse_pts(cx: float, cy: float, rx: float, ry: float, n: int = 36) -> np.ndarray:
    return ellipse(cx, cy, rx, ry, 0.0, n)


def _arc(h: float, cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 18) -> np.ndarray:
    """An arc given in fractions of the character height h."""
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1) * h
