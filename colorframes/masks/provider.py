"""MaskProvider: one object per run that gives sketch and reference masks, whatever the source.

The colorizer needs a soft (H, W) float32 mask per frame (split attention, ts_s) and one per shot for the
character sheet (background tokens, ts_r). `create_mask_provider(opts)` picks the source from
`--mask-model`; under `auto` a missing model is not an error, the classical path is used and one
warning says how to get the weights. Per-image warnings (blank frame, empty reference) come back in a
`MaskResult`; the plain `sketch_mask` / `reference_mask` calls keep them in `last_warnings`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import InputError
from ..options import RunOptions
from .classical import ClassicalSketchParams, classical_sketch_mask, ink_map
from .reference import REFERENCE_DILATION, classical_reference_mask, dilate_max


@dataclass
class MaskResult:
    """A (H, W) float32 mask in [0, 1] and the warnings computing it produced."""

    mask: np.ndarray
    warnings: list[str] = field(default_factory=list)


def as_rgb(image: np.ndarray, what: str = "image") -> np.ndarray:
    """Accept (H, W), (H, W, 3) or (H, W, 4) uint8; return (H, W, 3) uint8 (alpha composited on white)."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise InputError(f"{what}: expected (H, W, 3) uint8 RGB, got {arr.shape} {arr.dtype}")
    if arr.ndim == 2:
        return np.repeat(arr[:, :, None], 3, axis=2)
    if arr.shape[2] == 4:
        a = arr[:, :, 3:4].astype(np.float32) / 255.0
        return (arr[:, :, :3] * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8)
    return arr


class MaskRunner(Protocol):
    """A segmentation network on one input (TorchRunner, OnnxRunner): (1, 3, S, S) -> (S, S) probabilities."""

    size: int  # S, the square input side the network takes

    def __call__(self, x: np.ndarray) -> np.ndarray: ...


class NetMasker:
    """A segmentation network with its input convention; `dilation` > 1 applies the max-pool."""

    def __init__(self, runner: MaskRunner, convention: str, dilation: int = 1, label: str = "") -> None:
        self.runner = runner
        self.convention = convention
        self.dilation = dilation
        self.label = label

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        from .preprocess import from_output, to_input

        x, box = to_input(rgb, self.convention, self.runner.size)  # (1, 3, S, S)
        mask = from_output(self.runner(x), box, rgb.shape[:2])  # (H, W)
        return dilate_max(mask, self.dilation) if self.dilation > 1 else mask


