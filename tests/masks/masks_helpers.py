"""Shared helpers of the mask tests: drawn line art with known masks, tiny ISNet files."""

from __future__ import annotations

import functools
import importlib.util
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[2]


def example_module():
    """examples/make_example.py imported by path (examples/ is not a package)."""
    if "make_example" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_example", REPO / "examples" / "make_example.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_example"] = module
        spec.loader.exec_module(module)
    return sys.modules["make_example"]


def ring_frame(size=(240, 320), gap: int = 0, thickness: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """A closed (or broken by `gap` px) ellipse outline; returns (sketch RGB, filled bool mask)."""
    h, w = size
    sketch = np.full((h, w, 3), 255, np.uint8)
    centre, axes = (w // 2, h // 2), (w // 4, h // 3)
    cv2.ellipse(sketch, centre, axes, 0, 0, 360, (0, 0, 0), thickness, cv2.LINE_AA)
    if gap:
        x = centre[0] + axes[0]
        sketch[centre[1] - gap // 2 : centre[1] + (gap + 1) // 2, x - 6 : x + 7] = 255
    truth = np.zeros((h, w), np.uint8)
    cv2.ellipse(truth, centre, axes, 0, 0, 360, 255, -1)
    cv2.ellipse(truth, centre, axes, 0, 0, 360, 255, thickness, cv2.LINE_AA)  # the ink is figure too
    return sketch, truth > 127


def tiny_isnet(width: int = 4, seed: int = 0):
    """A random eval-mode ISNetDIS with non-trivial BatchNorm statistics."""
    import torch

    from colorframes.masks.isnet import ISNetDIS

    torch.manual_seed(seed)
    net = ISNetDIS(width=width)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    return net.eval()


def save_tiny_isnet(path: Path, net, prefix: str = "", input_size: int | None = 64, extra: dict | None = None):
    from safetensors.torch import save_file

    state = {prefix + k: v.contiguous() for k, v in net.state_dict().items()}
    state.update(extra or {})
    meta = {"input_size": str(input_size)} if input_size else None
    save_file(state, str(path), metadata=meta)
    return path


def export_tiny_onnx(path: Path, size: int = 64, net=None) -> Path:
    """The SkyTNT export layout: `img` (batch_size, 3, S, S) -> sigmoid `mask` (batch_size, 1, S, S)."""
    import torch

    class WithSigmoid(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return torch.sigmoid(self.inner(x))

    model = WithSigmoid(net if net is not None else tiny_isnet()).eval()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tracing a tiny model: threads only add spin-waiting
    try:
        _export(model, path, size)
    finally:
        torch.set_num_threads(threads)
    return path


def _export(model, path: Path, size: int) -> None:
    import torch

    torch.onnx.export(
        model,
        torch.zeros(1, 3, size, size),
        str(path),
        opset_version=17,
        input_names=["img"],
        output_names=["mask"],
        dynamic_axes={"img": {0: "batch_size"}, "mask": {0: "batch_size"}},
        dynamo=False,
    )


@functools.lru_cache(maxsize=1)
def shared_tiny_onnx() -> tuple[object, Path]:
    """One exported tiny ISNet (seed 4) per test process: (torch net, .onnx path). Exporting is slow."""
    net = tiny_isnet(seed=4)
    folder = Path(tempfile.mkdtemp(prefix="colorframes-masks-"))
    return net, export_tiny_onnx(folder / "isnetis.onnx", size=64, net=net)


def grey_onnx(path: Path, size: int = 32) -> Path:
    """An ONNX 'segmenter' whose mask is the channel mean of its input: makes the letterbox testable."""
    import onnx
    from onnx import TensorProto, helper

    img = helper.make_tensor_value_info("img", TensorProto.FLOAT, ["batch_size", 3, size, size])
    mask = helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch_size", 1, size, size])
    node = helper.make_node("ReduceMean", ["img"], ["mask"], axes=[1], keepdims=1)
    graph = helper.make_graph([node], "grey", [img], [mask])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
