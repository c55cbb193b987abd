"""`dense`: a brick wall (every brick its own region), a tree with hundreds of leaves, a crowd behind a
railing, and one character walking in front, under a slow pan. Over 1500 regions per frame at 1080p;
very thin mortar lines (1 px at 540p) next to very thick figure outlines. The speed pass uses it at 1080p."""

from __future__ import annotations

import numpy as np

from .canvas import Camera, Canvas, Palette, Stroke, _over, ellipse, rect
from .figures import STYLES, Character, neutral, walk
from .shot import Shot, frame_rng

FEATURES = [">=1500 regions at 1080p (bricks, leaves, crowd)", "very thin and very thick lines", "camera pan",
            "character occluding a dense background"]  # fmt: skip
WALL = (-120.0, 40.0, 1140.0, 400.0)  # x0, y0, x1, y1 world px
BRICK = (26.0, 12.0)  # width, height world px
BRICK_COLOURS = [(178, 80, 60), (160, 70, 52), (196, 104, 76), (150, 88, 70), (188, 92, 64)]


class Bricks:
    """A running-bond brick wall drawn analytically over its screen box (no per-brick polygon)."""

    def __init__(self, palette: Palette, rng: np.random.Generator, mortar_width: float = 1.0):
        self.cols = int(np.ceil((WALL[2] - WALL[0]) / BRICK[0])) + 1
        self.rows = int(np.ceil((WALL[3] - WALL[1]) / BRICK[1]))
        picks = rng.integers(0, len(BRICK_COLOURS), self.rows * self.cols)
        self.base = len(palette.colors)
        for i, c in enumerate(picks):
            palette.add(f"brick{i}", BRICK_COLOURS[c])
        self.width = mortar_width

    def draw(self, cv: Canvas) -> None:
        corners = cv.screen(np.array([[WALL[0], WALL[1]], [WALL[2], WALL[3]]]))
        x0, y0 = max(int(np.floor(corners[0, 0])), 0), max(int(np.floor(corners[0, 1])), 0)
        x1, y1 = min(int(np.ceil(corners[1, 0])), cv.w), min(int(np.ceil(corners[1, 1])), cv.h)
        if x1 <= x0 or y1 <= y0:
            return
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        wx = (xs + 0.5 - cv.tx) / cv.scale - WALL[0]
        wy = (ys + 0.5 - cv.ty) / cv.scale - WALL[1]
        inside = (wx >= 0) & (wy >= 0) & (wx < WALL[2] - WALL[0]) & (wy < WALL[3] - WALL[1])
        fy = wy / BRICK[1]
        row = np.floor(fy).astype(np.int64)
        fx = wx / BRICK[0] + 0.5 * (row % 2)
        col = np.floor(fx).astype(np.int64)
        ids = self.base + np.clip(row, 0, self.rows - 1) * self.cols + np.clip(col, 0, self.cols - 1)
        # distance (screen px) to the nearest mortar line → anti-aliased coverage of a line `width` wide
        dy = np.minimum(fy - row, row + 1 - fy) * BRICK[1]
        dx = np.minimum(fx - col, col + 1 - fx) * BRICK[0]
        d = np.minimum(dx, dy) * cv.scale
        cov = np.clip(0.5 * self.width * cv.scale + 0.5 - d, 0.0, 1.0).astype(np.float32) * inside
        labels = cv.labels[y0:y1, x0:x1]
        labels[inside] = ids[inside]
        cv.ink_a[y0:y1, x0:x1][inside] = 0.0
        cv.ink_rgb[y0:y1, x0:x1][inside] = 0.0
        _over(cv.ink_a[y0:y1, x0:x1], cv.ink_rgb[y0:y1, x0:x1], cov, (0, 0, 0))


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    rng = np.random.default_rng([seed, 404])
    palette = Palette()
    paper = palette.add("paper", (255, 255, 255))
    sky = palette.add("sky", (190, 220, 240))
    ground = palette.add("ground", (120, 120, 110))
    bricks = Bricks(palette, rng, mortar_width=0.9)
    thin = Stroke(width=0.9, aa=True)
    thick = Stroke(width=4.5, aa=True, jitter=0.3)
    trunk = palette.add("trunk", (110, 76, 50))
    leaf_ids = [palette.add(f"leaf{i}", c) for i, c in enumerate([(70, 140, 60), (50, 110, 50), (100, 160, 70)])]
    n_leaves = 420
    leaves = np.stack(
        [rng.normal(820, 90, n_leaves), rng.normal(150, 60, n_leaves), rng.uniform(0, 180, n_leaves),
         rng.integers(0, 3, n_leaves)], axis=1,
    )  # fmt: skip
    rail = palette.add("railing", (60, 60, 70))
    crowd_cols = [(240, 200, 170), (200, 150, 110), (140, 100, 70)]
    hair_cols = [(40, 30, 30), (120, 80, 40), (200, 170, 90), (90, 90, 90)]
    shirt_cols = [(200, 60, 60), (60, 100, 180), (80, 160, 90), (230, 200, 60), (140, 80, 160)]
    n_crowd = 70
    crowd = []
    for i in range(n_crowd):
        x, y = -100 + 1200 * i / n_crowd + rng.uniform(-6, 6), 330 + rng.uniform(-8, 8)
        ids = (palette.add(f"crowd{i}.skin", crowd_cols[i % 3]), palette.add(f"crowd{i}.hair", hair_cols[i % 4]),
               palette.add(f"crowd{i}.shirt", shirt_cols[i % 5]))  # fmt: skip
        crowd.append((x, y, ids))
    hero = Character(STYLES["ren"], palette, thick)
    phase0 = rng.uniform(0, 2 * np.pi)
    frames = []
    for t in range(n_frames):
        u = t / max(n_frames - 1, 1)
        cv = Canvas(size, Camera(cx=460 + 80 * u, cy=270), sky, frame_rng(seed, t, 1))
        cv.shape(rect(-300, 400, 1400, 700), ground, thin)
        bricks.draw(cv)
        sway = 3.0 * np.sin(2 * np.pi * t / 8)
        cv.shape(rect(800, 120, 840, 400), trunk, thin)
        for lx, ly, deg, kind in leaves:
            cv.shape(ellipse(lx + sway * (ly < 150), ly, 11, 5, deg, 12), leaf_ids[int(kind)], thin)
        bob = 2.0 * np.sin(2 * np.pi * t / 6)
        for i, (x, y, ids) in enumerate(crowd):
            dy = bob * ((i % 3) - 1)
            cv.shape(ellipse(x, y + 30 + dy, 11, 18, 0, 16), ids[2], thin)
            cv.shape(ellipse(x, y + dy, 7, 8, 0, 16), ids[0], thin)
            cv.shape(ellipse(x, y - 5 + dy, 7.5, 4, 0, 12), ids[1], thin)
        cv.shape(rect(-300, 352, 1400, 358), rail, thin)
        hero.draw(cv, walk(250 + 320 * u, 520, 330, phase0 + 2 * np.pi * t / 12))
        frames.append(cv.compose(palette))
    sheet_cv = Canvas(size, Camera(), paper)
    hero.draw(sheet_cv, neutral(480, 520, 400))
    sheet = sheet_cv.compose(palette)["color"]
    return Shot("dense", frames, 0, frames[0]["color"].copy(), sheet, palette.as_dict(), FEATURES)
