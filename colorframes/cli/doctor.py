"""`colorframes doctor`: what this machine can run, and whether the requested setup can.

Exits 0 when the requested setup (backend, device, mask model) can run, 3 when weights or packages it
needs are missing (the same check `run` makes first), 2 when the device or another requirement is
unavailable. The report is data and goes to stdout; a failing verdict is one `error:` line on stderr.
"""

from __future__ import annotations

import json
import platform
from typing import Annotated, Any

import typer

from ..errors import EXIT_MODEL_UNAVAILABLE, EXIT_USAGE, ColorframesError
from .console import err, fail
from .flags import with_options


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def _check(checks: list[dict[str, Any]], name: str, ok: bool, detail: str, code: int = EXIT_USAGE) -> None:
    checks.append({"check": name, "ok": ok, "detail": detail, "exit_code": 0 if ok else code})


@with_options(
    ("backend", "device", "model", "mask_model"),
    panels=False,
    backend="Backend to check.",
    device="Device to check.",
    mask_model="Mask model to check.",
)
def doctor(
    *,
    preset: Annotated[
        str | None, typer.Option("--preset", help="Check the setup a preset asks for.", metavar="NAME|PATH")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON on stdout.", metavar="")] = False,
    **flags: Any,
) -> None:
    """Python, torch, CUDA, GPUs, xformers, ffmpeg, weights and cache; non-zero if the setup cannot run."""
    from .. import __version__
    from ..options import resolve_options

    try:
        opts = resolve_options(flags, preset=preset)
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
    # Informational: a setup that asks for MP4 or video without the extra fails in the requirements below.
    missing = 'not installed (video input, MP4: pip install "colorframes[video]")'
    _check(checks, "ffmpeg", True, info["ffmpeg"] or missing)

    for dev in [d.strip() for d in opts.device.split(",")]:
        if dev.startswith("cuda"):
            index = int(dev.split(":")[1]) if ":" in dev else 0
            ok = index < len(info["gpus"])
            _check(checks, f"device {dev}", ok, "available" if ok else "no such CUDA device")
    if opts.attention == "xformers":
        _check(checks, "xformers", info["xformers"], "installed" if info["xformers"] else "pip install xformers")

    from .. import api
    from ..models import registry

    info["cache"] = str(registry.home() or "Hugging Face cache (set COLORFRAMES_HOME to choose a folder)")
    found = api.requirements(opts)  # the same check `run` and `segment` make before they start
    for line in found.packages:
        _check(checks, "packages", False, line, EXIT_MODEL_UNAVAILABLE)
    for name in found.weights:
        _check(checks, f"weights {name}", False, api.Requirements(weights=[name]).message(), EXIT_MODEL_UNAVAILABLE)
    for line in found.paths:
        _check(checks, "weights path", False, line, EXIT_MODEL_UNAVAILABLE)
    if found.ok:
        _check(
            checks,
            "requirements",
            True,
            f"packages and weights for --backend {opts.backend} --mask-model {opts.mask_model} are present",
        )
    code = max((c["exit_code"] for c in checks), default=0)
    if json_out:
        typer.echo(json.dumps({"info": info, "checks": checks, "exit_code": code}))
    else:  # the report is data: stdout; only the verdict of a setup that cannot run goes to stderr
        for key, value in info.items():
            typer.echo(f"{key:12s} {value}")
        for c in checks:
            typer.echo(f"[{'ok' if c['ok'] else 'FAIL'}] {c['check']}: {c['detail']}")
    if code:
        failed = ", ".join(c["check"] for c in checks if not c["ok"])
        err(f"error: this setup cannot run ({failed}); exit {code}")
    raise typer.Exit(code)
