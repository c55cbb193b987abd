"""Speed settings of the diffusion backend that never change what is computed (only how).

channels_last (NHWC) lets cuDNN use tensor-core convolutions without layout transposes; torch.compile
on CUDA uses `mode="reduce-overhead"` (CUDA graphs: a frame batch has fixed shapes, so one captured graph
replays every step without per-kernel launch cost); on the CPU and with --offload it uses the default mode. A compile
failure (no C++ toolchain, unsupported GPU) falls back to eager with one warning, never a failed run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def use_channels_last(model: Any, device: torch.device) -> bool:
    """Put the UNet and the VAE in channels_last on CUDA (conv weights NHWC); returns whether it did."""
    if device.type != "cuda":
        return False
    model.unet.to(memory_format=torch.channels_last)
    model.vae.to(memory_format=torch.channels_last)
    return True


def compile_mode(device: torch.device, offload: bool = False) -> str | None:
    """CUDA graphs on CUDA (fixed shapes per batch size), the default inductor mode elsewhere and with
    --offload (a graph holds its weights' addresses; moving the UNet each batch would re-record it)."""
    return "reduce-overhead" if device.type == "cuda" and not offload else None


def compiled(
    fn: Callable[..., torch.Tensor], device: torch.device, warnings: list[str], *, offload: bool = False
) -> Callable[..., torch.Tensor]:
    """`fn` (the UNet call) through torch.compile, falling back to `fn` itself on the first failure.

    The wrapper lives on the pipeline, never on the model object, so a model can be reused by another
    backend (benchmarks) without inheriting a compiled method. CUDA-graph replays reuse their output
    buffers; the pipeline copies every output before the next call.
    """
    mode = compile_mode(device, offload)
    state: dict[str, Any] = {"fn": torch.compile(fn, dynamic=False, mode=mode)}
    graphs = mode == "reduce-overhead"

    def call(*args: Any, **kwargs: Any) -> torch.Tensor:
        if state["fn"] is fn:
            return fn(*args, **kwargs)
        try:
            if graphs:
                torch.compiler.cudagraph_mark_step_begin()  # each call is a new step for the graph tree
            return state["fn"](*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - compile backends missing (no C++ toolchain, old GPU, ...)
            warnings.append(
                f"--compile failed ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); running eager"
            )
            state["fn"] = fn
            return fn(*args, **kwargs)

    call.is_compiled = lambda: state["fn"] is not fn  # type: ignore[attr-defined]
    return call
