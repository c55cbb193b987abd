"""Load the official single-file checkpoint, and save/load the converted diffusers-style folder.

`convert_official_state_dict` renames keys (keymap.py), reshapes 1x1-conv <-> linear where layouts
differ (the VAE mid attention), drops the DDPM schedule buffers after checking them against the config,
and reports what it did. `load_official` builds a SplitColorizer from it and refuses incomplete files.
A converted folder is `config.json` + one safetensors file per component and loads offline.
"""

from __future__ import annotations

import json
import pickle
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelUnavailableError
from .colorizer import SplitColorizer
from .config import ColorizerConfig
from .keymap import official_to_ours

COMPONENTS = ("unet", "sketch_encoder", "image_encoder", "thresh_embedder", "bg_transformer", "vae")
# Released checkpoints carry no CLIP weights; open_clip's ViT-H-14 file supplies them.
OPTIONAL_PREFIXES = ("image_encoder.",)


@dataclass
class ConversionReport:
    mapped: int = 0
    dropped: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    reshaped: list[str] = field(default_factory=list)
    schedule: str = "absent"  # absent | match | mismatch: <detail>
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def schedule_betas(config: ColorizerConfig) -> torch.Tensor:
    """The training betas in float64 (scaled_linear = linspace(sqrt(b0), sqrt(b1), T) ** 2)."""
    t = config.num_train_timesteps
    if config.beta_schedule == "scaled_linear":
        return torch.linspace(config.beta_start**0.5, config.beta_end**0.5, t, dtype=torch.float64) ** 2
    if config.beta_schedule == "linear":
        return torch.linspace(config.beta_start, config.beta_end, t, dtype=torch.float64)
    raise ValueError(f"unsupported beta_schedule {config.beta_schedule!r}")


def check_schedule(sd: dict[str, torch.Tensor], config: ColorizerConfig) -> str:
    if "betas" not in sd:
        return "absent"
    if sd["betas"].device.type == "meta":
        return "unchecked (meta tensor)"
    stored = sd["betas"].double().cpu()
    expected = schedule_betas(config)
    if stored.shape != expected.shape or not torch.allclose(stored, expected, rtol=1e-5, atol=1e-9):
        return f"mismatch: max |diff| {(stored - expected).abs().max().item():.3g}"
    return "match"


def convert_official_state_dict(
    sd: dict[str, torch.Tensor], config: ColorizerConfig | None = None
) -> tuple[dict[str, torch.Tensor], ConversionReport]:
    """Official key layout -> SplitColorizer keys. Shapes are fixed up later against the model."""
    config = config or ColorizerConfig.full()
    nested = sd.get("state_dict")
    if isinstance(nested, dict):  # a training checkpoint nests the weights
        sd = nested
    report = ConversionReport(schedule=check_schedule(sd, config))
    ours: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        try:
            new = official_to_ours(key, config)
        except (KeyError, ValueError, IndexError):
            report.unknown.append(key)
            continue
        if new is None:
            report.dropped.append(key)
            continue
        ours[new] = value
        report.mapped += 1
    return ours, report


def _fit_shape(value: torch.Tensor, shape: torch.Size) -> torch.Tensor | None:
    """1x1 conv [O, I, 1, 1] <-> linear [O, I]: same elements, singleton dims only."""
    if value.shape == shape:
        return value
    if value.numel() == shape.numel() and [d for d in value.shape if d != 1] == [d for d in shape if d != 1]:
        return value.reshape(shape)
    return None


ACCEPTED_FORMATS = (
    ".safetensors (preferred), or a PyTorch .ckpt/.pt/.pth holding only tensors (read with weights_only=True)"
)


def unusable(path: str | Path, reason: str) -> ModelUnavailableError:
    """The one-line error for a file that is not weights we can read safely (exit 3)."""
    return ModelUnavailableError(f"{path}: not a usable weights file ({reason}); colorframes reads {ACCEPTED_FORMATS}")


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """safetensors, or a torch pickle loaded with weights_only=True (no code execution). Anything else —
    a pickle with code or objects, a corrupt or absurd header, no tensors — is ModelUnavailableError (exit 3)."""
    path = Path(path)
    if not path.is_file():
        raise ModelUnavailableError(f"weights file not found: {path}; run `colorframes models pull switch-eps`")
    if path.suffix == ".safetensors":
        return _read_component(path)
    sd = _torch_load(path)
    if isinstance(sd, dict) and isinstance(sd.get("state_dict"), dict):
        sd = sd["state_dict"]
    tensors = {k: v for k, v in sd.items() if isinstance(v, torch.Tensor)} if isinstance(sd, dict) else {}
    if not tensors:
        raise unusable(path, "it holds no tensors")
    return tensors


