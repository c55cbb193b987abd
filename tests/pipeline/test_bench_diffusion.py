"""The diffusion benchmark's --smoke mode runs, so its harness cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_diffusion_smoke(tmp_path):
    out = tmp_path / "diffusion.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_diffusion.py"), "--smoke", "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(out.read_text())
    (flops,) = data["flops"]
    assert flops["unet_call_gflops_cached"] < flops["unet_call_gflops_uncached"]
    rows = {(r["mode"], r["consistency"]): r for r in data["consistency"]}
    assert set(rows) == {(m, c) for m in ("fig2fig", "vanilla") for c in ("seed", "latent")}
    assert rows[("fig2fig", "latent")]["vs_seed"] < 1.0
    assert "warping error" in proc.stdout
