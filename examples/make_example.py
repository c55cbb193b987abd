#!/usr/bin/env python3
"""Draw the original example shot: a small walking character, line art plus ground truth.

Everything here is drawn by code (OpenCV polygons), so the repository ships no third-party art and
tests can regenerate the exact frames, the flat-colour ground truth, figure masks and region labels.

    python examples/make_example.py --out DIR [--frames 24] [--size 960x540] [--seed 0]
    python examples/make_example.py --shipped          # rewrite examples/shot01/ and examples/sheet.png

Layout written by `write_shot(out_dir, ...)` (frames numbered from 1001):

    DIR/sketch/<shot>.1001.png   line art: black outlines, blue shadow lines, on white (RGB)
    DIR/color/<shot>.1001.png    ground truth flat colours with the lines kept (1001 = the keyframe)
    DIR/mask/<shot>.1001.png     figure mask, 8-bit grey, 255 = figure (lines included)
    DIR/labels/<shot>.1001.png   16-bit region ids, 0 = line, 1 = paper, see palette.json
    DIR/palette.json             {"<id>": {"name": ..., "rgb": [r, g, b]}}
    DIR/sheet.png, DIR/sheet_rgba.png   the character sheet (neutral pose) on white / transparent

Import it from tests with importlib (examples/ is not an installed package):

    spec = importlib.util.spec_from_file_location("make_example", "examples/make_example.py")
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

# --- palette ------------------------------------------------------------------------------------
LINE = 0
PAPER = 1
SKIN, SKIN_SHADOW, HAIR, EYE_WHITE, PUPIL, MOUTH = 2, 3, 4, 5, 6, 7
HAT, HAT_BAND, SCARF, SHIRT, SHIRT_SHADOW, BELT = 8, 9, 10, 11, 12, 13
PANTS, PANTS_SHADOW, SHOE = 14, 15, 16

PALETTE: dict[int, tuple[str, tuple[int, int, int]]] = {
    LINE: ("line", (0, 0, 0)),
    PAPER: ("paper", (255, 255, 255)),
    SKIN: ("skin", (252, 218, 186)),
    SKIN_SHADOW: ("skin_shadow", (222, 172, 146)),
    HAIR: ("hair", (98, 62, 40)),
    EYE_WHITE: ("eye_white", (236, 240, 252)),
    PUPIL: ("pupil", (52, 88, 160)),
    MOUTH: ("mouth", (172, 38, 52)),
    HAT: ("hat", (38, 122, 88)),
    HAT_BAND: ("hat_band", (236, 192, 40)),
    SCARF: ("scarf", (214, 52, 64)),
    SHIRT: ("shirt", (74, 134, 214)),
    SHIRT_SHADOW: ("shirt_shadow", (46, 94, 166)),
    BELT: ("belt", (124, 82, 40)),
    PANTS: ("pants", (66, 64, 86)),
    PANTS_SHADOW: ("pants_shadow", (42, 40, 60)),
    SHOE: ("shoe", (156, 64, 30)),
}
OUTLINE_RGB = (0, 0, 0)
# Studio colour-trace line: marks a shadow boundary inside a region, drawn in blue on the line art.
SHADOW_LINE_RGB = (0, 72, 255)

FIRST_FRAME = 1001
DEFAULT_SIZE = (960, 540)
SHEET_SIZE = (768, 768)
_SHIFT = 4  # OpenCV sub-pixel bits for polygon coordinates
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class Pose:
    """Where the character stands and how its limbs swing, in pixels and degrees."""

    cx: float  # hip centre x (px)
    ground: float  # feet y (px)
    scale: float  # character height (px)
    near_leg: float  # degrees from straight down, + = forward (right)
    far_leg: float
    near_arm: float
    far_arm: float
    bob: float  # body lift (px), peaks mid-stride
    tail: float  # scarf tail swing (degrees)
    mouth_open: float  # 0 = closed line, > 0 = open mouth region (relative size)


# --- geometry helpers (character units: height 1, feet at y=0, y down, facing +x) --------------


def _ellipse(cx: float, cy: float, rx: float, ry: float, a0=0.0, a1=360.0, n=48) -> np.ndarray:
    ang = np.radians(np.linspace(a0, a1, n, endpoint=a1 - a0 < 360))
    return np.stack([cx + rx * np.cos(ang), cy + ry * np.sin(ang)], axis=1)  # (n, 2)


def _capsule(length: float, width: float, n=16) -> np.ndarray:
    """A limb hanging down from the origin: rounded both ends; local y runs along the limb."""
    r = width / 2
    bottom = _ellipse(0, length, r, r, 0, 180, n)
    top = _ellipse(0, 0, r, r, 180, 360, n)
    return np.concatenate([bottom, top])  # (2n, 2)


def _rot(pts: np.ndarray, deg: float, pivot=(0.0, 0.0)) -> np.ndarray:
    """Rotate about pivot; + swings a downward limb forward (towards +x)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    rel = pts - np.asarray(pivot)
    out = np.stack([rel[:, 0] * c - rel[:, 1] * s, rel[:, 0] * s + rel[:, 1] * c], axis=1)
    return out + np.asarray(pivot)


