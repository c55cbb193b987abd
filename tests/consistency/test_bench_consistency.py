import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_consistency_smoke(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_consistency", ROOT / "benchmarks" / "bench_consistency.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_consistency"] = bench
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    assert bench.main(["--smoke", "--backends", "flat,noisy-gt", "--output", str(out)]) == 0
    report = json.loads(out.read_text())
    rows = {(r["backend"], r["flatten"]): r for r in report["rows"]}
    assert report["smoke"] and report["frames"] == 3
    flat = rows[("flat", "off")]
    assert "error" not in flat and flat["line_fidelity"] == 1.0 and flat["warping_error"] >= 0
    noisy, flattened = rows[("noisy-gt", "off")], rows[("noisy-gt", "post")]
    assert "error" not in flattened
    assert flattened["warping_error"] > 0 and noisy["warping_error"] > 0
    assert flattened["line_fidelity"] == 1.0 > noisy["line_fidelity"]  # --keep-lines: exact lines
    assert "warping_error" in capsys.readouterr().out
