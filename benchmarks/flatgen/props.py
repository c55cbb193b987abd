"""Backgrounds with objects for the generators: a room (window, table, lamp, picture, bookshelf, plant, rug),
a street (houses, doors, windows, lamp post, bench) and dense fields (bricks, leaves, a crowd).

Each `*Set` registers its region ids once per shot and draws itself on a canvas (world px, 960×540 view).
"""

from __future__ import annotations

import numpy as np

from .canvas import SHADOW_LINE, Canvas, Palette, Stroke, ellipse, rect, rotate


class Room:
    def __init__(self, palette: Palette, rng: np.random.Generator, stroke: Stroke = Stroke()):
        add = palette.add
        self.stroke = stroke
        self.wall = add("wall", (226, 212, 180))
        self.wall_shadow = add("wall_shadow", (196, 180, 150))
        self.floor = add("floor", (170, 120, 80))
        self.board = add("baseboard", (110, 72, 50))
        self.win_frame = add("window_frame", (246, 246, 240))
        self.sky = add("sky", (150, 200, 240))
        self.cloud = add("cloud", (250, 252, 255))
        self.curtain = add("curtain", (180, 60, 80))
        self.table = add("table_top", (140, 90, 50))
        self.table_side = add("table_side", (100, 60, 34))
        self.lamp_base = add("lamp_base", (60, 70, 80))
        self.lamp_shade = add("lamp_shade", (250, 230, 150))
        self.pic_frame = add("picture_frame", (200, 160, 60))
        self.pic_sky = add("picture_sky", (250, 200, 160))
        self.mountain = add("mountain", (90, 110, 140))
        self.sun = add("sun", (240, 110, 60))
        self.shelf = add("shelf", (120, 80, 56))
        book_cols = [(40, 80, 160), (200, 170, 40), (60, 140, 70), (150, 40, 40), (90, 60, 130), (230, 120, 30)]
        self.books = [add(f"book{i}", book_cols[i % len(book_cols)]) for i in range(12)]
        self.book_w = rng.uniform(10, 16, 12)
        self.book_h = rng.uniform(34, 46, 12)
        self.rug = add("rug", (70, 110, 120))
        self.rug_band = add("rug_band", (230, 200, 120))
        self.pot = add("pot", (190, 90, 50))
        self.leaf = add("leaf", (60, 130, 60))
        self.leaf_dark = add("leaf_dark", (36, 90, 44))
        self.mug = add("mug", (240, 240, 235))

    def draw(self, cv: Canvas) -> None:
        k = self.stroke
        cv.shape(rect(-200, 400, 1400, 700), self.floor, k)
        cv.shape(rect(-200, 388, 1400, 402), self.board, k)
        cv.shape(ellipse(1020, 60, 420, 300), self.wall_shadow, k, SHADOW_LINE, clip=self.wall)
        # window with four panes, a cloud and curtains
        cv.shape(rect(560, 70, 800, 280), self.win_frame, k)
        for x0, y0 in ((572, 82), (686, 82), (572, 182), (686, 182)):
            cv.shape(rect(x0, y0, x0 + 102, y0 + 86), self.sky, k)
        cv.shape(ellipse(610, 120, 26, 12), self.cloud, k, clip=self.sky)
        cv.shape(ellipse(720, 210, 34, 14), self.cloud, k, clip=self.sky)
        for side in (-1, 1):
            x = 680 + side * 140
            cv.shape(np.array([[x - 26, 60], [x + 26, 60], [x + 34 * side + 8, 300], [x - 20, 300]]), self.curtain, k)
            cv.stroke(np.array([[x, 80], [x + 6 * side, 200], [x + 2, 290]]), k)
        # picture: frame, sky, mountain, sun
        cv.shape(rect(90, 90, 250, 210), self.pic_frame, k)
        cv.shape(rect(104, 104, 236, 196), self.pic_sky, k)
        cv.shape(ellipse(200, 130, 14, 14), self.sun, k, clip=self.pic_sky)
        cv.shape(np.array([[100, 200], [150, 130], [190, 170], [215, 145], [240, 200]]), self.mountain, k,
                 clip=self.pic_sky)  # fmt: skip
        # bookshelf with books
        cv.shape(rect(830, 150, 960, 162), self.shelf, k)
        x = 836.0
        for i, bid in enumerate(self.books[:8]):
            cv.shape(rect(x, 150 - self.book_h[i], x + self.book_w[i], 150), bid, k)
            x += self.book_w[i] + 1
        cv.shape(rect(830, 250, 960, 262), self.shelf, k)
        x = 840.0
        for i, bid in enumerate(self.books[8:]):
            pts = rect(x, 250 - self.book_h[i], x + self.book_w[i], 250)
            cv.shape(rotate(pts, -12 if i == 3 else 0, (x, 250)), bid, k)
            x += self.book_w[i] + 2
        # rug, table, lamp, mug, plant
        cv.shape(ellipse(470, 480, 260, 40), self.rug, k)
        cv.shape(ellipse(470, 480, 220, 28), self.rug_band, k, clip=self.rug)
        cv.shape(ellipse(470, 480, 190, 20), self.rug, k, clip=self.rug_band)
        cv.shape(rect(640, 340, 652, 440), self.table_side, k)
        cv.shape(rect(860, 340, 872, 440), self.table_side, k)
        cv.shape(rect(624, 318, 888, 346), self.table_side, k)
        cv.shape(np.array([[640, 300], [880, 300], [900, 320], [620, 320]]), self.table, k)
        cv.shape(ellipse(820, 300, 30, 7), self.lamp_base, k)
        cv.shape(rect(816, 220, 824, 300), self.lamp_base, k)
        cv.shape(np.array([[790, 230], [850, 230], [836, 180], [804, 180]]), self.lamp_shade, k)
        cv.shape(rect(700, 276, 722, 302), self.mug, k)
        cv.stroke(np.array([[722, 282], [732, 286], [722, 296]]), k)
        cv.shape(np.array([[40, 390], [100, 390], [92, 450], [48, 450]]), self.pot, k)
        for i, deg in enumerate((-50, -25, 0, 25, 50)):
            leaf = rotate(ellipse(70, 330, 12, 50, 0, 24), deg, (70, 390))
            cv.shape(leaf, self.leaf if i % 2 else self.leaf_dark, k)