def _limb_frame(pivot, deg: float, pts: np.ndarray) -> np.ndarray:
    """Place limb-local points (hanging down from the origin) at pivot, rotated by deg forward."""
    a = math.radians(-deg)
    c, s = math.cos(a), math.sin(a)
    out = np.stack([pts[:, 0] * c - pts[:, 1] * s, pts[:, 0] * s + pts[:, 1] * c], axis=1)
    return out + np.asarray(pivot)


class _Canvas:
    """Painter's-algorithm renderer: each shape fills its label and erases the ink it covers."""

    def __init__(self, size: tuple[int, int], pose: Pose, jitter: np.random.Generator | None, boil: float):
        self.w, self.h = size
        self.pose = pose
        self.labels = np.full((self.h, self.w), PAPER, np.uint16)  # (H, W) fill ids before lines
        self.ink = np.zeros((self.h, self.w), np.uint8)  # (H, W) black outline coverage
        self.blue = np.zeros((self.h, self.w), np.uint8)  # (H, W) shadow-line coverage
        self.jitter = jitter
        self.boil = boil
        self.thick = max(2, round(self.h / 240))
        self.shadow_thick = max(2, round(self.h / 300))
        self._lift = 0.0
        self._offset = (0.0, 0.0)

    def _boil(self) -> None:
        """A new hand-drawn wobble per stroke; a shadow reuses its parent's so they stay aligned."""
        if self.jitter is not None and self.boil > 0:
            self._offset = tuple(self.jitter.uniform(-self.boil, self.boil, size=2))

    def to_px(self, pts: np.ndarray) -> np.ndarray:
        p = self.pose
        out = np.empty_like(pts, dtype=np.float64)
        out[:, 0] = p.cx + self._offset[0] + pts[:, 0] * p.scale
        out[:, 1] = p.ground + pts[:, 1] * p.scale - self._lift + self._offset[1]
        return np.round(out * _ONE).astype(np.int32)  # (n, 2) fixed point

    def body(self, lifted: bool) -> None:
        self._lift = self.pose.bob if lifted else 0.0

    def shape(self, pts: np.ndarray, label: int, outline: bool = True) -> np.ndarray:
        self._boil()
        q = self.to_px(pts)
        cv2.fillPoly(self.labels, [q], int(label), cv2.LINE_8, _SHIFT)
        cv2.fillPoly(self.ink, [q], 0, cv2.LINE_8, _SHIFT)
        cv2.fillPoly(self.blue, [q], 0, cv2.LINE_8, _SHIFT)
        if outline:
            cv2.polylines(self.ink, [q], True, 255, self.thick, cv2.LINE_AA, _SHIFT)
        return q

    def line(self, pts: np.ndarray, closed: bool = False) -> None:
        self._boil()
        cv2.polylines(self.ink, [self.to_px(pts)], closed, 255, self.thick, cv2.LINE_AA, _SHIFT)

    def shadow(self, parent_px: np.ndarray, side: np.ndarray, divider: np.ndarray, label: int) -> None:
        """Paint `label` where the half-polygon `side` overlaps the just-drawn parent shape, and trace
        the divider in blue clipped to that parent, so the shadow is a closed region of its own."""
        x0, y0 = np.maximum((parent_px.min(0) >> _SHIFT) - 4, 0)
        x1, y1 = np.minimum((parent_px.max(0) >> _SHIFT) + 5, (self.w, self.h))
        if x1 <= x0 or y1 <= y0:
            return
        off = np.array([x0, y0]) * _ONE
        roi = (slice(y0, y1), slice(x0, x1))
        parent = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(parent, [parent_px - off], 1, cv2.LINE_8, _SHIFT)
        half = np.zeros_like(parent)
        cv2.fillPoly(half, [self.to_px(side) - off], 1, cv2.LINE_8, _SHIFT)
        self.labels[roi][(parent & half).astype(bool)] = label
        trace = np.zeros_like(parent)
        cv2.polylines(trace, [self.to_px(divider) - off], False, 255, self.shadow_thick, cv2.LINE_AA, _SHIFT)
        trace[parent == 0] = 0
        np.maximum(self.blue[roi], trace, out=self.blue[roi])


