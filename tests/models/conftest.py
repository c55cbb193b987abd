"""Fixtures for the v1.5 model tests: the golden fixture (skipped when ../shared is absent) and a
seeded random tiny colorizer (always available)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from colorframes.models.colorizer import SplitColorizer
from colorframes.models.config import ColorizerConfig

from .helpers import randomize_

FIXTURE_NAME = "colorize-v1.5-tiny"


def fixture_dir() -> Path:
    """COLORFRAMES_FIXTURES (the fixtures folder or the tiny fixture itself), else ../shared/fixtures."""
    env = os.environ.get("COLORFRAMES_FIXTURES")
    if env:
        base = Path(env)
        return base if (base / "weights.safetensors").is_file() else base / FIXTURE_NAME
    return (Path(__file__).resolve().parents[2] / "../shared/fixtures" / FIXTURE_NAME).resolve()


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    path = fixture_dir()
    if not (path / "weights.safetensors").is_file():
        pytest.skip(f"golden fixture not found at {path} (set COLORFRAMES_FIXTURES to its folder)")
    return path


@pytest.fixture(scope="session")
def cases(golden_dir: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(golden_dir / "cases.safetensors"))


@pytest.fixture(scope="session")
def official_tiny(golden_dir: Path):
    """The fixture's tiny weights loaded through our converter: (model, report)."""
    from colorframes.models.convert import load_official

    model, report = load_official(golden_dir / "weights.safetensors", ColorizerConfig.tiny())
    return model, report


@pytest.fixture(scope="session")
def tiny_model() -> SplitColorizer:
    torch.manual_seed(0)
    return randomize_(SplitColorizer(ColorizerConfig.tiny())).eval()
