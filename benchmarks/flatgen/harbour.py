"""`harbour`: a fishing quay drawn label-map first (`labelmap.py`): regions are painted into a label map, the
lines are derived from the label boundaries with a varying pen width (thick outlines on the characters, thin
1-2 px lines on details and the far background, a pen-pressure field along every line).

The set: sky with clouds, the sea with a far lighthouse and a sailboat, a moored fishing boat (hull, stripe,
cabin, window, mast), the quay's planks and stone edge with a string of fishing floats along it (look-alike
parts: one shape, three colours in turn), stacked crates, a fish barrel, a coil of rope, a bollard and a
mooring post with a life ring. Its own characters: a big fisherman in an oilskin coat and a
sou'wester who walks along the quay (arms swinging over his coat, his near leg crossing the far one), and a
girl in a jacket with a braid who stands by the crates and talks with her hands (her near arm crosses her
body); both have cel shadow regions bounded by blue-violet lines and highlight regions bounded by orange
lines, on the coat, sleeves, trousers, hat, jacket, face and hair. A gull sits on the mooring post and flies
out of the frame before the keyframe (its white, grey and orange are partly colours the keyframe shows).

Per seed (`kind(seed)`): the keyframe is the last frame (colours travel backwards) or the first, and the
camera pans, zooms in or zooms out mildly (x1.25-1.45); the keyframe is flat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .canvas import Camera, capsule, ellipse, limb_end, rect, rotate
from .labelmap import Inks, LabelCanvas
from .shot import Shot

FEATURES = ["label map painted first, lines derived from the label boundaries", "varying pen width (1-2 px to thick)",
            "cel shadow / highlight regions bounded by blue-violet / orange lines", "overlapping limbs",
            "a gull leaves the frame before the keyframe", "per seed: keyframe last or first; pan, zoom in or out",
            "fishing quay with boats, crates, rope, a lighthouse",
            "a string of look-alike floats in three colours"]  # fmt: skip

SHADOW = (92, 64, 200)  # blue-violet: the line around a cel shadow
LIGHT = (240, 140, 30)  # orange: the line around a highlight
KINDS = (("last", "out"), ("first", "pan"), ("last", "in"), ("first", "out"), ("last", "pan"), ("first", "in"))
POST = (840.0, 318.0)  # world px: the top of the mooring post, where the gull sits


def kind(seed: int) -> tuple[str, str]:
    """(keyframe: "last" | "first", camera: "out" | "pan" | "in") of a seed: the six pairs in turn."""
    return KINDS[seed % len(KINDS)]


@dataclass(frozen=True)
class Move:
    """The camera over the shot. The keyframe's view is zoom 1 centred on the quay; the farther a frame is from
    the keyframe (d = 0 → 1), the more the camera has moved: a pan by `pan` world px at zoom 1, or a zoom
    (`zoom` at d = 1: "out" means the view widens as time runs forward, "in" that it closes in) with a slight
    drift."""

    how: str  # "pan" | "in" | "out"
    key_last: bool
    zoom: float
    pan: tuple[float, float]

    def at(self, u: float) -> Camera:
        d = 1.0 - u if self.key_last else u
        if self.how == "pan":
            return Camera(480.0 + self.pan[0] * d, 270.0 + self.pan[1] * d * 0.2, 1.0)
        closer = (self.how == "out") == self.key_last  # is the far end closer than the keyframe's view?
        z = self.zoom ** (d if closer else -d)
        return Camera(480.0 + 0.4 * self.pan[0] * d, 270.0 + 0.4 * self.pan[1] * d, z)


def move(seed: int) -> Move:
    """The shot's camera (per seed: keyframe end, pan or zoom, how far)."""
    key, how = kind(seed)
    rng = np.random.default_rng([seed, 809])
    pan = (float(rng.choice([-1, 1]) * rng.uniform(110, 160)), float(rng.uniform(-40, 40)))
    return Move(how, key == "last", float(rng.uniform(1.25, 1.45)), pan)


FAR, MID, NEAR, BODY, DETAIL, TONE = 0.9, 1.6, 2.2, 3.0, 1.3, 1.2  # pens, world px