class Street:
    """Outdoor background: sky, road, pavement, three house fronts with doors and windows, lamp post, bench."""

    def __init__(self, palette: Palette, rng: np.random.Generator, stroke: Stroke = Stroke()):
        add = palette.add
        self.stroke = stroke
        self.sky = add("street.sky", (170, 214, 238))
        self.road = add("street.road", (90, 92, 100))
        self.walk = add("street.pavement", (190, 186, 176))
        self.stripe = add("street.stripe", (240, 240, 230))
        fronts = [(214, 150, 120), (160, 190, 150), (230, 210, 150), (170, 160, 200)]
        self.house = [add(f"street.house{i}", c) for i, c in enumerate(fronts)]
        darker = [tuple(int(v * 0.78) for v in c) for c in fronts]
        self.house_shadow = [add(f"street.house{i}_shadow", c) for i, c in enumerate(darker)]
        self.roof = add("street.roof", (120, 60, 50))
        self.door = add("street.door", (90, 60, 110))
        self.glass = add("street.glass", (200, 230, 246))
        self.frame = add("street.window_frame", (250, 250, 250))
        self.post = add("street.post", (40, 50, 60))
        self.light = add("street.light", (255, 240, 170))
        self.bench = add("street.bench", (150, 100, 60))
        self.widths = rng.uniform(240, 320, 4)

    def draw(self, cv: Canvas) -> None:
        k = self.stroke
        cv.shape(rect(-400, 420, 1800, 700), self.road, k)
        cv.shape(rect(-400, 380, 1800, 420), self.walk, k)
        for x in range(-380, 1800, 140):
            cv.shape(rect(x, 500, x + 70, 510), self.stripe, k)
        x = -300.0
        for i, wd in enumerate(self.widths):
            top = 120 + 30 * (i % 2)
            cv.shape(rect(x, top, x + wd, 380), self.house[i], k)
            cv.shape(np.array([[x - 10, top], [x + wd + 10, top], [x + wd / 2, top - 60]]), self.roof, k)
            cv.shape(rect(x + wd * 0.7, top - 10, x + wd + 40, 420), self.house_shadow[i], k, SHADOW_LINE,
                     clip=self.house[i])  # fmt: skip
            cv.shape(rect(x + 30, 270, x + 80, 380), self.door, k)
            for wx in (x + 110, x + 180):
                if wx + 50 < x + wd:
                    cv.shape(rect(wx, 190 + 20 * (i % 2), wx + 50, 250 + 20 * (i % 2)), self.frame, k)
                    cv.shape(rect(wx + 6, 196 + 20 * (i % 2), wx + 44, 244 + 20 * (i % 2)), self.glass, k)
            x += wd + 30
        for px in (260.0, 980.0):
            cv.shape(rect(px, 180, px + 10, 400), self.post, k)
            cv.shape(ellipse(px + 5, 172, 16, 12), self.light, k)
        cv.shape(rect(560, 350, 700, 362), self.bench, k)
        cv.shape(rect(566, 362, 576, 392), self.bench, k)
        cv.shape(rect(684, 362, 694, 392), self.bench, k)
        cv.shape(rect(560, 320, 700, 332), self.bench, k)
