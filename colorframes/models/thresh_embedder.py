"""Threshold embedder: turns ts_r / ts_s into tokens the model was trained to read.

Facts (brief 1(a) ScalarEmbedder): a sinusoidal embedding of the RAW threshold value (cos half first,
max_period 1e4), then Linear -> SiLU -> Linear. Output (N, 1, out_dim), one vector per threshold.
"""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import nn


def sinusoidal_embedding(values: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """(N,) -> (N, dim): [cos(v * f), sin(v * f)] with f = exp(-ln(max_period) * i / half)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = values[:, None].float() * freqs[None].to(values.device)  # (N, half)
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


class ThresholdEmbedder(nn.Module):
    def __init__(self, embed_dim: int = 256, out_dim: int = 1024) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.embed_layer = nn.Sequential(nn.Linear(embed_dim, out_dim), nn.SiLU(), nn.Linear(out_dim, out_dim))

    def forward(self, values: torch.Tensor) -> torch.Tensor:
        emb = sinusoidal_embedding(values.reshape(-1), self.embed_dim)  # (N, embed_dim)
        first = cast(nn.Linear, self.embed_layer[0])  # Sequential indexing is typed as any Module
        emb = emb.to(first.weight.dtype)[:, None]  # (N, 1, embed_dim)
        return self.embed_layer(emb)  # (N, 1, out_dim)
