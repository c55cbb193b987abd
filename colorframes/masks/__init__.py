"""Foreground masks for sketch frames and the reference sheet: classical (no weights) or ISNet.

Entry points: `create_mask_provider(opts) -> (MaskProvider, warnings)`, then
`provider.sketch_mask(rgb)` per frame and `provider.reference_mask(rgb, alpha)` once per shot.
Heavy modules (torch, onnxruntime) load only when a network path is chosen.
"""

from .provider import MaskProvider, MaskResult, create_mask_provider
from .util import binarize, binarize_ref, iou, to_uint8

__all__ = [
    "MaskProvider",
    "MaskResult",
    "create_mask_provider",
    "binarize",
    "binarize_ref",
    "iou",
    "to_uint8",
]
