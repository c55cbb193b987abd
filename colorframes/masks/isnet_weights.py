"""Load ISNetDIS torch checkpoints (`isnetis`, `sketch-segment`) into colorframes' ISNetDIS.

Accepted files: `.safetensors` (preferred) or `.ckpt/.pt/.pth` read with ``weights_only=True``. Key
layouts handled: bare ISNetDIS keys (`stage1.rebnconvin.conv_s1.weight`), the SkyTNT Lightning layout
(`state_dict` wrapper, `net.` prefix, training-only `gt_encoder.*` keys dropped) and `module.`/`model.`
prefixes. The channel width and input channels are read from `conv_in.weight`, so the same loader
builds the released 44M-parameter model and the tiny models the tests make.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ModelUnavailableError

_PREFIXES = ("module.", "model.", "net.")
_TRAINING_ONLY = ("gt_encoder.",)


def read_state_dict(path: str | Path) -> dict[str, Any]:
    """Tensors of a checkpoint file, without executing any pickled code."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise ModelUnavailableError(
            f"mask model weights not found: {path}; check the path or run `colorframes models`"
        )
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(path)))
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure means an unusable file
        raise ModelUnavailableError(
            f"cannot read mask model weights {path}: {type(exc).__name__}; "
            "re-download it or convert it to .safetensors"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    if not isinstance(data, dict):
        raise ModelUnavailableError(f"{path} is not a state dict; give an ISNet .safetensors or .ckpt file")
    return data


def normalize_keys(state: dict[str, Any]) -> dict[str, Any]:
    """Strip wrapper prefixes and drop training-only keys so the dict matches ISNetDIS."""
    out = {}
    for key, value in state.items():
        if key.startswith(_TRAINING_ONLY):
            continue
        while key.startswith(_PREFIXES) and not key.startswith("stage"):
            key = key.split(".", 1)[1]
        if key.startswith(_TRAINING_ONLY):
            continue
        out[key] = value
    return out


def build_isnet(state: dict[str, Any], source: str = "state dict"):
    """An eval-mode ISNetDIS with `state` loaded strictly; raises ModelUnavailableError on a mismatch."""
    from .isnet import ISNetDIS

    state = normalize_keys(state)
    weight = state.get("conv_in.weight")
    if weight is None or weight.ndim != 4:
        raise ModelUnavailableError(
            f"{source} is not an ISNetDIS checkpoint (no conv_in.weight); use isnetis or sketch-segment"
        )
    width, in_ch = int(weight.shape[0]), int(weight.shape[1])
    out_ch = int(state["side1.weight"].shape[0]) if "side1.weight" in state else 1
    net = ISNetDIS(in_ch=in_ch, out_ch=out_ch, width=width)
    result = net.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        sample = (missing or result.unexpected_keys)[:3]
        raise ModelUnavailableError(
            f"{source} does not match ISNetDIS ({len(missing)} missing, "
            f"{len(result.unexpected_keys)} unexpected keys, "
            f"e.g. {', '.join(sample)}); use the isnetis or sketch-segment weights"
        )
    return net.eval()


def load_isnet(path: str | Path):
    """Read and build an ISNetDIS from a checkpoint file."""
    return build_isnet(read_state_dict(path), source=str(path))


def declared_input_size(path: str | Path, default: int = 1024) -> int:
    """The square input side recorded in a .safetensors header (`input_size` metadata), else default.

    The released models were trained at 1024 and carry no metadata; small models made for tests or
    distilled variants record their own size so the provider feeds them what they expect.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        return default
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        value = (handle.metadata() or {}).get("input_size", "")
    return int(value) if value.isdigit() and int(value) >= 32 else default
