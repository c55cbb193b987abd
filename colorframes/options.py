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
BACKGROUND_FITS = ("error", "pad")
VAE_DTYPES = ("fp32", "same")


# Every RunOptions field says whether it changes a frame's pixels. Those that do form the settings a
# rerun compares with the sidecar: a difference refuses to mix outputs unless --overwrite. Frame
# selection, output plumbing and performance knobs do not. A field without this mark is an error.
CHANGES_PIXELS = "changes_pixels"
# Metadata key of a field's OptionInfo: how the option appears on the command line.
OPTION = "option"
# The largest input image (width x height): 100 megapixels, e.g. 10000x10000. Checked from the file header
# before decoding, so a small file declaring a huge image (a decompression bomb) fails cleanly.
DEFAULT_MAX_PIXELS = 100_000_000

# The option groups: the panels of `run --help`, in this order.
INPUT, MODEL, MASKS, DEVICE, CONSISTENCY_GROUP, FLAT, PLATES, FRAMES, OUTPUT = GROUPS = (
    "Input",
    "Model",
    "Masks",
    "Device & speed",
    "Consistency",
    "Flat backend",
    "Plates & process",
    "Frames & farm",
    "Output",
)


@dataclass(frozen=True)
class OptionInfo:
    """How a RunOptions field appears to users: `--flag`, COLORFRAMES_<FIELD>, preset key, `--help` line.

    The flag is the field name with `-` for `_` (`--x/--no-x` for booleans), the environment variable is
    ``COLORFRAMES_<FIELD>``, the preset key is the field name. The default is the field's default.
    """

    help: str
    group: str  # one of GROUPS
    changes_pixels: bool  # part of the settings hash (a rerun with another value refuses to mix outputs)
    choices: tuple[str, ...] = ()  # the allowed values (checked by `validate`, exit 2), shown as [a|b|c]
    metavar: str | None = None  # the --help placeholder; None: [choices] or the type (INT, FLOAT, TEXT)
    aliases: tuple[str, ...] = ()  # more flag names, e.g. "--steps", "-o"


def _option(default: Any, changes_pixels: bool, help: str, group: str, **info: Any) -> Any:
    if group not in GROUPS:
        raise TypeError(f"unknown option group {group!r}; use one of {', '.join(GROUPS)}")
    meta = {CHANGES_PIXELS: changes_pixels, OPTION: OptionInfo(help, group, changes_pixels, **info)}
    return field(default=default, metadata=meta)


def pixels(default: Any, help: str, group: str, **info: Any) -> Any:
    """A field that changes what a frame looks like (part of the settings hash). `info`: OptionInfo fields."""
    return _option(default, True, help, group, **info)


def other(default: Any, help: str, group: str, **info: Any) -> Any:
    """A field that does not change a frame's pixels (selection, output, speed). `info`: OptionInfo fields."""
    return _option(default, False, help, group, **info)


