"""The weights registry: what each named model is, where it comes from, where it lives on disk.

Nothing here downloads unless `pull` is called explicitly. Every other function works offline and
reports a missing file as `ModelUnavailableError` (exit 3) naming the files, the source repository and
the command that fetches them. A local file or folder path is accepted anywhere a name is.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import InputError, ModelUnavailableError

NC_SA_NOTE = (
    "note: the official ColorizeDiffusion weights ({name}) are licensed CC BY-NC-SA 4.0 "
    "(non-commercial, share-alike); outputs and converted copies inherit those terms"
)


@dataclass(frozen=True)
class ModelEntry:
    """One row of the registry. `size` and `sha256` are None where no verified value is known."""

    name: str
    kind: str  # colorizer | clip | mask
    repo: str | None  # Hugging Face repository, None for in-process models
    files: tuple[str, ...]
    licence: str
    size: int | None = None
    sha256: str | None = None
    size_hint: str = ""  # human-readable size from the hosting page
    notes: str = ""

    @property
    def builtin(self) -> bool:
        return self.repo is None

    @property
    def hub_repo(self) -> str:
        """The Hugging Face repository of a model with files (built-in models have none)."""
        if self.repo is None:
            raise ModelUnavailableError(f"{self.name} is built in-process and has no files")
        return self.repo

    def to_dict(self) -> dict:
        data = asdict(self)
        data["files"] = list(self.files)
        return data


REGISTRY: dict[str, ModelEntry] = {
    entry.name: entry
    for entry in (
        ModelEntry(
            name="switch-eps",
            kind="colorizer",
            repo="tellurion/ColorizeDiffusion",
            files=("switch-eps.safetensors",),
            licence="CC BY-NC-SA 4.0",
            size_hint="4.33 GB",
            notes="ColorizeDiffusion v1.5 (arXiv 2502.19937), eps-prediction; needs clip-vit-h-14",
        ),
        ModelEntry(
            name="clip-vit-h-14",
            kind="clip",
            repo="laion/CLIP-ViT-H-14-laion2B-s32B-b79K",
            files=("open_clip_model.safetensors",),
            licence="MIT",
            size_hint="3.94 GB",
            notes="OpenCLIP ViT-H-14 laion2b_s32b_b79k reference encoder (image tower used)",
        ),
        ModelEntry(
            name="isnetis",
            kind="mask",
            repo="tellurion/line_extractor",
            files=("isnetis.safetensors",),
            licence="not stated by the repository",
            size_hint="about 176 MB",
            notes="ISNet anime segmentation for reference / frame masks (torch); --mask-model isnet",
        ),
        ModelEntry(
            name="sketch-segment",
            kind="mask",
            repo="tellurion/line_extractor",
            files=("sketch-segment.safetensors",),
            licence="not stated by the repository",
            size_hint="about 176 MB",
            notes="ISNet trained on sketches: the official sketch mask model (torch); --mask-model sketch-segment",
        ),
        ModelEntry(
            name="isnetis-onnx",
            kind="mask",
            repo="skytnt/anime-seg",
            files=("isnetis.onnx",),
            licence="Apache-2.0",
            size=176_069_933,
            size_hint="176 MB",
            notes="SkyTNT anime-segmentation ISNet, ONNX Runtime (no torch); --mask-model isnet-onnx",
        ),
        ModelEntry(
            name="tiny-random",
            kind="colorizer",
            repo=None,
            files=(),
            licence="Apache-2.0 (generated)",
            size_hint="built in-process",
            notes="tiny random-weight v1.5 colorizer for tests and smoke runs; no files",
        ),
    )
}

# The --mask-model names, accepted wherever a registry name is (one set of names for run, doctor, models).
ALIASES = {"isnet": "isnetis", "isnet-onnx": "isnetis-onnx"}

# Licence notices already returned in this process (shown once per process).
_NOTICES_SHOWN: set[str] = set()


def list_models() -> list[ModelEntry]:
    """Every registry entry, in table order."""
    return list(REGISTRY.values())


def entry(name: str) -> ModelEntry:
    """The registry row for `name`, or InputError listing the known names (exit 2)."""
    try:
        return REGISTRY[ALIASES.get(name, name)]
    except KeyError:
        raise InputError(
            f"unknown model {name!r}; known models: {', '.join(REGISTRY)} (or give a local path)"
        ) from None


def is_local_path(name: str) -> bool:
    """Registry names win; anything else is taken as a local file or folder path."""
    return name not in REGISTRY and name not in ALIASES


def home() -> Path | None:
    """`COLORFRAMES_HOME` if set: weights live in `<home>/<name>/<file>`; else None (HF cache)."""
    value = os.environ.get("COLORFRAMES_HOME", "").strip()
    return Path(value).expanduser() if value else None


def _cached_file(e: ModelEntry, filename: str) -> Path | None:
    root = home()
    if root is not None:
        candidate = root / e.name / filename
        return candidate if candidate.is_file() else None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        return None
    found = try_to_load_from_cache(repo_id=e.hub_repo, filename=filename)
    return Path(found) if isinstance(found, str) and Path(found).is_file() else None


def _where(e: ModelEntry) -> str:
    root = home()
    return str(root / e.name) if root is not None else "the Hugging Face cache"


def where_text() -> str:
    """Where weights are looked for, in words (COLORFRAMES_HOME or the Hugging Face cache)."""
    root = home()
    return f"COLORFRAMES_HOME ({root})" if root is not None else "the Hugging Face cache (COLORFRAMES_HOME unset)"


def hand_copy_hint(e: ModelEntry) -> str:
    """Where a file copied by hand goes: `$COLORFRAMES_HOME/<name>/<file>`."""
    files = ", ".join(f"$COLORFRAMES_HOME/{e.name}/{f}" for f in e.files)
    root = home()
    now = f" (COLORFRAMES_HOME is {root})" if root is not None else " (set COLORFRAMES_HOME to a folder first)"
    return f"copy {', '.join(e.files)} from huggingface.co/{e.repo} by hand to {files}{now}"


def missing_files(name: str) -> list[str]:
    """Registry files of `name` that are not on disk (empty for built-in models)."""
    e = entry(name)
    return [f for f in e.files if _cached_file(e, f) is None]


def model_path(name: str) -> Path:
    """The local path of a model's main file (or a local path given directly).

    Raises ModelUnavailableError (exit 3) naming the missing files, their source and the fetch command.
    """
    if is_local_path(name):
        path = Path(name).expanduser()
        if not path.exists():
            raise ModelUnavailableError(
                f"model path {path} does not exist; give an existing weights file or folder, "
                f"or a registry name ({', '.join(REGISTRY)})"
            )
        return path
    e = entry(name)
    if e.builtin:
        raise ModelUnavailableError(f"{name} is built in-process and has no file; use it as a backend")
    missing = missing_files(name)
    if missing:
        raise ModelUnavailableError(
            f"weights for {name} not found in {_where(e)}: missing {', '.join(missing)} "
            f"(from huggingface.co/{e.repo}); fetch them with `colorframes models pull {name}`"
        )
    return _require_file(e, e.files[0])


def _require_file(e: ModelEntry, filename: str) -> Path:
    """The local path of one of `e`'s files; ModelUnavailableError (exit 3) when it is not on disk."""
    found = _cached_file(e, filename)
    if found is None:  # e.g. deleted since it was looked for
        raise ModelUnavailableError(
            f"weights for {e.name} not found in {_where(e)}: missing {filename} "
            f"(from huggingface.co/{e.repo}); fetch them with `colorframes models pull {e.name}`"
        )
    return found


