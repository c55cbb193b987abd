"""Find mask-model weights on local disk; never downloads.

The weights registry (`colorframes.models.registry.model_path`, layout `<COLORFRAMES_HOME>/<name>/<file>`
or the Hugging Face cache) is asked first; the files are also looked for at any depth under
`COLORFRAMES_HOME` and in the Hugging Face cache snapshots of their source repos, so a file dropped in
by hand or fetched with `huggingface-cli download` is found too.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, ModelUnavailableError
from ..models.registry import ALIASES, ModelEntry, list_models, model_path


def _mask_models() -> dict[str, ModelEntry]:
    """--mask-model name -> its row of the weights registry (the registry's aliases are the CLI names)."""
    cli_name = {target: alias for alias, target in ALIASES.items()}
    return {cli_name.get(e.name, e.name): e for e in list_models() if e.kind == "mask"}


# isnet | sketch-segment | isnet-onnx -> registry entry; declared once, in models/registry.py.
MASK_WEIGHTS: dict[str, ModelEntry] = _mask_models()


def how_to_get(weights: ModelEntry) -> str:
    """The fetch command, and where a file copied by hand goes (`$COLORFRAMES_HOME/<name>/<file>`)."""
    home = os.environ.get("COLORFRAMES_HOME", "").strip()
    now = f" (COLORFRAMES_HOME is {home})" if home else " (set COLORFRAMES_HOME to a folder first)"
    return (
        f"`colorframes models pull {weights.name}`, or copy {weights.files[0]} from huggingface.co/{weights.repo} "
        f"to $COLORFRAMES_HOME/{weights.name}/{weights.files[0]}{now}"
    )


def _hf_hub_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("HF_HUB_CACHE"):
        dirs.append(Path(os.environ["HF_HUB_CACHE"]))
    if os.environ.get("HF_HOME"):
        dirs.append(Path(os.environ["HF_HOME"]) / "hub")
    dirs.append(Path.home() / ".cache" / "huggingface" / "hub")
    return dirs


def _search_local(weights: ModelEntry) -> Path | None:
    home = os.environ.get("COLORFRAMES_HOME", "").strip()
    if home and Path(home).expanduser().is_dir():
        hit = next(iter(sorted(Path(home).expanduser().rglob(weights.files[0]))), None)
        if hit is not None and hit.is_file():
            return hit
    folder = "models--" + weights.hub_repo.replace("/", "--")
    for hub in _hf_hub_dirs():
        snapshots = hub / folder / "snapshots"
        if snapshots.is_dir():
            for hit in sorted(snapshots.glob(f"*/{weights.files[0]}")):
                if hit.is_file():
                    return hit
    return None


def find_weights(kind: str) -> Path | None:
    """Local path of the weights of mask model `kind` (isnet | sketch-segment | isnet-onnx), or None."""
    weights = MASK_WEIGHTS[kind]
    try:
        path = Path(model_path(weights.name))
        if path.is_file():
            return path
    except (ModelUnavailableError, InputError, KeyError, ValueError, OSError):
        pass
    return _search_local(weights)


def require_weights(kind: str) -> Path:
    """Like find_weights, but an explicit request for a missing model is exit 3."""
    path = find_weights(kind)
    if path is None:
        weights = MASK_WEIGHTS[kind]
        raise ModelUnavailableError(
            f"--mask-model {kind}: {weights.files[0]} not found; get it with {how_to_get(weights)}, "
            "or use --mask-model classical"
        )
    return path
