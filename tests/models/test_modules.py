"""Per-module behaviour at tiny size (no fixture needed)."""

from __future__ import annotations

import math

import torch

from colorframes.models.bg_transformer import BackgroundTransformer
from colorframes.models.config import ColorizerConfig
from colorframes.models.reference_encoder import ReferenceEncoder
from colorframes.models.sketch_encoder import SketchEncoder
from colorframes.models.thresh_embedder import ThresholdEmbedder, sinusoidal_embedding


def test_sinusoid_is_cos_first_on_the_raw_value():
    emb = sinusoidal_embedding(torch.tensor([0.0, 0.5]), 8)
    assert torch.equal(emb[0], torch.tensor([1.0] * 4 + [0.0] * 4))
    freqs = [math.exp(-math.log(10000.0) * i / 4) for i in range(4)]
    expected = [math.cos(0.5 * f) for f in freqs] + [math.sin(0.5 * f) for f in freqs]
    torch.testing.assert_close(emb[1], torch.tensor(expected))


def test_threshold_embedder_rows_are_independent():
    torch.manual_seed(0)
    emb = ThresholdEmbedder(16, 32)
    both = emb(torch.tensor([0.5, 0.05]))
    assert both.shape == (2, 1, 32)
    torch.testing.assert_close(both[1:], emb(torch.tensor([0.05])))


def test_background_transformer_returns_its_query_count_for_any_context():
    torch.manual_seed(0)
    bgt = BackgroundTransformer(dim=128, layers=2, tokens=256)
    assert bgt.layers[0][2].heads == 2  # dim // 64
    with torch.no_grad():
        out = bgt(torch.randn(3, 100, 128))
        again = bgt(torch.randn(3, 100, 128))
    assert out.shape == (3, 256, 128) and not torch.allclose(out, again)


def test_sketch_encoder_full_size_hint_shapes_on_meta():
    cfg = ColorizerConfig.full()
    with torch.device("meta"):
        enc = SketchEncoder(3, cfg.sketch_channels, cfg.sketch_channel_mults)
        hints = enc(torch.empty(1, 3, 512, 512))
    assert [tuple(h.shape[1:]) for h in hints] == [
        (320, 64, 64), (320, 32, 32), (640, 16, 16), (1280, 8, 8), (1280, 8, 8)
    ]  # fmt: skip
    assert sum(p.numel() for p in enc.parameters()) == 63_970_960  # full-size-keys.json control_encoder


def test_reference_encoder_squashes_any_aspect_to_256_tokens():
    torch.manual_seed(0)
    enc = ReferenceEncoder(width=64, layers=1, head_width=16, output_dim=32).eval()
    with torch.no_grad():
        wide = enc(torch.rand(1, 3, 100, 300) * 2 - 1)
        pre = enc.preprocess(torch.ones(2, 3, 50, 70))
    assert wide.shape == (1, 256, 32)
    assert pre.shape == (2, 3, 224, 224)
    torch.testing.assert_close(pre[0, :, 0, 0], (1 - enc.mean.flatten()) / enc.std.flatten())


def test_xformers_path_uses_the_bmhk_layout(monkeypatch):
    """A stand-in xformers (exact SDPA on [B, M, H, K]) must give the SDPA backend's numbers."""
    import sys
    import types

    import torch.nn.functional as F

    from colorframes.models.split_attention import attend

    calls = []

    def memory_efficient_attention(q, k, v):
        calls.append(q.shape)
        out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return out.transpose(1, 2)

    ops = types.ModuleType("xformers.ops")
    ops.memory_efficient_attention = memory_efficient_attention
    package = types.ModuleType("xformers")
    package.ops = ops
    monkeypatch.setitem(sys.modules, "xformers", package)
    monkeypatch.setitem(sys.modules, "xformers.ops", ops)
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 10, 24), torch.randn(2, 7, 24), torch.randn(2, 7, 24)
    torch.testing.assert_close(attend(q, k, v, 3, "xformers"), attend(q, k, v, 3, "sdpa"))
    assert calls == [(2, 10, 3, 8)]
