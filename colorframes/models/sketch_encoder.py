"""Sketch encoder: five multi-scale hints that are added to the UNet's down path.

Facts (research brief 1(d), MultiEncoder): an 8-conv stem to latent resolution, a 1x1 conv giving hint 0,
then four [SiLU, conv3x3, SiLU, conv3x3] blocks (the first conv strided except in the last block), each
followed by a 1x1 conv giving hints 1..4. No timestep or context input, so it runs once per frame and its
hints are reused for every denoising step.
"""

from __future__ import annotations

import torch
from torch import nn

# (out_channels, stride) of the stem convs; the last one outputs `model_channels`.
_STEM = ((16, 1), (16, 1), (32, 2), (32, 1), (96, 2), (96, 1), (256, 2))


class SketchEncoder(nn.Module):
    """White-on-black [-1, 1] sketch (B, 3, H, W) -> 5 hints at latent /1, /2, /4, /8, /8."""

    def __init__(self, in_channels: int = 3, model_channels: int = 320, channel_mults=(1, 2, 4, 4)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        ch = in_channels
        for out, stride in _STEM:
            layers += [nn.Conv2d(ch, out, 3, stride=stride, padding=1), nn.SiLU()]
            ch = out
        layers.append(nn.Conv2d(ch, model_channels, 3, padding=1))
        self.model = nn.Sequential(*layers)
        self.zero_layer = nn.Sequential(nn.Conv2d(model_channels, model_channels, 1))
        widths = [model_channels * m for m in channel_mults]
        self.output_blocks = nn.ModuleList()
        self.zero_blocks = nn.ModuleList()
        ch = model_channels
        for i, out in enumerate(widths):
            stride = 2 if i < len(widths) - 1 else 1
            self.output_blocks.append(
                nn.Sequential(
                    nn.SiLU(),
                    nn.Conv2d(ch, out, 3, stride=stride, padding=1),
                    nn.SiLU(),
                    nn.Conv2d(out, out, 3, padding=1),
                )
            )
            self.zero_blocks.append(nn.Sequential(nn.Conv2d(out, out, 1)))
            ch = out

    def forward(self, sketch: torch.Tensor) -> list[torch.Tensor]:
        h = self.model(sketch)  # (B, C, H/8, W/8)
        hints = [self.zero_layer(h)]
        for block, zero in zip(self.output_blocks, self.zero_blocks, strict=True):
            h = block(h)
            hints.append(zero(h))
        return hints
