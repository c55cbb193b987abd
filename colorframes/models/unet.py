"""SD2.1 UNet (diffusers blocks) with the v1.5 sketch-hint injection.

Facts (brief 1(d)): hint i is added to h right after LDM input_blocks [0, 3, 6, 9, 11], i.e. after
conv_in, after each of the three downsamplers, and after the last resnet of the lowest level; the sum
flows on AND is the skip connection. Stock diffusers residual hooks add only to the skips (ControlNet) or
before the downsamplers (T2I-Adapter), so this module runs diffusers' own blocks with its own loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .config import ColorizerConfig
from .split_attention import install_processors, set_attention_backend


def build_unet(config: ColorizerConfig, backend: str = "sdpa"):
    """A diffusers UNet2DConditionModel with the split processors installed on every attn2."""
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel(**config.unet_kwargs())
    install_processors(unet, config.lora_fg_rank, config.lora_bg_rank)
    if backend != "sdpa":
        set_attention_backend(unet, backend)  # validates, and imports xformers now rather than mid-run
    return unet


def hinted_unet_forward(
    unet,
    sample: torch.Tensor,
    timestep: torch.Tensor | float | int,
    context: torch.Tensor,
    hints: list[torch.Tensor] | None,
    cross_attention_kwargs: dict[str, Any] | None = None,
) -> torch.Tensor:
    """(B, 4, h, w) latents, (B,) timesteps, (B, N, C) context, 5 hints -> (B, 4, h, w) model output."""
    b = sample.shape[0]
    if not torch.is_tensor(timestep):
        timestep = torch.tensor([timestep], device=sample.device)
    timestep = timestep.reshape(-1).to(sample.device).expand(b) if timestep.numel() == 1 else timestep
    dtype = sample.dtype
    emb = unet.time_embedding(unet.time_proj(timestep).to(dtype))  # (B, 4*C0)
    slots: Sequence[torch.Tensor | None] = hints if hints is not None else (None,) * 5

    h = unet.conv_in(sample)  # (B, C0, h, w)
    if slots[0] is not None:
        h = h + slots[0]
    skips: tuple[torch.Tensor, ...] = (h,)
    for i, block in enumerate(unet.down_blocks):
        if getattr(block, "has_cross_attention", False):
            h, res = block(h, temb=emb, encoder_hidden_states=context, cross_attention_kwargs=cross_attention_kwargs)
        else:
            h, res = block(h, temb=emb)
        hint = slots[i + 1]
        if hint is not None:
            # The block's last output (downsampler, or the last resnet of the lowest level) gets the hint;
            # the sum is both the running state and that level's last skip.
            h = h + hint
            res = res[:-1] + (h,)
        skips += res

    h = unet.mid_block(h, emb, encoder_hidden_states=context, cross_attention_kwargs=cross_attention_kwargs)

    for i, block in enumerate(unet.up_blocks):
        n = len(block.resnets)
        res, skips = skips[-n:], skips[:-n]
        upsample_size = skips[-1].shape[2:] if i < len(unet.up_blocks) - 1 else None
        if getattr(block, "has_cross_attention", False):
            h = block(
                hidden_states=h,
                temb=emb,
                res_hidden_states_tuple=res,
                encoder_hidden_states=context,
                cross_attention_kwargs=cross_attention_kwargs,
                upsample_size=upsample_size,
            )
        else:
            h = block(hidden_states=h, temb=emb, res_hidden_states_tuple=res, upsample_size=upsample_size)

    h = unet.conv_act(unet.conv_norm_out(h))
    return unet.conv_out(h)
