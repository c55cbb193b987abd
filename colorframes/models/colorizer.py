"""SplitColorizer: the ColorizeDiffusion v1.5 model as one nn.Module with the calls a sampler needs.

The sampler (colorframes/pipeline) calls exactly: encode_reference, encode_sketch, threshold_embeddings,
build_context, predict_noise, decode_latents, encode_image. Tensors follow diffusers: (B, C, H, W),
images in [-1, 1]; sketches white lines on black.

The fg/bg LoRA weights live in the attn2 processors: switch attention kernels with `set_attention`, never
with diffusers' `set_attn_processor` / `enable_xformers_memory_efficient_attention`, which would drop them.
"""

from __future__ import annotations

from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from .bg_transformer import BackgroundTransformer
from .config import ColorizerConfig
from .modes import layout_context, uses_mask
from .reference_encoder import ReferenceEncoder
from .sketch_encoder import SketchEncoder
from .split_attention import (
    ContextKV,
    SplitAttentionInputs,
    SplitCrossAttnProcessor,
    level_scale_factors,
    set_attention_backend,
)
from .thresh_embedder import ThresholdEmbedder
from .unet import build_unet, hinted_unet_forward


class SplitColorizer(nn.Module):
    def __init__(self, config: ColorizerConfig | None = None, attention: str = "sdpa") -> None:
        super().__init__()
        from diffusers import AutoencoderKL

        self.config = config = config or ColorizerConfig.full()
        self.unet = build_unet(config, attention)
        self.sketch_encoder = SketchEncoder(
            config.sketch_in_channels, config.sketch_channels, config.sketch_channel_mults
        )
        self.image_encoder = ReferenceEncoder.from_config(config)
        self.thresh_embedder = ThresholdEmbedder(config.thresh_embed_dim, config.thresh_out_dim)
        self.bg_transformer = BackgroundTransformer(
            config.bg_dim, config.bg_layers, config.bg_tokens, config.bg_head_dim, config.bg_mlp_ratio
        )
        # Any: under a type checker diffusers' top-level import resolves to its torch-less dummy class
        self.vae: Any = AutoencoderKL(**config.vae_kwargs())

    # --- runtime settings -------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return self.unet.conv_in.weight.device

    @property
    def unet_dtype(self) -> torch.dtype:
        return self.unet.conv_in.weight.dtype

    @staticmethod
    def _device_of(module: nn.Module) -> torch.device:
        """Where a submodule's weights are (--offload keeps the stages on different devices)."""
        return next(module.parameters()).device

    def set_attention(self, backend: str) -> None:
        """sdpa | xformers for every UNet attention (xformers must be importable)."""
        set_attention_backend(self.unet, backend)

    def set_precision(self, dtype: torch.dtype, vae_dtype: torch.dtype = torch.float32) -> None:
        """Official app layout: UNet + sketch encoder in `dtype`; CLIP, recovery transformer and
        threshold embedder stay fp32 (their tokens are cast to the UNet dtype); VAE in `vae_dtype`."""
        self.unet.to(dtype)
        self.sketch_encoder.to(dtype)
        self.vae.to(vae_dtype)

    # --- conditioning ----------------------------------------------------------------------------------
    def encode_reference(self, image: torch.Tensor | None, batch: int = 1) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] or None -> (B, 256, C) local tokens; zeros without a reference."""
        enc = self.image_encoder
        if image is None:
            dtype = enc.visual.proj.dtype
            return torch.zeros(batch, enc.num_tokens, enc.output_dim, device=enc.visual.proj.device, dtype=dtype)
        tokens = enc(image.to(enc.visual.proj.device))
        if tokens.shape[0] == 1 and batch > 1:
            tokens = tokens.expand(batch, -1, -1)
        return tokens

    def encode_sketch(self, sketch: torch.Tensor) -> list[torch.Tensor]:
        """(B, 3, H, W) white-on-black in [-1, 1] -> 5 hints (caller multiplies by sketch strength)."""
        weight = cast(nn.Conv2d, self.sketch_encoder.model[0]).weight  # its first conv
        return self.sketch_encoder(sketch.to(device=weight.device, dtype=weight.dtype))

    def threshold_embeddings(self, ts_r: float, ts_s: float) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (E_r, E_s), each (1, 1, C); ts values go in as float32 like the official call."""
        values = torch.tensor([ts_r, ts_s], dtype=torch.float32, device=self._device_of(self.thresh_embedder))
        emb = self.thresh_embedder(values)  # (2, 1, C)
        return emb[0:1], emb[1:2]

    def background_input(self, *, ts_r: float, reference: torch.Tensor, ref_mask: torch.Tensor) -> torch.Tensor:
        """Recovery-transformer input: CLIP(where(rmask < ts_r, ref, white)) + E(ts_r), (B, 256, C)."""
        reference = reference.to(self._device_of(self.image_encoder))
        ref_mask = ref_mask.to(device=reference.device, dtype=reference.dtype)
        masked = torch.where(ref_mask < ts_r, reference, torch.ones_like(reference))
        e_r, _ = self.threshold_embeddings(ts_r, 0.0)
        return self.image_encoder(masked) + e_r.to(reference.dtype)

    def encode_background(
        self,
        *,
        ts_r: float,
        reference: torch.Tensor | None = None,
        ref_mask: torch.Tensor | None = None,
        background: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Background tokens (B, 256, C): a separate background image, or the figure-less reference
        through the recovery transformer."""
        if background is not None:
            e_r, _ = self.threshold_embeddings(ts_r, 0.0)
            return self.image_encoder(background.to(self._device_of(self.image_encoder))) + e_r
        if reference is None or ref_mask is None:
            raise ValueError("background tokens need a background image, or a reference and its mask")
        return self.bg_transformer(self.background_input(ts_r=ts_r, reference=reference, ref_mask=ref_mask))

    def build_context(
        self,
        ref_tokens: torch.Tensor,
        *,
        fg_lora: bool,
        bg_lora: bool,
        ts_s: float,
        ts_r: float,
        reference: torch.Tensor | None = None,
        ref_mask: torch.Tensor | None = None,
        background: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The official token layout for (fg_lora, bg_lora); see colorframes/models/modes.py."""
        bg_tokens = None
        _, e_s = self.threshold_embeddings(ts_r, ts_s)
        if bg_lora:
            bg_tokens = self.encode_background(
                ts_r=ts_r, reference=reference, ref_mask=ref_mask, background=background
            )
            if bg_tokens.shape[0] != ref_tokens.shape[0]:
                bg_tokens = bg_tokens.expand(ref_tokens.shape[0], -1, -1)
        return layout_context(ref_tokens, bg_tokens, e_s, fg_lora=fg_lora, bg_lora=bg_lora)

    # --- denoising -------------------------------------------------------------------------------------
    @torch.no_grad()
    def context_kv(self, context: torch.Tensor, *, fg_lora: bool, bg_lora: bool) -> ContextKV:
        """Every attn2's keys/values of a (1, N, C) shot context and of its all-zero null context, once.

        The null entry is None (exactly zero, skipped at run time) when to_k and to_v have no bias: the
        LoRA deltas have none either, so zero tokens project to exactly zero keys and values."""
        context = context.to(device=self.device, dtype=self.unet_dtype)
        null = torch.zeros_like(context)
        kv, null_kv = {}, {}
        for name, proc in self.unet.attn_processors.items():
            if not isinstance(proc, SplitCrossAttnProcessor):
                continue
            attn = self.unet.get_submodule(name.rsplit(".", 1)[0])
            kv[name] = proc.project_context(attn, context, fg_lora=fg_lora, bg_lora=bg_lora)
            zero = attn.to_k.bias is None and attn.to_v.bias is None
            null_kv[name] = None if zero else proc.project_context(attn, null, fg_lora=fg_lora, bg_lora=bg_lora)
        return ContextKV(kv, null_kv, split=uses_mask(fg_lora, bg_lora))

    def split_inputs(
        self, mask: torch.Tensor, batch: int, *, fg_lora: bool, bg_lora: bool, ts_s: float
    ) -> SplitAttentionInputs:
        """Latent-resolution soft mask (B|1, 1, h, w) -> per-level boolean fg selects.

        Bicubic resize by the level's scale factor from the latent-size mask (it may overshoot [0, 1]);
        strict `>` like the official select. Computed once per UNet call, shared by all 16 attn2."""
        mask = mask.to(device=self.device, dtype=torch.float32)
        if mask.shape[0] not in (1, batch):
            if batch % mask.shape[0]:
                raise ValueError(f"mask batch {mask.shape[0]} does not divide the UNet batch {batch}")
            mask = mask.repeat(batch // mask.shape[0], 1, 1, 1)  # CFG layout [cond, uncond...]
        select = {}
        h, w = mask.shape[-2:]
        for scale in level_scale_factors(len(self.config.unet_channels)):
            if int(mask.shape[-2] * scale) == h and int(mask.shape[-1] * scale) == w:
                m = F.interpolate(mask, scale_factor=scale, mode="bicubic")  # official: by factor
            else:  # latent side not divisible by 8: follow the UNet's ceil-halving sizes instead
                m = F.interpolate(mask, size=(h, w), mode="bicubic")
            select[scale] = (m > ts_s).flatten(2).transpose(1, 2)  # (B, hw, 1)
            h, w = (h + 1) // 2, (w + 1) // 2
        return SplitAttentionInputs(fg_lora=fg_lora, bg_lora=bg_lora, select=select)

    def predict_noise(
        self,
        sample: torch.Tensor,
        timestep: torch.Tensor | float | int,
        context: torch.Tensor,
        hints: list[torch.Tensor] | None,
        mask: torch.Tensor | None = None,
        *,
        fg_lora: bool,
        bg_lora: bool,
        ts_s: float,
        context_kv: ContextKV | None = None,
    ) -> torch.Tensor:
        """One UNet call: (B, 4, h, w) -> (B, 4, h, w) eps (or v), in `sample`'s dtype.

        mask: latent-resolution (B|1, 1, h, w) soft sketch mask; ignored (may be None) for vanilla.
        context_kv: the shot's precomputed attn2 keys/values (`context_kv()` + the batch's branch layout);
        then `context` only supplies its shape."""
        dtype = self.unet_dtype
        split = None
        if uses_mask(fg_lora, bg_lora):
            if mask is None:
                raise ValueError("fg/bg LoRA modes need the sketch mask")
            if mask.shape[-2:] != sample.shape[-2:]:
                raise ValueError(f"mask {tuple(mask.shape[-2:])} must be at latent size {tuple(sample.shape[-2:])}")
            if context.shape[1] % 2:
                raise ValueError(f"split attention needs an even token count, got {context.shape[1]}")
            split = self.split_inputs(mask, sample.shape[0], fg_lora=fg_lora, bg_lora=bg_lora, ts_s=ts_s)
        if context.shape[0] == 1 and sample.shape[0] > 1:
            context = context.expand(sample.shape[0], -1, -1)
        hints = None if hints is None else [h.to(device=self.device, dtype=dtype) for h in hints]
        if torch.is_tensor(timestep):
            timestep = timestep.to(self.device)
        out = hinted_unet_forward(
            self.unet,
            sample.to(device=self.device, dtype=dtype),
            timestep,
            context.to(device=self.device, dtype=dtype),
            hints,
            cross_attention_kwargs={"split": split, "context_kv": context_kv},
        )
        return out.to(sample.dtype)

    # --- VAE -------------------------------------------------------------------------------------------
    def decode_latents(self, latents: torch.Tensor) -> torch.Tensor:
        """(B, 4, h, w) -> (B, 3, 8h, 8w) image in about [-1, 1], not clamped, float32."""
        weight = self.vae.post_quant_conv.weight
        z = latents.to(device=weight.device, dtype=weight.dtype) / self.config.latent_scale
        return self.vae.decode(z).sample.float()

    def encode_image(
        self, image: torch.Tensor, generator: torch.Generator | None = None, sample: bool = False
    ) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] -> scaled latents (posterior mean unless `sample`)."""
        weight = self.vae.quant_conv.weight
        dist = self.vae.encode(image.to(device=weight.device, dtype=weight.dtype)).latent_dist
        z = dist.sample(generator) if sample else dist.mode()
        return z.float() * self.config.latent_scale
