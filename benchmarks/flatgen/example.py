"""`make_example`: the original example walk (examples/make_example.py) as a `Shot`, for comparison."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from .shot import Shot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "make_example.py"


def _module():
    if "make_example" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_example", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_example"] = module
        spec.loader.exec_module(module)
    return sys.modules["make_example"]


def generate(seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    mx = _module()
    frames = []
    for t in range(n_frames):
        f = mx.render_frame(t, size, n_frames=n_frames, seed=seed)
        frames.append({"sketch": f["sketch"], "color": f["color"], "labels": f["labels"].astype("int32")})
    w, h = size
    sheet = mx.render_sheet((h, h))["color"]
    palette = {i: rgb for i, (_, rgb) in mx.PALETTE.items()}
    return Shot("make_example", frames, 0, frames[0]["color"].copy(), sheet, palette, ["the original example walk"])