@dataclass(frozen=True)
class RunOptions:
    """Every knob of a run. Adding an option is one field here: the flag, its help, the environment
    variable, the preset key and the settings hash all follow from it (`option_info`)."""

    # --- model -------------------------------------------------------------------------------
    backend: str = pixels(
        "flat",
        "Colorizer: flat (CPU paint bucket, no weights), diffusion (ColorizeDiffusion v1.5), tiny-random "
        "(smoke tests).",
        MODEL,
        choices=BACKENDS,
    )
    model: str = pixels("switch-eps", "Colorizer weights: registry name or local path.", MODEL, metavar="NAME|PATH")
    mode: str = pixels("fig2fig", 'Colorizer mode (README "Modes").', MODEL, choices=MODES)
    fg_lora: bool | None = pixels(None, "Override the mode's foreground LoRA (official fg_enhance).", MODEL)
    bg_lora: bool | None = pixels(None, "Override the mode's background LoRA (official bg_enhance).", MODEL)
    num_inference_steps: int = pixels(20, "Denoising steps.", MODEL, aliases=("--steps",))
    guidance_scale: float = pixels(4.0, "Classifier-free guidance scale of the reference.", MODEL)
    sketch_guidance_scale: float = pixels(1.0, "Classifier-free guidance scale of the sketch.", MODEL)
    sketch_strength: float = pixels(1.0, 'Multiplies the sketch-encoder hints (official "Sketch strength").', MODEL)
    scheduler: str = pixels(
        "dpm++2m", f"diffusers scheduler family: {' | '.join(SCHEDULERS)}.", MODEL, choices=SCHEDULERS, metavar="NAME"
    )
    karras: bool = pixels(False, "Karras sigmas where the scheduler supports them.", MODEL)
    resolution: int = pixels(512, "Working resolution: the shorter side in pixels, a multiple of 64.", MODEL)
    # --- masks -------------------------------------------------------------------------------
    mask_model: str = pixels(
        "auto",
        f"Foreground mask source: {' | '.join(MASK_MODELS)} or a weights file (auto: a model whose weights "
        "are present, else classical).",
        MASKS,
        metavar="NAME|PATH",
    )
    sketch_threshold: float = pixels(
        0.05, "ts_s: the split attention takes the foreground branch where the sketch mask > this.", MASKS
    )
    ref_threshold: float = pixels(
        0.5, "ts_r: reference pixels with mask >= this are the figure (kept out of the background tokens).", MASKS
    )
    # --- device & speed ----------------------------------------------------------------------
    device: str = other(
        "auto",
        "auto | cpu | cuda | cuda:N; a comma list runs one worker each (cuda:0,cuda:1).",
        DEVICE,
        metavar="DEVICE",
    )
    dtype: str = pixels("auto", "UNet precision.", DEVICE, choices=DTYPES)
    attention: str = other("sdpa", "Attention kernel.", DEVICE, choices=ATTENTIONS)
    batch_size: int = other(1, "Frames per UNet call; lower it on out-of-memory.", DEVICE)
    compile: bool = other(False, "torch.compile the UNet.", DEVICE)
    offload: bool = other(False, "Small GPUs: each stage's models on the GPU only while it runs.", DEVICE)
    vae_slicing: bool = other(True, "Decode one frame at a time.", DEVICE)
    vae_dtype: str = pixels(
        "fp32",
        "VAE decode precision: fp32 (the official app's) or same (follow --dtype).",
        DEVICE,
        choices=VAE_DTYPES,
    )
    # --- consistency -------------------------------------------------------------------------
    seed: int | None = pixels(None, "Shot seed (default: derived from the shot name).", CONSISTENCY_GROUP)
    consistency: str = pixels(
        "seed",
        "How a shot's frames agree: seed (shared noise) or latent (a warped latent chain).",
        CONSISTENCY_GROUP,
        choices=CONSISTENCY,
    )
    latent_strength: float = pixels(0.6, "Re-noising strength of --consistency latent.", CONSISTENCY_GROUP)
    latent_chain: int = pixels(
        8,
        "--consistency latent: restart the chain every N frames (0 = never); shards recompute <= N-1 frames.",
        CONSISTENCY_GROUP,
    )
    flatten: bool = pixels(False, "Flat cel per line-art region.", CONSISTENCY_GROUP)
    keep_lines: bool = pixels(False, "Restore the line-art pixels exactly.", CONSISTENCY_GROUP)
    # --- flat backend ------------------------------------------------------------------------
    gap_radius: int = pixels(2, "Close line gaps up to this radius (pixels).", FLAT)
    keyframe: tuple[str, ...] = pixels(
        (), "A coloured keyframe, PATH or PATH@FRAME; repeatable.", FLAT, metavar="PATH[@FRAME]"
    )
    hints: str | None = pixels(None, "Point hints: a JSON file or a hint image.", FLAT, metavar="PATH")
    report: bool = other(False, "Write the low-confidence regions of each frame (report/<stem>.json).", FLAT)
    lines_layer: bool = other(
        False, "Also write the line art as an RGBA layer (lines/<stem>.png) for compositing.", FLAT
    )
    # --- background plates / process export --------------------------------------------------
    background: str | None = pixels(None, "Background plate: an image or an image sequence.", PLATES, metavar="PATH")
    background_tokens: bool = pixels(False, "The plate also feeds the background tokens (diffusion).", PLATES)
    background_fit: str = pixels(
        "error",
        "A plate of another size: error (refuse) or pad (centre, letterbox/crop; never rescaled).",
        PLATES,
        choices=BACKGROUND_FITS,
    )
    harmonize: float = pixels(0.5, "Harmonization strength, 0..1.", PLATES)
    process: int = other(0, "Export an N-step painting process (0 = off).", PLATES)
    process_frames: str | None = other(
        None, "Frames to export the process for (default: every rendered frame).", PLATES, metavar="SPEC"
    )
    process_fps: float = other(4.0, "Frame rate of the painting-process MP4.", PLATES)
    # --- frames ------------------------------------------------------------------------------
    frames: str | None = other(
        None,
        "Frame spec, e.g. 1001-1100x2 (`:` = step); an empty value is an error (exit 2).",
        FRAMES,
        metavar="SPEC",
    )
    shard: str | None = other(
        None, "This worker's part: K/N contiguous split, or auto (SLURM array).", FRAMES, metavar="K/N|auto"
    )
    start_frame: int = other(1, "First frame number of a video or of unnumbered images.", INPUT)
    overwrite: bool = other(False, "Re-render existing frames (also when the settings changed).", FRAMES)
    # --- outputs -----------------------------------------------------------------------------
    output: str = other("colorframes_out", "Output root folder.", OUTPUT, metavar="DIR", aliases=("-o",))
    format: str = other("png", "What to write: PNG frames, an MP4 per shot, or both.", OUTPUT, choices=FORMATS)
    name_template: str | None = pixels(
        None, "Output file name, e.g. '{shot}.{frame:04d}.png'.", OUTPUT, metavar="TEMPLATE"
    )
    bit_depth: int = pixels(8, "PNG bits per channel.", OUTPUT, metavar="[8|16]")
    alpha: bool = pixels(False, "Cut the figure out with the mask (RGBA PNG).", OUTPUT)
    save_masks: bool = other(False, "Write masks/<stem>.png per shot.", OUTPUT)
    crf: int = other(18, "H.264 quality of the MP4 (0..51, lower is better).", OUTPUT)
    fps: float | None = other(None, "MP4 frame rate (default: the source video's, else 24).", OUTPUT)
    review: bool = other(False, "Build the HTML review after the run.", OUTPUT)
    # --- limits ------------------------------------------------------------------------------
    max_pixels: int = other(
        DEFAULT_MAX_PIXELS,
        "Largest input image, width x height; read from the header, larger exits 2 (reference, keyframe, "
        "plate, hints) or fails the frame (exit 1).",
        INPUT,
    )

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
ENV_PREFIX = "COLORFRAMES_"


