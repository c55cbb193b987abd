"""The one frozen options dataclass and how it is resolved.

Precedence, highest first: command-line flag > ``COLORFRAMES_<FIELD>`` environment variable > preset
(TOML) > the defaults below. CLI flag names are the field names with ``-`` for ``_``; API keyword
arguments are the field names. An unknown preset key is an error that names the key (exit 2).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin

from .errors import ConfigError

BACKENDS = ("flat", "diffusion", "tiny-random")
MODES = ("vanilla", "bg2fig", "fig2fig")
FORMATS = ("png", "mp4", "both")
DTYPES = ("auto", "fp32", "fp16", "bf16")
ATTENTIONS = ("sdpa", "xformers")
CONSISTENCY = ("seed", "latent")
MASK_MODELS = ("auto", "classical", "isnet", "isnet-onnx", "sketch-segment")
SCHEDULERS = ("dpm++2m", "ddim", "euler", "euler-a", "lms", "pndm", "unipc")


# Every RunOptions field says whether it changes a frame's pixels. Those that do form the settings a
# rerun compares with the sidecar: a difference refuses to mix outputs unless --overwrite. Frame
# selection, output plumbing and performance knobs do not. A field without this mark is an error.
CHANGES_PIXELS = "changes_pixels"
# The largest input image (width x height): 100 megapixels, e.g. 10000x10000. Checked from the file header
# before decoding, so a small file declaring a huge image (a decompression bomb) fails cleanly.
DEFAULT_MAX_PIXELS = 100_000_000


def pixels(default: Any) -> Any:
    """A field that changes what a frame looks like (part of the settings hash)."""
    return field(default=default, metadata={CHANGES_PIXELS: True})


def other(default: Any) -> Any:
    """A field that does not change a frame's pixels (selection, output, speed)."""
    return field(default=default, metadata={CHANGES_PIXELS: False})


@dataclass(frozen=True)
class RunOptions:
    """Every knob of a run. Field comments are the documentation of the matching CLI flag."""

    # --- model -------------------------------------------------------------------------------
    # Which colorizer: `flat` (CPU paint-bucket, no weights), `diffusion` (ColorizeDiffusion v1.5),
    # `tiny-random` (the diffusion code path with tiny random weights; for tests and smoke runs).
    backend: str = pixels("flat")
    # Registry name or local path of the colorizer weights (diffusion backend).
    model: str = pixels("switch-eps")
    # Colorizer mode: vanilla | bg2fig | fig2fig (see README "Modes").
    mode: str = pixels("fig2fig")
    # Override the LoRA switches of the mode (official fg_enhance / bg_enhance flags).
    fg_lora: bool | None = pixels(None)
    bg_lora: bool | None = pixels(None)
    # Denoising steps and the two classifier-free guidance scales (reference, sketch).
    num_inference_steps: int = pixels(20)
    guidance_scale: float = pixels(4.0)
    sketch_guidance_scale: float = pixels(1.0)
    # Multiplies the sketch-encoder hints (official "Sketch strength").
    sketch_strength: float = pixels(1.0)
    # diffusers scheduler family; `karras` switches to Karras sigmas where supported.
    scheduler: str = pixels("dpm++2m")
    karras: bool = pixels(False)
    # Working resolution: the shorter side in pixels, rounded to a multiple of 64.
    resolution: int = pixels(512)
    # --- masks -------------------------------------------------------------------------------
    # Foreground mask source: auto (model if weights are present, else classical) | classical | isnet...
    mask_model: str = pixels("auto")
    # ts_s: the split attention selects the foreground branch where sketch mask > this.
    sketch_threshold: float = pixels(0.05)
    # ts_r: reference pixels with mask >= this are the figure (removed from background tokens).
    ref_threshold: float = pixels(0.5)
    # --- device & speed ----------------------------------------------------------------------
    device: str = other("auto")
    dtype: str = pixels("auto")
    attention: str = other("sdpa")
    batch_size: int = other(1)
    compile: bool = other(False)
    offload: bool = other(False)
    vae_slicing: bool = other(True)
    # VAE decode precision: fp32 (the official app's default) or same (follow --dtype).
    vae_dtype: str = pixels("fp32")
    # --- consistency -------------------------------------------------------------------------
    seed: int | None = pixels(None)
    consistency: str = pixels("seed")
    latent_strength: float = pixels(0.6)
    # --consistency latent: restart the latent chain every N frames (0 = never); shards recompute <= N-1 frames.
    latent_chain: int = pixels(8)
    flatten: bool = pixels(False)
    keep_lines: bool = pixels(False)
    # --- flat backend ------------------------------------------------------------------------
    gap_radius: int = pixels(2)
    keyframe: tuple[str, ...] = pixels(())
    hints: str | None = pixels(None)
    report: bool = other(False)
    # Also write the line art as a separate RGBA layer (lines/<stem>.png) for compositing (flat backend).
    lines_layer: bool = other(False)
    # --- background plates / process export --------------------------------------------------
    background: str | None = pixels(None)
    background_tokens: bool = pixels(False)
    # A plate whose size differs from the frames: error (refuse) | pad (centre, letterbox/crop, never rescale).
    background_fit: str = pixels("error")
    harmonize: float = pixels(0.5)
    process: int = other(0)
    process_frames: str | None = other(None)
    # Frame rate of the painting-process MP4.
    process_fps: float = other(4.0)
    # --- frames ------------------------------------------------------------------------------
    frames: str | None = other(None)
    shard: str | None = other(None)
    start_frame: int = other(1)
    overwrite: bool = other(False)
    # --- outputs -----------------------------------------------------------------------------
    output: str = other("colorframes_out")
    format: str = other("png")
    name_template: str | None = pixels(None)
    bit_depth: int = pixels(8)
    alpha: bool = pixels(False)
    save_masks: bool = other(False)
    crf: int = other(18)
    fps: float | None = other(None)
    review: bool = other(False)
    # --- limits ------------------------------------------------------------------------------
    # Largest input image (width x height) read: frames, references, keyframes, plates, hint images. The
    # size is read from the file header before decoding (a small file can declare a huge image).
    max_pixels: int = other(DEFAULT_MAX_PIXELS)

    def replace(self, **changes: Any) -> RunOptions:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _pixel_settings() -> tuple[str, ...]:
    unmarked = [f.name for f in fields(RunOptions) if CHANGES_PIXELS not in f.metadata]
    if unmarked:
        raise TypeError(f"RunOptions fields without a changes-pixels mark: {', '.join(unmarked)}")
    return tuple(f.name for f in fields(RunOptions) if f.metadata[CHANGES_PIXELS])


