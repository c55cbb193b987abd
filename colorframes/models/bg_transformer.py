"""Background (recovery) transformer: 256 learned queries cross-attend to the masked-reference tokens.

Facts (brief 1(e), ClusterTransformer): heads = dim // 64 with dim_head 64; per layer
x += attn(LN1(x), ctx) then x += MLP(LN2(x)) with a Linear-SiLU-Linear MLP; the context is not
normalised and there is no final norm. It "recovers" background tokens for the region the figure hid.
"""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn


class CrossAttention(nn.Module):
    """Multi-head cross-attention without q/k/v biases (the official projection layout)."""

    def __init__(self, dim: int, context_dim: int, heads: int, dim_head: int) -> None:
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, dim), nn.Dropout(0.0))

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        q, k, v = self.to_q(x), self.to_k(context), self.to_v(context)  # (B, N, inner)
        q, k, v = (t.view(b, t.shape[1], self.heads, -1).transpose(1, 2) for t in (q, k, v))
        out = F.scaled_dot_product_attention(q, k, v)  # (B, heads, N, dim_head)
        return self.to_out(out.transpose(1, 2).reshape(b, x.shape[1], -1))


class BackgroundTransformer(nn.Module):
    def __init__(
        self, dim: int = 1024, layers: int = 6, tokens: int = 256, head_dim: int = 64, mlp_ratio: int = 4
    ) -> None:
        super().__init__()
        self.embedding = nn.Parameter(torch.randn(tokens, dim))
        heads = max(dim // head_dim, 1)
        self.layers = nn.ModuleList(
            nn.ModuleList(
                [
                    nn.LayerNorm(dim),
                    nn.LayerNorm(dim),
                    CrossAttention(dim, dim, heads, head_dim),
                    nn.Sequential(nn.Linear(dim, dim * mlp_ratio), nn.SiLU(), nn.Linear(dim * mlp_ratio, dim)),
                ]
            )
            for _ in range(layers)
        )

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        """(B, N, dim) masked-reference tokens (+ E(ts_r)) -> (B, tokens, dim) background tokens."""
        x = self.embedding.to(context.dtype).unsqueeze(0).expand(context.shape[0], -1, -1)
        for layer in self.layers:
            norm1, norm2, attn, mlp = cast(nn.ModuleList, layer)  # each layer: LN1, LN2, attention, MLP
            x = x + attn(norm1(x), context)
            x = x + mlp(norm2(x))
        return x
