"""Helpers for the flat backend tests: a ShotSetup with an optional line-art loader, drawn shapes."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from colorframes.backends.base import FrameInput, ShotSetup


@dataclass(frozen=True)
class LoaderShot(ShotSetup):
    """ShotSetup plus the runner's line-art loader (the field the flat backend asks the runner for)."""

    sketch_loader: object = None


def shot(frame_size, *, reference=None, keyframes=None, first_frame=1, loader=None, alpha=None) -> ShotSetup:
    return LoaderShot(
        name="t", seed=0, frame_size=frame_size, reference=reference, reference_alpha=alpha,
        reference_mask=None, keyframes=dict(keyframes or {}), first_frame=first_frame, sketch_loader=loader,
    )  # fmt: skip


def frame(number: int, sketch: np.ndarray) -> FrameInput:
    return FrameInput(number, sketch, np.ones(sketch.shape[:2], np.float32))


def rgb_u8(result_image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(result_image * 255.0), 0, 255).astype(np.uint8)


def tracked_shot(size, frames: dict, keyframes: dict, gap_radius: int = 2):
    """Colorize `frames` ({number: line art}) in order with the flat backend, keyframes given and the line
    art loadable; (the colorizer, the last frame's result)."""
    from colorframes.backends.flat import FlatColorizer

    c = FlatColorizer(gap_radius=gap_radius)
    c.setup_shot(shot(size, keyframes=keyframes, first_frame=min(frames), loader=frames.get))
    result = None
    for n in sorted(frames):
        result = c.colorize([frame(n, frames[n])])[0]
    assert result is not None
    return c, result


def colorize_shot(size, frames: dict, keyframes: dict, gap_radius: int = 2):
    """`tracked_shot`'s last frame: (its image as uint8, its extras)."""
    _, result = tracked_shot(size, frames, keyframes, gap_radius)
    img = result.image
    return (img if img.dtype == np.uint8 else rgb_u8(img)), result.extras


def two_boxes(size=(120, 200), gap=0, paper=255, thickness=2) -> np.ndarray:
    """Two closed rectangles side by side; `gap` opens the left one's right edge by that many px."""
    img = np.full((*size, 3), paper, np.uint8)
    cv2.rectangle(img, (20, 20), (90, 100), (0, 0, 0), thickness, cv2.LINE_AA)
    cv2.rectangle(img, (110, 20), (180, 100), (0, 0, 0), thickness, cv2.LINE_AA)
    if gap:
        img[58 : 58 + gap, 86:95] = paper
    return img


def weak_trial(tracker, state, region: int, chain_rgb: tuple, camera: bool = False):
    """A copy of `state` where `region` is weak (confidence 0.3) with the chain saying `chain_rgb`; with
    `camera`, the copy keeps the camera the chain measured from the keyframe."""
    color, conf = state.color.copy(), state.confidence.copy()
    color[region], conf[region] = tracker.palette.index(chain_rgb), 0.3
    return type(state)(
        state.number, state.regions, color, conf, state.source.copy(), camera=state.camera if camera else None
    )


def resolve_with_flow(tracker, trial, region: int, flow_rgb: tuple, monkeypatch) -> tuple:
    """Re-decide the weak regions of `trial` (`WeakRegions._resolve_weak`) with the flow straight from the
    keyframe tracing `region` wholly to `flow_rgb`; the region's colour after."""
    from colorframes.backends.flat import weak

    pal = tracker.palette
    real_vote = weak.vote

    def traced(j, counts, colors, confidence, samples):
        out, share, extra = real_vote(j, counts, colors, confidence, samples)
        out, share = out.copy(), share.copy()
        out[region], share[region] = pal.index(flow_rgb), 1.0
        return out, share, extra

    monkeypatch.setattr(weak, "vote", traced)
    tracker._resolve_weak(trial)
    return pal.rgb[trial.color[region]]


def redecide_with_flow(tracker, state, region: int, chain_rgb: tuple, flow_rgb: tuple, monkeypatch) -> tuple:
    """Re-decide `region` of `state` (weak: the chain saying `chain_rgb`; no camera) with the flow straight
    from the keyframe tracing it wholly to `flow_rgb`; the region's colour after."""
    trial = weak_trial(tracker, state, region, chain_rgb)
    return resolve_with_flow(tracker, trial, region, flow_rgb, monkeypatch)


def flow_to_keyframe_region(tracker, monkeypatch, n1: int, region: int, src: int) -> None:
    """Make the flow straight from the keyframe send all 100 samples of `region` (and nothing else) to the
    keyframe's region `src` (`weak.correspond` replaced; the tracker's cached keyframe flows dropped)."""
    from colorframes.backends.flat import weak
    from colorframes.backends.flat.flow import Correspondence

    samples = np.zeros(n1)
    samples[region] = 100.0

    def fake(prev, cur, params, outline=True, preset="MEDIUM", camera=None):
        none = np.zeros((0, 2), np.int64)
        return Correspondence(
            np.array([[region, src]]), np.array([100.0]), samples, none, np.zeros(0), np.zeros(n1),
            np.zeros((n1, 2)), np.zeros(n1), np.zeros(n1, bool),
        )  # fmt: skip

    monkeypatch.setattr(weak, "correspond", fake)
    monkeypatch.setattr(tracker, "_key_corr", {})  # the frame's flow from the keyframe, computed again


def draw_windows(img: np.ndarray, centres, coloured: bool, frame_rgb: tuple, pane_rgb: tuple) -> None:
    """Windows (a 40 px frame around a 26 px pane, 2 px anti-aliased ink) drawn into `img` in place; their
    colours with `coloured`."""
    for cx, cy in centres:
        if coloured:
            cv2.rectangle(img, (cx - 20, cy - 20), (cx + 20, cy + 20), frame_rgb, -1)
            cv2.rectangle(img, (cx - 13, cy - 13), (cx + 13, cy + 13), pane_rgb, -1)
        cv2.rectangle(img, (cx - 20, cy - 20), (cx + 20, cy + 20), (0, 0, 0), 2, cv2.LINE_AA)
        cv2.rectangle(img, (cx - 13, cy - 13), (cx + 13, cy + 13), (0, 0, 0), 2, cv2.LINE_AA)


def moved_pair(scene, size):
    """A tracker keyed on frame 1 (`scene(False, True)`), with frame 2 `scene(True, False)` loadable; (the
    tracker, frame 2's state). `scene(moved, coloured)` draws a frame's line art or its colours."""
    from colorframes.backends.flat.tracker import ShotTracker

    frames = {1: scene(False, False), 2: scene(True, False)}
    tracker = ShotTracker(
        frame_size=size, first_frame=1, gap_radius=2, keyframes={1: scene(False, True)}, sketch_loader=frames.get
    )
    return tracker, tracker.state(2, frames[2])


def draw_zoomed_boxes(sketch: np.ndarray, color: np.ndarray, parts, zoom: float, centre) -> None:
    """Draw `parts` ([((x0, y0, x1, y1), rgb)]) scaled by the camera's `zoom` about `centre` (x, y): filled in
    `color`, outlined (2 px, anti-aliased) in both."""
    cx, cy = centre
    for (x0, y0, x1, y1), rgb in parts:
        pts = np.array(
            [[cx + (x - cx) * zoom, cy + (y - cy) * zoom] for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        )
        pts = np.rint(pts).astype(np.int32)
        cv2.fillPoly(color, [pts], rgb)
        for img in (sketch, color):
            cv2.polylines(img, [pts], True, (0, 0, 0), 2, cv2.LINE_AA)