def _draw_arm(cv: _Canvas, deg: float, shoulder=(0.0, -0.545)) -> None:
    sleeve = _limb_frame(shoulder, deg, _capsule(0.2, 0.07))
    hand = _limb_frame(shoulder, deg, _ellipse(0, 0.235, 0.036, 0.036, n=24))
    cv.shape(sleeve, SHIRT)
    cv.shape(hand, SKIN)


def _draw_leg(cv: _Canvas, deg: float, hip, shaded: bool) -> None:
    leg = _limb_frame(hip, deg, _capsule(0.21, 0.095))
    px = cv.shape(leg, PANTS)
    if shaded:
        divider = np.array([[-0.012, -0.08], [-0.016, 0.12], [-0.012, 0.3]])
        side = np.concatenate([[[-0.1, -0.08]], divider, [[-0.1, 0.3]]])
        cv.shadow(px, _limb_frame(hip, deg, side), _limb_frame(hip, deg, divider), PANTS_SHADOW)
    # The shoe sits at the ankle and stays flat on the ground while the leg swings.
    ankle = _limb_frame(hip, deg, np.array([[0.0, 0.225]]))[0]
    cv.shape(_ellipse(ankle[0] + 0.03, ankle[1], 0.065, 0.032, n=32), SHOE)


def _draw(pose: Pose, size: tuple[int, int], jitter: np.random.Generator | None, boil: float) -> _Canvas:
    cv = _Canvas(size, pose, jitter, boil)
    # Back to front: far arm, scarf tail, legs, pelvis, torso, head, hat, near arm.
    cv.body(True)
    _draw_arm(cv, pose.far_arm, shoulder=(-0.02, -0.545))
    tail = _limb_frame((-0.04, -0.575), pose.tail, np.array([[-0.03, 0], [0.03, 0], [0.025, 0.2], [-0.035, 0.19]]))
    cv.shape(tail, SCARF)
    cv.body(False)
    hip_y = -0.255 - pose.bob / pose.scale
    _draw_leg(cv, pose.far_leg, (-0.045, hip_y), shaded=False)
    _draw_leg(cv, pose.near_leg, (0.045, hip_y), shaded=True)
    cv.body(True)
    cv.shape(np.array([[-0.1, -0.31], [0.1, -0.31], [0.095, -0.235], [-0.095, -0.235]]), PANTS)
    torso = np.concatenate(
        [
            _ellipse(0.0, -0.52, 0.115, 0.06, 180, 360, 16),
            [[0.12, -0.33], [0.105, -0.3], [-0.105, -0.3], [-0.12, -0.33]],
        ]
    )
    px = cv.shape(torso, SHIRT)
    cv.shadow(
        px,
        np.array([[-0.2, -0.62], [-0.05, -0.62], [-0.065, -0.45], [-0.055, -0.28], [-0.2, -0.28]]),
        np.array([[-0.05, -0.62], [-0.065, -0.45], [-0.055, -0.28]]),
        SHIRT_SHADOW,
    )
    cv.shape(np.array([[-0.108, -0.335], [0.108, -0.335], [0.106, -0.295], [-0.106, -0.295]]), BELT)
    cv.shape(_ellipse(0.0, -0.585, 0.075, 0.03, n=32), SCARF)
    # Head and face.
    head = _ellipse(0.0, -0.72, 0.13, 0.135, n=64)
    px = cv.shape(head, SKIN)
    cv.shadow(
        px,
        np.array([[-0.2, -0.9], [-0.07, -0.9], [-0.09, -0.72], [-0.05, -0.58], [-0.045, -0.55], [-0.2, -0.55]]),
        np.array([[-0.07, -0.9], [-0.09, -0.72], [-0.05, -0.58], [-0.045, -0.55]]),
        SKIN_SHADOW,
    )
    hair = np.concatenate(
        [
            _ellipse(0.0, -0.72, 0.145, 0.15, 150, 345, 40),
            [[0.1, -0.79], [0.07, -0.765], [0.05, -0.8], [0.02, -0.77], [-0.01, -0.805], [-0.05, -0.77]],
            [[-0.08, -0.74], [-0.095, -0.66], [-0.13, -0.63]],
        ]
    )
    cv.shape(hair, HAIR)
    for ex in (0.005, 0.075):
        cv.shape(_ellipse(ex, -0.715, 0.03, 0.042, n=32), EYE_WHITE)
        cv.shape(_ellipse(ex + 0.01, -0.71, 0.016, 0.024, n=24), PUPIL)
    if pose.mouth_open > 0:
        cv.shape(_ellipse(0.05, -0.635, 0.032, 0.008 + 0.022 * pose.mouth_open, 0, 180, 24), MOUTH)
    else:
        cv.line(_ellipse(0.05, -0.648, 0.03, 0.012, 20, 160, 12))
    cv.shape(np.array([[-0.17, -0.83], [0.17, -0.83], [0.16, -0.855], [-0.16, -0.855]]), HAT)
    crown = np.concatenate([[[-0.1, -0.855], [0.1, -0.855]], _ellipse(0.0, -0.93, 0.1, 0.075, 0, -180, 24)])
    cv.shape(crown, HAT)
    cv.shape(np.array([[-0.101, -0.855], [0.101, -0.855], [0.101, -0.885], [-0.101, -0.885]]), HAT_BAND)
    _draw_arm(cv, pose.near_arm, shoulder=(0.015, -0.545))
    return cv


