"""`xdog`: line art extracted from finished renders, as the video-colorization papers make it: each frame is
rendered shaded (no drawn outlines) and its lines come from an XDoG filter, so they are open where two
colours have similar brightness, doubled or noisy where shading is strong. Then the drawing is treated as a
scan: paper tint and texture, grain, dust specks, a slight blur, and gaps of a few px cut into the lines.
Two characters in the room under a slow zoom; a third one leans in from the left edge after the keyframe
(frame 0, flat colours). The ground truth is the flat fill under the extracted (clean, unscanned) lines."""

from __future__ import annotations

import numpy as np

from .canvas import Camera, Canvas, Palette, Stroke
from .figures import STYLES, Character, neutral, walk
from .finish import add_gaps, finish, scan, xdog
from .props import Room
from .shot import Shot, frame_rng

FEATURES = ["lines extracted by XDoG from shaded renders (open, noisy)", "scan noise, paper texture, specks",
            "gaps of a few px", "camera zoom", "part entering the frame (arm and head from the left)"]  # fmt: skip


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24, scanned: bool = True) -> Shot:
    """`scanned=False` leaves out the scan pass (paper, grain, specks, blur): the clean extracted lines."""
    rng = np.random.default_rng([seed, 303])
    palette = Palette()
    paper = palette.add("paper", (255, 255, 255))
    stroke = Stroke(width=2.0, aa=True, jitter=0.2)
    room = Room(palette, rng, stroke)
    mio = Character(STYLES["mio"], palette, stroke)
    tao = Character(STYLES["tao"], palette, stroke)
    ren = Character(STYLES["ren"], palette, stroke)
    phase0 = rng.uniform(0, 2 * np.pi)
    frames = []
    for t in range(n_frames):
        u = t / max(n_frames - 1, 1)
        cv = Canvas(size, Camera(cx=500, cy=300, zoom=1.05 + 0.2 * u), room.wall, frame_rng(seed, t, 1))
        room.draw(cv)
        phase = phase0 + 2 * np.pi * t / 14
        tao.draw(cv, walk(640 - 50 * u, 520, 320, phase + 0.7, face=-1, gesture=40 * np.sin(np.pi * u)))
        mio.draw(cv, walk(430 + 60 * u, 525, 300, phase))
        if t > 0:  # leans in from the left edge: arm first, then the head
            lean = walk(-230 + 290 * min(1.0, 1.4 * u), 540, 420, phase, gesture=70)
            ren.draw(cv, lean)
        frames.append(_extract(cv, palette, seed, t, scanned))
    sheet_cv = Canvas(size, Camera(), paper)
    for ch, x in ((ren, 220), (mio, 480), (tao, 740)):
        ch.draw(sheet_cv, neutral(x, 520, 360))
    sheet = sheet_cv.compose(palette)["color"]
    return Shot("xdog", frames, 0, frames[0]["color"].copy(), sheet, palette.as_dict(), FEATURES)


def _extract(cv: Canvas, palette: Palette, seed: int, t: int, scanned: bool) -> dict[str, np.ndarray]:
    """Replace the drawn outlines by XDoG lines of the shaded render; scan the line art."""
    fill = cv.fill_rgb(palette)
    shaded = finish(fill, cv.labels, frame_rng(seed, t, 2))
    render = cv.ink_rgb + shaded * (1.0 - cv.ink_a[..., None])  # the finished frame, outlines included
    cv.ink_a = xdog(render, sigma=0.7 * cv.scale)
    cv.ink_rgb = np.zeros((cv.h, cv.w, 3), np.float32)
    add_gaps(cv.ink_a, cv.ink_rgb, frame_rng(seed, t, 3), count=12, radius=(1, 3))
    out = cv.compose(palette)
    if scanned:
        out["sketch"] = scan(out["sketch"], frame_rng(seed, t, 4), specks=int(40 * cv.scale))
    return out
