"""CUDA paths of the sampler and the backend (skipped without a GPU)."""

from __future__ import annotations

import numpy as np
import pytest
from cf_helpers import golden_fixture_dir

pytestmark = pytest.mark.gpu
FIXTURE = golden_fixture_dir()


def _frame():
    sketch = np.full((96, 128, 3), 255, np.uint8)
    sketch[30:34, :] = 0
    sketch[:, 50:53] = 0
    mask = np.zeros((96, 128), np.float32)
    mask[20:80, 30:100] = 1.0
    return sketch, mask


def _render(**changes):
    from colorframes.backends.base import FrameInput, ShotSetup
    from colorframes.backends.diffusion import create_colorizer
    from colorframes.options import RunOptions

    opts = RunOptions(backend="tiny-random", device="cuda", num_inference_steps=3, resolution=128, **changes)
    backend = create_colorizer(opts)
    sketch, mask = _frame()
    reference = np.random.default_rng(0).integers(0, 256, (80, 64, 3), dtype=np.uint8)
    ref_mask = np.zeros((80, 64), np.float32)
    ref_mask[10:70, 10:50] = 1
    backend.setup_shot(ShotSetup("gpu", 3, sketch.shape[:2], reference, None, ref_mask))
    return backend, backend.colorize([FrameInput(1, sketch, mask), FrameInput(2, sketch, mask)])


def test_case_f_on_cuda_fp32():
    import torch

    from colorframes.models import registry
    from colorframes.pipeline.conditioning import prepare_conditioning
    from colorframes.pipeline.pipeline import ColorizePipeline

    if not FIXTURE.is_dir():
        pytest.skip("golden fixture not found")
    from safetensors.torch import load_file

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    cases = load_file(str(FIXTURE / "cases.safetensors"))
    model = registry.load_official_file(FIXTURE / "weights.safetensors").to("cuda")
    cond = prepare_conditioning(
        model, reference=cases["in.reference"], ref_mask=cases["in.rmask"], fg_lora=True, bg_lora=True
    )
    out = ColorizePipeline(model)(
        cases["in.sketch"], cond, cases["in.smask"], num_inference_steps=4, latents=cases["in.noise"]
    )
    torch.testing.assert_close(out.latents.cpu(), cases["f.both.z0"], rtol=1e-3, atol=2e-3)
    torch.testing.assert_close(out.images.cpu(), cases["f.both.image"], rtol=1e-3, atol=1e-3)


def test_auto_dtype_is_half_on_cuda_and_vae_stays_fp32():
    import torch

    backend, results = _render(dtype="auto")
    assert backend.dtype in (torch.bfloat16, torch.float16)
    assert next(backend.model.vae.parameters()).dtype == torch.float32
    for r in results:
        assert r.image.shape == (96, 128, 3) and np.isfinite(r.image).all()


def test_half_precision_stays_close_to_fp32():
    _, full = _render(dtype="fp32")
    _, half = _render(dtype="fp16")
    assert np.abs(full[0].image - half[0].image).mean() < 0.05


def test_offload_gives_the_same_pixels():
    _, plain = _render(dtype="fp32")
    backend, parked = _render(dtype="fp32", offload=True)
    assert backend.offload
    assert next(backend.model.image_encoder.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(plain[0].image, parked[0].image)


def test_cuda_speed_paths_channels_last_parked_encoders_uint8():
    import torch

    backend, results = _render(dtype="fp32")
    assert backend.pipeline.channels_last
    assert backend.model.unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
    assert next(backend.model.image_encoder.parameters()).device.type == "cpu"  # parked after setup_shot
    assert next(backend.model.unet.parameters()).device.type == "cuda"
    for r in results:
        assert r.image.dtype == np.uint8 and r.image.shape == (96, 128, 3)
    backend.setup_shot(backend.shot)  # the next shot brings the encoders back for its setup
    assert next(backend.model.image_encoder.parameters()).device.type == "cpu"


def test_cuda_graph_compile_matches_eager():
    import torch

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    _, eager = _render(dtype="fp32")
    backend, compiled = _render(dtype="fp32", compile=True)
    assert backend.pipeline.predict_noise.is_compiled(), backend.warnings
    for a, b in zip(eager, compiled, strict=True):
        assert np.abs(a.image.astype(int) - b.image.astype(int)).max() <= 2


def test_bf16_vae_same_decodes_in_bf16():
    import torch

    backend, results = _render(dtype="bf16", vae_dtype="same")
    assert next(backend.model.vae.parameters()).dtype == torch.bfloat16
    _, full = _render(dtype="bf16")
    assert next(_render(dtype="fp16")[0].model.vae.parameters()).dtype == torch.float32  # fp16: VAE stays fp32
    diff = np.abs(results[0].image.astype(int) - full[0].image.astype(int)).mean()
    assert diff < 8
