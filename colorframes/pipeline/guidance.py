"""Dual classifier-free guidance, as the official v1.5 `generate()` combines it.

Branches, in the official batch order: `cond` (sketch + reference), `uncond_ref` (same sketch hints and
mask, all-zero reference tokens), `uncond_sketch` (hints of an all -1 sketch, same reference tokens).
Single guidance is `u + s * (c - u)`; dual guidance is the mean of the two single guidances.

A branch runs only where its scale changes the result (scale != 1). The official UI only offers scales
>= 1 and switches a branch on for scale > 1, so both rules agree on every official setting; below 1 we
keep the formula (a weaker guidance) instead of silently turning it off.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

COND, UNCOND_REF, UNCOND_SKETCH = "cond", "uncond_ref", "uncond_sketch"


@dataclass(frozen=True)
class DualGuidance:
    reference_scale: float = 4.0  # guidance_scale
    sketch_scale: float = 1.0  # sketch_guidance_scale

    @property
    def use_reference(self) -> bool:
        return self.reference_scale != 1.0

    @property
    def use_sketch(self) -> bool:
        return self.sketch_scale != 1.0

    @property
    def branches(self) -> tuple[str, ...]:
        """The UNet branches to run, in batch order."""
        names = [COND]
        if self.use_reference:
            names.append(UNCOND_REF)
        if self.use_sketch:
            names.append(UNCOND_SKETCH)
        return tuple(names)

    def combine(self, noise_pred: torch.Tensor) -> torch.Tensor:
        """(len(branches) * B, ...) UNet output in batch order -> (B, ...) guided prediction."""
        chunks = dict(zip(self.branches, noise_pred.chunk(len(self.branches)), strict=True))
        cond = chunks[COND]
        guided_ref = guided_sketch = None
        if self.use_reference:
            uncond = chunks[UNCOND_REF]
            guided_ref = uncond + (cond - uncond) * self.reference_scale
        if self.use_sketch:
            uncond = chunks[UNCOND_SKETCH]
            guided_sketch = uncond + (cond - uncond) * self.sketch_scale
        if guided_ref is not None and guided_sketch is not None:
            return (guided_ref + guided_sketch) * 0.5
        if guided_ref is not None:
            return guided_ref
        if guided_sketch is not None:
            return guided_sketch
        return cond
