"""Find mask-model weights on local disk; never downloads.

The weights registry (`colorframes.models.registry.model_path`, layout `<COLORFRAMES_HOME>/<name>/<file>`
or the Hugging Face cache) is asked first; the files are also looked for at any depth under
`COLORFRAMES_HOME` and in the Hugging Face cache snapshots of their source repos, so a file dropped in
by hand or fetched with `huggingface-cli download` is found too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, ModelUnavailableError


@dataclass(frozen=True)
class MaskWeights:
    """A mask model file: registry name, file name, Hugging Face repo it comes from."""

    name: str
    filename: str
    repo: str


MASK_WEIGHTS = {
    "isnet": MaskWeights("isnetis", "isnetis.safetensors", "tellurion/line_extractor"),
    "sketch-segment": MaskWeights("sketch-segment", "sketch-segment.safetensors", "tellurion/line_extractor"),
    "isnet-onnx": MaskWeights("isnetis-onnx", "isnetis.onnx", "skytnt/anime-seg"),
}


def how_to_get(weights: MaskWeights) -> str:
    """The fetch command, and where a file copied by hand goes (`$COLORFRAMES_HOME/<name>/<file>`)."""
    home = os.environ.get("COLORFRAMES_HOME", "").strip()
    now = f" (COLORFRAMES_HOME is {home})" if home else " (set COLORFRAMES_HOME to a folder first)"
    return (
        f"`colorframes models pull {weights.name}`, or copy {weights.filename} from huggingface.co/{weights.repo} "
        f"to $COLORFRAMES_HOME/{weights.name}/{weights.filename}{now}"
    )


def _hf_hub_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("HF_HUB_CACHE"):
        dirs.append(Path(os.environ["HF_HUB_CACHE"]))
    if os.environ.get("HF_HOME"):
        dirs.append(Path(os.environ["HF_HOME"]) / "hub")
    dirs.append(Path.home() / ".cache" / "huggingface" / "hub")
    return dirs


def _search_local(weights: MaskWeights) -> Path | None:
    home = os.environ.get("COLORFRAMES_HOME", "").strip()
    if home and Path(home).expanduser().is_dir():
        hit = next(iter(sorted(Path(home).expanduser().rglob(weights.filename))), None)
        if hit is not None and hit.is_file():
            return hit
    folder = "models--" + weights.repo.replace("/", "--")
    for hub in _hf_hub_dirs():
        snapshots = hub / folder / "snapshots"
        if snapshots.is_dir():
            for hit in sorted(snapshots.glob(f"*/{weights.filename}")):
                if hit.is_file():
                    return hit
    return None


def find_weights(kind: str) -> Path | None:
    """Local path of the weights of mask model `kind` (isnet | sketch-segment | isnet-onnx), or None."""
    weights = MASK_WEIGHTS[kind]
    try:
        from ..models.registry import model_path  # written by the models owner; optional here
    except ImportError:
        model_path = None
    if model_path is not None:
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
            f"--mask-model {kind}: {weights.filename} not found; get it with {how_to_get(weights)}, "
            "or use --mask-model classical"
        )
    return path
