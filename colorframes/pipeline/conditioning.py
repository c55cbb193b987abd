"""Per-shot conditioning: reference tokens -> the cross-attention context of the chosen mode.

Computed once per shot (`setup_shot`), reused by every frame. The reference-null branch uses zero tokens
of the same shape under the same mask (official `zeros_like(context)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class ShotConditioning:
    context: torch.Tensor  # (1, N, D) cross-attention tokens; N = 256 | 512 | 1024 by mode
    fg_lora: bool
    bg_lora: bool
    ts_s: float  # sketch-mask select threshold of the split attention

    @property
    def masked(self) -> bool:
        """Vanilla (no LoRA) runs plain cross-attention and ignores the sketch mask."""
        return self.fg_lora or self.bg_lora


@torch.no_grad()
def prepare_conditioning(
    model: Any,
    *,
    reference: torch.Tensor | None,
    ref_mask: torch.Tensor | None,
    background: torch.Tensor | None = None,
    bg_reference: torch.Tensor | None = None,
    fg_lora: bool,
    bg_lora: bool,
    ts_s: float = 0.05,
    ts_r: float = 0.5,
) -> ShotConditioning:
    """Encode the reference (and background) and build the mode's context with the model's own rules.

    reference: (1, 3, Hr, Wr) in [-1, 1] or None (zero tokens); ref_mask: (1, 1, Hr, Wr) in [0, 1]
    for the image the background tokens come from: `bg_reference` when given (e.g. blank paper for a
    shot without a reference), else the reference. `background`: a separate background image.
    """
    ref_tokens = model.encode_reference(reference)  # (1, 256, D)
    context = model.build_context(
        ref_tokens,
        fg_lora=fg_lora,
        bg_lora=bg_lora,
        ts_s=ts_s,
        ts_r=ts_r,
        reference=bg_reference if bg_reference is not None else reference,
        ref_mask=ref_mask,
        background=background,
    )
    return ShotConditioning(context=context, fg_lora=fg_lora, bg_lora=bg_lora, ts_s=ts_s)
