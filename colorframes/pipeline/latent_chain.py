"""`--consistency latent`: each frame starts from the previous frame's final latent, warped by flow.

The flow is computed on the letterboxed sketches (OpenCV DIS, from the current frame to the previous
one), reduced to latent resolution (area resize, displacements / 8) and used to backward-warp the previous
latent into the current frame. The pipeline then re-noises it to `--latent-strength` of the schedule and
denoises from there, so regions that did not move keep their colours.

Chains are deterministic and independent of batch size: a chain starts fresh (shared shot noise) at the
first frame a worker renders and at any gap in frame numbers, so a shard seeds its chain from the first
frame of its own range.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    from ..consistency.flow import dis_flow, warp

    flow = dis_flow(current_gray, previous.sketch_gray)  # (Hc, Wc, 2) current -> previous, pixels
    _, h, w = previous.latent.shape
    small = cv2.resize(flow, (w, h), interpolation=cv2.INTER_AREA) / LATENT_FACTOR  # (h, w, 2) latents
    latent = previous.latent.permute(1, 2, 0).numpy()  # (h, w, 4)
    warped = warp(np.ascontiguousarray(latent), small.astype(np.float32))  # (h, w, 4)
    return torch.from_numpy(np.ascontiguousarray(warped)).permute(2, 0, 1)[None].float()