def _torch_load(path: Path) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on foreign pickle protocols are not the user's concern
            try:  # memory-mapped where the file allows it (the zip format): no second copy in memory
                return torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
            except RuntimeError as exc:
                if "mmap" not in str(exc):
                    raise
                return torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        # PyTorch's own text suggests turning the safety off; it must never reach the user
        raise unusable(path, "it holds Python code or objects, not only tensors, and is refused") from None
    except MemoryError:
        raise unusable(path, "out of memory reading it") from None
    except Exception as exc:  # noqa: BLE001 - a truncated zip, a foreign format, ...: all mean unusable
        raise unusable(path, f"unreadable: {type(exc).__name__}") from None


def load_converted(
    model: SplitColorizer,
    ours: dict[str, torch.Tensor],
    report: ConversionReport,
    *,
    allow_missing: tuple[str, ...] = OPTIONAL_PREFIXES,
    source: str = "checkpoint",
    copy: bool = False,
) -> ConversionReport:
    """Copy converted tensors into `model` (dtype cast to the model's), fixing 1x1 shapes; strict."""
    target = model.state_dict()
    fitted: dict[str, torch.Tensor] = {}
    bad_shapes = []
    for key, value in ours.items():
        if key not in target:
            report.unexpected.append(key)
            continue
        fixed = _fit_shape(value, target[key].shape)
        if fixed is None:
            bad_shapes.append(f"{key} {tuple(value.shape)} != {tuple(target[key].shape)}")
            continue
        if fixed is not value:
            report.reshaped.append(key)
        fitted[key] = fixed.to(target[key].dtype, copy=copy)
    report.missing = sorted(k for k in target if k not in fitted and not k.startswith(allow_missing))
    problems = []
    if report.unknown:
        problems.append(f"{len(report.unknown)} unknown keys (e.g. {report.unknown[0]})")
    if report.unexpected:
        problems.append(f"{len(report.unexpected)} unexpected keys (e.g. {report.unexpected[0]})")
    if report.missing:
        problems.append(f"{len(report.missing)} missing keys (e.g. {report.missing[0]})")
    if bad_shapes:
        problems.append(f"{len(bad_shapes)} shape mismatches (e.g. {bad_shapes[0]})")
    if report.schedule.startswith("mismatch"):
        problems.append(f"noise schedule {report.schedule}")
    if problems:
        raise ModelUnavailableError(
            f"{source} does not match the v1.5 colorizer config: {'; '.join(problems)}; "
            "re-download it or pass the matching config"
        )
    model.load_state_dict(fitted, strict=False, assign=model.device.type == "meta")
    return report


def load_official(
    path_or_state_dict: str | Path | dict[str, torch.Tensor],
    config: ColorizerConfig | None = None,
    dtype: torch.dtype = torch.float32,
    *,
    attention: str = "sdpa",
    clip_weights: str | Path | dict[str, torch.Tensor] | None = None,
    adopt: bool = False,
) -> tuple[SplitColorizer, ConversionReport]:
    """Build a SplitColorizer from the official single file (e.g. switch-eps.safetensors).

    CLIP weights are taken from the file when present (the fixture) or from `clip_weights`
    (open_clip's ViT-H-14 checkpoint, keys `visual.*`); otherwise the tower stays randomly initialised
    and the report's `missing` is empty only because image_encoder.* is optional here. `adopt=True` hands a
    state dict over (the model takes its tensors without copying them)."""
    config = config or ColorizerConfig.full()
    source = str(path_or_state_dict) if not isinstance(path_or_state_dict, dict) else "state dict"
    sd = path_or_state_dict if isinstance(path_or_state_dict, dict) else read_state_dict(path_or_state_dict)
    ours, report = convert_official_state_dict(sd, config)
    # Build on the meta device and adopt the file's tensors: no random init of ~1.7B parameters and
    # no second full copy in memory. Whatever the file does not provide is materialised below.
    with torch.device("meta"):
        model = SplitColorizer(config, attention=attention)
    # A caller's dict is copied so the model never aliases tensors it does not own.
    load_converted(model, ours, report, source=source, copy=isinstance(path_or_state_dict, dict) and not adopt)
    if clip_weights is not None:
        load_open_clip_visual(model, clip_weights)
    _materialize(model)
    model.to(dtype)
    return model.eval(), report


def _materialize(model: SplitColorizer) -> None:
    """Replace what is still on the meta device: the CLIP tower when neither the file nor
    `clip_weights` had it (random init, like a plain build), and the non-persistent buffers."""
    from .reference_encoder import ReferenceEncoder

    enc = model.image_encoder
    if any(p.is_meta for p in enc.parameters()):
        model.image_encoder = ReferenceEncoder.from_config(model.config)
    else:
        enc.reset_buffers()
    leftover = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if leftover:
        raise ModelUnavailableError(f"weights left {len(leftover)} tensors unset (e.g. {leftover[0]})")


