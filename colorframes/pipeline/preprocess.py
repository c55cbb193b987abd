"""Frames in, tensors out (and back): the official v1.5 sketch, mask and reference conventions.

Line art arrives as (H, W, 3) uint8 black-on-white; the colorizer wants white lines on black in
[-1, 1], resized keeping aspect into a canvas whose shorter side is the working resolution (multiples of
64) and letterboxed with -1. The sketch mask follows the same geometry (padded with 0) and is reduced
to latent size (x1/8, bicubic, as the official `scaled_resize`). Outputs are cropped back to the
letterbox box and resized to the frame size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

LATENT_FACTOR = 8
MULTIPLE = 64


@dataclass(frozen=True)
class Letterbox:
    """Where a frame sits inside the working canvas. All sizes in pixels, (H, W) order."""

    frame: tuple[int, int]  # original frame size
    canvas: tuple[int, int]  # working size, multiples of 64
    top: int
    left: int
    height: int  # content box inside the canvas
    width: int

    @property
    def latent(self) -> tuple[int, int]:
        return self.canvas[0] // LATENT_FACTOR, self.canvas[1] // LATENT_FACTOR


def round_to_multiple(value: float, multiple: int = MULTIPLE) -> int:
    return max(multiple, int(round(value / multiple)) * multiple)


def working_size(frame_hw: tuple[int, int], resolution: int) -> tuple[int, int]:
    """Canvas (H, W): shorter side = `resolution` rounded to 64, longer side keeps the aspect (x64)."""
    h, w = frame_hw
    short = round_to_multiple(resolution)
    scale = short / min(h, w)
    if h <= w:
        return short, round_to_multiple(w * scale)
    return round_to_multiple(h * scale), short


def letterbox(frame_hw: tuple[int, int], canvas_hw: tuple[int, int]) -> Letterbox:
    """Fit the frame into the canvas keeping aspect, centred."""
    h, w = frame_hw
    ch, cw = canvas_hw
    scale = min(ch / h, cw / w)
    bh, bw = min(ch, max(1, round(h * scale))), min(cw, max(1, round(w * scale)))
    return Letterbox(frame_hw, canvas_hw, (ch - bh) // 2, (cw - bw) // 2, bh, bw)


def _resize(x: torch.Tensor, size: tuple[int, int], antialias: bool = True) -> torch.Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bicubic", align_corners=False, antialias=antialias)


def _place(x: torch.Tensor, box: Letterbox, fill: float) -> torch.Tensor:
    """Resize (B, C, h, w) into the box and pad the canvas with `fill`."""
    x = _resize(x, (box.height, box.width))  # (B, C, bh, bw)
    canvas = x.new_full((x.shape[0], x.shape[1], *box.canvas), fill)
    canvas[:, :, box.top : box.top + box.height, box.left : box.left + box.width] = x
    return canvas


def sketch_to_tensor(sketches: list[np.ndarray], box: Letterbox, device: torch.device | None = None) -> torch.Tensor:
    """(H, W, 3) uint8 black-on-white -> (B, 3, Hc, Wc) float32 white-on-black in [-1, 1], pad -1.

    With `device`, the uint8 frames move first (4x fewer bytes) and the resize runs there."""
    arr = torch.from_numpy(np.stack(sketches)).to(device or "cpu").permute(0, 3, 1, 2).float()  # (B, 3, H, W)
    x = 1.0 - arr / 127.5  # invert: black line (0) -> +1, white paper (255) -> -1
    return _place(x, box, -1.0).clamp_(-1.0, 1.0)


def mask_to_latent(masks: list[np.ndarray], box: Letterbox, device: torch.device | None = None) -> torch.Tensor:
    """(H, W) float [0, 1] masks -> (B, 1, h, w) latent-size masks (bicubic x1/8, unclamped).

    Bicubic may overshoot [0, 1]; the official code keeps the overshoot, so do we. With `device` the
    resize runs there.
    """
    m = torch.from_numpy(np.stack(masks).astype(np.float32))[:, None].to(device or "cpu")  # (B, 1, H, W)
    m = _place(m, box, 0.0).clamp_(0.0, 1.0)  # (B, 1, Hc, Wc)
    return F.interpolate(m, size=box.latent, mode="bicubic", align_corners=False)


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 RGB -> (1, 3, H, W) float32 in [-1, 1] at its own size."""
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float()
    return x / 127.5 - 1.0


def reference_mask_to_tensor(mask: np.ndarray) -> torch.Tensor:
    """(H, W) float [0, 1] -> (1, 1, H, W) float32, as given (soft, reference size)."""
    return torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32))[None, None]


def tensor_to_frames(images: torch.Tensor, box: Letterbox, uint8: bool = False) -> list[np.ndarray]:
    """(B, 3, Hc, Wc) in [-1, 1] -> list of (H, W, 3) float32 in [0, 1] at the frame size.

    uint8=True: (H, W, 3) uint8, quantised where the images are (the GPU) as the PNG writer would
    (round half up), so one small copy leaves the device instead of a float frame."""
    x = images.float()[:, :, box.top : box.top + box.height, box.left : box.left + box.width]
    x = _resize(x, box.frame)  # (B, 3, H, W)
    x = ((x + 1.0) / 2.0).clamp_(0.0, 1.0)
    if uint8:
        x = (x * 255.0 + 0.5).to(torch.uint8)  # truncation of x + 0.5: round half up
        frames = x.permute(0, 2, 3, 1).contiguous().cpu().numpy()  # (B, H, W, 3)
        return list(frames)
    return [np.ascontiguousarray(f.permute(1, 2, 0).cpu().numpy(), dtype=np.float32) for f in x]
