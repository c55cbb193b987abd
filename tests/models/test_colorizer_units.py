"""Tiny random SplitColorizer: shapes, split-attention semantics, batch independence, precision."""

from __future__ import annotations

import copy
import importlib.util

import pytest
import torch

from colorframes.models.split_attention import ContextKV, SplitCrossAttnProcessor

from .helpers import rel_l2

# Official attn2 order (DFS: input_blocks 1,2,4,5,7,8, middle, output_blocks 3..11) -> mask scale factor.
OFFICIAL_SCALES = [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 1, 1, 1]
TS = 0.05


@pytest.fixture(scope="module")
def inputs():
    gen = torch.Generator().manual_seed(1)
    sketch = torch.where(torch.rand(2, 1, 64, 64, generator=gen) > 0.9, 1.0, -1.0).expand(-1, 3, -1, -1)
    return {
        "x": torch.randn(2, 4, 8, 8, generator=gen),
        "sketch": sketch.contiguous(),
        "reference": torch.rand(1, 3, 80, 96, generator=gen) * 2 - 1,
        "ref_mask": (torch.rand(1, 1, 80, 96, generator=gen) > 0.5).float(),
        "mask": torch.rand(2, 1, 8, 8, generator=gen),
    }


@pytest.fixture(scope="module")
def prepared(tiny_model, inputs):
    with torch.no_grad():
        tokens = tiny_model.encode_reference(inputs["reference"], batch=2)
        hints = tiny_model.encode_sketch(inputs["sketch"])
    return tokens, hints


def _eps(model, inputs, context, hints, mask, fg, bg, x=None):
    with torch.no_grad():
        x = inputs["x"] if x is None else x
        return model.predict_noise(x, 500, context, hints, mask, fg_lora=fg, bg_lora=bg, ts_s=TS)