def licence_notice(name: str) -> str | None:
    """The CC BY-NC-SA note for the official weights, returned once per process, else None."""
    if is_local_path(name) or name not in REGISTRY:
        return None
    e = REGISTRY[name]
    if "NC" not in e.licence or name in _NOTICES_SHOWN:
        return None
    _NOTICES_SHOWN.add(name)
    return NC_SA_NOTE.format(name=name)


# `models pull` gives up on an unreachable hub after this many seconds instead of retrying.
PULL_CONNECT_TIMEOUT_S = 5.0


def hub_unreachable(timeout: float = PULL_CONNECT_TIMEOUT_S) -> str | None:
    """Why the Hugging Face hub cannot be reached right now (HF_HUB_OFFLINE, DNS, connect), or None.

    One name lookup and one TCP connect to HF_ENDPOINT (or the HTTPS proxy), each bounded by `timeout`,
    so an offline node fails in seconds instead of after the download library's retries.
    """
    import socket
    import threading
    from urllib.parse import urlsplit

    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE is set"
    endpoint = os.environ.get("HF_ENDPOINT", "").strip() or "https://huggingface.co"
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or ""
    target = urlsplit(proxy if proxy and endpoint.startswith("https") else endpoint)
    host = target.hostname or ""
    port = target.port or (443 if target.scheme == "https" else 80)
    result: list = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(None)
        except OSError as exc:
            result.append(f"{host}:{port} is not reachable ({exc.strerror or type(exc).__name__})")

    worker = threading.Thread(target=connect, daemon=True)  # getaddrinfo ignores socket timeouts
    worker.start()
    worker.join(timeout * 2)
    return result[0] if result else f"{host}:{port} did not answer within {timeout * 2:.0f} s"


