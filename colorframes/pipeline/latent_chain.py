"""`--consistency latent`: each frame starts from the previous frame's final latent, warped by flow.

The flow is computed on the letterboxed sketches (OpenCV DIS, from the current frame to the previous
one), reduced to latent resolution (area resize, displacements / 8) and used to backward-warp the previous
latent into the current frame. The pipeline then re-noises it to `--latent-strength` of the schedule and
denoises from there, so regions that did not move keep their colours.

Chains are anchored on frame numbers, never on where a worker starts, so a frame renders the same in a
whole run, in any shard and at any batch size: a chain restarts from the shared shot noise at every
`every`-th frame counted from the shot's first frame (`first_frame + k * every`; `every` = 0: never)
and after any gap (a frame number missing from the shot). A worker whose first frame lies inside a
segment re-renders that segment's earlier frames (colorize only, not written; at most `every - 1`) to
seed its chain, reading their line art through `ShotSetup.sketch_loader`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .preprocess import LATENT_FACTOR


@dataclass
class ChainLink:
    number: int  # frame number
    sketch_gray: np.ndarray  # (Hc, Wc) uint8 letterboxed sketch (white lines on black)
    latent: torch.Tensor  # (4, h, w) float32 final latent on the CPU


def sketch_gray(sketch: torch.Tensor) -> np.ndarray:
    """(3, Hc, Wc) sketch in [-1, 1] -> (Hc, Wc) uint8 grey for DIS."""
    grey = ((sketch[0].float().cpu().numpy() + 1.0) * 127.5).round()
    return np.clip(grey, 0, 255).astype(np.uint8)


def warp_latent(previous: ChainLink, current_gray: np.ndarray) -> torch.Tensor:
    """The previous frame's latent brought into the current frame: (1, 4, h, w) float32."""
    import cv2

    from ..foundation.flow import dis_flow, warp

    flow = dis_flow(current_gray, previous.sketch_gray)  # (Hc, Wc, 2) current -> previous, pixels
    _, h, w = previous.latent.shape
    small = cv2.resize(flow, (w, h), interpolation=cv2.INTER_AREA) / LATENT_FACTOR  # (h, w, 2) latents
    latent = previous.latent.permute(1, 2, 0).numpy()  # (h, w, 4)
    warped = warp(np.ascontiguousarray(latent), small.astype(np.float32))  # (h, w, 4)
    return torch.from_numpy(np.ascontiguousarray(warped)).permute(2, 0, 1)[None].float()


def segment_start(number: int, first_frame: int, every: int) -> int:
    """The fixed restart point at or before `number`: first_frame + k * every (every <= 0: first_frame)."""
    if every <= 0 or number <= first_frame:
        return min(number, first_frame)
    return first_frame + (number - first_frame) // every * every


class LatentChain:
    """One shot's latent chain for one worker: renders frames in chain order, rebuilding what it lacks.

    render(frame, init_latents | None, strength) -> FrameResult with extras["latent"] (4, h, w);
    gray(sketch) -> (Hc, Wc) uint8 letterboxed sketch for the flow; load(number) -> (H, W, 3) uint8 line
    art or None when the frame is not in the shot; make_input(number, sketch) -> FrameInput (adds the
    mask). Without `load` a chain only continues from a frame this worker rendered itself (then shards
    may differ at their first frames).
    """

    def __init__(
        self,
        *,
        first_frame: int,
        every: int,
        strength: float,
        render: Callable[[Any, torch.Tensor | None, float], Any],
        gray: Callable[[np.ndarray], np.ndarray],
        load: Callable[[int], np.ndarray | None] | None = None,
        make_input: Callable[[int, np.ndarray], Any] | None = None,
    ) -> None:
        self.first_frame, self.every, self.strength = first_frame, every, strength
        self.render, self.gray, self.load, self.make_input = render, gray, load, make_input
        self.last: ChainLink | None = None
        self.recomputed = 0  # frames rendered only to seed a chain (not returned)

    def colorize(self, frame: Any) -> Any:
        """Render `frame` (a FrameInput) from the warped latent of frame - 1 when they share a segment."""
        return self._link(frame, self._previous(frame.number))

    def _link(self, frame: Any, previous: ChainLink | None) -> Any:
        gray = self.gray(frame.sketch)
        if previous is not None and previous.sketch_gray.shape == gray.shape:
            result = self.render(frame, warp_latent(previous, gray), self.strength)  # (1, 4, h, w) init
            result.extras["chained_from"] = previous.number
        else:
            result = self.render(frame, None, 1.0)
        self.last = ChainLink(frame.number, gray, result.extras["latent"].float())
        return result

    def _has(self, number: int) -> bool:
        return self.last is not None and self.last.number == number

    def _previous(self, number: int) -> ChainLink | None:
        """The link of frame number - 1 in this frame's segment, re-rendering the segment if needed."""
        start = segment_start(number, self.first_frame, self.every)
        if number <= start:
            return None
        if self._has(number - 1):
            return self.last
        if self.load is None or self.make_input is None:
            return None
        # Walk back to where the chain begins (a gap, the segment start, or a frame we hold), then render
        # forward; the line art is read twice rather than holding a whole segment in memory.
        begin = number - 1
        while begin > start and not self._has(begin) and self.load(begin) is not None:
            begin -= 1
        if self._has(begin):
            link, begin = self.last, begin + 1
        else:
            link = None
            if begin > start or self.load(begin) is None:
                begin += 1  # `begin` is a gap (or itself missing): the chain restarts after it
        for n in range(begin, number):
            sketch = self.load(n)
            if sketch is None:  # vanished between the two passes: restart after it
                link = None
                continue
            self._link(self.make_input(n, sketch), link)
            self.recomputed += 1
            link = self.last
        return link
