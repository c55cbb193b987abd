"""Shot noise: one seeded CPU draw per shot, shared by every frame.

Drawing on the CPU with a fresh `torch.Generator("cpu")` makes the noise independent of the device,
the batch size, the shard and the worker: every frame of a shot starts from the same latent, so a frame
renders identically wherever and with whatever neighbours it runs.
"""

from __future__ import annotations

import torch

LATENT_CHANNELS = 4


def shot_noise(seed: int, latent_hw: tuple[int, int], channels: int = LATENT_CHANNELS) -> torch.Tensor:
    """(1, C, h, w) float32 standard normal noise on the CPU for `seed`."""
    generator = torch.Generator("cpu").manual_seed(int(seed))
    return torch.randn((1, channels, *latent_hw), generator=generator, dtype=torch.float32)


def step_generators(seed: int, batch: int) -> list[torch.Generator]:
    """One identically seeded CPU generator per frame for stochastic schedulers (euler-a).

    Each frame draws its per-step noise from its own generator, so frame k's noise does not depend on
    its position in the batch.
    """
    return [torch.Generator("cpu").manual_seed(int(seed) + 1) for _ in range(batch)]
