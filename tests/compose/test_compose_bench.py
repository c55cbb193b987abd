import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "compose_bench.py"


def test_benchmark_smoke_mode_runs_and_writes_json(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("compose_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "bench.json"
    assert module.main(["--smoke", "--output", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["size"] == [64, 48] and result["smoke"] is True
    assert set(result["seconds"]) == {
        "harmonize edge_radius=0", "harmonize edge_radius=2", "process_frames n=8",
        "write_process_png x8", "write_process_mp4 x8",
    }  # fmt: skip
    assert all(v > 0 for v in result["seconds"].values())
    assert "process_frames n=8" in capsys.readouterr().out
