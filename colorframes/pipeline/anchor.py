"""`--consistency anchor`: every frame's self-attention also attends to an anchor frame's keys/values.

Reference-only style attention injection: the anchor (the shot's first frame, so every shard and worker
picks the same one) is rendered once per shot while `AnchorRecorder` stores each attn1 layer's keys and
values at every step; `AnchorInjector` then appends step i's anchor K/V to the frame's own K/V in every
attn1 of step i. The frame's queries can so copy colours from where the anchor shows the same structure.
Recorded K/V keep the UNet batch layout of the anchor render (one row per CFG branch); a frame's row of
branch j attends to the anchor's row j. An anchor attending to itself is unchanged in exact arithmetic
(duplicated key/value pairs keep the softmax weights' ratios), so the anchor frame's own pixels are the
recorded render's.
"""

from __future__ import annotations

import torch

StepKV = dict[str, tuple[torch.Tensor, torch.Tensor]]  # attn1 processor name -> (k, v), (n, L, inner)


class _RecordStep:
    def __init__(self, store: StepKV) -> None:
        self.store = store

    def exchange(self, name: str, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.store[name] = (k.detach().clone(), v.detach().clone())
        return k, v


class _InjectStep:
    def __init__(self, store: StepKV) -> None:
        self.store = store

    def exchange(self, name: str, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ka, va = self.store[name]  # (n, La, inner): one row per CFG branch of the anchor render
        b = k.shape[0] // ka.shape[0]  # frames per branch in this UNet call
        if b > 1:
            ka, va = ka.repeat_interleave(b, dim=0), va.repeat_interleave(b, dim=0)
        return torch.cat([k, ka.to(k.dtype)], dim=1), torch.cat([v, va.to(v.dtype)], dim=1)  # (B, L+La, inner)


class AnchorRecorder:
    """Pass as `anchor=` while rendering the anchor frame (batch 1); `steps` then holds its K/V."""

    def __init__(self) -> None:
        self.steps: dict[int, StepKV] = {}

    def at_step(self, index: int) -> _RecordStep:
        return _RecordStep(self.steps.setdefault(index, {}))


class AnchorInjector:
    """Pass as `anchor=` for every other frame of the shot: appends the anchor's K/V of the same step."""

    def __init__(self, steps: dict[int, StepKV]) -> None:
        self.steps = steps

    def at_step(self, index: int) -> _InjectStep | None:
        store = self.steps.get(index)
        return _InjectStep(store) if store else None

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for step in self.steps.values() for kv in step.values() for t in kv)