SETTINGS_THAT_CHANGE_PIXELS = _pixel_settings()

_CHOICES: dict[str, tuple[str, ...]] = {
    "backend": BACKENDS,
    "mode": MODES,
    "format": FORMATS,
    "dtype": DTYPES,
    "attention": ATTENTIONS,
    "consistency": CONSISTENCY,
    "scheduler": SCHEDULERS,
    "background_fit": ("error", "pad"),
    "vae_dtype": ("fp32", "same"),
}

# `--backend tiny-random` is a smoke test: unless a flag, variable or preset sets them, it works at this
# short side and step count so a 960x540 frame takes seconds on a CPU (the CLI announces it once).
TINY_RANDOM_DEFAULTS: dict[str, Any] = {"resolution": 128, "num_inference_steps": 4}

FIELD_NAMES = tuple(f.name for f in fields(RunOptions))
ENV_PREFIX = "COLORFRAMES_"


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _field_type(name: str) -> Any:
    hints = {f.name: f.type for f in fields(RunOptions)}
    return eval(str(hints[name]), vars(__import__("builtins")))  # our own annotations, never user text


def _coerce(name: str, value: Any, source: str) -> Any:
    """Convert a preset/env value to the field's type, or raise naming the key and the source."""
    typ = _field_type(name)
    args = [a for a in get_args(typ) if a is not type(None)]
    if value is None:
        if type(None) in get_args(typ):
            return None
        raise ConfigError(f"{source}: `{name}` cannot be empty")
    base = args[0] if get_origin(typ) is not None and args else typ
    if get_origin(typ) is tuple or get_origin(base) is tuple:
        items = value if isinstance(value, list | tuple) else [v for v in str(value).split(",") if v]
        return tuple(str(v) for v in items)
    try:
        if base is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if base is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if base is float:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: `{name}` must be {getattr(base, '__name__', base)}, got {value!r}") from None


