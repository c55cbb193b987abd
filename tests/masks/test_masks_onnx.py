"""The ONNX path (onnxruntime) with tiny models that have the SkyTNT export's IO names and layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from masks_helpers import (
    grey_onnx,
    shared_tiny_onnx,
)

from colorframes.errors import ModelUnavailableError
from colorframes.masks.provider import NetMasker, create_mask_provider
from colorframes.masks.runners import OnnxRunner, TorchRunner
from colorframes.options import RunOptions

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_pair():
    return shared_tiny_onnx()


def test_onnx_runner_reads_io_layout(tiny_pair):
    _, path = tiny_pair
    runner = OnnxRunner(path, device="cpu", threads=1)
    assert (runner.input_name, runner.output_name, runner.size) == ("img", "mask", 64)
    assert runner.providers[-1] == "CPUExecutionProvider"
    out = runner(np.random.rand(1, 3, 64, 64).astype(np.float32))
    assert out.shape == (64, 64) and out.min() >= 0.0 and out.max() <= 1.0


def test_onnx_matches_torch_on_the_same_weights(tiny_pair):
    net, path = tiny_pair
    rgb = np.full((48, 80, 3), 255, np.uint8)
    rgb[10:40, 30:60] = (40, 90, 200)
    onnx_mask = NetMasker(OnnxRunner(path, device="cpu", threads=1), "skytnt")(rgb)
    torch_mask = NetMasker(TorchRunner(net, size=64, device="cpu"), "skytnt")(rgb)
    assert np.abs(onnx_mask - torch_mask).max() < 1e-4


def test_letterbox_crop_maps_the_mask_back_onto_the_image(tmp_path):
    runner = OnnxRunner(grey_onnx(tmp_path / "grey.onnx", size=32), device="cpu", threads=1)
    rgb = np.zeros((30, 90, 3), np.uint8)
    rgb[:, 45:] = 255  # right half white -> mean 1.0 under the skytnt convention (RGB / 255)
    mask = NetMasker(runner, "skytnt")(rgb)
    assert mask.shape == (30, 90)
    assert mask[:, :40].max() < 0.1 and mask[:, 50:].min() > 0.9


def test_explicit_onnx_path_in_options(tiny_pair):
    _, path = tiny_pair
    provider, warnings = create_mask_provider(RunOptions(mask_model=str(path), device="cpu"))
    assert warnings == []
    assert provider.describe() == {"sketch": "isnetis.onnx:skytnt", "reference": "isnetis.onnx:skytnt"}
    rgb = np.full((40, 40, 3), 255, np.uint8)
    rgb[10:30, 10:30] = 0
    assert provider.sketch_mask(rgb).shape == (40, 40)
    ref = provider.reference_mask(rgb)
    assert ref.shape == (40, 40) and ref.dtype == np.float32


def test_broken_onnx_file_is_model_unavailable(tmp_path):
    bad = tmp_path / "isnetis.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailableError, match="cannot load ONNX mask model"):
        OnnxRunner(bad)
    with pytest.raises(ModelUnavailableError, match="not found"):
        OnnxRunner(tmp_path / "absent.onnx")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_provider_is_preferred_when_present(tiny_pair):
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        pytest.skip("onnxruntime without CUDA")
    runner = OnnxRunner(tiny_pair[1], device="auto")
    assert runner.providers[0] == "CUDAExecutionProvider"
