"""Code paths that only run on CUDA, checked on the CPU: several frames in one UNet call (the CPU renders
frame by frame), the bf16 choice per device, the xformers probe."""

from __future__ import annotations

import copy
import sys
import types

import pytest
import torch

from colorframes.pipeline.conditioning import prepare_conditioning
from colorframes.pipeline.pipeline import ColorizePipeline


@pytest.fixture(scope="module")
def model():
    from colorframes.pipeline.loading import build_tiny_random

    return build_tiny_random()


def _frames(batch: int):
    """`batch` different sketches (B, 3, 64, 64) and different masks (B, 1, 8, 8)."""
    g = torch.Generator().manual_seed(5)
    sketch = torch.where(torch.rand(batch, 1, 64, 64, generator=g) > 0.9, 1.0, -1.0).expand(-1, 3, -1, -1)
    return sketch.contiguous(), torch.rand(batch, 1, 8, 8, generator=g)


@pytest.fixture(scope="module")
def model64(model):
    """float64: batching changes fp32 rounding, which the tiny random weights amplify to ~1e-3; in
    float64 the batched and per-frame calls must agree to rounding, so any mix-up of rows shows."""
    return copy.deepcopy(model).double()


@pytest.mark.parametrize(("fg", "bg", "sketch_scale"), [(True, True, 2.0), (True, False, 1.0), (False, False, 2.0)])
def test_frames_batched_in_one_unet_call_match_frame_by_frame(model64, fg, bg, sketch_scale):
    """CUDA puts every frame and every guidance branch of a batch in one UNet call (frame_chunk None);
    each frame must get exactly its own sketch, mask and branch rows back."""
    g = torch.Generator().manual_seed(6)
    cond = prepare_conditioning(
        model64, reference=torch.rand(1, 3, 64, 64, generator=g, dtype=torch.float64) * 2 - 1,
        ref_mask=(torch.rand(1, 1, 64, 64, generator=g) > 0.5).double(), fg_lora=fg, bg_lora=bg,
    )  # fmt: skip
    sketch, mask = (t.double() for t in _frames(3))
    kw = {"num_inference_steps": 2, "guidance_scale": 4.0, "sketch_guidance_scale": sketch_scale, "seed": 2}

    def sample(frames, masks, chunk):
        return ColorizePipeline(model64, frame_chunk=chunk, vae_dtype=torch.float64)(frames, cond, masks, **kw)

    batched, single = sample(sketch, mask, None), sample(sketch, mask, 1)
    torch.testing.assert_close(batched.latents, single.latents, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(batched.images, single.images, rtol=1e-6, atol=1e-6)
    alone = sample(sketch[2:], mask[2:], None)
    torch.testing.assert_close(batched.latents[2:], alone.latents, rtol=1e-6, atol=1e-6)
    assert (batched.latents[0] - batched.latents[1]).abs().max() > 1e-4  # the frames differ (beyond 1e-6)


@pytest.mark.parametrize(
    ("capability", "name", "expected", "warned"),
    [((9, 0), "auto", torch.bfloat16, False), ((8, 6), "bf16", torch.bfloat16, False),
     ((7, 5), "auto", torch.float16, False), ((7, 0), "bf16", torch.float16, True),
     ((7, 5), "fp16", torch.float16, False)],
)  # fmt: skip
def test_bf16_only_where_the_gpu_has_it(monkeypatch, capability, name, expected, warned):
    """torch.cuda.is_bf16_supported() is True on a T4 / V100 (emulated bf16, slower than fp32): `auto` must
    pick fp16 there, and ask the chosen device (cuda:1 may differ from the current one)."""
    from colorframes.foundation.device import resolve_dtype

    asked = []
    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: asked.append(device) or capability)
    warnings: list[str] = []
    device = torch.device("cuda", 1)
    assert resolve_dtype(name, device, warnings) == expected
    assert bool(warnings) == warned and (not warned or "running fp16" in warnings[0])
    if name != "fp16":
        assert asked == [device]


def _fake_xformers(monkeypatch, attention):
    ops = types.ModuleType("xformers.ops")
    ops.memory_efficient_attention = attention
    package = types.ModuleType("xformers")
    package.ops = ops
    monkeypatch.setitem(sys.modules, "xformers", package)
    monkeypatch.setitem(sys.modules, "xformers.ops", ops)


def test_xformers_probe_reports_a_build_that_imports_but_cannot_run(monkeypatch):
    from colorframes.models.split_attention import xformers_unusable

    def broken(q, k, v):
        raise NotImplementedError("No operator found for `memory_efficient_attention_forward`\nmore")

    _fake_xformers(monkeypatch, broken)
    reason = xformers_unusable(torch.device("cpu"), torch.float16)
    assert reason == "xformers does not run here (NotImplementedError: No operator found for " \
        "`memory_efficient_attention_forward`)"  # fmt: skip
    _fake_xformers(monkeypatch, lambda q, k, v: q)
    assert xformers_unusable(torch.device("cpu"), torch.float32) is None
    monkeypatch.setitem(sys.modules, "xformers", None)  # import raises ModuleNotFoundError
    monkeypatch.delitem(sys.modules, "xformers.ops")
    assert xformers_unusable(torch.device("cpu"), torch.float32) == "xformers is not installed"


def test_backend_falls_back_to_sdpa_when_xformers_cannot_run(monkeypatch, model):
    """On CUDA a broken xformers must not fail every frame: one warning, then SDPA (checked on the CPU by
    calling the backend's kernel choice with a CUDA device)."""
    from colorframes.backends.diffusion import DiffusionColorizer

    def broken(q, k, v):
        raise RuntimeError("CUDA error: no kernel image is available for execution on the device")

    _fake_xformers(monkeypatch, broken)
    backend = DiffusionColorizer.__new__(DiffusionColorizer)
    backend.warnings = []
    backend._set_attention(model, "xformers", torch.device("cpu"), torch.float32)  # CPU: never xformers
    assert backend.warnings == ["--attention xformers needs a CUDA device; using sdpa"]
    backend.warnings = []
    import colorframes.models.split_attention as split_attention

    real = split_attention.xformers_unusable
    monkeypatch.setattr(split_attention, "xformers_unusable", lambda d, t: real(torch.device("cpu"), t))
    backend._set_attention(model, "xformers", torch.device("cuda"), torch.float16)
    assert backend.warnings == [
        "--attention xformers: xformers does not run here (RuntimeError: CUDA error: no kernel image is "
        "available for execution on the device); using sdpa"
    ]
    assert {p.backend for p in model.unet.attn_processors.values()} == {"sdpa"}