def validate(opts: RunOptions) -> RunOptions:
    """Check choices and ranges before anything heavy runs. Raises ConfigError (exit 2)."""
    if opts.consistency == "anchor":  # removed in 0.2.0; the name stays known so the message can say so
        raise ConfigError(
            "--consistency anchor was removed (attention injection did not lower flicker in "
            "benchmarks/bench_diffusion.py); use --consistency latent (flow-warped latents) or seed"
        )
    for name, choices in _CHOICES.items():
        if getattr(opts, name) not in choices:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be one of {', '.join(choices)}; got {getattr(opts, name)!r}"
            )
    checks = [
        (opts.num_inference_steps >= 1, "--num-inference-steps must be >= 1"),
        (opts.guidance_scale >= 0, "--guidance-scale must be >= 0"),
        (opts.sketch_guidance_scale >= 0, "--sketch-guidance-scale must be >= 0"),
        (opts.batch_size >= 1, "--batch-size must be >= 1"),
        (opts.bit_depth in (8, 16), "--bit-depth must be 8 or 16"),
        (0 <= opts.crf <= 51, "--crf must be in 0..51"),
        (opts.fps is None or opts.fps > 0, "--fps must be > 0"),
        (opts.resolution >= 64, "--resolution must be >= 64"),
        (0.0 <= opts.sketch_threshold <= 1.0, "--sketch-threshold must be in [0, 1]"),
        (0.0 <= opts.ref_threshold <= 1.0, "--ref-threshold must be in [0, 1]"),
        (0.0 <= opts.latent_strength <= 1.0, "--latent-strength must be in [0, 1]"),
        (0.0 <= opts.harmonize <= 1.0, "--harmonize must be in [0, 1]"),
        (opts.gap_radius >= 0, "--gap-radius must be >= 0"),
        (opts.latent_chain >= 0, "--latent-chain must be >= 0"),
        (opts.process >= 0, "--process must be >= 0"),
        (opts.process_fps > 0, "--process-fps must be > 0"),
        (opts.seed is None or 0 <= opts.seed < 2**63, "--seed must be a non-negative integer"),
        (opts.max_pixels >= 1, "--max-pixels must be >= 1"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)
    if opts.mask_model not in MASK_MODELS and not Path(opts.mask_model).suffix:
        raise ConfigError(
            f"--mask-model must be one of {', '.join(MASK_MODELS)} or a weights file; got {opts.mask_model!r}"
        )
    return opts


# --- presets ---------------------------------------------------------------------------------

PRESET_DIR = Path(__file__).parent / "presets"


def available_presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def preset_path(name_or_path: str) -> Path:
    """A preset is a shipped name (`colorframes presets list`) or a path to a .toml file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or os.sep in name_or_path:
        if not candidate.is_file():
            raise ConfigError(f"preset file not found: {name_or_path} (give a .toml path or a shipped name)")
        return candidate
    shipped = PRESET_DIR / f"{name_or_path}.toml"
    if not shipped.is_file():
        raise ConfigError(f"unknown preset {name_or_path!r}; shipped presets: {', '.join(available_presets())}")
    return shipped


def load_preset(name_or_path: str) -> dict[str, Any]:
    """Read a preset's `[options]` table (or top-level keys) into field values."""
    path = preset_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"malformed preset {path}: {exc}; fix the TOML syntax") from None
    table = data.get("options", {k: v for k, v in data.items() if k != "description"})
    if not isinstance(table, dict):
        raise ConfigError(f"malformed preset {path}: [options] must be a table")
    values = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in FIELD_NAMES:
            raise ConfigError(f"preset {path}: unknown key `{key}`; see `colorframes presets show`")
        values[name] = _coerce(name, value, f"preset {path.name}")
    return values


def preset_description(name_or_path: str) -> str:
    data = tomllib.loads(preset_path(name_or_path).read_text(encoding="utf-8"))
    return str(data.get("description", ""))


def env_values(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    values = {}
    if environ.get(ENV_PREFIX + "FRAMES") is not None and not environ[ENV_PREFIX + "FRAMES"].strip():
        # a farm template that expanded to nothing must never mean "every frame"
        raise ConfigError(f"environment variable {ENV_PREFIX}FRAMES is empty; give a frame spec or unset it")
    for name in FIELD_NAMES:
        key = ENV_PREFIX + name.upper()
        if key in environ and environ[key] != "":
            values[name] = _coerce(name, environ[key], f"environment variable {key}")
    return values


def resolve_options(
    flags: Mapping[str, Any] | None = None,
    preset: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunOptions:
    """flag > environment > preset > default. `flags` holds only what the user gave explicitly.

    `--backend tiny-random` gets TINY_RANDOM_DEFAULTS for the fields nothing else set.
    """
    environ = os.environ if environ is None else environ
    preset = preset or environ.get(ENV_PREFIX + "PRESET") or None
    merged: dict[str, Any] = {}
    if preset:
        merged.update(load_preset(preset))
    merged.update(env_values(environ))
    for key, value in (flags or {}).items():
        if key not in FIELD_NAMES:
            raise ConfigError(f"unknown option `{key}`")
        if value is not None:
            merged[key] = tuple(value) if isinstance(value, list) else value
    if merged.get("backend") == "tiny-random":
        for key, value in TINY_RANDOM_DEFAULTS.items():
            merged.setdefault(key, value)
    return validate(RunOptions(**merged))


__all__ = [
    "RunOptions",
    "resolve_options",
    "validate",
    "load_preset",
    "available_presets",
]