def _compose(cv: _Canvas) -> dict[str, np.ndarray]:
    """Line art, flat-colour ground truth, mask and labels from the painted canvas."""
    lut = np.array([PALETTE.get(i, ("", (255, 0, 255)))[1] for i in range(max(PALETTE) + 1)], np.float32)
    blue = np.array(SHADOW_LINE_RGB, np.float32)

    def ink_over(base: np.ndarray, roi: tuple[slice, slice]) -> np.ndarray:
        k = cv.ink[roi].astype(np.float32)[..., None] / 255.0  # (h, w, 1)
        b = cv.blue[roi].astype(np.float32)[..., None] / 255.0
        out = base * (1 - b) + blue * b
        return np.clip(np.rint(out * (1 - k)), 0, 255).astype(np.uint8)  # (H, W, 3)

    sketch = np.full((cv.h, cv.w, 3), 255, np.uint8)
    color = sketch.copy()
    ys, xs = np.nonzero((cv.labels != PAPER) | (cv.ink > 0) | (cv.blue > 0))
    if ys.size:
        roi = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        paper = np.full(cv.labels[roi].shape + (3,), 255, np.float32)
        sketch[roi] = ink_over(paper, roi)
        color[roi] = ink_over(lut[cv.labels[roi]], roi)
    # A pixel is line where the line art is at least half ink (red is 0 in both line colours).
    labels = cv.labels.copy()
    labels[sketch[..., 0] < 128] = LINE
    mask = np.where(labels != PAPER, 255, 0).astype(np.uint8)
    # Alpha keeps the anti-aliased outer edge of the outline instead of a hard cut.
    alpha = np.maximum(mask, 255 - sketch[..., 0])
    return {"sketch": sketch, "color": color, "mask": mask, "labels": labels, "alpha": alpha}


# --- public API ---------------------------------------------------------------------------------


def frame_pose(t: int, size: tuple[int, int] = DEFAULT_SIZE, n_frames: int = 24, seed: int = 0) -> Pose:
    """The pose of frame index t (0-based): a walk left to right, 12-frame cycle, mouth opens mid-shot."""
    w, h = size
    rng = np.random.default_rng([seed, 7])
    phase0 = 0.0 if seed == 0 else rng.uniform(0, 2 * math.pi)
    start = 0.3 + (0.0 if seed == 0 else rng.uniform(-0.05, 0.05))
    u = t / max(n_frames - 1, 1)
    phase = phase0 + 2 * math.pi * t / 12
    swing = math.sin(phase)
    scale = 0.82 * h
    return Pose(
        cx=w * (start + 0.4 * u),
        ground=0.94 * h,
        scale=scale,
        near_leg=26 * swing,
        far_leg=-26 * swing,
        near_arm=-38 * swing,
        far_arm=30 * swing,
        bob=0.012 * scale * abs(math.cos(phase)),
        tail=-12 - 10 * math.sin(phase + 1.0),
        mouth_open=0.0 if t < n_frames // 2 else min(1.0, 0.4 + 0.2 * (t - n_frames // 2)),
    )


def render_frame(
    t: int, size: tuple[int, int] = DEFAULT_SIZE, *, n_frames: int = 24, seed: int = 0, boil: float | None = None
) -> dict[str, np.ndarray]:
    """Render frame index t (0-based) of an n_frames shot.

    Returns sketch (H, W, 3) uint8 RGB line art, color (H, W, 3) uint8 RGB ground truth, mask (H, W)
    uint8 (255 = figure) and labels (H, W) uint16 (0 = line, ids in PALETTE). `boil` is the per-shape
    hand-drawn jitter in pixels (default: size-relative, deterministic from seed and t).
    """
    w, h = size
    boil = h / 1080 if boil is None else boil
    jitter = np.random.default_rng([seed, t, 1]) if boil > 0 else None
    out = _compose(_draw(frame_pose(t, size, n_frames, seed), size, jitter, boil))
    del out["alpha"]
    return out