class Quay:
    """The set, back to front: sky, clouds, sea, lighthouse, sailboat, fishing boat, quay, props."""

    def __init__(self, inks: Inks):
        add = inks.add
        self.sky = add("sky", (176, 214, 238), FAR)
        self.cloud = add("cloud", (246, 248, 252), FAR)
        self.sea = add("sea", (60, 120, 160), FAR)
        self.rock = add("rock", (120, 110, 100), FAR)
        self.tower = add("lighthouse", (240, 240, 236), FAR)
        self.band = add("lighthouse.band", (200, 50, 50), FAR)
        self.lamp = add("lighthouse.lamp", (255, 220, 110), FAR)
        self.sail = add("sailboat.sail", (250, 250, 246), FAR)
        self.sail_hull = add("sailboat.hull", (40, 60, 110), FAR)
        self.mast = add("boat.mast", (120, 84, 56), MID)
        self.hull = add("boat.hull", (40, 120, 90), MID)
        self.stripe = add("boat.stripe", (236, 226, 196), MID)
        self.cabin = add("boat.cabin", (232, 232, 226), MID)
        self.window = add("boat.window", (110, 160, 200), MID)
        self.stone = add("quay.stone", (150, 150, 146), MID)
        self.planks = [add(f"quay.plank{i}", c, MID) for i, c in enumerate([(176, 134, 90), (158, 116, 76)])]
        self.barrel = add("barrel", (140, 90, 50), NEAR)
        self.hoop = add("barrel.hoop", (80, 80, 86), NEAR)
        self.crate = add("crate", (206, 170, 110), NEAR)
        self.slat = add("crate.slat", (170, 130, 80), NEAR)
        self.fish = add("fish", (186, 196, 206), DETAIL)
        self.rope = add("rope", (214, 190, 140), NEAR)
        self.bollard = add("bollard", (50, 54, 62), NEAR)
        self.post = add("post", (96, 70, 50), NEAR)
        self.ring = add("life_ring", (236, 110, 40), NEAR)
        self.ring_band = add("life_ring.band", (246, 246, 240), NEAR)
        floats = [(230, 70, 60), (250, 200, 60), (70, 130, 210)]  # one shape, three colours
        self.floats = [add(f"float{i}", c, NEAR) for i, c in enumerate(floats)]

    def draw(self, cv: LabelCanvas) -> None:
        f = cv.fill
        for cx, cy, r in ((120, 70, 50), (430, 110, 40), (760, 60, 60), (1120, 90, 50), (-160, 100, 40)):
            f(ellipse(cx - 0.8 * r, cy, 0.7 * r, 0.45 * r), self.cloud)
            f(ellipse(cx, cy - 0.15 * r, r, 0.6 * r), self.cloud)
            f(ellipse(cx + 0.8 * r, cy, 0.7 * r, 0.45 * r), self.cloud)
        f(rect(-400, 230, 1400, 340), self.sea)
        f(np.array([[40, 236], [70, 206], [170, 200], [210, 236]]), self.rock)
        tower = np.array([[108, 206], [116, 120], [144, 120], [152, 206]])
        f(tower, self.tower)
        for y0 in (140.0, 176.0):
            f(rect(90, y0, 170, y0 + 14), self.band, clip=self.tower)
        f(rect(114, 100, 146, 120), self.lamp)
        f(np.array([[118, 100], [130, 88], [142, 100]]), self.band)
        f(np.array([[310, 226], [356, 226], [350, 234], [316, 234]]), self.sail_hull)
        f(np.array([[333, 222], [333, 176], [356, 222]]), self.sail)
        f(np.array([[312, 222], [329, 184], [329, 222]]), self.sail)
        # the moored fishing boat, left, behind the quay edge
        f(rect(88, 110, 96, 300), self.mast)
        f(np.array([[-260, 262], [290, 262], [250, 336], [-220, 336]]), self.hull)
        f(np.array([[-256, 270], [286, 270], [282, 280], [-252, 280]]), self.stripe, clip=self.hull)
        f(rect(-40, 204, 110, 262), self.cabin)
        for wx in (-20.0, 50.0):
            f(rect(wx, 216, wx + 36, 242), self.window)
        # the quay: stone edge, planks, props
        f(rect(-400, 326, 1400, 350), self.stone)
        y = 350.0
        for i, dy in enumerate((26, 32, 40, 50, 64, 80)):
            f(rect(-400, y, 1400, y + dy), self.planks[i % 2])
            y += dy
        for n in range(-12, 36):  # fishing floats strung along the quay edge, three colours in turn
            f(ellipse(20.0 + 38.0 * n, 338, 15, 11, 0, 20), self.floats[n % 3])
        f(rect(820, 318, 860, 472), self.post)
        f(ellipse(840, 410, 36, 36, 0, 36), self.ring)
        f(ellipse(840, 410, 20, 20, 0, 28), self.post)
        for a in (45.0, 135.0, 225.0, 315.0):
            f(rotate(rect(816, 405, 864, 415), a, (840, 410)), self.ring_band, clip=self.ring)
        f(np.array([[150, 400], [220, 400], [226, 480], [144, 480]]), self.barrel)
        f(ellipse(185, 400, 35, 9), self.barrel)
        for y0 in (420.0, 456.0):
            f(rect(140, y0, 230, y0 + 8), self.hoop, clip=self.barrel)
        f(np.concatenate([ellipse(300, 446, 18, 7)[20:], ellipse(300, 488, 22, 8)[:20]]), self.bollard)
        f(ellipse(300, 446, 22, 8), self.bollard)
        f(ellipse(410, 512, 56, 20), self.rope)
        for r in (40.0, 26.0):
            f(ellipse(410, 510, r, r * 0.36), self.rope if r < 30 else self.planks[1])
        f(ellipse(410, 510, 12, 4), self.planks[1])
        for cx, cy in ((700.0, 440.0), (780.0, 440.0), (740.0, 384.0)):  # stacked crates, fish in the top one
            if cy < 400:
                for n in range(4):
                    f(ellipse(cx - 26 + 17 * n, cy - 28, 14, 6, -20 + 12 * n, 16), self.fish)
            f(rect(cx - 38, cy - 28, cx + 38, cy + 28), self.crate)
            for sy in (cy - 20, cy + 4):
                f(rect(cx - 38, sy, cx + 38, sy + 10), self.slat, clip=self.crate)


