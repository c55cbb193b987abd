"""ISNetDIS architecture, checkpoint loading and the network input conventions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from masks_helpers import (
    save_tiny_isnet,
    tiny_isnet,
)

from colorframes.errors import ModelUnavailableError
from colorframes.masks.isnet import ISNetDIS
from colorframes.masks.isnet_weights import declared_input_size, load_isnet
from colorframes.masks.preprocess import from_output, to_input
from colorframes.masks.provider import NetMasker
from colorframes.masks.runners import TorchRunner

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_released_architecture_shapes_and_size():
    with torch.device("meta"):
        net = ISNetDIS()
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert sum(p.numel() for p in net.parameters()) == 44_046_790  # isnetis.onnx is 176 MB fp32
    assert shapes["conv_in.weight"] == (64, 3, 3, 3)
    assert shapes["stage1.rebnconvin.conv_s1.weight"] == (64, 64, 3, 3)
    assert shapes["stage1.rebnconv7.conv_s1.weight"] == (32, 32, 3, 3)
    assert shapes["stage6.rebnconv4.conv_s1.weight"] == (256, 256, 3, 3)
    assert shapes["stage5d.rebnconvin.conv_s1.weight"] == (512, 1024, 3, 3)
    assert shapes["stage1d.rebnconv1d.conv_s1.weight"] == (64, 32, 3, 3)
    assert shapes["side6.weight"] == (1, 512, 3, 3)
    assert "stage2.rebnconv6.bn_s1.running_var" in shapes
    assert net.stage6.rebnconv4.conv_s1.dilation == (8, 8)


def test_forward_keeps_input_size():
    out = tiny_isnet()(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, 1, 64, 64)


@pytest.mark.parametrize("prefix", ["", "net.", "module.net."])
def test_safetensors_round_trip_with_wrapper_prefixes(tmp_path, prefix):
    net = tiny_isnet(seed=1)
    extra = {"gt_encoder.conv_in.weight": torch.zeros(1)}  # SkyTNT training-only key, dropped
    path = save_tiny_isnet(tmp_path / "isnetis.safetensors", net, prefix, extra=extra)
    loaded = load_isnet(path)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(loaded(x), net(x), atol=1e-6)
    assert declared_input_size(path) == 64


def test_lightning_ckpt_with_state_dict_wrapper(tmp_path):
    net = tiny_isnet(seed=2)
    path = tmp_path / "isnetis.ckpt"
    torch.save({"epoch": 3, "state_dict": {"net." + k: v for k, v in net.state_dict().items()}}, path)
    loaded = load_isnet(path)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(loaded(x), net(x), atol=1e-6)
    assert declared_input_size(path) == 1024


def test_wrong_checkpoint_is_model_unavailable(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "other.safetensors"
    save_file({"encoder.weight": torch.zeros(2, 2)}, str(path))
    with pytest.raises(ModelUnavailableError, match="not an ISNetDIS checkpoint"):
        load_isnet(path)
    state = {k: v for k, v in tiny_isnet().state_dict().items() if not k.startswith("side1")}
    save_file(state, str(path))
    with pytest.raises(ModelUnavailableError, match="does not match ISNetDIS"):
        load_isnet(path)
    with pytest.raises(ModelUnavailableError, match="not found"):
        load_isnet(tmp_path / "missing.safetensors")


def test_input_conventions():
    rgb = np.full((20, 40, 3), 255, np.uint8)
    rgb[:, :10] = 0  # black left quarter
    sketch, box = to_input(rgb, "sketch", 32)
    assert sketch.shape == (1, 3, 32, 32) and box.h == box.w == 32
    assert np.isclose(sketch[0, 0, 16, 0], -1.0, atol=0.05) and np.isclose(sketch[0, 0, 16, 31], 1.0, atol=0.05)
    official, box = to_input(rgb, "official", 32)
    assert (box.top, box.h, box.w) == (8, 16, 32)
    assert np.isclose(official[0, 0, 16, 31], 0.0, atol=0.05)  # white paper becomes 0: inverted
    assert np.isclose(official[0, 0, 16, 0], 1.0, atol=0.05)
    assert official[0, 0, 0, 0] == 1.0  # -1 padding, inverted
    skytnt, box = to_input(rgb, "skytnt", 32)
    assert np.isclose(skytnt[0, 0, 16, 31], 1.0, atol=0.05) and skytnt[0, 0, 0, 0] == 0.0
    prob = np.zeros((32, 32), np.float32)
    prob[box.top : box.top + box.h, :8] = 1.0  # the left quarter of the content box
    back = from_output(prob, box, (20, 40))
    assert back.shape == (20, 40) and back[:, :9].min() > 0.9 and back[:, 11:].max() < 0.1


def test_torch_masker_on_tiny_net_gives_valid_masks_and_dilates_the_reference():
    runner = TorchRunner(tiny_isnet(seed=3), size=64, device="cpu")
    rgb = np.full((50, 70, 3), 255, np.uint8)
    rgb[10:40, 20:50] = 0
    sketch = NetMasker(runner, "sketch")(rgb)
    assert sketch.shape == (50, 70) and sketch.dtype == np.float32
    assert sketch.min() >= 0.0 and sketch.max() <= 1.0
    plain = NetMasker(runner, "official")(rgb)
    dilated = NetMasker(runner, "official", dilation=11)(rgb)
    assert np.all(dilated >= plain - 1e-6) and dilated.mean() > plain.mean()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fp16_runner_matches_cpu_fp32():
    net = tiny_isnet(seed=7)
    x = np.random.default_rng(0).random((1, 3, 64, 64), dtype=np.float32)
    cpu = TorchRunner(net, size=64, device="cpu")(x)
    gpu_runner = TorchRunner(tiny_isnet(seed=7), size=64, device="cuda", dtype="auto")
    assert gpu_runner.dtype == torch.float16
    assert np.abs(gpu_runner(x) - cpu).max() < 2e-2


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, colorframes.masks; print(sorted(m for m in ('torch', 'onnxruntime') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