def option_info(name: str) -> OptionInfo:
    """The command-line metadata of RunOptions field `name`."""
    return _INFO[name]


def env_var(name: str) -> str:
    """The environment variable of RunOptions field `name` (flag > env > preset > default)."""
    return ENV_PREFIX + name.upper()


_INFO: dict[str, OptionInfo] = {f.name: f.metadata[OPTION] for f in fields(RunOptions)}
_CHOICES = {name: info.choices for name, info in _INFO.items() if info.choices}

# `--backend tiny-random` is a smoke test: unless a flag, variable or preset sets them, it works at this
# short side and step count so a 960x540 frame takes seconds on a CPU (the CLI announces it once).
TINY_RANDOM_DEFAULTS: dict[str, Any] = {"resolution": 128, "num_inference_steps": 4}

FIELD_NAMES = tuple(f.name for f in fields(RunOptions))


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def field_type(name: str) -> Any:
    """The type of RunOptions field `name` (the annotation, evaluated)."""
    hints = {f.name: f.type for f in fields(RunOptions)}
    return eval(str(hints[name]), vars(__import__("builtins")))  # our own annotations, never user text


def _coerce(name: str, value: Any, source: str) -> Any:
    """Convert a preset/env value to the field's type, or raise naming the key and the source."""
    typ = field_type(name)
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
        key = env_var(name)
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