def _frame(x: float, y: float, face: int, lean: float, h: float):
    """Body-local points (x forward, y down, in character heights) → world."""

    def to_world(pts) -> np.ndarray:
        return rotate(np.asarray(pts, np.float64) * h * (face, 1.0), lean * face) + (x, y)

    return to_world


class Oskar:
    """The fisherman: big, an oilskin coat to the knees, a sou'wester, a grey beard, rubber boots."""

    def __init__(self, inks: Inks):
        add, tone = inks.add, inks.tone
        coat, coat_sh, coat_hi = (240, 196, 40), (196, 150, 30), (252, 236, 150)
        self.far_sleeve = add("oskar.far_sleeve", coat, BODY)
        self.far_sleeve_sh = tone("oskar.far_sleeve_shadow", coat_sh, self.far_sleeve, SHADOW, TONE)
        self.far_hand = add("oskar.far_hand", (236, 190, 160), BODY)
        self.legs = []
        for side in ("far", "near"):
            leg = add(f"oskar.{side}_leg", (50, 60, 100), BODY)
            self.legs.append((leg, tone(f"oskar.{side}_leg_shadow", (34, 40, 70), leg, SHADOW, TONE),
                              add(f"oskar.{side}_boot", (40, 80, 60), BODY)))  # fmt: skip
        self.coat = add("oskar.coat", coat, BODY)
        self.coat_sh = tone("oskar.coat_shadow", coat_sh, self.coat, SHADOW, TONE)
        self.coat_hi = tone("oskar.coat_highlight", coat_hi, self.coat, LIGHT, TONE)
        self.face = add("oskar.face", (236, 190, 160), BODY)
        self.face_sh = tone("oskar.face_shadow", (200, 150, 126), self.face, SHADOW, TONE)
        self.beard = add("oskar.beard", (172, 172, 178), DETAIL)
        self.beard_sh = tone("oskar.beard_shadow", (130, 130, 142), self.beard, SHADOW, TONE)
        self.eye = add("oskar.eye", (30, 30, 40), DETAIL)
        self.hat = add("oskar.hat", coat, BODY)
        self.hat_sh = tone("oskar.hat_shadow", coat_sh, self.hat, SHADOW, TONE)
        self.hat_hi = tone("oskar.hat_highlight", coat_hi, self.hat, LIGHT, TONE)
        self.near_sleeve = add("oskar.near_sleeve", coat, BODY)
        self.near_sleeve_sh = tone("oskar.near_sleeve_shadow", coat_sh, self.near_sleeve, SHADOW, TONE)
        self.near_sleeve_hi = tone("oskar.near_sleeve_highlight", coat_hi, self.near_sleeve, LIGHT, TONE)
        self.near_hand = add("oskar.near_hand", (236, 190, 160), BODY)

    def draw(self, cv: LabelCanvas, x: float, ground: float, h: float, phase: float, face: int = 1) -> None:
        f = cv.fill
        s, c = np.sin(phase), np.cos(phase)
        hip = (x, ground - 0.45 * h - 0.012 * h * abs(c))
        body = _frame(hip[0], hip[1], face, 2.0 + 1.5 * c, h)
        self._arm(cv, body([[-0.05, -0.28]])[0], 26 * s, 18, face, h, near=False)
        for (leg, shade, boot), deg, dx in zip(self.legs, (-24 * s, 24 * s), (-0.03, 0.03), strict=True):
            top = body([[dx, 0.0]])[0]
            kx, ky = limb_end(top[0], top[1], 0.25 * h, deg * face)
            ax, ay = limb_end(kx, ky, 0.22 * h, (deg - 8 - 14 * max(c * np.sign(deg), 0)) * face)
            f(capsule(kx, ky, ax, ay, 0.042 * h, 0.036 * h), leg)
            f(capsule(top[0], top[1], kx, ky, 0.05 * h, 0.042 * h), leg)
            f(capsule(kx - 0.04 * h * face, ky, ax - 0.035 * h * face, ay, 0.018 * h), shade, clip=leg)
            sole = ellipse(ax + 0.03 * h * face, ay + 0.01 * h, 0.06 * h, 0.03 * h, 0, 20)[10:]
            shaft = [[ax - 0.04 * h * face, ay - 0.05 * h], [ax + 0.04 * h * face, ay - 0.05 * h]]
            f(np.concatenate([sole, shaft]), boot)
        f(body([[-0.14, -0.33], [0.11, -0.33], [0.16, 0.14], [-0.18, 0.14]]), self.coat)
        f(body(ellipse(-0.16, -0.06, 0.1, 0.26)), self.coat_sh, clip=self.coat)
        f(body([[0.05, -0.28], [0.085, -0.28], [0.125, 0.1], [0.09, 0.1]]), self.coat_hi, clip=self.coat)
        head = body([[0.03, -0.43]])[0]
        hd = _frame(head[0], head[1], face, 2.0 * c, h)
        f(hd(ellipse(0, 0, 0.085, 0.095)), self.face)
        f(hd(ellipse(-0.03, -0.07, 0.12, 0.045)), self.face_sh, clip=self.face)
        f(hd([[-0.02, 0.0], [0.09, 0.02], [0.07, 0.1], [0.0, 0.125], [-0.06, 0.08]]), self.beard)
        f(hd(ellipse(-0.05, 0.08, 0.04, 0.06)), self.beard_sh, clip=self.beard)
        f(hd(ellipse(0.045, -0.02, 0.012, 0.014, 0, 12)), self.eye)
        f(hd(ellipse(-0.01, -0.07, 0.09, 0.065)), self.hat)
        f(hd(ellipse(-0.02, -0.045, 0.15, 0.03)), self.hat)
        f(hd(ellipse(-0.02, -0.03, 0.15, 0.014)), self.hat_sh, clip=self.hat)
        f(hd(ellipse(0.01, -0.1, 0.035, 0.014, 0, 12)), self.hat_hi, clip=self.hat)
        self._arm(cv, body([[0.02, -0.28]])[0], -28 * s, 16 + 10 * c, face, h, near=True)

    def _arm(self, cv: LabelCanvas, sh: np.ndarray, deg: float, elbow: float, face: int, h: float, near: bool):
        f = cv.fill
        sleeve = self.near_sleeve if near else self.far_sleeve
        shade = self.near_sleeve_sh if near else self.far_sleeve_sh
        ex, ey = limb_end(sh[0], sh[1], 0.17 * h, deg * face)
        wx, wy = limb_end(ex, ey, 0.15 * h, (deg + elbow) * face)
        f(ellipse(wx, wy + 0.025 * h, 0.032 * h, 0.036 * h, 0, 20), self.near_hand if near else self.far_hand)
        f(capsule(ex, ey, wx, wy, 0.042 * h, 0.038 * h), sleeve)
        f(capsule(sh[0], sh[1], ex, ey, 0.05 * h, 0.044 * h), sleeve)
        f(capsule(sh[0] - 0.04 * h * face, sh[1], ex - 0.035 * h * face, ey, 0.02 * h), shade, clip=sleeve)
        if near:
            f(capsule(sh[0] + 0.03 * h * face, sh[1] + 0.02 * h, ex + 0.03 * h * face, ey, 0.01 * h),
              self.near_sleeve_hi, clip=sleeve)  # fmt: skip


