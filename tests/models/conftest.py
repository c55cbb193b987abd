"""Fixtures for the v1.5 model tests: the golden fixture (skipped when ../shared is absent) and a
seeded random tiny colorizer (always available)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from cf_helpers import golden_fixture_dir

from colorframes.models.colorizer import SplitColorizer
from colorframes.models.config import ColorizerConfig

from .helpers import randomize_


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    path = golden_fixture_dir()
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
