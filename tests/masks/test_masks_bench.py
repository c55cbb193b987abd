"""The masks benchmark harness runs end to end in --smoke mode and meets the accuracy target."""

from __future__ import annotations

import json
import subprocess
import sys

from masks_helpers import REPO


def test_bench_masks_smoke(tmp_path):
    out = tmp_path / "masks.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_masks.py"), "--smoke", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "masks/s" in proc.stdout
    result = json.loads(out.read_text())
    assert result["mode"] == "smoke"
    assert result["accuracy"][0]["iou_clean_mean"] >= 0.95
    assert result["reference"][0]["iou_alpha"] >= 0.99
    assert result["speed"][0]["masks_per_s_median"] > 0