class Nell:
    """The girl: slim, a jacket with a turned-up collar, leggings, a long braid; she talks with her hands."""

    def __init__(self, inks: Inks):
        add, tone = inks.add, inks.tone
        jacket, jacket_sh, jacket_hi = (200, 60, 70), (150, 40, 60), (240, 130, 120)
        skin = (240, 206, 180)
        self.braid = add("nell.braid", (70, 40, 30), BODY)
        self.far_sleeve = add("nell.far_sleeve", jacket, BODY)
        self.far_hand = add("nell.far_hand", skin, BODY)
        self.legs = add("nell.leggings", (40, 130, 140), BODY)
        self.legs_sh = tone("nell.leggings_shadow", (28, 96, 106), self.legs, SHADOW, TONE)
        self.shoes = add("nell.shoes", (110, 70, 40), BODY)
        self.jacket = add("nell.jacket", jacket, BODY)
        self.jacket_sh = tone("nell.jacket_shadow", jacket_sh, self.jacket, SHADOW, TONE)
        self.jacket_hi = tone("nell.jacket_highlight", jacket_hi, self.jacket, LIGHT, TONE)
        self.skin = add("nell.skin", skin, BODY)
        self.skin_sh = tone("nell.skin_shadow", (206, 164, 146), self.skin, SHADOW, TONE)
        self.eye = add("nell.eye", (246, 246, 250), DETAIL)
        self.iris = add("nell.iris", (60, 100, 60), DETAIL)
        self.mouth = add("nell.mouth", (150, 50, 60), DETAIL)
        self.hair = add("nell.hair", (70, 40, 30), BODY)
        self.hair_sh = tone("nell.hair_shadow", (46, 26, 20), self.hair, SHADOW, TONE)
        self.hair_hi = tone("nell.hair_highlight", (150, 96, 70), self.hair, LIGHT, TONE)
        self.near_sleeve = add("nell.near_sleeve", jacket, BODY)
        self.near_sleeve_sh = tone("nell.near_sleeve_shadow", jacket_sh, self.near_sleeve, SHADOW, TONE)
        self.near_hand = add("nell.near_hand", skin, BODY)

    def draw(self, cv: LabelCanvas, x: float, ground: float, h: float, t: float, face: int = -1) -> None:
        """`t`: time in frames (her gestures are cycles of 7 and 11 frames)."""
        f = cv.fill
        g, g2 = np.sin(2 * np.pi * t / 7), np.sin(2 * np.pi * t / 11)
        body = _frame(x, ground - 0.47 * h, face, 3 * g2, h)
        head = body([[0.01, -0.42]])[0]
        hd = _frame(head[0], head[1], face, 3 * g2 + 4 * g, h)
        f(hd(capsule(-0.07, 0.0, -0.1, 0.3, 0.03, 0.018)), self.braid)
        self._arm(cv, body([[-0.04, -0.28]])[0], -20 + 8 * g2, 25, face, h, near=False)
        for dx, deg in ((-0.03, -6.0 + 3 * g2), (0.035, 8.0 - 3 * g2)):
            top = body([[dx, 0.0]])[0]
            kx, ky = limb_end(top[0], top[1], 0.25 * h, deg * face)
            ax, ay = limb_end(kx, ky, 0.23 * h, (deg - 4) * face)
            f(ellipse(ax + 0.03 * h * face, ay + 0.008 * h, 0.05 * h, 0.022 * h, 0, 20), self.shoes)
            f(capsule(top[0], top[1], kx, ky, 0.042 * h, 0.034 * h), self.legs)
            f(capsule(kx, ky, ax, ay, 0.034 * h, 0.026 * h), self.legs)
            f(capsule(top[0] - 0.03 * h * face, top[1], ax - 0.022 * h * face, ay, 0.012 * h), self.legs_sh,
              clip=self.legs)  # fmt: skip
        f(body([[-0.1, -0.31], [0.09, -0.31], [0.115, 0.05], [-0.125, 0.05]]), self.jacket)
        f(body(ellipse(-0.12, -0.12, 0.08, 0.2)), self.jacket_sh, clip=self.jacket)
        f(body(ellipse(0.06, -0.25, 0.04, 0.025)), self.jacket_hi, clip=self.jacket)
        f(body(rect(-0.025, -0.37, 0.025, -0.3)), self.skin)
        f(hd(ellipse(0, 0, 0.08, 0.095)), self.skin)
        f(hd(ellipse(-0.06, 0.02, 0.06, 0.1)), self.skin_sh, clip=self.skin)
        f(hd(ellipse(0.04, 0.0, 0.02, 0.024, 0, 16)), self.eye)
        f(hd(ellipse(0.048, 0.004, 0.01, 0.015, 0, 12)), self.iris, clip=self.eye)
        if g > 0.0:
            f(hd(ellipse(0.05, 0.06, 0.018, 0.008 * (1 + 2 * g), 0, 16)), self.mouth)
        cap = np.concatenate([ellipse(0, 0, 0.095, 0.11, 0, 36)[18:], [[0.1, -0.02], [0.05, -0.06], [-0.02, -0.04],
                              [-0.1, 0.04]]])  # fmt: skip
        f(hd(cap), self.hair)
        f(hd(ellipse(-0.09, -0.01, 0.06, 0.07)), self.hair_sh, clip=self.hair)
        f(hd(ellipse(0.02, -0.08, 0.04, 0.014, 10, 12)), self.hair_hi, clip=self.hair)
        # the talking arm: raised in front of her, the hand crosses her jacket and comes up by her face
        self._arm(cv, body([[0.02, -0.28]])[0], 40 + 35 * g, 70 + 40 * g2, face, h, near=True)

    def _arm(self, cv: LabelCanvas, sh: np.ndarray, deg: float, elbow: float, face: int, h: float, near: bool):
        f = cv.fill
        sleeve = self.near_sleeve if near else self.far_sleeve
        ex, ey = limb_end(sh[0], sh[1], 0.15 * h, deg * face)
        wx, wy = limb_end(ex, ey, 0.14 * h, (deg + elbow) * face)
        f(ellipse(wx, wy, 0.028 * h, 0.03 * h, 0, 20), self.near_hand if near else self.far_hand)
        f(capsule(ex, ey, wx, wy, 0.03 * h, 0.026 * h), sleeve)
        f(capsule(sh[0], sh[1], ex, ey, 0.036 * h, 0.032 * h), sleeve)
        if near:
            f(capsule(sh[0] - 0.025 * h * face, sh[1], ex - 0.02 * h * face, ey, 0.014 * h), self.near_sleeve_sh,
              clip=sleeve)  # fmt: skip


