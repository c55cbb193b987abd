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

    changes = {"device": "cuda", **changes}
    opts = RunOptions(backend="tiny-random", num_inference_steps=3, resolution=128, **changes)
    backend = create_colorizer(opts)
    sketch, mask = _frame()
    reference = np.random.default_rng(0).integers(0, 256, (80, 64, 3), dtype=np.uint8)
    ref_mask = np.zeros((80, 64), np.float32)
    ref_mask[10:70, 10:50] = 1
    backend.setup_shot(ShotSetup("gpu", 3, sketch.shape[:2], reference, None, ref_mask, uint8_output=True))
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


def _diff(a, b) -> float:
    """Mean absolute difference of two frames in [0, 1] (8-bit outputs are uint8: no wrap-around)."""
    scale = 255.0 if a.dtype == np.uint8 else 1.0
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean() / scale)


@pytest.mark.parametrize("dtype", ["fp16", "bf16"])
def test_half_precision_stays_close_to_fp32(dtype):
    import torch

    _, full = _render(dtype="fp32")
    backend, half = _render(dtype=dtype)
    assert backend.dtype == {"fp16": torch.float16, "bf16": torch.bfloat16}[dtype]
    assert next(backend.model.unet.parameters()).dtype == backend.dtype
    assert _diff(full[0].image, half[0].image) < 0.05