class MaskProvider:
    """Sketch and reference masks from the configured sources (a net, or the classical path)."""

    def __init__(
        self,
        sketch_net: NetMasker | None = None,
        reference_net: NetMasker | None = None,
        classical: ClassicalSketchParams | None = None,
    ) -> None:
        self.sketch_net = sketch_net
        self.reference_net = reference_net
        self.classical = classical or ClassicalSketchParams()
        self._local = threading.local()  # the runner calls one provider from several threads
        self.notes: list[str] = []  # run-level notes (the classical fallback under auto), shown once

    @property
    def last_warnings(self) -> list[str]:
        """Warnings of this thread's latest `sketch_mask` / `reference_mask` call."""
        return getattr(self._local, "warnings", [])

    @last_warnings.setter
    def last_warnings(self, value: list[str]) -> None:
        self._local.warnings = value

    def sketch_mask_result(self, sketch_rgb: np.ndarray) -> MaskResult:
        rgb = as_rgb(sketch_rgb, "sketch")
        if self.sketch_net is None:
            mask, warnings = classical_sketch_mask(rgb, self.classical)
            return MaskResult(mask, warnings)
        if not ink_map(rgb, self.classical.ink_level).any():
            empty = np.zeros(rgb.shape[:2], np.float32)
            return MaskResult(empty, ["blank frame (no lines found); its mask is empty"])
        return MaskResult(self.sketch_net(rgb))

    def sketch_mask(self, sketch_rgb: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 black-on-white line art -> (H, W) float32 soft figure mask."""
        result = self.sketch_mask_result(sketch_rgb)
        self.last_warnings = result.warnings
        return result.mask

    def reference_mask_result(self, ref_rgb: np.ndarray, alpha: np.ndarray | None = None) -> MaskResult:
        rgb = as_rgb(ref_rgb, "reference")
        if alpha is not None and alpha.shape != rgb.shape[:2]:
            raise InputError(f"reference alpha is {alpha.shape}, the image is {rgb.shape[:2]}; they must match")
        has_alpha = alpha is not None and float(np.min(alpha)) < 0.999
        if self.reference_net is None or has_alpha:
            mask, warnings = classical_reference_mask(rgb, alpha if has_alpha else None)
            return MaskResult(mask, warnings)
        return MaskResult(self.reference_net(rgb))

    def reference_mask(self, ref_rgb: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
        """(H, W, 3) uint8 sheet (+ (H, W) float32 alpha) -> (H, W) float32 mask, dilated 11x11."""
        result = self.reference_mask_result(ref_rgb, alpha)
        self.last_warnings = result.warnings
        return result.mask

    def describe(self) -> dict[str, Any]:
        """What produced the masks, for the sidecar."""
        return {
            "sketch": self.sketch_net.label if self.sketch_net else "classical",
            "reference": self.reference_net.label if self.reference_net else "classical",
        }


# --- construction from options -----------------------------------------------------------------


def _torch_masker(path: Path, convention: str, dilation: int, opts: RunOptions, warnings: list[str]) -> NetMasker:
    from .isnet_weights import declared_input_size, load_isnet
    from .runners import TorchRunner

    runner = TorchRunner(
        load_isnet(path),
        size=declared_input_size(path),
        device=opts.device,
        dtype=opts.dtype,
        warnings=warnings,
    )
    return NetMasker(runner, convention, dilation, label=f"{path.name}:{convention}")


def _onnx_masker(path: Path, dilation: int, opts: RunOptions) -> NetMasker:
    from .runners import OnnxRunner

    runner = OnnxRunner(path, device=opts.device)
    return NetMasker(runner, "skytnt", dilation, label=f"{path.name}:skytnt")


def _build(kind: str, path: Path, opts: RunOptions, warnings: list[str], *, sketch: bool) -> NetMasker:
    """A masker for one role (sketch frames or reference) from a weights file of model `kind`."""
    from ..extras import mask_runtime, require_modules

    require_modules(f"--mask-model {kind}", *mask_runtime(kind))  # exit 3 naming the pip extra
    dilation = 1 if sketch else REFERENCE_DILATION
    if kind == "isnet-onnx":
        return _onnx_masker(path, dilation, opts)
    if kind == "sketch-segment":
        return _torch_masker(path, "sketch" if sketch else "official", dilation, opts, warnings)
    return _torch_masker(path, "skytnt" if sketch else "official", dilation, opts, warnings)


def _kind_of_file(path: Path) -> str:
    if path.suffix == ".onnx":
        return "isnet-onnx"
    return "sketch-segment" if "sketch" in path.name.lower() else "isnet"


def create_mask_provider(opts: RunOptions) -> tuple[MaskProvider, list[str]]:
    """The MaskProvider for `opts.mask_model` and the run-level warnings (at most one, under auto).

    auto: sketch frames use sketch-segment, else isnetis (torch), else isnetis.onnx, else classical;
    the reference uses isnetis (torch), else isnetis.onnx, else classical (a model whose runtime is not
    installed is skipped; the classical fallback is a note in `provider.notes`). An explicitly named model
    whose weights or runtime are missing raises ModelUnavailableError (exit 3).
    """
    from ..extras import mask_runtime_installed
    from .locate import MASK_WEIGHTS, find_weights, how_to_get, require_weights

    def usable(kind: str) -> Path | None:
        """Weights of `kind` when they are on disk and their runtime (torch / onnxruntime) is installed."""
        return find_weights(kind) if mask_runtime_installed(kind) else None

    def first(kinds: tuple[str, ...], found: Callable[[str], Path | None]) -> tuple[str, Path] | None:
        """The first of `kinds` with usable weights, and their path."""
        return next(((k, path) for k in kinds if (path := found(k)) is not None), None)

    choice = opts.mask_model
    classical = ClassicalSketchParams()
    warnings: list[str] = []
    if choice == "classical":
        return MaskProvider(classical=classical), warnings
    if choice in MASK_WEIGHTS or Path(choice).suffix:
        if choice in MASK_WEIGHTS:
            kind, path = choice, require_weights(choice)
        else:
            kind, path = _kind_of_file(Path(choice)), Path(choice).expanduser()
        sketch_net: NetMasker | None = _build(kind, path, opts, warnings, sketch=True)
        if kind == "sketch-segment":  # the sketch model is not a reference segmenter; find one
            ref_pick = first(("isnet", "isnet-onnx"), usable)
            reference_net = _build(*ref_pick, opts, warnings, sketch=False) if ref_pick else None
            if reference_net is None:
                warnings.append("no reference mask model found; using the classical reference mask")
        else:
            reference_net = _build(kind, path, opts, warnings, sketch=False)
        return MaskProvider(sketch_net, reference_net, classical), list(dict.fromkeys(warnings))
    if choice != "auto":
        raise InputError(
            "--mask-model must be auto, classical, isnet, isnet-onnx, sketch-segment or a weights file; "
            f"got {choice!r}"
        )
    found = {k: usable(k) for k in ("sketch-segment", "isnet", "isnet-onnx")}
    sketch_pick = first(("sketch-segment", "isnet", "isnet-onnx"), found.get)
    ref_pick = first(("isnet", "isnet-onnx"), found.get)
    sketch_net = _build(*sketch_pick, opts, warnings, sketch=True) if sketch_pick else None
    reference_net = _build(*ref_pick, opts, warnings, sketch=False) if ref_pick else None
    provider = MaskProvider(sketch_net, reference_net, classical)
    if sketch_net is None and reference_net is None:  # the normal path without weights: a note, not a warning
        provider.notes.append(
            "masks: classical (no mask model weights or runtime found; for ISNet masks see "
            + how_to_get(MASK_WEIGHTS["isnet-onnx"])
            + ")"
        )
    return provider, list(dict.fromkeys(warnings))  # a dtype fallback shared by both nets is said once
