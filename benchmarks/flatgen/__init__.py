"""Evaluation shots for the flat colorizer, drawn by code (numpy + OpenCV), far from `examples/make_example.py`.

Every generator is `generate(seed=0, size=(960, 540), n_frames=24) -> Shot` (see `shot.Shot`): line art,
flat ground truth and ground-truth region labels per frame, a coloured keyframe and a character sheet.
Deterministic per seed. `holdout` is the held-out generator: its own characters, background and drawing
code; it is never used for tuning (benchmarks/README.md) and is reported separately.

    from flatgen import GENERATORS, generate
    shot = generate("room", seed=0, size=(960, 540), n_frames=24)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .shot import FIRST_FRAME, Shot

# name -> module (imported on first use); `make_example` wraps the original example walk.
GENERATORS: dict[str, str] = {
    "make_example": "example",
    "room": "room",
    "shaded": "shaded",
    "xdog": "xdog",
    "dense": "dense",
    "dialog": "dialog",
    "dolly": "dolly",
    "harbour": "harbour",
    "holdout": "holdout",
}
HOLDOUT = "holdout"
TUNING = tuple(name for name in GENERATORS if name != HOLDOUT)

__all__ = ["FIRST_FRAME", "GENERATORS", "HOLDOUT", "TUNING", "Shot", "generate", "generator"]


def generator(name: str) -> Callable[..., Shot]:
    if name not in GENERATORS:
        raise KeyError(f"unknown generator {name!r}; choose from {', '.join(GENERATORS)}")
    return importlib.import_module(f"{__name__}.{GENERATORS[name]}").generate


def generate(name: str, seed: int = 0, size: tuple[int, int] = (960, 540), n_frames: int = 24) -> Shot:
    return generator(name)(seed=seed, size=size, n_frames=n_frames)