def pull(name: str) -> Path:
    """Download a model's files with huggingface_hub (network). Returns the main file's path.

    Needs the `masks` or `diffusion` extra (huggingface_hub). Fails fast, naming where a file copied by
    hand goes, when the hub cannot be reached.
    """
    e = entry(name)
    if e.builtin:
        raise InputError(f"{name} is built in-process; there is nothing to pull")
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        extra = "masks" if e.kind == "mask" else "diffusion"
        raise ModelUnavailableError(
            f"`models pull` needs huggingface_hub, which is not installed; "
            f'install it with: pip install "colorframes[{extra}]" (or {hand_copy_hint(e)})'
        ) from None
    problem = hub_unreachable()
    if problem is not None:
        raise ModelUnavailableError(f"cannot download {e.name}: {problem}; {hand_copy_hint(e)}")
    root = home()
    try:
        for filename in e.files:
            if root is not None:
                hf_hub_download(repo_id=e.hub_repo, filename=filename, local_dir=root / e.name)
            else:
                hf_hub_download(repo_id=e.hub_repo, filename=filename)
    except Exception as exc:  # noqa: BLE001 - network, auth, disk: all mean "not available"
        raise ModelUnavailableError(
            f"could not download {e.name} from huggingface.co/{e.repo}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}; {hand_copy_hint(e)}"
        ) from None
    return model_path(e.name)


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_structure(path: Path) -> str | None:
    """None when `path` is readable as what its suffix says (weights: tensors, read safely; JSON: parses),
    else the problem. Files of other kinds (e.g. .onnx) are not checked here."""
    suffix = path.suffix.lower()
    if suffix in WEIGHT_SUFFIXES:
        from .convert import tensor_shapes

        try:
            tensor_shapes(path)
        except ModelUnavailableError as exc:
            return str(exc)
    elif suffix == ".json":
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return f"{path.name}: not valid JSON ({exc})"
    return None


WEIGHT_SUFFIXES = frozenset({".safetensors", ".ckpt", ".pt", ".pth", ".bin"})


def verify(name: str) -> list[dict]:
    """Check size, sha256 (where known) and file structure of every file of `name`.

    Returns one dict per file: file, path, size, sha256, ok, problems (list of strings). Raises
    ModelUnavailableError when a file is missing.
    """
    if is_local_path(name):
        path = model_path(name)
        files = [p for p in sorted(path.rglob("*")) if p.is_file()] if path.is_dir() else [path]
        expected_size, expected_sha = None, None
    else:
        e = entry(name)
        if e.builtin:
            return []
        model_path(name)  # raises with the fetch instructions if anything is missing
        files = [_require_file(e, f) for f in e.files]
        expected_size, expected_sha = e.size, e.sha256
    results = []
    for path in files:
        problems = []
        size = path.stat().st_size
        digest = sha256_file(path)
        if expected_size is not None and size != expected_size:
            problems.append(f"size {size} != expected {expected_size}")
        if expected_sha is not None and digest != expected_sha:
            problems.append(f"sha256 {digest} != expected {expected_sha}")
        problem = check_structure(path)
        if problem:
            problems.append(problem)
        results.append(
            {
                "file": path.name,
                "path": str(path),
                "size": size,
                "sha256": digest,
                "ok": not problems,
                "problems": problems,
            }
        )
    return results


def official_config(path: Path, shapes: dict[str, list[int]] | None = None):
    """The ColorizerConfig an official single file was trained with: full size, or the tiny fixture."""
    from .config import ColorizerConfig
    from .convert import tensor_shapes

    shapes = tensor_shapes(path) if shapes is None else shapes
    conv_in = shapes.get("model.diffusion_model.input_blocks.0.0.weight")
    tiny = ColorizerConfig.tiny()
    if conv_in and conv_in[0] == tiny.unet_channels[0]:
        return tiny
    return ColorizerConfig.full()


def load_official_file(path: Path, dtype=None):
    """Build the colorizer from an official single file (any accepted format); CLIP comes from the file or
    clip-vit-h-14.

    Raises ModelUnavailableError (exit 3) when the file is not usable weights, or when the separate CLIP
    weights are needed and missing.
    """
    import torch

    from . import convert as converter

    source: Path | dict[str, torch.Tensor]
    if path.suffix == ".safetensors":
        source, shapes = path, converter.tensor_shapes(path)  # header only; tensors are read once below
    else:
        source = converter.read_state_dict(path)  # a pickle is read once, safely, and handed over
        shapes = {k: list(v.shape) for k, v in source.items()}
    has_clip = any(k.startswith("cond_stage_model.visual.") for k in shapes)
    clip = None if has_clip else model_path("clip-vit-h-14")
    model, _report = converter.load_official(
        source, official_config(path, shapes), dtype or torch.float32, clip_weights=clip, adopt=True
    )
    return model


def convert(src: str | Path, dst: str | Path) -> Path:
    """Convert an official single-file checkpoint (name or path) to a diffusers-style folder.

    Uses the models package converter; the folder loads offline with `from_pretrained`.
    """
    source = model_path(str(src))
    target = Path(dst).expanduser()
    if target.is_file() or (target.is_dir() and any(target.iterdir())):
        raise InputError(f"convert destination {target} exists and is not empty; choose a new folder")
    if source.is_dir():
        raise InputError(f"{source} is already a converted folder; give the official single file")
    from . import convert as converter

    converter.save_pretrained(load_official_file(source), target)
    return target


__all__ = [
    "ModelEntry",
    "REGISTRY",
    "list_models",
    "entry",
    "model_path",
    "missing_files",
    "licence_notice",
    "pull",
    "verify",
    "convert",
    "load_official_file",
    "official_config",
    "home",
]
