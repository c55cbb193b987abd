"""The split LoRA adapters as standard peft adapters (one per branch: `fg`, `bg`).

Our processors keep the weights in peft's lora_A / lora_B layout (see split_attention.py for why the
per-pixel select itself is not a peft forward). These helpers hand one branch to peft-based tooling:
a LoraConfig with per-module ranks and lora_alpha == r (official scale 1) and the matching state dict,
keyed like `peft.get_peft_model_state_dict` on the diffusers UNet.
"""

from __future__ import annotations

from typing import Any

import torch

from .split_attention import SplitCrossAttnProcessor

ADAPTERS = ("fg", "bg")


def _split_processors(unet) -> dict[str, SplitCrossAttnProcessor]:
    """attention module path (…attn2) -> its split processor."""
    return {
        name.removesuffix(".processor"): proc
        for name, proc in unet.attn_processors.items()
        if isinstance(proc, SplitCrossAttnProcessor)
    }


def peft_lora_config_kwargs(unet, adapter: str) -> dict[str, Any]:
    """Arguments for `peft.LoraConfig` that reproduce one branch's adapters on a plain UNet."""
    if adapter not in ADAPTERS:
        raise ValueError(f"adapter must be one of {ADAPTERS}")
    ranks: dict[str, int] = {}
    for path, proc in _split_processors(unet).items():
        for proj in ("to_q", "to_k", "to_v"):
            ranks[f"{path}.{proj}"] = getattr(proc, proj).lora_A[adapter].out_features
    return {
        "r": next(iter(ranks.values())),
        "lora_alpha": next(iter(ranks.values())),
        "target_modules": sorted(ranks),
        "rank_pattern": {f"^{k}$": r for k, r in ranks.items()},
        "alpha_pattern": {f"^{k}$": r for k, r in ranks.items()},
        "lora_dropout": 0.0,
        "bias": "none",
    }


def peft_lora_state_dict(unet, adapter: str) -> dict[str, torch.Tensor]:
    """`<attn path>.to_q.lora_A.weight`-style tensors of one branch (peft's saved-adapter keys)."""
    if adapter not in ADAPTERS:
        raise ValueError(f"adapter must be one of {ADAPTERS}")
    out = {}
    for path, proc in _split_processors(unet).items():
        for proj in ("to_q", "to_k", "to_v"):
            lora = getattr(proc, proj)
            out[f"{path}.{proj}.lora_A.weight"] = lora.lora_A[adapter].weight.detach()
            out[f"{path}.{proj}.lora_B.weight"] = lora.lora_B[adapter].weight.detach()
    return out
