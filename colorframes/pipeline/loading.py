"""Model loading for the diffusion backend (device / dtype resolution lives in foundation.device).

Fallbacks never happen silently: each one appends a line to the `warnings` list the runner prints.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import torch

TINY_RANDOM_SEED = 20250227  # fixed: tiny-random weights are identical in every process

_SHA_CACHE: dict[tuple[str, int, float], str] = {}


def _randomise_zero_params(model: torch.nn.Module, generator: torch.Generator) -> None:
    """Give every all-zero parameter (zero convs, LoRA up) small random values so every branch acts."""
    for _, param in sorted(model.named_parameters(), key=lambda item: item[0]):
        if param.numel() and not torch.any(param):
            fan_in = param[0].numel() if param.dim() > 1 else 1
            std = 0.02 if param.dim() == 1 else fan_in**-0.5
            param.data.copy_(torch.randn(param.shape, generator=generator) * std)


def build_tiny_random(seed: int = TINY_RANDOM_SEED) -> Any:
    """The tiny v1.5 colorizer (the fixture's sizes) with deterministic random weights, in-process."""
    from ..models.colorizer import SplitColorizer
    from ..models.config import ColorizerConfig

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SplitColorizer(ColorizerConfig.tiny())
    _randomise_zero_params(model, torch.Generator("cpu").manual_seed(seed + 1))
    return model.eval().requires_grad_(False)


def load_model_from_path(path: Path) -> Any:
    """A converted folder (from_pretrained) or an official single file (converted in memory)."""
    from ..models import convert, registry

    model = convert.from_pretrained(path) if path.is_dir() else registry.load_official_file(path)
    return model.eval().requires_grad_(False)


def state_dict_sha256(model: torch.nn.Module) -> str:
    """Content hash of a model's weights (names, dtypes, shapes, bytes), independent of files."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        digest.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return digest.hexdigest()


def path_sha256(path: Path) -> str:
    """sha256 of a weights file, or of a folder's files (name + content hash), cached per process."""
    from ..models.registry import sha256_file

    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime)
    if key not in _SHA_CACHE:
        if path.is_dir():
            digest = hashlib.sha256()
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(f"{f.relative_to(path)}|{sha256_file(f)}".encode())
            _SHA_CACHE[key] = digest.hexdigest()
        else:
            _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]
