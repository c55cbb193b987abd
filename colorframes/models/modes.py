"""The colorizer's modes and the exact official cross-attention token layouts.

The official code has no mode enum: two flags, `bg_enhance` and `fg_enhance`, switch the bg and fg LoRA
(brief 1(b)). Our modes map onto them as follows (fg_lora, bg_lora):

| mode      | fg_lora | bg_lora | official flags                | context tokens                                 |
|-----------|---------|---------|-------------------------------|------------------------------------------------|
| vanilla   | False   | False   | neither                       | [tok] (256); pretrained cross-attention only    |
| bg2fig    | False   | True    | bg_enhance                    | [tok+E(ts_s) ‖ bg] (512)                        |
| fig2fig   | True    | True    | bg_enhance + fg_enhance       | [tok+E(ts_s) ‖ bg ‖ tok+E(ts_s) ‖ bg] (1024)    |
| (flags)   | True    | False   | fg_enhance (via --fg-lora)    | [tok ‖ tok] (512)                               |

with bg = BGT(CLIP(where(rmask < ts_r, ref, white)) + E(ts_r)), or CLIP(background) + E(ts_r) when a
separate background image is given (no BGT).

Why bg2fig = bg_enhance and not "foreground LoRA only": a reference with a figure on a complex
background is the case the background path exists for: the reference mask removes the figure, the
recovery transformer rebuilds the background tokens and the bg-LoRA paints them into the sketch's
background while the figure keeps the plain reference tokens. fg_enhance alone never looks at the
reference's background (its context is [tok ‖ tok]) and the official README calls it "useless for
currently open-sourced models". fig2fig (figure-only references, the spatial-entanglement case) is the
README's "background enhance (optionally with foreground enhance)" with both switched on.
"""

from __future__ import annotations

import torch

MODE_FLAGS: dict[str, tuple[bool, bool]] = {
    "vanilla": (False, False),
    "bg2fig": (False, True),
    "fig2fig": (True, True),
}


def mode_to_flags(mode: str) -> tuple[bool, bool]:
    """Mode name -> (fg_lora, bg_lora)."""
    try:
        return MODE_FLAGS[mode]
    except KeyError:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODE_FLAGS)}") from None


def resolve_flags(mode: str, fg_lora: bool | None = None, bg_lora: bool | None = None) -> tuple[bool, bool]:
    """Mode defaults overridden by explicit --fg-lora / --bg-lora switches."""
    fg, bg = mode_to_flags(mode)
    return (fg if fg_lora is None else bool(fg_lora), bg if bg_lora is None else bool(bg_lora))


def uses_mask(fg_lora: bool, bg_lora: bool) -> bool:
    """Only the LoRA modes split attention by the sketch mask; vanilla ignores it."""
    return fg_lora or bg_lora


def layout_context(
    ref_tokens: torch.Tensor,
    bg_tokens: torch.Tensor | None,
    e_s: torch.Tensor,
    *,
    fg_lora: bool,
    bg_lora: bool,
) -> torch.Tensor:
    """Assemble the official token layout from its parts.

    ref_tokens (B, 256, C); bg_tokens (B, 256, C) background tokens (needed when bg_lora);
    e_s (1, 1, C) the ts_s embedding.
    """
    if not (fg_lora or bg_lora):
        return ref_tokens
    if not bg_lora:
        return torch.cat([ref_tokens, ref_tokens], dim=1)  # (B, 512, C)
    if bg_tokens is None:
        raise ValueError("bg_lora needs background tokens")
    half = torch.cat([ref_tokens + e_s.to(ref_tokens.dtype), bg_tokens.to(ref_tokens.dtype)], dim=1)
    return torch.cat([half, half], dim=1) if fg_lora else half  # (B, 1024 | 512, C)
