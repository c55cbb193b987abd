"""Network runners: (1, 3, S, S) float32 input -> (S, S) float32 probabilities.

`TorchRunner` wraps a loaded ISNetDIS (sigmoid applied here, the network returns logits);
`OnnxRunner` wraps an onnxruntime session of a SkyTNT export (`img` -> `mask`, sigmoid already inside
the graph), preferring the CUDA provider when the installed onnxruntime has it. Both expose `size`,
the square input side the network expects (1024 for the released models; tiny test models may differ).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelUnavailableError

DEFAULT_SIZE = 1024


def pick_torch_device(device: str = "auto", dtype: str = "auto", warnings: list[str] | None = None):
    """(torch.device, torch.dtype) for `--device` / `--dtype` through foundation.device: fp16 on CUDA under
    auto, fp32 on the CPU (an fp16 / bf16 request there is announced in `warnings`, never dropped silently).

    A device list (`cuda:0,cuda:1`, one colorizer worker each) runs the shared mask model on its first device.
    """
    from ..foundation.device import first_device, resolve_device, resolve_dtype

    dev = resolve_device(first_device(device))
    return dev, resolve_dtype(dtype, dev, warnings if warnings is not None else [], auto_cuda="fp16")


class TorchRunner:
    """Runs an ISNetDIS module on one input and returns sigmoid probabilities."""

    def __init__(
        self,
        net,
        size: int = DEFAULT_SIZE,
        device: str = "auto",
        dtype: str = "auto",
        warnings: list[str] | None = None,
    ) -> None:
        self.device, self.dtype = pick_torch_device(device, dtype, warnings)
        self.net = net.to(self.device, self.dtype).eval()
        self.size = size

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            inp = torch.from_numpy(x).to(self.device, self.dtype)  # (1, 3, S, S)
            prob = torch.sigmoid(self.net(inp).float())  # (1, 1, S, S)
        return prob[0, 0].cpu().numpy()


class OnnxRunner:
    """Runs a SkyTNT-style ONNX segmenter (input `img` (N, 3, S, S), output `mask` (N, 1, S, S))."""

    def __init__(self, path: str | Path, device: str = "auto", threads: int = 0) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise ModelUnavailableError(
                "onnxruntime is not installed; `pip install onnxruntime` (or onnxruntime-gpu) "
                "to use --mask-model isnet-onnx"
            ) from None
        path = Path(path)
        if not path.is_file():
            raise ModelUnavailableError(
                f"ONNX mask model not found: {path}; check the path or run `colorframes models`"
            )
        available = ort.get_available_providers()
        want_cuda = device in ("auto", "cuda") or device.startswith("cuda")
        providers = [p for p in ("CUDAExecutionProvider",) if want_cuda and p in available]
        providers.append("CPUExecutionProvider")
        session_options = ort.SessionOptions()
        session_options.intra_op_num_threads = threads  # 0 = onnxruntime's default
        # No busy-waiting between ops: render nodes run other jobs beside us.
        session_options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(str(path), session_options, providers=providers)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise ModelUnavailableError(f"cannot load ONNX mask model {path}: {str(exc).splitlines()[0]}") from None
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.output_name = self.session.get_outputs()[0].name
        side = inp.shape[-1]
        self.size = side if isinstance(side, int) and side > 0 else DEFAULT_SIZE
        self.providers = self.session.get_providers()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        (out,) = self.session.run([self.output_name], {self.input_name: x.astype(np.float32)})
        return np.asarray(out, np.float32)[0, 0]  # (S, S)
