"""`room`: two characters with overlapping limbs in a furnished room (window, table, lamp, picture, books,
plant, rug); a third character walks in from the right edge after the keyframe. Clean anti-aliased
clean-up lines with blue shadow lines, a little boil. Keyframe: frame 0, flat colours."""

from __future__ import annotations

import numpy as np

from .canvas import Camera, Canvas, Palette, Stroke
from .figures import STYLES, Character, neutral, walk
from .props import Room
from .shot import Shot, frame_rng

FEATURES = ["several characters", "overlapping limbs", "detailed background with objects", "part entering the frame",
            "coloured shadow lines", "anti-aliased lines"]  # fmt: skip


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    rng = np.random.default_rng([seed, 101])
    palette = Palette()
    paper = palette.add("paper", (255, 255, 255))
    stroke = Stroke(width=2.0, aa=True, jitter=0.25)
    room = Room(palette, rng, stroke)
    ren = Character(STYLES["ren"], palette, stroke)
    mio = Character(STYLES["mio"], palette, stroke)
    tao = Character(STYLES["tao"], palette, stroke)
    phase0 = rng.uniform(0, 2 * np.pi)
    x_ren = rng.uniform(250, 300)
    frames = []
    for t in range(n_frames):
        u = t / max(n_frames - 1, 1)
        cv = Canvas(size, Camera(), room.wall, frame_rng(seed, t, 1))
        room.draw(cv)
        phase = phase0 + 2 * np.pi * t / 12
        ren_pose = walk(x_ren + 170 * u, 520, 330, phase)
        mio_pose = walk(560 - 40 * u, 530, 300, phase + 1.0, face=-1, gesture=70 * np.sin(np.pi * u))
        ren.draw(cv, ren_pose)
        mio.draw(cv, mio_pose)
        if t > 0:  # off-screen on the keyframe, then walks in from the right edge
            tao.draw(cv, walk(1150 - 330 * min(1.0, 1.6 * u), 535, 350, phase + 2.0, face=-1))
        frames.append(cv.compose(palette))
    sheet_cv = Canvas(size, Camera(), paper)
    for ch, x in ((ren, 220), (mio, 480), (tao, 740)):
        ch.draw(sheet_cv, neutral(x, 520, 360))
    sheet = sheet_cv.compose(palette)["color"]
    return Shot("room", frames, 0, frames[0]["color"].copy(), sheet, palette.as_dict(), FEATURES)
