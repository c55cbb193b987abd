"""Speed paths compute the same numbers: cached cross-attention K/V, channels_last, bf16 VAE decode,
the compile wrapper and its fallback, attention-kernel switching."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from colorframes.pipeline.conditioning import prepare_conditioning
from colorframes.pipeline.pipeline import ColorizePipeline


@pytest.fixture(scope="module")
def model():
    from colorframes.pipeline.loading import build_tiny_random

    return build_tiny_random()


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(0)
    sketch = torch.where(torch.rand(1, 1, 64, 64, generator=g) > 0.9, 1.0, -1.0).expand(-1, 3, -1, -1)
    return {
        "reference": torch.rand(1, 3, 64, 64, generator=g) * 2 - 1,
        "ref_mask": (torch.rand(1, 1, 64, 64, generator=g) > 0.5).float(),
        "sketch": sketch.contiguous(),
        "mask": torch.rand(1, 1, 8, 8, generator=g),
    }


def _cond(model, data, fg: bool, bg: bool):
    return prepare_conditioning(model, reference=data["reference"], ref_mask=data["ref_mask"], fg_lora=fg, bg_lora=bg)


def _sample(pipe, cond, data, **kw):
    kw = {"num_inference_steps": 2, "guidance_scale": 4.0, "sketch_guidance_scale": 2.0, "seed": 1, **kw}
    return pipe(data["sketch"], cond, data["mask"], **kw)


@pytest.mark.parametrize("fg,bg,most", [(False, False, 0.75), (False, True, 0.55), (True, True, 0.45)])
def test_cached_context_kv_gives_the_same_latents_with_fewer_flops(model, data, fg, bg, most):
    cond = _cond(model, data, fg, bg)
    out, flops = {}, {}
    for cache in (False, True):
        with FlopCounterMode(display=False) as counter:
            out[cache] = _sample(ColorizePipeline(model, cache_context_kv=cache), cond, data)
        flops[cache] = counter.get_total_flops()
    torch.testing.assert_close(out[True].latents, out[False].latents, rtol=1e-4, atol=1e-5)  # fixture tolerance
    assert flops[True] < most * flops[False]  # whole sampling call, tiny config, 2 steps: measured 0.71 / 0.51 / 0.39


def test_reference_null_branch_is_skipped_exactly(model, data):
    """SD2.1 attn2 has no to_k/to_v bias: zero tokens give zero K/V, so attn2 of that branch is its
    to_out bias. The cache marks it None and the UNet output still equals the uncached call."""
    cond = _cond(model, data, True, True)
    kv = model.context_kv(cond.context, fg_lora=True, bg_lora=True)
    assert kv.kv and all(v is None for v in kv.null_kv.values())
    x = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(3))
    hints = [h.expand(2, -1, -1, -1) for h in model.encode_sketch(data["sketch"])]
    context = torch.cat([cond.context, torch.zeros_like(cond.context)])  # [cond, uncond_ref]
    mask = data["mask"].expand(2, -1, -1, -1)
    args = dict(fg_lora=True, bg_lora=True, ts_s=0.05)
    with torch.no_grad():
        plain = model.predict_noise(x, 500, context, hints, mask, **args)
        cached = model.predict_noise(
            x, 500, cond.context, hints, mask, context_kv=kv.for_branches((False, True)), **args
        )
    torch.testing.assert_close(cached, plain, rtol=1e-4, atol=1e-5)


def test_channels_last_and_bf16_vae_decode_stay_close(model, data):
    import copy

    cond = _cond(model, data, False, True)
    ref = _sample(ColorizePipeline(model), cond, data)
    nhwc = copy.deepcopy(model)
    nhwc.unet.to(memory_format=torch.channels_last)
    nhwc.vae.to(memory_format=torch.channels_last)
    out = _sample(ColorizePipeline(nhwc, channels_last=True), cond, data)
    torch.testing.assert_close(out.images, ref.images, rtol=1e-4, atol=1e-4)
    bf16 = copy.deepcopy(model)
    bf16.set_precision(torch.float32, vae_dtype=torch.bfloat16)
    decoded = ColorizePipeline(bf16, vae_dtype=torch.bfloat16).decode(ref.latents)
    assert decoded.dtype == torch.float32
    assert (decoded - ref.images).abs().mean() < 0.02  # bf16 has 8 mantissa bits


def test_compile_wrapper_falls_back_to_eager_and_leaves_the_model_alone(monkeypatch):
    from colorframes.backends.diffusion import create_colorizer
    from colorframes.options import RunOptions
    from colorframes.pipeline import acceleration

    def broken(fn, **kwargs):
        def fail(*args, **kw):
            raise RuntimeError("no C++ compiler\nsecond line")

        return fail

    monkeypatch.setattr(torch, "compile", broken)
    backend = create_colorizer(RunOptions(backend="tiny-random", device="cpu", compile=True))
    assert "predict_noise" not in backend.model.__dict__  # the model object is not patched
    call = backend.pipeline.predict_noise
    x = torch.randn(1, 4, 8, 8)
    ctx = torch.zeros(1, 512, 128)
    eager = backend.model.predict_noise(x, 10, ctx, None, None, fg_lora=False, bg_lora=False, ts_s=0.05)
    out = call(x, 10, ctx, None, None, fg_lora=False, bg_lora=False, ts_s=0.05)
    torch.testing.assert_close(out, eager)
    assert backend.warnings == ["--compile failed (RuntimeError: no C++ compiler); running eager"]
    assert not call.is_compiled()
    assert acceleration.compile_mode(torch.device("cuda")) == "reduce-overhead"
    assert acceleration.compile_mode(torch.device("cpu")) is None


def test_attention_goes_back_to_sdpa_and_xformers_needs_cuda():
    from colorframes.backends.diffusion import DiffusionColorizer
    from colorframes.options import RunOptions
    from colorframes.pipeline.loading import build_tiny_random

    model = build_tiny_random()
    for proc in model.unet.attn_processors.values():
        proc.backend = "xformers"  # left behind by an earlier user of the same model
    opts = RunOptions(backend="tiny-random", attention="xformers")
    backend = DiffusionColorizer(
        opts, model, device=torch.device("cpu"), dtype=torch.float32, model_id="t", sha256=None
    )
    assert {p.backend for p in model.unet.attn_processors.values()} == {"sdpa"}
    assert backend.warnings == ["--attention xformers needs a CUDA device; using sdpa"]