class Gull:
    """A gull: white body, grey wings with a shadow, an orange beak; perched (wings folded, legs) or flying."""

    def __init__(self, inks: Inks):
        add = inks.add
        self.legs = add("gull.legs", (236, 150, 120), DETAIL)
        self.far_wing = add("gull.far_wing", (160, 166, 176), NEAR)
        self.body = add("gull.body", (248, 248, 248), NEAR)
        self.eye = add("gull.eye", (30, 30, 40), DETAIL)
        self.beak = add("gull.beak", (240, 160, 40), DETAIL)
        self.wing = add("gull.wing", (160, 166, 176), NEAR)
        self.wing_sh = inks.tone("gull.wing_shadow", (120, 126, 140), self.wing, SHADOW, TONE)

    def draw(self, cv: LabelCanvas, x: float, y: float, flap: float | None) -> None:
        """(x, y): the feet; `flap` None = perched, else the wing angle in degrees (flying to +x)."""
        f = cv.fill
        if flap is None:
            f(rect(x - 4, y - 12, x + 4, y), self.legs)
        else:
            f(rotate(np.array([[x - 6, y - 22], [x + 10, y - 22], [x + 2, y - 70]]), -flap, (x, y - 22)),
              self.far_wing)  # fmt: skip
        f(ellipse(x, y - 22, 26, 12, -8, 24), self.body)
        f(ellipse(x + 22, y - 36, 10, 9, 0, 16), self.body)
        f(ellipse(x + 25, y - 38, 2.5, 2.5, 0, 10), self.eye)
        f(np.array([[x + 30, y - 36], [x + 44, y - 33], [x + 30, y - 31]]), self.beak)
        wing = ellipse(x - 6, y - 24, 24, 8, -6, 20) if flap is None else rotate(
            np.array([[x - 14, y - 20], [x + 12, y - 20], [x - 4, y - 76]]), flap, (x, y - 20))  # fmt: skip
        f(wing, self.wing)
        f(ellipse(x - 10, y - 18, 22, 6, -6, 16) if flap is None else rotate(
            np.array([[x - 14, y - 20], [x - 2, y - 20], [x - 6, y - 60]]), flap, (x, y - 20)),
            self.wing_sh, clip=self.wing)  # fmt: skip


