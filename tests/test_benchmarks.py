"""Every script in benchmarks/ runs in its --smoke mode in a fresh interpreter and writes valid JSON (or
prints its table), so the harness cannot rot. Speed targets live in the scripts, never in these tests."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
# One intra-op thread: the smoke sizes are tiny, and a second thread only adds sync cost on a busy box.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def run_script(name: str, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, str(BENCH / name), *args],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc


def load_json(path: Path) -> dict:
    assert path.is_file(), f"{path} was not written"
    return json.loads(path.read_text(encoding="utf-8"))


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{Path(name).stem}", BENCH / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- scripts owned by this harness ---------------------------------------------------------------


def test_bench_gpu_smoke_runs_both_pipelines_and_counts_flops(tmp_path):
    out = tmp_path / "gpu.json"
    proc = run_script("bench_gpu.py", "--smoke", "--out", str(out), timeout=300)
    result = load_json(out)
    assert result["status"] == "smoke" and result["environment"]["torch"]
    rows = [r for r in result["rows"] if "skipped" not in r]
    assert not [r for r in rows if "error" in r], rows
    impls = {r["impl"] for r in rows}
    assert impls == {"colorframes", "colorframes-runner", "stock-controlnet"}
    assert [r["frames"] for r in rows if r["impl"] == "colorframes-runner"] == [3, 6]  # 3 batches of 1 and 2
    assert {r["dtype"] for r in rows} == {"fp32", "bf16"} and {r["batch"] for r in rows} >= {1, 2}
    assert any(r["offload"] for r in rows)
    for r in rows:
        assert r["fps"] > 0 and r["s_per_frame"] == pytest.approx(1 / r["fps"], rel=0.01)
        assert r["tflops"] > 0 and r["pct_of_matmul_peak"] > 0
    flops = result["flops"]["64"]
    ours, stock = flops["colorframes"], flops["stock"]
    assert ours["context_tokens"] == 1024  # fig2fig: [tok ‖ bg ‖ tok ‖ bg]
    assert ours["per_frame_gflops"] == pytest.approx(
        2 * ours["unet_forward_gflops"] + ours["sketch_encoder_gflops"] + ours["vae_decode_gflops"], abs=0.005
    )
    assert stock["per_frame_gflops"] == pytest.approx(2 * stock["step_gflops"] + stock["vae_decode_gflops"], abs=0.005)
    assert result["matmul_peak"]["tflops"] > 0
    assert set(result["summary"]["goals"]) == {"ratio_vs_stock", "pct_of_matmul_peak", "vram_b1_fp16_gb",
                                               "vram_offload_gb", "runner_efficiency"}  # fmt: skip
    assert {(r["batch"], r["dtype"]) for r in result["summary"]["runner"]} == {(1, "fp32"), (2, "fp32")}
    assert result["summary"]["ratios"] and "stock-controlnet" in proc.stdout


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is not None and __import__("torch").cuda.is_available(),
    reason="with CUDA the default run measures instead of recording pending",
)
def test_bench_gpu_without_cuda_records_pending_and_keeps_the_cpu_result(tmp_path):
    out = tmp_path / "gpu.json"
    out.write_text(json.dumps({"benchmark": "gpu", "full_size_cpu": {"seconds": 12.5}}))
    proc = run_script("bench_gpu.py", "--out", str(out), "--resolutions", "512", "--no-flops")
    result = load_json(out)
    assert result["status"] == "pending" and result["full_size_cpu"] == {"seconds": 12.5}
    assert result["commands"] == [
        "python benchmarks/bench_gpu.py --resolutions 512 --out benchmarks/results/gpu_512.json"
    ]
    assert "pending" in proc.stdout


def test_bench_gpu_summary_ratios_and_goals():
    bench = load_script("bench_gpu.py")
    base = {"resolution": 512, "attention": "sdpa", "compile": False, "offload": False, "pct_of_matmul_peak": 30.0}
    rows = [
        {**base, "impl": "colorframes", "batch": 1, "dtype": "fp16", "fps": 3.0, "peak_vram_gb": 5.0,
         "peak_vram_setup_gb": 7.5},
        {**base, "impl": "colorframes", "batch": 1, "dtype": "fp16", "compile": True, "fps": 5.0,
         "peak_vram_gb": 5.0, "peak_vram_setup_gb": 1.0, "pct_of_matmul_peak": 45.0},
        {**base, "impl": "colorframes", "batch": 1, "dtype": "fp16", "offload": True, "fps": 2.0,
         "peak_vram_gb": 6.5, "peak_vram_setup_gb": 2.0},
        {**base, "impl": "stock-controlnet", "batch": 1, "dtype": "fp16", "fps": 2.0, "peak_vram_gb": 9.0},
        {**base, "impl": "colorframes", "batch": 4, "dtype": "fp16", "error": "OutOfMemoryError: x"},
        {**base, "impl": "colorframes-runner", "batch": 1, "dtype": "fp16", "fps": 2.7, "peak_vram_gb": 5.0},
    ]  # fmt: skip
    summary = bench.summarize(rows)
    assert summary["ratios"] == [
        {"resolution": 512, "batch": 1, "dtype": "fp16", "stock_fps": 2.0, "eager_sdpa_ratio": 1.5, "best_ratio": 2.5}
    ]
    goals = summary["goals"]
    assert goals["ratio_vs_stock"] == {"value": 2.5, "goal": 2.0, "met": True}
    assert goals["pct_of_matmul_peak"]["value"] == 45.0 and goals["pct_of_matmul_peak"]["met"] is True
    assert goals["vram_b1_fp16_gb"] == {"value": 7.5, "goal": 8.0, "met": True}  # setup peak counts
    assert goals["vram_offload_gb"] == {"value": 6.5, "goal": 6.0, "met": False}
    assert summary["runner"] == [
        {"resolution": 512, "batch": 1, "dtype": "fp16", "runner_fps": 2.7, "colorize_fps": 3.0, "efficiency": 0.9}
    ]
    assert goals["runner_efficiency"] == {"value": 0.9, "goal": 0.95, "met": False}
    assert summary["best"]["compile"] is True and summary["best"]["fps"] == 5.0


def test_bench_cpu_smoke_measures_floor_and_flat_rss(tmp_path):
    out = tmp_path / "cpu.json"
    proc = run_script("bench_cpu.py", "--smoke", "--out", str(out), timeout=180)
    result = load_json(out)
    speed, rss = result["speed"], result["rss"]
    assert speed["end_to_end"]["exit_code"] == 0 and speed["end_to_end"]["frames"] == 3
    assert speed["png_floor"]["frames"] == 3 and speed["png_floor"]["fps"] > 0
    assert speed["fraction_of_floor"] == pytest.approx(
        speed["end_to_end"]["fps"] / speed["png_floor"]["fps"], rel=0.02
    )
    assert rss["short"]["frames"] == 6 and rss["long"]["frames"] == 18
    assert rss["short"]["maxrss_mb"] > 10 and rss["flat"] is True
    assert "PNG read+write floor" in proc.stdout


def test_bench_flat_smoke_scores_every_method_and_measures_speed_and_noise(tmp_path):
    out = tmp_path / "flat.json"
    proc = run_script("bench_flat.py", "--smoke", "--generators", "make_example,room", "--out", str(out))
    result = load_json(out)
    assert result["smoke"] is True and result["holdout"] == "holdout"
    assert [r["generator"] for r in result["rows"]] == ["make_example", "room"]
    for row in result["rows"]:
        methods = row["methods"]
        assert set(methods) == {
            "keyframe", "keyframe+sheet", "sheet", "copy-keyframe", "region-oracle", "keyframe-oracle"
        }  # fmt: skip
        # the keyframe oracle sits between keyframe mode (whose colour it keeps where the keyframe does not
        # show the ground truth's) and the region oracle (a region's dominant colour is not always its
        # least-squares colour, hence the margin)
        oracle, known = methods["region-oracle"]["after_psnr"], methods["keyframe-oracle"]["after_psnr"]
        assert methods["keyframe"]["after_psnr"] - 0.5 <= known <= oracle + 0.5
        # copying the keyframe is exact on the keyframe's own frame (capped PSNR), and wrong once the drawing moves
        assert methods["copy-keyframe"]["key_psnr"] == result["psnr_cap_db"]
        assert methods["copy-keyframe"]["after_psnr256"] < result["psnr_cap_db"]
        for m in methods.values():
            assert 0.0 <= m["paper_max"] <= 1.0 and 0.0 <= m["acc"] <= 1.0 and m["psnr256"] > 5.0
        assert row["done_when"]["after_vs_copy_db"] == pytest.approx(
            methods["keyframe"]["after_psnr256"] - methods["copy-keyframe"]["after_psnr256"], abs=0.01
        )
    assert result["speed"]["exit_code"] == 0 and result["speed"]["fps"] > 0 and result["speed"]["maxrss_mb"] > 10
    noise = result["noise_frame"]
    assert noise["exit_code"] in (0, 1) and noise["maxrss_mb"] > 10 and noise["ok"] is True
    assert "region-oracle" in proc.stdout and "noise frame" in proc.stdout


# --- scripts written by the other areas -----------------------------------------------------------


def test_bench_masks_smoke_meets_the_accuracy_target(tmp_path):
    out = tmp_path / "masks.json"
    proc = run_script("bench_masks.py", "--smoke", "--output", str(out))
    result = load_json(out)
    assert result["mode"] == "smoke" and "masks/s" in proc.stdout
    assert result["accuracy"][0]["iou_clean_mean"] >= 0.95
    assert result["reference"][0]["iou_alpha"] >= 0.99
    assert result["speed"][0]["masks_per_s_median"] > 0


def test_compose_bench_smoke(tmp_path):
    out = tmp_path / "compose.json"
    proc = run_script("compose_bench.py", "--smoke", "--output", str(out))
    result = load_json(out)
    assert result["smoke"] is True and result["size"] == [64, 48]
    assert set(result["seconds"]) == {
        "harmonize edge_radius=0", "harmonize edge_radius=2", "process_frames n=8",
        "write_process_png x8", "write_process_mp4 x8",
    }  # fmt: skip
    assert all(v > 0 for v in result["seconds"].values())
    assert "process_frames n=8" in proc.stdout


def test_review_long_shot_smoke_prints_its_table(tmp_path):
    # --smoke prints the table and writes no JSON (by design of that script).
    proc = run_script("review_long_shot.py", "--smoke", "--output", str(tmp_path / "review.json"))
    assert "cold_ms_per_frame" in proc.stdout and "warm_ms_per_frame" in proc.stdout
    assert "thumbs_reused_warm   36" in proc.stdout
    assert not (tmp_path / "review.json").exists()


def test_bench_consistency_smoke_cpu_backends(tmp_path):
    # tiny-random rows are left out: 12 api.run calls at 2 steps take minutes on 2 busy cores.
    out = tmp_path / "consistency.json"
    proc = run_script("bench_consistency.py", "--smoke", "--backends", "flat,noisy-gt", "--output", str(out))
    result = load_json(out)
    assert result["smoke"] is True and result["frames"] == 3 and "warping_error" in proc.stdout
    assert {r["backend"] for r in result["rows"]} == {"flat", "noisy-gt"}
    assert all("tc" in r for r in result["rows"] if "error" not in r)
    rows = {(r["backend"], r["flatten"]): r for r in result["rows"]}
    flat = rows[("flat", "off")]
    assert "error" not in flat and flat["line_fidelity"] == 1.0 and flat["warping_error"] >= 0
    noisy, flattened = rows[("noisy-gt", "off")], rows[("noisy-gt", "post")]
    assert "error" not in flattened
    assert flattened["warping_error"] > 0 and noisy["warping_error"] > 0
    assert flattened["line_fidelity"] == 1.0 > noisy["line_fidelity"]  # --keep-lines: exact lines


def test_bench_diffusion_smoke_caches_kv_and_latent_chain_lowers_flicker(tmp_path):
    out = tmp_path / "diffusion.json"
    proc = run_script("bench_diffusion.py", "--smoke", "--out", str(out), timeout=300)
    data = load_json(out)
    (flops,) = data["flops"]
    assert flops["unet_call_gflops_cached"] < flops["unet_call_gflops_uncached"]
    rows = {(r["mode"], r["consistency"]): r for r in data["consistency"]}
    assert set(rows) == {(m, c) for m in ("fig2fig", "vanilla") for c in ("seed", "latent")}
    assert rows[("fig2fig", "latent")]["vs_seed"] < 1.0
    assert "warping error" in proc.stdout


def test_bench_flow_votes_smoke_scores_one_step_per_frame(tmp_path):
    out = tmp_path / "flow_votes.json"
    proc = run_script("bench_flow_votes.py", "--generators", "make_example", "--frames", "3", "--out", str(out))
    (row,) = load_json(out)["rows"]
    assert row["generator"] == "make_example"
    assert [f["frame"] for f in row["per_frame"]] == [t for t in range(3) if t != row["key_index"]]
    assert 5.0 < row["step_vote_db"] <= 60.0 and 0.0 <= row["wrong_area"] < 0.5
    assert "step_vote_db" in proc.stdout


def test_bench_flow_votes_refuses_the_held_out_generator():
    proc = subprocess.run(
        [sys.executable, str(BENCH / "bench_flow_votes.py"), "--generators", "holdout"],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "held out" in proc.stderr


def test_flow_votes_of_a_still_shot_are_exact():
    # Identical drawings: the flow is zero, every region continues itself, so the step carries the ground
    # truth exactly; a frame whose drawing moved away from its ground truth is not.
    bench = load_script("bench_flow_votes.py")
    flatgen = bench.flatgen
    shot = flatgen.generate("make_example", n_frames=3)
    still = [shot.frames[0]] * 3
    result = bench.step_votes(flatgen.Shot("still", still, 1, shot.keyframe, shot.sheet, shot.palette))
    assert result["step_vote_db"] == 60.0 and result["wrong_area"] == 0.0
    moved = dict(shot.frames[0], sketch=np.roll(shot.frames[0]["sketch"], 40, axis=1))
    shifted = bench.step_votes(flatgen.Shot("moved", [moved, *still[1:]], 1, shot.keyframe, shot.sheet, shot.palette))
    assert shifted["per_frame"][0]["wrong_area"] > 0.0 and shifted["per_frame"][1]["wrong_area"] == 0.0


def test_every_benchmark_script_is_covered():
    # device_check.py: its --dry-run runs in tests/test_device_check.py. bench_farm.py needs a SLURM cluster:
    # tests/farm/test_bench_farm.py.
    covered = {"bench_gpu.py", "bench_cpu.py", "bench_flat.py", "bench_flow_votes.py", "bench_masks.py",
               "compose_bench.py", "review_long_shot.py", "bench_consistency.py", "bench_diffusion.py",
               "device_check.py", "bench_farm.py"}  # fmt: skip
    scripts = {p.name for p in BENCH.glob("*.py") if not p.name.startswith("_")}  # _common.py is a module
    assert scripts <= covered, f"benchmark scripts without a smoke test: {sorted(scripts - covered)}"


@pytest.mark.slow
def test_bench_consistency_smoke_all_backends(tmp_path):
    # Includes tiny-random: about 50 s with one thread on an idle 2-core box.
    out = tmp_path / "consistency.json"
    run_script("bench_consistency.py", "--smoke", "--output", str(out), timeout=900)
    rows = load_json(out)["rows"]
    assert {r["consistency"] for r in rows if r["backend"] == "tiny-random"} == {"seed", "latent"}


@pytest.mark.gpu
def test_bench_gpu_cuda_slice_measures_vram(tmp_path):
    # The real CUDA path at full size, cut to one small configuration per side.
    out = tmp_path / "gpu.json"
    run_script("bench_gpu.py", "--resolutions", "256", "--batch-sizes", "1", "--dtypes", "fp16",
               "--attention", "sdpa", "--compile-modes", "eager", "--steps", "2", "--repeats", "1",
               "--out", str(out), timeout=900)  # fmt: skip
    result = load_json(out)
    assert result["status"] == "measured" and "cuda" in result["environment"]["device"]
    rows = [r for r in result["rows"] if "skipped" not in r]
    assert not [r for r in rows if "error" in r], rows
    assert all(r["peak_vram_gb"] > 0 for r in rows)
    assert result["summary"]["goals"]["vram_b1_fp16_gb"]["value"] is not None
