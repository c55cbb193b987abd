"""`colorframes doctor`: what this machine can run, and whether the requested setup can.

Exits 0 when the requested setup (backend, device, mask model) can run, 3 when weights it needs are
missing, 2 when the device or another requirement is unavailable.
"""

from __future__ import annotations

import json
import platform
from typing import Annotated, Any

import typer

from ..errors import EXIT_MODEL_UNAVAILABLE, EXIT_USAGE, ColorframesError
from .console import err, fail


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def _check(checks: list[dict[str, Any]], name: str, ok: bool, detail: str, code: int = EXIT_USAGE) -> None:
    checks.append({"check": name, "ok": ok, "detail": detail, "exit_code": 0 if ok else code})


def doctor(
    backend: Annotated[str | None, typer.Option("--backend", help="Backend to check [flat].")] = None,
    device: Annotated[str | None, typer.Option("--device", help="Device to check [auto].")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Weights name or path [switch-eps].")] = None,
    mask_model: Annotated[str | None, typer.Option("--mask-model", help="Mask model to check [auto].")] = None,
    preset: Annotated[str | None, typer.Option("--preset", help="Check the setup a preset asks for.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Python, torch, CUDA, GPUs, xformers, ffmpeg, weights and cache; non-zero if the setup cannot run."""
    from .. import __version__
    from ..options import resolve_options

    try:
        opts = resolve_options(
            {"backend": backend, "device": device, "model": model, "mask_model": mask_model}, preset=preset
        )
    except ColorframesError as exc:
        fail(exc)
    checks: list[dict[str, Any]] = []
    info: dict[str, Any] = {"colorframes": __version__, "python": platform.python_version()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["cuda"] = torch.version.cuda if torch.cuda.is_available() else None
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except ImportError:
        info["torch"] = None
        info["gpus"] = []
    try:
        import xformers  # noqa: F401

        info["xformers"] = True
    except ImportError:
        info["xformers"] = False
    try:
        import imageio_ffmpeg

        info["ffmpeg"] = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        info["ffmpeg"] = None
    _check(checks, "ffmpeg", info["ffmpeg"] is not None, info["ffmpeg"] or "not found (MP4 and video input)")

    for dev in [d.strip() for d in opts.device.split(",")]:
        if dev.startswith("cuda"):
            index = int(dev.split(":")[1]) if ":" in dev else 0
            ok = index < len(info["gpus"])
            _check(checks, f"device {dev}", ok, "available" if ok else "no such CUDA device")
    if opts.attention == "xformers":
        _check(checks, "xformers", info["xformers"], "installed" if info["xformers"] else "pip install xformers")

    try:
        from ..models import registry
    except ImportError:
        registry = None
    if registry is not None:
        info["cache"] = str(registry.home() or "Hugging Face cache (set COLORFRAMES_HOME to choose a folder)")
        needed = []
        if opts.backend == "diffusion":
            needed += [opts.model, "clip-vit-h-14"]
        if opts.mask_model not in ("auto", "classical"):
            needed.append(opts.mask_model)
        for name in needed:
            try:
                path = registry.model_path(name)
                _check(checks, f"weights {name}", True, str(path))
            except ColorframesError as exc:
                _check(checks, f"weights {name}", False, str(exc), EXIT_MODEL_UNAVAILABLE)
    code = max((c["exit_code"] for c in checks), default=0)
    if json_out:
        typer.echo(json.dumps({"info": info, "checks": checks, "exit_code": code}))
    else:
        for key, value in info.items():
            typer.echo(f"{key:12s} {value}")
        for c in checks:
            err(f"[{'ok' if c['ok'] else 'FAIL'}] {c['check']}: {c['detail']}")
    raise typer.Exit(code)
