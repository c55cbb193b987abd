"""Shared fixtures: generated shots (drawn by examples/make_example.py), the real CLI in-process and as a
subprocess, and the golden-fixture location."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from cf_helpers import run_subprocess

# One torch/OpenMP thread per process: the suite runs CLI subprocesses next to pytest on 2 cores, and
# oversubscribed threads made tiny-model calls 10-20x slower (benchmarks/README.md).
os.environ["OMP_NUM_THREADS"] = "1"

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU")
    skip_slow = pytest.mark.skip(reason="slow: set COLORFRAMES_RUN_SLOW=1")
    for item in items:
        if "gpu" in item.keywords and not has_cuda:
            item.add_marker(skip_gpu)
        if "slow" in item.keywords and not os.environ.get("COLORFRAMES_RUN_SLOW"):
            item.add_marker(skip_slow)


@pytest.fixture(scope="session")
def make_example():
    from examples import make_example

    return make_example


@pytest.fixture(scope="session")
def shot_factory(tmp_path_factory, make_example):
    """write(n, size, name) → folder of line-art frames name.1001.png … (cached per arguments)."""
    cache: dict[tuple, Path] = {}

    def write(n: int = 6, size: tuple[int, int] = (320, 180), name: str = "shot01") -> Path:
        key = (n, size, name)
        if key not in cache:
            folder = tmp_path_factory.mktemp("shots") / name
            for i in range(n):
                frame = make_example.render_frame(i, size, n_frames=n)
                make_example._write_png(folder / make_example.frame_name(name, i), frame["sketch"])
            cache[key] = folder
        return cache[key]

    return write


@pytest.fixture(scope="session")
def sheet(tmp_path_factory, make_example) -> Path:
    path = tmp_path_factory.mktemp("sheet") / "sheet.png"
    make_example._write_png(path, make_example.render_sheet((256, 256))["color"])
    return path


@pytest.fixture()
def cli():
    """Run the real CLI in-process: cli(*args) → (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from colorframes.cli import app

    runner = CliRunner()

    def invoke(*args: str, env: dict | None = None):
        result = runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture()
def sub():
    return run_subprocess
