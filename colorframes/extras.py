"""The optional extras of the package and how to tell, without importing them, whether they are installed.

Core (`pip install colorframes`): CLI, io, flat backend, classical masks, eval, review — no torch.
`colorframes[masks]`: ISNet masks through ONNX Runtime and `models pull`.
`colorframes[diffusion]`: the diffusion backends, the torch ISNet masks and `models pull`.
`colorframes[video]`: video input and MP4 output (imageio-ffmpeg and its static ffmpeg).
A feature whose extra is missing raises `ModelUnavailableError` (exit 3) naming the pip command.
"""

from __future__ import annotations

import importlib.util

from .errors import ModelUnavailableError

DIFFUSION_EXTRA = "diffusion"
MASKS_EXTRA = "masks"
VIDEO_EXTRA = "video"
DIFFUSION_MODULES = ("torch", "diffusers", "open_clip")
TORCH_MASK_MODULES = ("torch",)
ONNX_MASK_MODULES = ("onnxruntime",)
VIDEO_MODULES = ("imageio_ffmpeg",)


def pip_hint(extra: str) -> str:
    """The install command that adds an extra (quoted for every shell)."""
    return f'pip install "colorframes[{extra}]"'


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    """Modules of `modules` that are not importable here (checked without importing them)."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def require_modules(feature: str, modules: tuple[str, ...], extra: str) -> None:
    """ModelUnavailableError (exit 3) naming the missing packages and the pip command, if any is missing."""
    missing = missing_modules(modules)
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ModelUnavailableError(
            f"{feature} needs {', '.join(missing)}, which {verb} not installed; "
            f"install the {extra} extra: {pip_hint(extra)}"
        )


def mask_runtime(kind: str) -> tuple[tuple[str, ...], str]:
    """(modules, extra) that mask model `kind` (isnet | sketch-segment | isnet-onnx) runs on."""
    if kind == "isnet-onnx":
        return ONNX_MASK_MODULES, MASKS_EXTRA
    return TORCH_MASK_MODULES, DIFFUSION_EXTRA


def mask_runtime_installed(kind: str) -> bool:
    return not missing_modules(mask_runtime(kind)[0])
