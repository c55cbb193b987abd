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