def render_sheet(size: tuple[int, int] = SHEET_SIZE) -> dict[str, np.ndarray]:
    """The character sheet: neutral pose, mouth open so every palette colour appears, centred.

    Returns the render_frame keys plus rgba (H, W, 4) uint8: colour with the figure mask (widened by
    the anti-aliased outline edge) as alpha.
    """
    w, h = size
    pose = replace(
        frame_pose(0, size),
        cx=w / 2,
        ground=0.95 * h,
        scale=0.88 * h,
        near_leg=8.0,
        far_leg=-8.0,
        near_arm=22.0,
        far_arm=-22.0,
        bob=0.0,
        tail=-15.0,
        mouth_open=1.0,
    )
    out = _compose(_draw(pose, size, None, 0.0))
    out["rgba"] = np.dstack([out["color"], out.pop("alpha")])
    return out


def frame_name(shot: str, index: int) -> str:
    """File name of frame index (0-based): shot01.1001.png."""
    return f"{shot}.{FIRST_FRAME + index:04d}.png"


def palette_json() -> dict[str, dict]:
    return {str(i): {"name": name, "rgb": list(rgb)} for i, (name, rgb) in PALETTE.items()}


def _write_png(path: Path, img: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR if img.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
    if not cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f"could not write {path}")


def write_shot(
    out_dir: str | Path,
    n_frames: int = 24,
    size: tuple[int, int] = DEFAULT_SIZE,
    seed: int = 0,
    name: str = "shot01",
    sheet_size: tuple[int, int] = SHEET_SIZE,
) -> dict[str, Path]:
    """Write the full shot with ground truth (layout in the module docstring); returns the folders."""
    out = Path(out_dir)
    dirs = {k: out / k for k in ("sketch", "color", "mask", "labels")}
    for i in range(n_frames):
        frame = render_frame(i, size, n_frames=n_frames, seed=seed)
        for key, folder in dirs.items():
            _write_png(folder / frame_name(name, i), frame[key])
    sheet = render_sheet(sheet_size)
    _write_png(out / "sheet.png", sheet["color"])
    _write_png(out / "sheet_rgba.png", sheet["rgba"])
    (out / "palette.json").write_text(json.dumps(palette_json(), indent=2) + "\n", encoding="utf-8")
    return {**dirs, "sheet": out / "sheet.png", "sheet_rgba": out / "sheet_rgba.png", "palette": out / "palette.json"}


def write_shipped(examples_dir: str | Path = Path(__file__).parent) -> list[Path]:
    """Rewrite the committed example: shot01/ (24 line-art frames, 960x540) and sheet.png."""
    root = Path(examples_dir)
    written = []
    for i in range(24):
        path = root / "shot01" / frame_name("shot01", i)
        _write_png(path, render_frame(i, DEFAULT_SIZE, n_frames=24, seed=0)["sketch"])
        written.append(path)
    _write_png(root / "sheet.png", render_sheet(SHEET_SIZE)["color"])
    return [*written, root / "sheet.png"]


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must look like 960x540, got {text!r}") from None
    if w < 64 or h < 64:
        raise argparse.ArgumentTypeError("--size must be at least 64x64")
    return w, h


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for sketch/ color/ mask/ labels/ and the sheet")
    parser.add_argument("--frames", type=int, default=24, help="number of frames (default 24)")
    parser.add_argument("--size", type=_parse_size, default=DEFAULT_SIZE, help="WxH (default 960x540)")
    parser.add_argument("--seed", type=int, default=0, help="varies stride phase, start and line boil")
    parser.add_argument("--name", default="shot01", help="shot name used in file names")
    parser.add_argument("--shipped", action="store_true", help="rewrite examples/shot01 and examples/sheet.png")
    args = parser.parse_args(argv)
    if args.shipped:
        paths = write_shipped()
        print(f"wrote {len(paths)} files under {paths[0].parent.parent}")
        return 0
    if args.out is None:
        parser.error("--out is required (or --shipped)")
    if args.frames < 1:
        parser.error("--frames must be >= 1")
    write_shot(args.out, args.frames, args.size, args.seed, args.name)
    print(f"wrote {args.frames} frames of {args.name} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
