"""`colorframes eval`: PSNR, SSIM / MS-SSIM, LVCD TC, warping error, palette ΔE00, line fidelity and
BasicPBC segment accuracy. `evaluate()` is the entry point; the modules hold one metric family each."""

from .evaluate import METRICS, evaluate

__all__ = ["METRICS", "evaluate"]
