"""`dialog`: a dialogue close-up, the commonest production shot: two characters from the waist up in front of
the room's window wall, animated on twos (each drawing held for two frames), small head turns and sways,
mouth flaps, a blink, and a hand raised into the frame from the bottom edge after the keyframe. The
drawing barely moves, so copying the keyframe is a strong baseline here: wrong regions cost more than
motion. Static camera. Keyframe: frame 0, flat."""

from __future__ import annotations

import numpy as np

from .canvas import Camera, Canvas, Palette, Stroke
from .figures import STYLES, Character, Pose, neutral
from .props import Room
from .shot import Shot, frame_rng

FEATURES = ["dialogue close-up, animated on twos (held drawings)", "small motion: head turns, mouth, blink",
            "hand entering from the bottom edge", "large regions with small details (eyes, highlights)"]  # fmt: skip


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    rng = np.random.default_rng([seed, 505])
    palette = Palette()
    paper = palette.add("paper", (255, 255, 255))
    stroke = Stroke(width=1.4, aa=True, jitter=0.12)
    room = Room(palette, rng, stroke)
    mio = Character(STYLES["mio"], palette, stroke)
    tao = Character(STYLES["tao"], palette, stroke)
    blink_at = int(rng.integers(4, 9))
    talk = rng.uniform(0, 2 * np.pi)
    frames = []
    for t in range(n_frames):
        d = t // 2  # on twos
        cv = Canvas(size, Camera(cx=700, cy=205, zoom=1.6), room.wall, frame_rng(seed, d, 1))
        room.draw(cv)
        raise_arm = float(np.clip((d - 3) / 5, 0.0, 1.0))  # the hand comes up from the bottom edge
        mio_pose = Pose(
            x=610 + 3 * np.sin(0.7 * d), ground=880, height=820, face=1,
            near_arm=10, near_elbow=15, far_arm=-10, far_elbow=10, lean=1.5 * np.sin(0.5 * d),
            head_tilt=4 * np.sin(0.6 * d + 1), mouth=max(0.0, np.sin(1.9 * d + talk)), blink=d == blink_at,
        )  # fmt: skip
        tao_pose = Pose(
            x=800 - 2 * np.sin(0.5 * d), ground=900, height=860, face=-1,
            near_arm=10 + 110 * raise_arm, near_elbow=20 + 60 * raise_arm, far_arm=-8, far_elbow=10,
            lean=-1.0 * np.sin(0.4 * d), head_tilt=-3 * np.sin(0.5 * d), mouth=0.0,
        )  # fmt: skip
        tao.draw(cv, tao_pose)
        mio.draw(cv, mio_pose)
        frames.append(cv.compose(palette))
    sheet_cv = Canvas(size, Camera(), paper)
    mio.draw(sheet_cv, neutral(360, 520, 420))
    tao.draw(sheet_cv, neutral(620, 520, 420))
    sheet = sheet_cv.compose(palette)["color"]
    return Shot("dialog", frames, 0, frames[0]["color"].copy(), sheet, palette.as_dict(), FEATURES)