def load_open_clip_visual(model: SplitColorizer, weights: str | Path | dict[str, torch.Tensor]) -> None:
    """Load an open_clip CLIP checkpoint's vision tower (`visual.*`); the text tower is ignored."""
    sd = weights if isinstance(weights, dict) else read_state_dict(weights)
    visual = {k.removeprefix("visual."): v for k, v in sd.items() if k.startswith("visual.")}
    if not visual:
        raise ModelUnavailableError("the CLIP checkpoint has no `visual.*` keys; use open_clip's ViT-H-14 file")
    target = model.image_encoder.visual.state_dict()
    missing = sorted(set(target) - set(visual))
    if missing:
        raise ModelUnavailableError(f"the CLIP checkpoint lacks {len(missing)} vision keys (e.g. {missing[0]})")
    visual_module = model.image_encoder.visual
    meta = any(p.is_meta for p in visual_module.parameters())
    visual_module.load_state_dict({k: visual[k].to(target[k].dtype) for k in target}, assign=meta)


# --- converted folders ----------------------------------------------------------------------------------


def save_pretrained(model: SplitColorizer, folder: str | Path, dtype: torch.dtype | None = None) -> Path:
    """Write config.json + <component>.safetensors (contiguous tensors, optional dtype cast)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save(folder / "config.json")
    for name in COMPONENTS:
        sd = getattr(model, name).state_dict()
        if not sd:
            continue
        tensors = {k: (v.to(dtype) if dtype is not None else v).detach().contiguous().cpu() for k, v in sd.items()}
        save_file(tensors, str(folder / f"{name}.safetensors"), metadata={"format": "pt"})
    (folder / "model_index.json").write_text(
        json.dumps({"_class_name": "SplitColorizer", "components": list(COMPONENTS)}, indent=2) + "\n",
        encoding="utf-8",
    )
    return folder


def from_pretrained(
    folder: str | Path,
    dtype: torch.dtype = torch.float32,
    *,
    attention: str = "sdpa",
    require_image_encoder: bool = True,
) -> SplitColorizer:
    """Load a folder written by save_pretrained (offline: nothing is downloaded)."""
    folder = Path(folder)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ModelUnavailableError(
            f"{config_path} not found; convert the official file with `colorframes models convert`"
        )
    with torch.device("meta"):  # adopt the files' tensors instead of random-initialising first
        model = SplitColorizer(ColorizerConfig.load(config_path), attention=attention)
    for name in COMPONENTS:
        path = folder / f"{name}.safetensors"
        if not path.is_file():
            if name == "image_encoder" and not require_image_encoder:
                continue
            raise ModelUnavailableError(f"{path} is missing; re-run `colorframes models convert`")
        module = getattr(model, name)
        sd = _read_component(path)
        target = module.state_dict()
        bad = sorted(set(target) ^ set(sd)) or [k for k in sd if sd[k].shape != target[k].shape]
        if bad:
            raise ModelUnavailableError(f"{path} does not match config.json (key {bad[0]}); re-run the conversion")
        module.load_state_dict({k: v.to(target[k].dtype) for k, v in sd.items()}, assign=True)
    _materialize(model)
    model.to(dtype)
    return model.eval()


def _read_component(path: Path) -> dict[str, torch.Tensor]:
    """One tensor at a time into its own fresh allocation: the model adopts these tensors, and kernels
    see the same aligned, contiguous memory as after a normal load (bitwise-stable outputs)."""
    from safetensors import safe_open

    out = {}
    try:
        with safe_open(str(path), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 - safe_open is not a mapping
                out[key] = f.get_tensor(key).clone(memory_format=torch.contiguous_format)
    except MemoryError:
        raise unusable(path, "out of memory reading it") from None
    except Exception as exc:  # noqa: BLE001 - SafetensorError, absurd header length, bad offsets, ...
        raise unusable(path, f"safetensors header or data unreadable: {_first_line(exc)}") from None
    if not out:
        raise unusable(path, "it holds no tensors")
    return out


def tensor_shapes(path: str | Path) -> dict[str, list[int]]:
    """Key -> shape of every tensor in a weights file of any accepted format (safetensors: header only).
    Raises ModelUnavailableError (exit 3) for a file that is not usable weights."""
    path = Path(path)
    if path.suffix != ".safetensors":
        return {k: list(v.shape) for k, v in read_state_dict(path).items()}
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            shapes = {key: list(f.get_slice(key).get_shape()) for key in f.keys()}  # noqa: SIM118
    except Exception as exc:  # noqa: BLE001 - see _read_component
        raise unusable(path, f"safetensors header unreadable: {_first_line(exc)}") from None
    if not shapes:
        raise unusable(path, "it holds no tensors")
    return shapes


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0][:120] if text else type(exc).__name__) or type(exc).__name__
