"""Fixtures for the flat backend tests (helpers live in flat_helpers.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def walk(make_example):
    """Eight frames of the example walk at 960x540 with ground truth (rendered once per module)."""
    return [make_example.render_frame(i, (960, 540), n_frames=24) for i in range(8)]
