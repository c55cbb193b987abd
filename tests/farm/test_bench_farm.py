"""benchmarks/bench_farm.py --smoke through the real scheduler: it measures every row and writes its JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT, Slurm

pytestmark = pytest.mark.farm


def test_bench_farm_smoke_writes_rows_for_each_task_count(slurm_cluster, tmp_path):
    out = tmp_path / "farm.json"
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_farm.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        env=Slurm.env(),
        cwd=ROOT,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["status"] == "smoke" and result["shot"] == {"frames": 12, "size": [320, 180], "backend": "flat"}
    assert [r["tasks"] for r in result["rows"]] == [1, 2]
    single = result["single_process"]
    assert single["wall_s"] > single["render_s"] > 0 and single["fps"] == pytest.approx(12 / single["wall_s"], 0.01)
    for row in result["rows"]:
        assert row["identical_to_1_process"] is True
        assert row["fps"] == pytest.approx(12 / row["wall_s"], rel=0.01)
        assert row["speedup_vs_1_process"] == pytest.approx(single["wall_s"] / row["wall_s"], rel=0.01)
        assert row["scheduler_only_wall_s"] > 0 and row["render_s"] > 0
    assert "SLURM x2" in res.stdout and "scheduler-only/task s" in res.stdout
