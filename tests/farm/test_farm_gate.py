"""The farm tests skip with a reason where no SLURM cluster can start, and fail instead under
COLORFRAMES_FARM_REQUIRED=1 (what .ci/run sets), so CI cannot pass by skipping them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pytest_without_slurm(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COLORFRAMES_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-rsfE",
            "tests/farm/test_slurm.py",
            "-k",
            "array_of_four",
            f"--basetemp={tmp_path / 'bt'}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, "PATH": str(empty), "PYTHONPATH": str(ROOT), **env},  # no sbatch on PATH
        timeout=300,
    )


def test_farm_tests_skip_with_the_reason_without_a_cluster(tmp_path):
    res = _pytest_without_slurm(tmp_path)
    assert res.returncode == 0, res.stdout[-2000:]
    assert "1 skipped" in res.stdout
    assert "no SLURM cluster: SLURM is not installed; run `bash .ci/slurm-up.sh` as root" in res.stdout


def test_farm_tests_fail_when_the_cluster_is_required(tmp_path):
    res = _pytest_without_slurm(tmp_path, COLORFRAMES_FARM_REQUIRED="1")
    assert res.returncode == 1, res.stdout[-2000:]
    assert "skipped" not in res.stdout
    assert "COLORFRAMES_FARM_REQUIRED is set but the SLURM cluster is not up: SLURM is not installed" in res.stdout
