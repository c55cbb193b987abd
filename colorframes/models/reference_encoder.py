"""Reference encoder: OpenCLIP vision tower -> 256 local tokens (no CLS) in the UNet's context space.

Facts (brief 1(c)): 224x224 bicubic squash (align_corners=True, antialias=True, no crop), CLIP mean/std,
all resblocks, then ln_post and proj on EVERY token, CLS dropped. No reference -> zero tokens.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class ReferenceEncoder(nn.Module):
    mean: torch.Tensor  # (1, 3, 1, 1) CLIP mean, a non-persistent buffer (reset_buffers)
    std: torch.Tensor  # (1, 3, 1, 1) CLIP std, likewise

    def __init__(
        self,
        image_size: int = 224,
        patch_size: int = 14,
        width: int = 1280,
        layers: int = 32,
        head_width: int = 80,
        mlp_ratio: float = 4.0,
        output_dim: int = 1024,
    ) -> None:
        super().__init__()
        from open_clip.transformer import VisionTransformer

        self.image_size = image_size
        self.visual = VisionTransformer(
            image_size=image_size,
            patch_size=patch_size,
            width=width,
            layers=layers,
            heads=width // head_width,
            mlp_ratio=mlp_ratio,
            output_dim=output_dim,
        )
        self.reset_buffers()

    @classmethod
    def from_config(cls, config) -> ReferenceEncoder:
        """The image tower a `ColorizerConfig` describes (ViT-H-14 at full size)."""
        return cls(
            image_size=config.clip_image_size,
            patch_size=config.clip_patch_size,
            width=config.clip_width,
            layers=config.clip_layers,
            head_width=config.clip_head_width,
            mlp_ratio=config.clip_mlp_ratio,
            output_dim=config.clip_output_dim,
        )

    def reset_buffers(self, device: torch.device | str | None = None) -> None:
        """(Re)create the non-persistent CLIP mean/std, e.g. after a meta-device build."""
        self.register_buffer("mean", torch.tensor(CLIP_MEAN, device=device).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CLIP_STD, device=device).view(1, 3, 1, 1), persistent=False)

    @property
    def num_tokens(self) -> int:
        return self.visual.positional_embedding.shape[0] - 1

    @property
    def output_dim(self) -> int:
        return self.visual.proj.shape[1]

    def preprocess(self, image: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] -> (B, 3, 224, 224) CLIP-normalised."""
        size = (self.image_size, self.image_size)
        x = F.interpolate(image, size, mode="bicubic", align_corners=True, antialias=True)
        x = (x + 1.0) / 2.0
        return (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] -> (B, 256, output_dim) local tokens."""
        v = self.visual
        x = self.preprocess(image.to(v.conv1.weight.dtype))
        x = v.conv1(x)  # (B, width, g, g)
        x = x.flatten(2).transpose(1, 2)  # (B, g*g, width)
        cls = v.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + v.positional_embedding.to(x.dtype)  # (B, 1+g*g, width)
        x = v.ln_pre(x)
        x = v.transformer(x)
        x = v.ln_post(x) @ v.proj  # (B, 1+g*g, output_dim)
        return x[:, 1:]
