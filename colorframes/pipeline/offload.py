"""Which submodules sit on the GPU during each stage of a run (the backend's `--offload`).

A run has three stages, each with its own models (SplitColorizer attribute names):

    encode   once per shot: CLIP reference encoder, recovery (background) transformer, threshold embedder
    denoise  per batch: UNet + sketch encoder (the sketch hints, the cached attn2 K/V, every step)
    decode   per batch: the VAE

`StageResidency.enter(stage)` moves the models the stage needs onto the compute device and the managed
models it does not need onto the CPU (those first, then `torch.cuda.empty_cache()`, so the peak is one
stage's models plus its activations, not the sum). Moves happen at stage boundaries, twice per batch at
most, never per step. `whole=True` (`--offload`) manages every stage, like diffusers'
`enable_model_cpu_offload` (full size: UNet + sketch encoder 964 M parameters, 1.9 GB in fp16; VAE 84 M,
0.33 GB in fp32; reference encoders 709 M, 2.8 GB in fp32): each batch pays a host-to-device copy of the
UNet and the VAE. `whole=False` (every other CUDA run)
manages only the reference encoders, which nothing needs after a shot's setup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

STAGES: dict[str, tuple[str, ...]] = {
    "encode": ("image_encoder", "bg_transformer", "thresh_embedder"),
    "denoise": ("unet", "sketch_encoder"),
    "decode": ("vae",),
}
MODULES = tuple(name for names in STAGES.values() for name in names)

# move(model, names, device): put those submodules on `device`
Mover = Callable[[Any, tuple[str, ...], "torch.device | str"], None]


def move(model: Any, names: tuple[str, ...], device: torch.device | str) -> None:
    """Move submodules (by attribute name) to `device`; frees the CUDA cache after moving off a GPU."""
    for name in names:
        getattr(model, name).to(device)
    if str(device) == "cpu" and torch.cuda.is_available():
        torch.cuda.empty_cache()


class StageResidency:
    """Keeps each stage's models on `device` while it runs and the other managed models on the CPU.

    `on_device`: the submodules on `device` when it is made (the backend places the model first).
    """

    def __init__(
        self,
        model: Any,
        device: torch.device | str,
        *,
        whole: bool,
        on_device: tuple[str, ...] = MODULES,
        mover: Mover = move,
    ) -> None:
        self.model, self.device, self.mover = model, device, mover
        self.managed = set(MODULES) if whole else set(STAGES["encode"])
        self.on_device = set(on_device)
        self.stage: str | None = None

    def enter(self, stage: str) -> None:
        """Make `stage`'s models resident (no-op when they already are)."""
        if stage == self.stage:
            return
        wanted = set(STAGES[stage]) | (set(MODULES) - self.managed)
        off = tuple(n for n in MODULES if n in self.on_device - wanted)
        on = tuple(n for n in MODULES if n in wanted - self.on_device)
        if off:
            self.mover(self.model, off, "cpu")
        if on:
            self.mover(self.model, on, self.device)
        self.on_device, self.stage = wanted, stage
