"""Sizes and constants of the ColorizeDiffusion v1.5 ("switch") colorizer.

One flat dataclass describes every submodule so that a converted folder carries a single `config.json`.
`ColorizerConfig.full()` is the released model (SD2.1 UNet, OpenCLIP ViT-H-14, kl-f8 VAE);
`ColorizerConfig.tiny()` is exactly the golden fixture's tiny config (`colorize-v1.5-tiny/config.json`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

PREDICTION_TYPES = {"eps": "epsilon", "epsilon": "epsilon", "v": "v_prediction", "v_prediction": "v_prediction"}


@dataclass(frozen=True)
class ColorizerConfig:
    # --- UNet (LDM model_channels * channel_mult; attention on the first three levels) --------
    unet_channels: tuple[int, ...] = (320, 640, 1280, 1280)
    unet_head_channels: int = 64  # num_head_channels: heads per level = width // 64 -> 5/10/20/20
    unet_layers_per_block: int = 2
    unet_in_channels: int = 4
    unet_out_channels: int = 4
    context_dim: int = 1024  # cross_attention_dim
    sample_size: int = 64  # latent size of the training resolution (512 px)
    # --- split LoRA on every attn2 to_q/to_k/to_v: int = rank, float = fraction of min(in, out) --
    lora_fg_rank: float | int = 4
    lora_bg_rank: float | int = 0.5
    # --- sketch encoder (MultiEncoder) ------------------------------------------------------------
    sketch_in_channels: int = 3
    sketch_channels: int = 320
    sketch_channel_mults: tuple[int, ...] = (1, 2, 4, 4)
    # --- background (recovery) transformer ---------------------------------------------------------
    bg_dim: int = 1024
    bg_layers: int = 6
    bg_tokens: int = 256
    bg_head_dim: int = 64  # heads = bg_dim // 64
    bg_mlp_ratio: int = 4
    # --- threshold embedder (ScalarEmbedder) -------------------------------------------------------
    thresh_embed_dim: int = 256
    thresh_out_dim: int = 1024
    # --- VAE (LDM kl-f8 -> diffusers AutoencoderKL) ------------------------------------------------
    vae_channels: tuple[int, ...] = (128, 256, 512, 512)
    vae_layers_per_block: int = 2
    vae_latent_channels: int = 4
    vae_sample_size: int = 512
    # --- reference encoder: open_clip VisionTransformer ----------------------------------------------
    clip_arch: str = "ViT-H-14"
    clip_pretrained: str = "laion2b_s32b_b79k"
    clip_image_size: int = 224
    clip_patch_size: int = 14
    clip_width: int = 1280
    clip_layers: int = 32
    clip_head_width: int = 80
    clip_mlp_ratio: float = 4.0
    clip_output_dim: int = 1024
    # --- diffusion ------------------------------------------------------------------------------------
    latent_scale: float = 0.18215
    prediction_type: str = "epsilon"  # epsilon | v_prediction (switch-eps is epsilon)
    num_train_timesteps: int = 1000
    beta_start: float = 0.00085
    beta_end: float = 0.012
    beta_schedule: str = "scaled_linear"

    def __post_init__(self) -> None:
        if self.prediction_type not in PREDICTION_TYPES:
            raise ValueError(f"prediction_type must be one of {sorted(PREDICTION_TYPES)}")
        object.__setattr__(self, "prediction_type", PREDICTION_TYPES[self.prediction_type])
        for name in ("unet_channels", "sketch_channel_mults", "vae_channels"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    # --- presets --------------------------------------------------------------------------------------
    @classmethod
    def full(cls) -> ColorizerConfig:
        """The released switch-eps model (configs/inference/switch.yaml)."""
        return cls()

    @classmethod
    def tiny(cls) -> ColorizerConfig:
        """The golden fixture's tiny model: same structure, small widths, random weights."""
        return cls(
            unet_channels=(32, 64, 128, 128),
            unet_head_channels=8,
            context_dim=128,
            sample_size=16,
            sketch_channels=32,
            bg_dim=128,
            bg_layers=2,
            thresh_embed_dim=32,
            thresh_out_dim=128,
            vae_channels=(32, 32, 64, 64),
            vae_sample_size=128,
            clip_arch="CDTiny-ViT",
            clip_pretrained="",
            clip_width=64,
            clip_layers=2,
            clip_head_width=16,
            clip_output_dim=128,
        )

    def replace(self, **changes: Any) -> ColorizerConfig:
        return replace(self, **changes)

    # --- derived sizes -------------------------------------------------------------------------------
    @property
    def unet_heads(self) -> tuple[int, ...]:
        """Attention heads per UNet level (LDM num_head_channels semantics)."""
        return tuple(c // self.unet_head_channels for c in self.unet_channels)

    @property
    def num_reference_tokens(self) -> int:
        return (self.clip_image_size // self.clip_patch_size) ** 2

    @property
    def sketch_hint_channels(self) -> tuple[int, ...]:
        """Channels of the five sketch hints (the UNet widths at the five injection points)."""
        c = self.sketch_channels
        m = self.sketch_channel_mults
        return (c * m[0], c * m[0], c * m[1], c * m[2], c * m[3])

    @staticmethod
    def lora_rank(rank: float | int, in_features: int, out_features: int) -> int:
        """Official rule: an int is the rank, a float is a fraction of min(in, out)."""
        if isinstance(rank, float):
            return int(rank * min(in_features, out_features))
        return int(rank)

    def unet_kwargs(self) -> dict[str, Any]:
        """diffusers UNet2DConditionModel arguments for the SD2.1 layout (conv proj_in/out)."""
        levels = len(self.unet_channels)
        return {
            "sample_size": self.sample_size,
            "in_channels": self.unet_in_channels,
            "out_channels": self.unet_out_channels,
            "down_block_types": ("CrossAttnDownBlock2D",) * (levels - 1) + ("DownBlock2D",),
            "up_block_types": ("UpBlock2D",) + ("CrossAttnUpBlock2D",) * (levels - 1),
            "block_out_channels": self.unet_channels,
            "layers_per_block": self.unet_layers_per_block,
            "cross_attention_dim": self.context_dim,
            # diffusers' historical naming: for UNet2DConditionModel this is the number of heads.
            "attention_head_dim": self.unet_heads,
            "use_linear_projection": False,
            "flip_sin_to_cos": True,
            "freq_shift": 0,
            "norm_num_groups": 32,
            "norm_eps": 1e-5,
            "act_fn": "silu",
        }

    def vae_kwargs(self) -> dict[str, Any]:
        levels = len(self.vae_channels)
        return {
            "in_channels": 3,
            "out_channels": 3,
            "down_block_types": ("DownEncoderBlock2D",) * levels,
            "up_block_types": ("UpDecoderBlock2D",) * levels,
            "block_out_channels": self.vae_channels,
            "layers_per_block": self.vae_layers_per_block,
            "latent_channels": self.vae_latent_channels,
            "sample_size": self.vae_sample_size,
            "norm_num_groups": 32,
            "scaling_factor": self.latent_scale,
        }

    # --- JSON --------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColorizerConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known - {"_class_name", "_colorframes_version"})
        if unknown:
            raise ValueError(f"unknown ColorizerConfig keys: {', '.join(unknown)}")
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, path: str | Path) -> None:
        payload = {"_class_name": "SplitColorizer", **self.to_dict()}
        Path(path).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ColorizerConfig:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
