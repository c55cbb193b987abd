"""ISNetDIS (Qin et al., "Highly Accurate Dichotomous Image Segmentation", ECCV 2022) in torch.

Written from the published architecture so that the SkyTNT anime-segmentation checkpoints (`isnetis`)
and the official colorizer's `sketch-segment` weights load by key name: a stride-2 `conv_in`, six
encoder stages of residual U-blocks (RSU7, RSU6, RSU5, RSU4, RSU4F, RSU4F) joined by 2x max-pools, five
decoder stages, and six 3x3 `side` heads. Every conv in an RSU block is conv3x3 (dilated) + BatchNorm +
ReLU, named `conv_s1` / `bn_s1`. `width` scales every channel count (64 is the released model; tests use
a tiny width so a random state dict builds in milliseconds). The forward returns the logits of
`side1` at the input size; callers apply the sigmoid.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _upsample_like(src: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    return F.interpolate(src, size=ref.shape[2:], mode="bilinear", align_corners=False)


class REBNCONV(nn.Module):
    """conv3x3 with dilation `dirate` -> BatchNorm -> ReLU; spatial size kept."""

    def __init__(self, in_ch: int, out_ch: int, dirate: int = 1) -> None:
        super().__init__()
        self.conv_s1 = nn.Conv2d(in_ch, out_ch, 3, padding=dirate, dilation=dirate)
        self.bn_s1 = nn.BatchNorm2d(out_ch)
        self.relu_s1 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu_s1(self.bn_s1(self.conv_s1(x)))


class RSU(nn.Module):
    """Residual U-block of `depth` levels (RSU7 = depth 7): a small U-Net plus an identity skip.

    Keys: rebnconvin, rebnconv1..rebnconv{depth}, rebnconv{depth-1}d..rebnconv1d. Levels 1..depth-1
    are separated by 2x max-pools; the innermost conv uses dilation 2.
    """

    def __init__(self, depth: int, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.depth = depth
        self.rebnconvin = REBNCONV(in_ch, out_ch)
        self.rebnconv1 = REBNCONV(out_ch, mid_ch)
        for i in range(1, depth - 1):
            setattr(self, f"pool{i}", nn.MaxPool2d(2, stride=2, ceil_mode=True))
            setattr(self, f"rebnconv{i + 1}", REBNCONV(mid_ch, mid_ch))
        setattr(self, f"rebnconv{depth}", REBNCONV(mid_ch, mid_ch, dirate=2))
        for i in range(depth - 1, 1, -1):
            setattr(self, f"rebnconv{i}d", REBNCONV(mid_ch * 2, mid_ch))
        self.rebnconv1d = REBNCONV(mid_ch * 2, out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hxin = self.rebnconvin(x)
        skips = [self.rebnconv1(hxin)]
        for i in range(1, self.depth - 1):
            pooled = getattr(self, f"pool{i}")(skips[-1])
            skips.append(getattr(self, f"rebnconv{i + 1}")(pooled))
        hx = getattr(self, f"rebnconv{self.depth}")(skips[-1])
        for i in range(self.depth - 1, 0, -1):
            hx = getattr(self, f"rebnconv{i}d")(torch.cat((hx, skips[i - 1]), 1))
            if i > 1:
                hx = _upsample_like(hx, skips[i - 2])
        return hx + hxin


class RSU4F(nn.Module):
    """RSU4 with dilations 1, 2, 4, 8 instead of pooling (used at the two coarsest stages)."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.rebnconvin = REBNCONV(in_ch, out_ch)
        self.rebnconv1 = REBNCONV(out_ch, mid_ch, dirate=1)
        self.rebnconv2 = REBNCONV(mid_ch, mid_ch, dirate=2)
        self.rebnconv3 = REBNCONV(mid_ch, mid_ch, dirate=4)
        self.rebnconv4 = REBNCONV(mid_ch, mid_ch, dirate=8)
        self.rebnconv3d = REBNCONV(mid_ch * 2, mid_ch, dirate=4)
        self.rebnconv2d = REBNCONV(mid_ch * 2, mid_ch, dirate=2)
        self.rebnconv1d = REBNCONV(mid_ch * 2, out_ch, dirate=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hxin = self.rebnconvin(x)
        hx1 = self.rebnconv1(hxin)
        hx2 = self.rebnconv2(hx1)
        hx3 = self.rebnconv3(hx2)
        hx4 = self.rebnconv4(hx3)
        hx3d = self.rebnconv3d(torch.cat((hx4, hx3), 1))
        hx2d = self.rebnconv2d(torch.cat((hx3d, hx2), 1))
        hx1d = self.rebnconv1d(torch.cat((hx2d, hx1), 1))
        return hx1d + hxin


def _c(width: int, channels: int) -> int:
    """Channel count of the released model (width 64) scaled to `width`."""
    return max(1, channels * width // 64)


class ISNetDIS(nn.Module):
    """The ISNet segmentation network. Input (B, in_ch, S, S), output side1 logits (B, out_ch, S, S)."""

    def __init__(self, in_ch: int = 3, out_ch: int = 1, width: int = 64) -> None:
        super().__init__()
        c = lambda n: _c(width, n)  # noqa: E731
        self.conv_in = nn.Conv2d(in_ch, c(64), 3, stride=2, padding=1)
        self.stage1 = RSU(7, c(64), c(32), c(64))
        self.stage2 = RSU(6, c(64), c(32), c(128))
        self.stage3 = RSU(5, c(128), c(64), c(256))
        self.stage4 = RSU(4, c(256), c(128), c(512))
        self.stage5 = RSU4F(c(512), c(256), c(512))
        self.stage6 = RSU4F(c(512), c(256), c(512))
        self.pool12, self.pool23, self.pool34, self.pool45, self.pool56 = (
            nn.MaxPool2d(2, stride=2, ceil_mode=True) for _ in range(5)
        )
        self.stage5d = RSU4F(c(1024), c(256), c(512))
        self.stage4d = RSU(4, c(1024), c(128), c(256))
        self.stage3d = RSU(5, c(512), c(64), c(128))
        self.stage2d = RSU(6, c(256), c(32), c(64))
        self.stage1d = RSU(7, c(128), c(16), c(64))
        side_in = (c(64), c(64), c(128), c(256), c(512), c(512))
        # side1..side6 as in the checkpoints; only side1 feeds the output
        self.side1, self.side2, self.side3, self.side4, self.side5, self.side6 = (
            nn.Conv2d(ch, out_ch, 3, padding=1) for ch in side_in
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hxin = self.conv_in(x)  # (B, 64, S/2, S/2)
        hx1 = self.stage1(hxin)
        hx2 = self.stage2(self.pool12(hx1))
        hx3 = self.stage3(self.pool23(hx2))
        hx4 = self.stage4(self.pool34(hx3))
        hx5 = self.stage5(self.pool45(hx4))
        hx6 = self.stage6(self.pool56(hx5))  # (B, 512, S/64, S/64)
        hx5d = self.stage5d(torch.cat((_upsample_like(hx6, hx5), hx5), 1))
        hx4d = self.stage4d(torch.cat((_upsample_like(hx5d, hx4), hx4), 1))
        hx3d = self.stage3d(torch.cat((_upsample_like(hx4d, hx3), hx3), 1))
        hx2d = self.stage2d(torch.cat((_upsample_like(hx3d, hx2), hx2), 1))
        hx1d = self.stage1d(torch.cat((_upsample_like(hx2d, hx1), hx1), 1))
        return _upsample_like(self.side1(hx1d), x)  # (B, out_ch, S, S) logits


__all__ = ["ISNetDIS", "RSU", "RSU4F", "REBNCONV"]
