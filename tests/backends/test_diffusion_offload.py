"""--offload's choreography on the CPU: a recording mover stands in for the GPU, so the test sees which
submodules would sit on the GPU during each model call (pipeline/offload.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from colorframes.backends.base import FrameInput, ShotSetup
from colorframes.options import RunOptions
from colorframes.pipeline.offload import MODULES, STAGES, StageResidency

FRAME = (40, 56)
ENCODERS, DENOISE, DECODE = (set(STAGES[s]) for s in ("encode", "denoise", "decode"))


def _opts(**changes) -> RunOptions:
    base = dict(
        backend="tiny-random", mode="fig2fig", num_inference_steps=3, resolution=64, device="cpu", seed=5,
        sketch_guidance_scale=2.0, process=2,
    )  # fmt: skip
    return RunOptions(**{**base, **changes})


def _shot() -> ShotSetup:
    rng = np.random.default_rng(1)
    ref_mask = np.zeros((48, 40), np.float32)
    ref_mask[8:40, 8:32] = 1.0
    reference = rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)
    return ShotSetup("s", 5, FRAME, reference, None, ref_mask, uint8_output=False)


def _frames() -> list[FrameInput]:
    frames = []
    for i in range(2):
        sketch = np.full((*FRAME, 3), 255, np.uint8)
        sketch[8 + 6 * i : 11 + 6 * i, :] = 0
        mask = np.zeros(FRAME, np.float32)
        mask[10:35, 10:45] = 1.0
        frames.append(FrameInput(number=1 + i, sketch=sketch, mask=mask))
    return frames


class FakeGPU:
    """Records every move and where each submodule would be ("gpu" or "cpu"); moves nothing for real."""

    def __init__(self, on_gpu: tuple[str, ...]) -> None:
        self.where = {name: "gpu" if name in on_gpu else "cpu" for name in MODULES}
        self.moves: list[tuple[tuple[str, ...], str]] = []

    def __call__(self, model, names, device) -> None:
        self.moves.append((tuple(names), str(device)))
        for name in names:
            self.where[name] = str(device)

    def resident(self) -> set[str]:
        return {name for name, place in self.where.items() if place == "gpu"}


def _watch(model, gpu: FakeGPU) -> list[tuple[str, set[str]]]:
    """(model call, submodules on the GPU at that moment) for every call of each stage's models."""
    seen: list[tuple[str, set[str]]] = []
    probes = {
        "image_encoder": model.image_encoder,
        "bg_transformer": model.bg_transformer,
        "sketch_encoder": model.sketch_encoder,
        "unet": model.unet.conv_in,  # first layer of every UNet call
        "vae_decode": model.vae.post_quant_conv,  # first layer of every VAE decode
    }
    for name, module in probes.items():
        module.register_forward_pre_hook(lambda _m, _a, name=name: seen.append((name, gpu.resident())))
    return seen


@pytest.fixture(scope="module")
def plain():
    """The reference render: the CPU backend without any stage moves."""
    from colorframes.backends.diffusion import create_colorizer

    backend = create_colorizer(_opts(offload=True))  # on the CPU --offload is ignored, with a warning
    assert backend.pipeline.stages is None and not backend.offload
    assert backend.warnings == ["--offload only applies on a CUDA device; ignored"]
    backend.setup_shot(_shot())
    return backend.colorize(_frames())


def test_offload_keeps_one_stage_on_the_gpu_and_renders_the_same_pixels(plain):
    from colorframes.backends.diffusion import create_colorizer

    backend = create_colorizer(_opts())
    gpu = FakeGPU(on_gpu=())  # --offload: the constructor leaves everything on the CPU
    backend.pipeline.stages = StageResidency(backend.model, "gpu", whole=True, on_device=(), mover=gpu)
    seen = _watch(backend.model, gpu)
    backend.setup_shot(_shot())
    results = backend.colorize(_frames())

    calls = [name for name, _ in seen]
    assert calls.count("unet") == 3 * 2 and calls.count("vae_decode") == 2 * (1 + 2)  # steps x frames; + process
    for name, resident in seen:
        expected = {"image_encoder": ENCODERS, "bg_transformer": ENCODERS, "vae_decode": DECODE}.get(name, DENOISE)
        assert resident == expected, (name, resident)
    encode, denoise, decode = STAGES["encode"], STAGES["denoise"], STAGES["decode"]
    assert gpu.moves == [
        (encode, "gpu"),  # setup_shot
        (encode, "cpu"), (denoise, "gpu"),  # end of setup (sketch-null hints)
        (denoise, "cpu"), (decode, "gpu"),  # the batch's decodes, intermediates included: once
    ]  # fmt: skip
    backend.colorize(_frames()[:1])  # the next batch: one switch each way, not one per step
    assert gpu.moves[5:] == [(decode, "cpu"), (denoise, "gpu"), (denoise, "cpu"), (decode, "gpu")]

    for a, b in zip(plain, results, strict=True):
        np.testing.assert_array_equal(a.image, b.image)
        for x, y in zip(a.extras["intermediates"], b.extras["intermediates"], strict=True):
            np.testing.assert_array_equal(x, y)


def test_without_offload_only_the_reference_encoders_move_on_cuda():
    from colorframes.backends.diffusion import create_colorizer

    backend = create_colorizer(_opts(mode="bg2fig", process=0))
    gpu = FakeGPU(on_gpu=MODULES)  # model.to(device): everything on the GPU
    backend.pipeline.stages = StageResidency(backend.model, "gpu", whole=False, mover=gpu)
    seen = _watch(backend.model, gpu)
    for _ in range(2):  # two shots
        backend.setup_shot(_shot())
        backend.colorize(_frames())
    encoders = STAGES["encode"]
    assert gpu.moves == [(encoders, "cpu"), (encoders, "gpu"), (encoders, "cpu")]
    for name, resident in seen:
        assert resident >= DENOISE | DECODE, (name, resident)  # the UNet and the VAE never move


def test_offload_constructor_keeps_the_model_on_the_cpu_and_compiles_without_cuda_graphs():
    from colorframes.backends.diffusion import DiffusionColorizer
    from colorframes.pipeline.acceleration import compile_mode
    from colorframes.pipeline.loading import build_tiny_random

    cuda = torch.device("cuda")  # never used for a tensor here: the constructor only places the model
    backend = DiffusionColorizer(
        _opts(offload=True), build_tiny_random(), device=cuda, dtype=torch.float32, model_id="t", sha256=None
    )
    stages = backend.pipeline.stages
    assert backend.offload and backend.warnings == []
    assert stages is not None and stages.managed == set(MODULES) and stages.on_device == set()
    assert {p.device.type for p in backend.model.parameters()} == {"cpu"}
    assert backend.pipeline.device == cuda  # the compute device, wherever the UNet waits
    assert compile_mode(cuda, offload=True) is None and compile_mode(cuda) == "reduce-overhead"