@pytest.mark.parametrize("dtype", ["fp16", "bf16"])
def test_sdpa_runs_fused_kernels_not_the_math_fallback(dtype):
    """Only flash / memory-efficient SDPA allowed: the cached (expanded) cross-attention K/V, the split
    attention and the VAE must all be accepted by a fused kernel (the math fallback is slow, and in fp16
    it can overflow the SD2.1 attention logits)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]):
        _, fused = _render(dtype=dtype)
    _, free = _render(dtype=dtype)  # the default choice: cuDNN attention on Hopper
    _, full = _render(dtype="fp32")
    # Two fused kernels round differently and the difference runs through every denoising step: on an H200
    # fused-only vs default was 0.012 (fp16) and 0.018 (bf16). Garbage from an overflowing fallback is > 0.1.
    assert _diff(fused[0].image, free[0].image) < 0.03
    assert _diff(fused[0].image, full[0].image) < 0.05  # as close to fp32 as half precision is anyway


def test_cuda_render_matches_the_cpu_render():
    """The shot noise is drawn on the CPU: the same frame renders the same on either device (fp32, no TF32)."""
    import torch

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    _, gpu = _render(dtype="fp32")
    _, cpu = _render(dtype="fp32", device="cpu")
    assert _diff(gpu[0].image, cpu[0].image) < 2 / 255


def test_stochastic_scheduler_with_cpu_generators_on_cuda():
    """euler-a draws each frame's step noise from its own CPU generator: identical frames in one batch get the
    same noise (a shared generator would give the second frame other noise: a visibly different picture)."""
    _, results = _render(dtype="fp16", scheduler="euler-a")
    assert _diff(results[0].image, results[1].image) < 1 / 255


def test_offload_gives_the_same_pixels():
    _, plain = _render(dtype="fp32")
    backend, parked = _render(dtype="fp32", offload=True)
    assert backend.offload
    assert next(backend.model.image_encoder.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(plain[0].image, parked[0].image)


@pytest.mark.parametrize("offload", [False, True])
def test_offload_parks_the_vae_while_the_reference_encodes(offload, monkeypatch):
    """--offload: the VAE is off the GPU while the (large) reference encoders run, back for decoding."""
    from colorframes.models.colorizer import SplitColorizer

    seen = []
    encode = SplitColorizer.encode_reference

    def spy(self, *args, **kwargs):
        seen.append((next(self.vae.parameters()).device.type, next(self.image_encoder.parameters()).device.type))
        return encode(self, *args, **kwargs)

    monkeypatch.setattr(SplitColorizer, "encode_reference", spy)
    backend, _ = _render(dtype="fp16", offload=offload)
    assert seen == [("cpu" if offload else "cuda", "cuda")]
    assert next(backend.model.vae.parameters()).device.type == "cuda"


def test_offload_keeps_the_unet_and_the_vae_apart_on_the_gpu():
    """--offload on a real GPU: during every UNet call the VAE is on the CPU, during every decode the UNet is,
    and the colorize peak is below the run that keeps both (tiny-random: the weights are most of it)."""
    import gc

    import torch

    from colorframes.models.colorizer import SplitColorizer

    seen: list[tuple[str, str, str]] = []
    decode, predict = SplitColorizer.decode_latents, SplitColorizer.predict_noise

    def where(self):
        return next(self.unet.parameters()).device.type, next(self.vae.parameters()).device.type

    def spy_decode(self, *args, **kwargs):
        seen.append(("decode", *where(self)))
        return decode(self, *args, **kwargs)

    def spy_predict(self, *args, **kwargs):
        seen.append(("unet", *where(self)))
        return predict(self, *args, **kwargs)

    peaks = {}
    for offload in (False, True):
        gc.collect()  # the previous backend's model leaves the GPU before the peak is reset
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(SplitColorizer, "decode_latents", spy_decode)
            mp.setattr(SplitColorizer, "predict_noise", spy_predict)
            _render(dtype="fp32", offload=offload)
        peaks[offload] = torch.cuda.max_memory_allocated()
    offloaded = seen[len(seen) // 2 :]
    assert {s for s in seen[: len(seen) // 2]} == {("unet", "cuda", "cuda"), ("decode", "cuda", "cuda")}
    assert {s for s in offloaded} == {("unet", "cuda", "cpu"), ("decode", "cpu", "cuda")}
    assert peaks[True] < peaks[False], peaks


def test_a_second_gpu_renders_the_same_and_leaves_the_first_alone():
    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("needs two CUDA devices")
    _, first = _render(dtype="fp16", device="cuda:0")
    torch.cuda.synchronize(0)
    before = torch.cuda.memory_allocated(0)
    backend, second = _render(dtype="fp16", device="cuda:1")
    assert next(backend.model.unet.parameters()).device == torch.device("cuda", 1)
    assert torch.cuda.memory_allocated(0) <= before  # nothing of the cuda:1 run landed on cuda:0
    np.testing.assert_array_equal(first[0].image, second[0].image)


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


@pytest.mark.parametrize("devices", ["cuda,cuda", "cuda:0,cuda:1"])
def test_runner_workers_on_gpus_match_one_worker(devices, cli, shot_factory, sheet, tmp_path):
    """Several workers (one backend each, rendering in threads) give the frames one worker gives; two
    workers may share one GPU."""
    import torch
    from cf_helpers import outputs

    if devices.count(":") and torch.cuda.device_count() < 2:
        pytest.skip("needs two CUDA devices")
    shot = shot_factory(n=4)
    common = ["--ref", sheet, "--backend", "tiny-random", "--steps", "3", "--resolution", "128", "--dtype", "fp16"]
    code, _, stderr = cli("run", shot, *common, "--device", "cuda:0", "-o", tmp_path / "one")
    assert code == 0, stderr
    code, _, stderr = cli("run", shot, *common, "--device", devices, "-o", tmp_path / "two")
    assert code == 0, stderr
    one, two = outputs(tmp_path / "one"), outputs(tmp_path / "two")
    assert len(one) == 4 and one == two


@pytest.mark.parametrize("mode", ["fig2fig", "vanilla"])
def test_the_unet_call_compiles_to_one_graph(mode):
    """--compile captures one CUDA graph per step only if the UNet call (split attention, cached K/V,
    hints) traces without graph breaks; each break would split the graph and add launches."""
    import torch

    backend, _ = _render(dtype="fp16", mode=mode)
    pipe, cond = backend.pipeline, backend._conditioning
    b, size = 2, 128 // 8
    hints = pipe.encode_sketch(torch.zeros(b, 3, 128, 128, device="cuda"), 1.0)
    kv = pipe.context_kv(cond).for_branches((False, True))
    mask = torch.rand(b, 1, size, size, device="cuda") if cond.masked else None
    args = (torch.randn(b, 4, size, size, device="cuda"), torch.full((b,), 500, device="cuda"), cond.context, hints)
    with torch.no_grad():
        explained = torch._dynamo.explain(backend.model.predict_noise)(
            *args, mask, fg_lora=cond.fg_lora, bg_lora=cond.bg_lora, ts_s=cond.ts_s, context_kv=kv
        )
    assert explained.graph_break_count == 0, [str(r.reason)[:200] for r in explained.break_reasons]
    assert explained.graph_count == 1
