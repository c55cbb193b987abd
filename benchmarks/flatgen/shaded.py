"""`shaded`: a street scene under a panning, zooming camera; two characters with cel shadows and highlights
(regions of their own bounded by blue / red colour-trace lines). The keyframe is the middle frame, given
finished: rim shading, airbrushed highlights and paint grain over the flat colours (each region's most
frequent colour is still its flat colour). Lines are hard-edged (no anti-aliasing), jagged and thick, with a
few gaps of 2-5 px per frame."""

from __future__ import annotations

import numpy as np

from .canvas import Camera, Canvas, Palette, Stroke
from .figures import STYLES, Character, neutral, walk
from .finish import add_gaps, finish
from .props import Street
from .shot import Shot, frame_rng

FEATURES = ["finished keyframe (shading, highlights, grain)", "cel shadow and highlight regions, coloured lines",
            "camera pan and zoom", "keyframe mid-shot (propagate both ways)", "hard jagged thick lines",
            "gaps of a few px"]  # fmt: skip


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    rng = np.random.default_rng([seed, 202])
    palette = Palette()
    paper = palette.add("paper", (255, 255, 255))
    stroke = Stroke(width=3.2, aa=False, jitter=0.45)
    street = Street(palette, rng, stroke)
    ren = Character(STYLES["ren"], palette, stroke)
    tao = Character(STYLES["tao"], palette, stroke)
    phase0 = rng.uniform(0, 2 * np.pi)
    pan = rng.uniform(90, 140)
    key_index = n_frames // 2
    frames, key_fill = [], None
    for t in range(n_frames):
        u = t / max(n_frames - 1, 1)
        camera = Camera(cx=430 + pan * u, cy=290 - 20 * u, zoom=1.0 + 0.25 * u)
        cv = Canvas(size, camera, street.sky, frame_rng(seed, t, 1))
        street.draw(cv)
        phase = phase0 + 2 * np.pi * t / 10
        tao.draw(cv, walk(620 - 60 * u, 500, 300, phase + 1.5, face=-1, gesture=30 * np.sin(2 * np.pi * u)))
        ren.draw(cv, walk(330 + 230 * u, 515, 320, phase))
        add_gaps(cv.ink_a, cv.ink_rgb, frame_rng(seed, t, 3), count=10, radius=(1, 2))
        frames.append(cv.compose(palette))
        if t == key_index:
            finished = finish(cv.fill_rgb(palette), cv.labels, frame_rng(seed, t, 2))
            key_fill = cv.compose(palette, fill=finished)["color"]
    sheet_cv = Canvas(size, Camera(), paper)
    ren.draw(sheet_cv, neutral(340, 520, 380))
    tao.draw(sheet_cv, neutral(620, 520, 380))
    sheet = sheet_cv.compose(palette)["color"]
    return Shot("shaded", frames, key_index, key_fill, sheet, palette.as_dict(), FEATURES)
