"""Helpers shared by the CLI tests (import as `from cf_helpers import ...`; tests/ is on sys.path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_subprocess(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """The real console entry point in a fresh interpreter."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "colorframes", *[str(a) for a in args]],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        **kw,
    )


def outputs(folder: Path) -> dict[str, bytes]:
    """Every visible PNG under `folder` (relative name → bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.png")) if "review" not in p.parts
    }


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".cftmp")]


def sidecar(folder: Path) -> dict:
    return json.loads((folder / "colorframes.json").read_text())


GOLDEN_FIXTURE_NAME = "colorize-v1.5-tiny"


def golden_fixture_dir() -> Path:
    """The official-implementation golden fixture: COLORFRAMES_FIXTURES (the fixtures folder or the tiny
    fixture itself), else ../shared/fixtures beside the checkout."""
    env = os.environ.get("COLORFRAMES_FIXTURES")
    if env:
        base = Path(env)
        return base if (base / "weights.safetensors").is_file() else base / GOLDEN_FIXTURE_NAME
    return (ROOT / ".." / "shared" / "fixtures" / GOLDEN_FIXTURE_NAME).resolve()
