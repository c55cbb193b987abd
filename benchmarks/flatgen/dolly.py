"""`dolly`: a street market under a camera that dollies out with a slight pan, keyed on the LAST frame.

The shot opens close on the middle stall (a vendor behind her counter, a customer with a scarf and a
shoulder bag) and dollies back until three stalls, the houses behind them and the bunting show: every region
shrinks steadily (about 1.6-1.9x from the first frame to the last), new background enters at every frame
edge, and the three depth layers move with parallax (houses and bunting far, the market in the middle, crates
and a bollard near the camera, which enter from the bottom corners late in the shot). A delivery van drives
out of the frame to the left in the first half of the shot: it is seen in the early frames but not on the
keyframe (its tyres, windows and stripe share colours with parts the keyframe shows, its body, bumper and
lights do not), and while it is in front of the stall it hides a bucket of flowers that the keyframe shows.
Colours include look-alike pairs (scarf / awning stripe, oranges / the vendor's top, coat / counter wood, van
body / stall cloth). The line art is brush-inked (`brush.py`): tapered strokes of varying width, dry-brush
texture, a light boil. The keyframe is the last frame, flat: colours must travel backwards through the shot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .brush import BrushCanvas
from .canvas import SHADOW_LINE, Camera, Palette, Stroke, ellipse, rect, rotate
from .figures import Character, Pose, Style, neutral, walk
from .shot import Shot, frame_rng

FEATURES = ["keyframe is the last frame (propagate backwards)", "camera dolly out (x1.6-1.9) with a slight pan",
            "parallax: far / middle / near layers", "a van leaves the frame before the keyframe",
            "a part hidden early (behind the van) shown on the keyframe", "street market with mid-size objects",
            "look-alike colour pairs", "brush-inked tapered lines of varying width, dry-brush texture"]  # fmt: skip

KEY_VIEW = Camera(480.0, 270.0, 1.0)  # the keyframe's camera: world px = keyframe px at 960×540
DEPTH = 10.0  # camera distance to the market layer on the keyframe (arbitrary units)
LAYERS = {"far": 6.0, "mid": 0.0, "near": -3.0}  # depth of each layer behind (+) / before (-) the market
FLOWERS = (395.0, 440.0)  # world px: the flower bucket the van hides early in the shot

AKI = Style("aki", (244, 210, 186), (208, 168, 146), (52, 40, 58), (30, 22, 36), (120, 100, 140), (70, 110, 160),
            (140, 110, 80), (110, 84, 60), (58, 64, 74), (38, 42, 50), (90, 50, 40), (236, 226, 200),
            girth=0.85)  # fmt: skip
BEA = Style("bea", (214, 160, 122), (178, 126, 96), (160, 70, 40), (120, 48, 26), (210, 130, 90), (90, 70, 40),
            (236, 150, 56), (196, 112, 30), (96, 120, 70), (66, 86, 48), (60, 50, 44), (250, 240, 220),
            girth=1.35)  # fmt: skip


@dataclass(frozen=True)
class DollyCamera:
    """A camera that moves back from `DEPTH / zoom0` to `DEPTH` at constant speed, panning by `pan` (world px
    at the market layer) on the way; `at(u, depth)` is the `Camera` of a layer at that depth at time u."""

    zoom0: float = 1.75
    pan: tuple[float, float] = (50.0, 60.0)

    def at(self, u: float, depth: float = 0.0) -> Camera:
        d0 = DEPTH / self.zoom0
        dist = d0 + (DEPTH - d0) * u
        zoom = (DEPTH + depth) / (dist + depth)
        shift = (1.0 - u) * (DEPTH / (DEPTH + depth))  # near layers pan further than far ones
        return Camera(KEY_VIEW.cx + self.pan[0] * shift, KEY_VIEW.cy + self.pan[1] * shift, zoom)


class Market:
    """The set: sky, houses and bunting (far), ground, three stalls, a lamp post, baskets, flowers (middle),
    crates and a bollard (near). Registers its ids once per shot."""

    def __init__(self, palette: Palette, rng: np.random.Generator, stroke: Stroke):
        add = palette.add
        self.stroke = stroke
        self.sky = add("sky", (186, 216, 236))
        self.house = [add(f"house{i}", c) for i, c in enumerate([(222, 196, 160), (190, 160, 170), (200, 208, 176)])]
        self.roof = add("roof", (150, 84, 70))
        self.window = add("house_window", (120, 150, 180))
        self.flags = [add(f"flag{i}", c) for i, c in enumerate([(230, 80, 70), (250, 210, 80), (80, 150, 210)])]
        self.ground = add("pavement", (200, 190, 172))
        self.kerb = add("kerb", (160, 156, 150))
        self.road = add("road", (104, 104, 112))
        self.pole = add("pole", (70, 66, 62))
        self.wood = add("counter_wood", (146, 104, 76))  # look-alike: aki's coat (140, 110, 80)
        self.crate = add("crate", (196, 150, 96))
        stalls = [((206, 66, 58), (246, 236, 220), (110, 80, 140)), ((60, 140, 90), (240, 230, 200), (224, 190, 90)),
                  ((70, 110, 190), (250, 246, 236), (80, 158, 176))]  # awning, its stripes, cloth  # fmt: skip
        self.stalls = [(add(f"stall{i}.awning", a), add(f"stall{i}.stripe", s), add(f"stall{i}.cloth", c))
                       for i, (a, s, c) in enumerate(stalls)]  # fmt: skip
        self.sign = add("sign", (250, 240, 200))
        self.fruit = [add(f"fruit{i}", c) for i, c in enumerate([(242, 156, 48), (200, 40, 50), (150, 200, 70)])]
        self.lamp = add("lamp", (255, 236, 160))
        self.basket = add("basket", (190, 140, 70))
        self.bucket = add("flowers.bucket", (150, 160, 170))
        self.blooms = [add(f"flowers.bloom{i}", c) for i, c in enumerate([(240, 120, 170), (250, 250, 250)])]
        self.stem = add("flowers.leaves", (70, 140, 70))
        self.bollard = add("bollard", (50, 56, 70))
        self.near_crate = add("near_crate", (172, 120, 70))
        self.cabbage = add("cabbage", (120, 180, 90))
        self.crate_fruit = rng.integers(0, 3, 6)

    def draw_far(self, cv: BrushCanvas) -> None:
        k = self.stroke
        x = -260.0
        for i in range(7):
            wd, top = 200.0 + 30 * (i % 3), 70.0 + 25 * ((i * 2) % 3)
            cv.shape(np.array([[x - 8, top], [x + wd + 8, top], [x + wd / 2, top - 50]]), self.roof, k)
            cv.shape(rect(x, top, x + wd, 330), self.house[i % 3], k)
            for wx in (x + 30, x + wd - 70):
                cv.shape(rect(wx, top + 30, wx + 40, top + 80), self.window, k)
            x += wd + 10
        xs = np.linspace(-300, 1260, 40)
        ys = 40 + 0.0004 * (xs - 480) ** 2
        cv.stroke(np.stack([xs, ys], axis=1), k)
        for i in range(len(xs) - 1):
            x0, y0, x1, y1 = xs[i], ys[i], xs[i + 1], ys[i + 1]
            cv.shape(np.array([[x0 + 4, y0 + 2], [x1 - 4, y1 + 2], [(x0 + x1) / 2, (y0 + y1) / 2 + 30]]),
                     self.flags[i % 3], k)  # fmt: skip

    def draw_ground(self, cv: BrushCanvas) -> None:
        k = self.stroke
        cv.shape(rect(-300, 330, 1300, 488), self.ground, k)
        cv.shape(rect(-300, 488, 1300, 500), self.kerb, k)
        cv.shape(rect(-300, 500, 1300, 700), self.road, k)
        cv.shape(rect(625, 110, 637, 470), self.pole, k)  # lamp post between the middle and right stalls
        cv.shape(ellipse(631, 100, 18, 14), self.lamp, k)

    def draw_stall(self, cv: BrushCanvas, i: int, back: bool) -> None:
        """`back`: poles, awning and sign (behind a vendor); otherwise the counter with its crates of fruit."""
        k = self.stroke
        x0, w = 40.0 + 310 * i, 260.0
        awning, stripe, cloth = self.stalls[i]
        if back:
            for px in (x0 + 8, x0 + w - 18):
                cv.shape(rect(px, 150, px + 10, 470), self.pole, k)
            cv.shape(np.array([[x0 - 12, 176], [x0 + w + 12, 176], [x0 + w - 14, 118], [x0 + 14, 118]]), awning, k)
            for j in range(1, 8, 2):
                sx = x0 - 12 + (w + 24) * j / 8
                cv.shape(np.array([[sx, 176], [sx + (w + 24) / 8, 176], [sx + 30, 100], [sx + 4, 100]]), stripe, k,
                         clip=awning)  # fmt: skip
            for j in range(6):  # scalloped valance
                sx = x0 - 12 + (w + 24) * j / 6
                cv.shape(np.concatenate([[[sx, 176]], _half_disc(sx + (w + 24) / 12, 176, (w + 24) / 12)]),
                         awning if j % 2 else stripe, k)  # fmt: skip
            cv.stroke(np.array([[x0 + w / 2 - 40, 176], [x0 + w / 2 - 40, 200]]), k)
            cv.stroke(np.array([[x0 + w / 2 + 40, 176], [x0 + w / 2 + 40, 200]]), k)
            cv.shape(rect(x0 + w / 2 - 55, 198, x0 + w / 2 + 55, 228), self.sign, k)
            return
        for j in range(2):  # crates of fruit on the counter: fruit first, the crate's front hides their bottoms
            cx = x0 + 70 + 120 * j
            fid = self.fruit[int(self.crate_fruit[2 * i + j])]
            for n in range(5):
                cv.shape(ellipse(cx - 36 + 18 * n, 268 - 6 * (n % 2), 11, 11, 0, 20), fid, k)
            cv.shape(rect(cx - 46, 270, cx + 46, 302), self.crate, k)
            cv.stroke(np.array([[cx - 46, 286], [cx + 46, 286]]), k)
        cv.shape(rect(x0 - 6, 300, x0 + w + 6, 316), self.wood, k)
        cv.shape(rect(x0 + 2, 316, x0 + w - 2, 462), cloth, k)
        cv.shape(rect(x0 + 2, 316, x0 + 40, 462), self.stalls[i][1], k, SHADOW_LINE, clip=cloth)
        cv.stroke(np.array([[x0 + 90, 320], [x0 + 96, 400], [x0 + 88, 458]]), k)  # cloth folds
        cv.stroke(np.array([[x0 + 170, 320], [x0 + 176, 390]]), k)

    def draw_props(self, cv: BrushCanvas) -> None:
        """Baskets by the right stall, the flower bucket before the middle one."""
        k = self.stroke
        for bx in (700.0, 790.0):
            cv.shape(ellipse(bx, 452, 30, 12), self.cabbage, k)
            cv.shape(np.array([[bx - 36, 452], [bx + 36, 452], [bx + 28, 486], [bx - 28, 486]]), self.basket, k)
            cv.stroke(np.array([[bx - 32, 466], [bx + 32, 466]]), k)
        fx, fy = FLOWERS
        for n, (dx, dy) in enumerate(((-22, -40), (0, -52), (22, -42), (-10, -30), (12, -28))):
            cv.shape(rotate(ellipse(fx + dx * 0.6, fy + dy + 14, 4, 16, 0, 14), dx, (fx, fy)), self.stem, k)
            cv.shape(ellipse(fx + dx, fy + dy, 11, 10, 0, 18), self.blooms[n % 2], k)
        cv.shape(np.array([[fx - 28, fy - 14], [fx + 28, fy - 14], [fx + 22, fy + 40], [fx - 22, fy + 40]]),
                 self.bucket, k)  # fmt: skip

    def draw_near(self, cv: BrushCanvas) -> None:
        k = self.stroke
        cv.shape(rect(880, 450, 1010, 560), self.near_crate, k)
        cv.shape(rect(900, 380, 1030, 452), self.near_crate, k)
        for y in (480.0, 520.0, 410.0):
            cv.stroke(np.array([[880 if y > 450 else 900, y], [1010 if y > 450 else 1030, y]]), k)
        cv.shape(np.concatenate([_half_disc(20, 420, 34, up=True), [[54, 580], [-14, 580]]]), self.bollard, k)


class Van:
    """A delivery van seen from the side (facing -x): body, windows, a stripe, wheels, bumper, lights."""

    def __init__(self, palette: Palette, market: Market, stroke: Stroke):
        add = palette.add
        self.stroke = stroke
        self.body = add("van.body", (72, 150, 166))  # look-alike: the right stall's cloth (80, 158, 176)
        self.glass = add("van.glass", palette.colors[market.window])  # shared with the houses
        self.stripe = add("van.stripe", palette.colors[market.stalls[0][0]])  # the red awning's
        self.tyre = add("van.tyre", palette.colors[market.pole])  # the poles'
        self.hub = add("van.hub", (200, 204, 210))
        self.bumper = add("van.bumper", (40, 40, 46))
        self.light = add("van.light", (255, 250, 200))

    def draw(self, cv: BrushCanvas, x: float, bounce: float) -> None:
        k, y = self.stroke, 506.0 + bounce  # x: the van's front, y: its wheels' bottom
        cv.shape(np.array([[x + 60, y - 150], [x + 240, y - 150], [x + 240, y - 22], [x, y - 22], [x, y - 80],
                           [x + 24, y - 84], [x + 50, y - 146]]), self.body, k)  # fmt: skip
        cv.shape(np.array([[x + 30, y - 86], [x + 56, y - 136], [x + 92, y - 136], [x + 92, y - 86]]), self.glass, k)
        cv.shape(rect(x + 110, y - 136, x + 150, y - 96), self.glass, k)
        cv.shape(rect(x + 2, y - 70, x + 238, y - 56), self.stripe, k, clip=self.body)
        cv.shape(rect(x - 6, y - 40, x + 30, y - 24), self.bumper, k)
        cv.shape(ellipse(x + 8, y - 62, 7, 5), self.light, k)
        for wx in (x + 52, x + 196):
            cv.shape(ellipse(wx, y - 22, 22, 22, 0, 28), self.tyre, k)
            cv.shape(ellipse(wx, y - 22, 10, 10, 0, 20), self.hub, k)


def _half_disc(cx: float, cy: float, r: float, up: bool = False, n: int = 12) -> np.ndarray:
    t = np.linspace(np.pi, 0.0, n) if up else np.linspace(0.0, np.pi, n)
    return np.stack([cx - r * np.cos(t), cy + (-1 if up else 1) * r * np.sin(t)], axis=1)


def _body(pose: Pose, pts: np.ndarray) -> np.ndarray:
    """Body-local points (x forward, y down from the hip, in character heights) → world, as figures.py does."""
    h = pose.height
    hip = np.array([pose.x, pose.ground - 0.47 * h - pose.bob])
    return rotate(np.asarray(pts, np.float64) * h * (pose.face, 1.0), pose.lean * pose.face) + hip


class Aki(Character):
    """The customer: tall and slim, a long coat, a scarf with a hanging end, a shoulder bag on a strap."""

    def __init__(self, palette: Palette, stroke: Stroke):
        super().__init__(AKI, palette, stroke)
        self.ids["scarf"] = palette.add("aki.scarf", (200, 60, 64))  # look-alike: the red awning (206, 66, 58)
        self.ids["bag"] = palette.add("aki.bag", (120, 70, 110))
        self.ids["strap"] = palette.add("aki.strap", (60, 40, 50))

    def draw(self, cv: BrushCanvas, pose: Pose) -> None:
        ids, k = self.ids, self.stroke
        cv.shape(_body(pose, [[-0.2, -0.1], [-0.05, -0.1], [-0.04, 0.05], [-0.21, 0.05]]), ids["bag"], k)
        super().draw(cv, pose)
        torso = (ids["top"], ids["top_shadow"], ids["accent"])
        cv.shape(_body(pose, [[0.03, -0.3], [-0.02, -0.29], [-0.14, -0.08], [-0.1, -0.07]]), ids["strap"], k,
                 clip=torso)  # fmt: skip
        cv.shape(_body(pose, [[-0.06, -0.335], [0.06, -0.33], [0.065, -0.285], [-0.065, -0.29]]), ids["scarf"], k)
        cv.shape(_body(pose, [[0.0, -0.3], [0.05, -0.3], [0.055, -0.16], [0.01, -0.17]]), ids["scarf"], k,
                 clip=torso)  # fmt: skip


class Bea(Character):
    """The vendor: short and broad, an apron over her top (seen from the waist up behind the counter)."""

    def __init__(self, palette: Palette, stroke: Stroke):
        super().__init__(BEA, palette, stroke)
        self.ids["apron"] = palette.add("bea.apron", (240, 236, 226))

    def draw(self, cv: BrushCanvas, pose: Pose) -> None:
        super().draw(cv, pose)
        ids = self.ids
        clip = (ids["top"], ids["top_shadow"], ids["accent"], ids["bottom"], ids["bottom_shadow"])
        cv.shape(_body(pose, [[-0.06, -0.22], [0.1, -0.22], [0.13, 0.12], [-0.08, 0.12]]), ids["apron"], self.stroke,
                 clip=clip)  # fmt: skip


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    rng = np.random.default_rng([seed, 707])
    palette = Palette()
    paper = palette.add("paper", (255, 255, 255))
    stroke = Stroke(width=2.6, aa=True, jitter=0.2)
    market = Market(palette, rng, stroke)
    van = Van(palette, market, stroke)
    aki, bea = Aki(palette, stroke), Bea(palette, stroke)
    camera = cameras(seed)
    phase0 = rng.uniform(0, 2 * np.pi)
    aki_x = rng.uniform(530, 560)
    frames = []
    for t in range(n_frames):
        u = t / max(n_frames - 1, 1)
        cv = BrushCanvas(size, camera.at(u, LAYERS["far"]), market.sky, frame_rng(seed, t, 1))
        market.draw_far(cv)
        cv.use_camera(camera.at(u, LAYERS["mid"]))
        market.draw_ground(cv)
        for i in range(3):
            market.draw_stall(cv, i, back=True)
        talk = np.sin(2 * np.pi * t / 9)
        bea_pose = Pose(
            x=480 + 4 * talk, ground=455, height=270, face=-1, near_arm=40 + 20 * talk, near_elbow=70, far_arm=-20,
            far_elbow=30, lean=2 * talk, head_tilt=3 * talk, mouth=max(0.0, talk),
        )  # fmt: skip
        bea.draw(cv, bea_pose)
        for i in range(3):
            market.draw_stall(cv, i, back=False)
        market.draw_props(cv)
        aki.draw(cv, walk(aki_x + 80 * u, 478, 300, phase0 + 2 * np.pi * t / 14, gesture=20))
        van_x = 300 - 700 * u  # drives out to the left, leaving the frame in the first half of the shot
        if van_x + 260 > -100:
            van.draw(cv, van_x, 1.5 * np.sin(3.1 * t))
        cv.use_camera(camera.at(u, LAYERS["near"]))
        market.draw_near(cv)
        frames.append(cv.compose(palette))
    sheet_cv = BrushCanvas(size, KEY_VIEW, paper)
    aki.draw(sheet_cv, neutral(340, 520, 400))
    bea.draw(sheet_cv, neutral(620, 520, 380))
    sheet = sheet_cv.compose(palette)["color"]
    key = n_frames - 1
    return Shot("dolly", frames, key, frames[key]["color"].copy(), sheet, palette.as_dict(), FEATURES)


def cameras(seed: int) -> DollyCamera:
    """The shot's camera move (per seed: how far it starts in, which way it pans)."""
    rng = np.random.default_rng([seed, 708])
    return DollyCamera(
        zoom0=float(rng.uniform(1.6, 1.9)), pan=(float(rng.uniform(30, 70)), float(rng.uniform(50, 70)))
    )