def test_every_attn2_has_a_split_processor_with_official_scales_and_ranks(tiny_model):
    named = {n: p for n, p in tiny_model.unet.attn_processors.items() if n.endswith("attn2.processor")}
    order = {"down_blocks": 0, "mid_block": 1, "up_blocks": 2}  # the official DFS order
    procs = [named[n] for n in sorted(named, key=lambda n: order[n.split(".")[0]])]
    assert len(procs) == 16 and all(isinstance(p, SplitCrossAttnProcessor) for p in procs)
    assert [p.scale_factor for p in procs] == OFFICIAL_SCALES
    for proc, scale in zip(procs, OFFICIAL_SCALES, strict=True):
        width = {1: 32, 0.5: 64, 0.25: 128, 0.125: 128}[scale]
        assert proc.to_q.lora_A["fg"].weight.shape == (4, width)
        assert proc.to_q.lora_A["bg"].weight.shape == (width // 2, width)
        assert proc.to_k.lora_A["bg"].weight.shape == (min(width, 128) // 2, 128)


def test_shapes(tiny_model, inputs, prepared):
    tokens, hints = prepared
    assert tokens.shape == (2, 256, 128)
    assert [tuple(h.shape) for h in hints] == [
        (2, 32, 8, 8),
        (2, 32, 4, 4),
        (2, 64, 2, 2),
        (2, 128, 1, 1),
        (2, 128, 1, 1),
    ]
    null = tiny_model.encode_reference(None, batch=3)
    assert null.shape == (3, 256, 128) and not null.any()
    e_r, e_s = tiny_model.threshold_embeddings(0.5, 0.05)
    assert e_r.shape == e_s.shape == (1, 1, 128) and not torch.allclose(e_r, e_s)
    counts = {}
    for fg, bg in [(False, False), (True, False), (False, True), (True, True)]:
        ctx = tiny_model.build_context(
            tokens, fg_lora=fg, bg_lora=bg, ts_s=TS, ts_r=0.5,
            reference=inputs["reference"], ref_mask=inputs["ref_mask"],
        )  # fmt: skip
        counts[fg, bg] = ctx.shape[1]
        assert _eps(tiny_model, inputs, ctx, hints, inputs["mask"], fg, bg).shape == (2, 4, 8, 8)
    assert counts == {(False, False): 256, (True, False): 512, (False, True): 512, (True, True): 1024}


def test_vanilla_ignores_the_mask(tiny_model, inputs, prepared):
    tokens, hints = prepared
    a = _eps(tiny_model, inputs, tokens, hints, None, False, False)
    b = _eps(tiny_model, inputs, tokens, hints, torch.ones(2, 1, 8, 8), False, False)
    c = _eps(tiny_model, inputs, tokens, hints, torch.zeros(2, 1, 8, 8), False, False)
    assert torch.equal(a, b) and torch.equal(a, c)


def test_split_branches_attend_to_their_half_with_their_lora(tiny_model, inputs, prepared):
    """Mask everywhere above ts_s -> the fg branch alone; below -> the bg branch alone."""
    tokens, hints = prepared
    other = torch.randn_like(tokens)
    ctx = torch.cat([tokens, other], dim=1)  # (B, 512, C): fg half, bg half
    ones, zeros = torch.ones(2, 1, 8, 8), torch.zeros(2, 1, 8, 8)
    first_half = _eps(tiny_model, inputs, tokens, hints, None, False, False)
    second_half = _eps(tiny_model, inputs, other, hints, None, False, False)
    # bg2fig: fg branch uses base weights -> vanilla on the first half.
    torch.testing.assert_close(
        _eps(tiny_model, inputs, ctx, hints, ones, False, True), first_half, rtol=1e-5, atol=1e-5
    )
    # fg-only: bg branch uses base weights -> vanilla on the second half.
    torch.testing.assert_close(
        _eps(tiny_model, inputs, ctx, hints, zeros, True, False), second_half, rtol=1e-5, atol=1e-5
    )
    # With their LoRA switched on the branches differ from base weights.
    assert rel_l2(_eps(tiny_model, inputs, ctx, hints, ones, True, False), first_half) > 1e-3
    assert rel_l2(_eps(tiny_model, inputs, ctx, hints, zeros, False, True), second_half) > 1e-3
    # And a real mask mixes them: the output depends on the mask in every LoRA mode.
    for fg, bg in [(True, False), (False, True), (True, True)]:
        mixed = _eps(tiny_model, inputs, ctx, hints, inputs["mask"], fg, bg)
        assert rel_l2(mixed, _eps(tiny_model, inputs, ctx, hints, ones, fg, bg)) > 1e-3
        assert rel_l2(mixed, _eps(tiny_model, inputs, ctx, hints, zeros, fg, bg)) > 1e-3


def test_frame_output_does_not_depend_on_batch_size(tiny_model, inputs, prepared):
    tokens, hints = prepared
    ctx = tiny_model.build_context(
        tokens, fg_lora=True, bg_lora=True, ts_s=TS, ts_r=0.5,
        reference=inputs["reference"], ref_mask=inputs["ref_mask"],
    )  # fmt: skip
    both = _eps(tiny_model, inputs, ctx, hints, inputs["mask"], True, True)
    for i in range(2):
        single = _eps(
            tiny_model, inputs, ctx[i : i + 1], [h[i : i + 1] for h in hints], inputs["mask"][i : i + 1],
            True, True, x=inputs["x"][i : i + 1],
        )  # fmt: skip
        torch.testing.assert_close(both[i : i + 1], single, rtol=1e-5, atol=1e-5)


def test_timestep_forms_agree(tiny_model, inputs, prepared):
    tokens, hints = prepared
    with torch.no_grad():
        outs = [
            tiny_model.predict_noise(inputs["x"], t, tokens, hints, fg_lora=False, bg_lora=False, ts_s=TS)
            for t in (500, torch.tensor(500), torch.tensor([500, 500]))
        ]
    assert torch.equal(outs[0], outs[1]) and torch.equal(outs[0], outs[2])


def test_latent_sides_not_divisible_by_eight(tiny_model):
    """96 px -> latent 12 -> UNet levels 12, 6, 3, 2: the per-level masks follow the UNet's sizes."""
    sketch = -torch.ones(1, 3, 96, 96)
    sketch[..., 40:56, :] = 1.0
    with torch.no_grad():
        hints = tiny_model.encode_sketch(sketch)
        tokens = tiny_model.encode_reference(None)
        ctx = torch.cat([tokens, torch.randn_like(tokens)], 1)
        x = torch.randn(1, 4, 12, 12)
        outs = [
            tiny_model.predict_noise(x, 10, ctx, hints, m, fg_lora=False, bg_lora=True, ts_s=TS)
            for m in (torch.ones(1, 1, 12, 12), torch.zeros(1, 1, 12, 12))
        ]
    assert [h.shape[-1] for h in hints] == [12, 6, 3, 2, 2]
    assert outs[0].shape == (1, 4, 12, 12) and rel_l2(outs[0], outs[1]) > 1e-3


def test_lora_modes_need_a_mask_and_even_tokens(tiny_model, inputs, prepared):
    tokens, hints = prepared
    with pytest.raises(ValueError, match="sketch mask"):
        _eps(tiny_model, inputs, torch.cat([tokens, tokens], 1), hints, None, False, True)
    with pytest.raises(ValueError, match="latent size"):
        _eps(tiny_model, inputs, torch.cat([tokens, tokens], 1), hints, torch.ones(2, 1, 4, 4), True, True)
    with pytest.raises(ValueError, match="even token count"):
        _eps(tiny_model, inputs, tokens[:, :255], hints, inputs["mask"], True, True)


def test_separate_background_image_feeds_bg_tokens_without_the_recovery_transformer(tiny_model, inputs, prepared):
    tokens, _ = prepared
    background = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        ctx = tiny_model.build_context(tokens, fg_lora=False, bg_lora=True, ts_s=TS, ts_r=0.5, background=background)
        e_r, e_s = tiny_model.threshold_embeddings(0.5, TS)
        expected_bg = tiny_model.encode_reference(background) + e_r
    torch.testing.assert_close(ctx[:, 256:], expected_bg.expand(2, -1, -1))
    torch.testing.assert_close(ctx[:, :256], tokens + e_s)
    with pytest.raises(ValueError, match="reference and its mask"):
        tiny_model.build_context(tokens, fg_lora=False, bg_lora=True, ts_s=TS, ts_r=0.5)


def test_vae_encode_decode_scaling(tiny_model):
    image = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        latents = tiny_model.encode_image(image)
        expected = tiny_model.vae.encode(image).latent_dist.mode() * 0.18215
        decoded = tiny_model.decode_latents(latents)
        direct = tiny_model.vae.decode(latents / 0.18215).sample
    assert latents.shape == (1, 4, 8, 8) and decoded.shape == (1, 3, 64, 64)
    torch.testing.assert_close(latents, expected)
    torch.testing.assert_close(decoded, direct)


def test_bf16_unet_tracks_fp32(tiny_model, inputs, prepared):
    tokens, hints = prepared
    ref = _eps(tiny_model, inputs, torch.cat([tokens, tokens], 1), hints, inputs["mask"], True, True)
    half = copy.deepcopy(tiny_model)
    half.set_precision(torch.bfloat16)
    out = _eps(half, inputs, torch.cat([tokens, tokens], 1), hints, inputs["mask"], True, True)
    assert out.dtype == torch.float32 and half.unet_dtype == torch.bfloat16
    assert rel_l2(out, ref) < 0.05


def test_attention_backend_switch(tiny_model):
    with pytest.raises(ValueError, match="sdpa"):
        tiny_model.set_attention("flash")
    if importlib.util.find_spec("xformers") is None:
        with pytest.raises(ImportError):
            tiny_model.set_attention("xformers")
    tiny_model.set_attention("sdpa")
    assert {p.backend for p in tiny_model.unet.attn_processors.values()} == {"sdpa"}


@pytest.mark.gpu
def test_cuda_fp16_and_xformers_match_fp32(tiny_model, inputs, prepared):
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    tokens, hints = prepared
    ctx = torch.cat([tokens, tokens], 1)
    ref = _eps(tiny_model, inputs, ctx, hints, inputs["mask"], True, True)
    gpu = copy.deepcopy(tiny_model).cuda()
    gpu.set_precision(torch.float16)
    backends = ["sdpa"] + (["xformers"] if importlib.util.find_spec("xformers") else [])
    for backend in backends:
        gpu.set_attention(backend)
        out = _eps(gpu, inputs, ctx, hints, inputs["mask"], True, True, x=inputs["x"].cuda())
        assert rel_l2(out.cpu(), ref) < 1e-2, backend


def test_cached_split_attention_without_the_split_inputs_is_refused():
    """K/V cached for split attention need the step's fg/bg selects: a clear ValueError, not a None crash."""
    proc = SplitCrossAttnProcessor(8, 8, 8, fg_rank=2, bg_rank=2, scale_factor=1.0)
    kv = tuple(torch.zeros(1, 3, 8) for _ in range(4))  # (k_fg, v_fg, k_bg, v_bg), each (1, N', inner)
    cache = ContextKV(kv={proc.name: kv}, null_kv={proc.name: None}, split=True)
    with pytest.raises(ValueError, match="pass split="):
        proc(None, torch.zeros(1, 4, 8), split=None, context_kv=cache)