def gull_at(d: float, t: int) -> tuple[float, float, float | None]:
    """The gull at distance d (0 → 1) from the keyframe: perched on the post far from it, flying off (up and
    to the right, out of any view of the shot) as d falls from 0.6 to 0.2, gone nearer the keyframe."""
    fly = _smooth((0.6 - d) / 0.4)
    if fly <= 0.0:
        return POST[0], POST[1], None
    return POST[0] + 900 * fly, POST[1] - 560 * fly**1.3, 35 * np.sin(2.2 * t)


def cast() -> tuple[Inks, Quay, Nell, Oskar, Gull]:
    """The shot's region ids (paper, the set, the girl, the fisherman, the gull, in painting order)."""
    inks = Inks()
    inks.add("paper", (255, 255, 255), 0.0)
    return inks, Quay(inks), Nell(inks), Oskar(inks), Gull(inks)


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    rng = np.random.default_rng([seed, 808])
    inks, quay, nell, oskar, gull = cast()
    paper = inks.names.index("paper")
    cam = move(seed)
    key = n_frames - 1 if cam.key_last else 0
    phase0, x0, nell_x = rng.uniform(0, 2 * np.pi), rng.uniform(200, 250), rng.uniform(630, 660)
    frames = []
    for t in range(n_frames):
        u = t / max(n_frames - 1, 1)
        cv = LabelCanvas(size, cam.at(u), quay.sky)
        quay.draw(cv)
        nell.draw(cv, nell_x + 5 * np.sin(2 * np.pi * t / 16), 486, 270, t + 3 * seed)
        oskar.draw(cv, x0 + 290 * u, 520, 330, phase0 + 2 * np.pi * t / 13)
        gx, gy, flap = gull_at(1.0 - u if cam.key_last else u, t)
        gull.draw(cv, gx, gy, flap)
        frames.append(cv.compose(inks, (seed, t, 1)))
    sheet_cv = LabelCanvas(size, Camera(), paper)
    oskar.draw(sheet_cv, 330, 520, 400, 0.0)
    nell.draw(sheet_cv, 640, 520, 380, 0.0, face=1)
    sheet = sheet_cv.compose(inks, (seed, 9999, 1))["color"]
    return Shot("harbour", frames, key, frames[key]["color"].copy(), sheet, inks.as_dict(), FEATURES)


def _smooth(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)
