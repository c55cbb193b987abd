"""Before anything is written or any heavy module loads: is everything the options name installed and on disk?

`check_requirements(options)` raises one `ModelUnavailableError` (exit 3) that names every missing piece at
once: the Python packages of an optional extra (with the `pip install` that adds them) and every missing
weights file (with its size and one command that fetches them all). It imports no torch: package presence
comes from `importlib.util.find_spec`, weights presence from the registry's file lookup. `run`, `segment`
and `doctor` all call it, so they agree on what a setup needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ModelUnavailableError
from ..extras import DIFFUSION_EXTRA, DIFFUSION_MODULES, VIDEO_EXTRA, VIDEO_MODULES, mask_runtime, require_modules
from ..options import RunOptions


@dataclass
class Requirements:
    """What a setup is missing: package problems (one line each) and registry names without weights."""

    packages: list[str] = field(default_factory=list)
    weights: list[str] = field(default_factory=list)  # registry names, fetchable with `models pull`
    needed_by: dict[str, str] = field(default_factory=dict)  # registry name -> the flag that needs it
    paths: list[str] = field(default_factory=list)  # problems with local weights paths (one line each)

    @property
    def ok(self) -> bool:
        return not (self.packages or self.weights or self.paths)

    def message(self) -> str:
        from ..models import registry

        parts = list(self.packages)
        if self.weights:
            described = []
            for name in self.weights:
                e = registry.entry(name)
                files = ", ".join(registry.missing_files(name)) or ", ".join(e.files)
                size = f", {e.size_hint}" if e.size_hint else ""
                flag = f" for {self.needed_by[name]}" if name in self.needed_by else ""
                described.append(f"{name}{flag} ({files}{size}, huggingface.co/{e.repo})")
            where = registry.where_text()
            parts.append(
                f"missing weights in {where}: {'; '.join(described)}; fetch them all with "
                f"`colorframes models pull {' '.join(self.weights)}`"
                + (
                    " (or use --mask-model classical)"
                    if any(registry.entry(n).kind == "mask" for n in self.weights)
                    else ""
                )
            )
        parts.extend(self.paths)
        return " | ".join(parts)


def requirements(options: RunOptions) -> Requirements:
    """Everything `options` needs that is not installed or not on disk (imports no heavy module)."""
    from pathlib import Path

    from ..masks.locate import MASK_WEIGHTS, find_weights
    from ..models import registry

    found = Requirements()

    def need_modules(feature: str, modules: tuple[str, ...], extra: str) -> None:
        try:
            require_modules(feature, modules, extra)
        except ModelUnavailableError as exc:
            if str(exc) not in found.packages:
                found.packages.append(str(exc))

    def need_weights(name: str, flag: str) -> None:
        canonical = registry.entry(name).name
        if registry.missing_files(canonical) and canonical not in found.weights:
            found.weights.append(canonical)
            found.needed_by[canonical] = flag

    if options.format in ("mp4", "both"):
        need_modules(f"--format {options.format}", VIDEO_MODULES, VIDEO_EXTRA)
    if options.backend in ("diffusion", "tiny-random"):
        need_modules(f"--backend {options.backend}", DIFFUSION_MODULES, DIFFUSION_EXTRA)
    if options.backend == "diffusion" and options.model != "tiny-random":
        if registry.is_local_path(options.model):
            if not Path(options.model).expanduser().exists():
                names = ", ".join(n for n, e in registry.REGISTRY.items() if e.kind == "colorizer")
                found.paths.append(
                    f"--model {options.model}: no such file or folder; give an existing weights file or folder, "
                    f"or a registry name ({names})"
                )
        else:
            e = registry.entry(options.model)
            if not e.builtin:
                need_weights(e.name, f"--model {options.model}")
                if e.kind == "colorizer":  # the official single files hold no CLIP tower
                    need_weights("clip-vit-h-14", f"--model {options.model}")
    mask = options.mask_model
    if mask in MASK_WEIGHTS:
        modules, extra = mask_runtime(mask)
        need_modules(f"--mask-model {mask}", modules, extra)
        if find_weights(mask) is None:
            need_weights(MASK_WEIGHTS[mask].name, f"--mask-model {mask}")
    elif mask not in ("auto", "classical"):
        path = Path(mask).expanduser()
        modules, extra = mask_runtime("isnet-onnx" if path.suffix == ".onnx" else "isnet")
        need_modules(f"--mask-model {mask}", modules, extra)
        if not path.is_file():
            found.paths.append(
                f"--mask-model {mask}: no such weights file; give an existing file or a mask model name"
            )
    return found


def check_requirements(options: RunOptions) -> None:
    """Raise one ModelUnavailableError (exit 3) naming everything `options` needs and lacks."""
    found = requirements(options)
    if not found.ok:
        raise ModelUnavailableError(found.message())
