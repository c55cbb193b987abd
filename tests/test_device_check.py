"""benchmarks/device_check.sh: the offline GPU-node check. Its --dry-run runs every step on the CPU at smoke
sizes (installing nothing), so the script is proven without a GPU; the budget and timeout paths are
checked directly."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "device_check.sh"


def load_module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def fake_wheel(folder: Path, dist: str, version: str) -> Path:
    """An (uninstallable) wheel file: device_check only reads distribution names from the file names."""
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{dist}-{version}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {dist}\n")
    return path


def test_dry_run_runs_every_step_and_writes_the_result(tmp_path):
    wheelhouse = tmp_path / "wheels"
    wheelhouse.mkdir()
    fake_wheel(wheelhouse, "diffusers", "0.42.1")  # installed here: left alone
    fake_wheel(wheelhouse, "cf_never_installed_pkg", "1.0")  # missing: listed, not installed in a dry run
    out = tmp_path / "out"
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", "--wheelhouse", str(wheelhouse), "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=400,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "OK" in proc.stdout and "[device_check" in proc.stdout
    assert importlib.util.find_spec("cf_never_installed_pkg") is None  # nothing was installed

    result = json.loads((out / "gpu_512.json").read_text())
    check = result["device_check"]
    assert check["dry_run"] is True and check["verdict"] == {"ok": True, "failed_steps": [], "row_errors": []}
    steps = {s["step"]: s for s in check["steps"]}
    assert list(steps) == ["install", "doctor", "pytest", "bench", "compile"]
    install = steps["install"]
    assert install["already_installed"] == ["diffusers"]
    assert install["to_install"] == ["cf_never_installed_pkg-1.0-py3-none-any.whl"]
    assert install["imports_ok"] is True and install["missing_after"] == [] and "dry run" in install["note"]
    for name in ("doctor", "pytest", "bench", "compile"):
        assert steps[name]["rc"] == 0 and steps[name]["wall_s"] > 0, steps[name]
        log = (out / steps[name]["log"]).read_text()
        assert log.startswith("$ ") and len(log.splitlines()) > 1
    assert "--device cpu" in steps["doctor"]["command"] and "-m gpu" in steps["pytest"]["command"]
    assert "skipped" in (out / "pytest.log").read_text()  # no CUDA here: the GPU tests skip, they still collect
    assert "--smoke" in steps["bench"]["command"] and "--append" in steps["compile"]["command"]
    assert check["elapsed_s"] < check["budget_s"]

    # The benchmark rows: both steps' rows kept in one file (the compile step appends).
    assert result["status"] == "smoke" and len(result["commands"]) == 2
    rows = result["rows"]
    eager = [r for r in rows if r["impl"] == "colorframes" and not r["compile"] and not r["offload"]]
    assert {(r["batch"], r["dtype"]) for r in eager if "skipped" not in r} == {(1, "fp32"), (2, "fp32"),
                                                                               (1, "bf16"), (2, "bf16")}  # fmt: skip
    stock = [r for r in rows if r["impl"] == "stock-controlnet"]
    assert {(r["batch"], r["dtype"]) for r in stock} == {(1, "fp32"), (2, "fp32"), (1, "bf16"), (2, "bf16")}
    assert [r["batch"] for r in rows if r["impl"] == "colorframes-runner"] == [2]
    assert [r["dtype"] for r in rows if r["offload"]] == ["fp32"]
    compiled = [r for r in rows if r["compile"]]
    assert compiled and all("torch.compile" in r["skipped"] for r in compiled)
    assert {r["batch"] for r in compiled} == {1, 2}  # batch 4 (capped at 2 in a smoke run) and batch 1
    for r in rows:
        if "skipped" not in r:
            assert r["fps"] > 0 and r["row_wall_s"] > 0
    assert result["summary"]["runner"] and result["summary"]["ratios"]
    assert {"device_name", "torch", "diffusers", "python"} <= set(result["environment"])
    assert {p.name for p in out.iterdir()} == {"gpu_512.json", "device_check.log", "doctor.log", "pytest.log",
                                               "bench.log", "compile.log"}  # fmt: skip


def _check(tmp_path, *args: str):
    module = load_module("device_check")
    return module, module.Check(module.parse_args(["--out", str(tmp_path), *args]))


def test_compile_row_is_skipped_with_its_reason_when_the_budget_is_short(tmp_path):
    module, check = _check(tmp_path, "--budget-s", "100", "--wheelhouse", str(tmp_path / "none"))
    assert check.compile() is None  # not run: 100 s < the compiled row's minimum
    result = json.loads((tmp_path / "gpu_512.json").read_text())
    (row,) = result["rows"]
    assert row["compile"] and row["batch"] == 4 and row["dtype"] == "bf16"
    assert row["skipped"].startswith("time budget:") and f"{module.BUDGETS.compile_min_s:.0f} s" in row["skipped"]
    assert result["device_check"]["steps"][0]["step"] == "compile"


def test_a_step_past_its_timeout_is_killed_and_its_output_kept(tmp_path):
    _, check = _check(tmp_path)
    code = "import time; print('started', flush=True); time.sleep(60)"
    step = check.run("slow", [sys.executable, "-c", code], timeout_s=2)
    assert step["rc"] == 124 and step["timed_out"] and step["wall_s"] < 30
    assert "started" in (tmp_path / "slow.log").read_text()


def test_wheelhouse_plan_names_what_is_installed(tmp_path):
    module = load_module("device_check")
    fake_wheel(tmp_path, "open_clip_torch", "3.3.0")
    fake_wheel(tmp_path, "cf_never_installed_pkg", "1.0")
    plan = {w["dist"]: w["installed"] for w in module.wheelhouse_plan(tmp_path)}
    assert plan["cf-never-installed-pkg"] is None and plan["open-clip-torch"]
    assert module.wheelhouse_plan(tmp_path / "absent") == []


@pytest.mark.parametrize(
    ("compile_", "left", "device", "skipped"),
    [(True, 100.0, "cuda", True), (True, 500.0, "cuda", False), (False, 100.0, "cuda", False),
     (False, -1.0, "cpu", True), (True, 5.0, "cpu", False), (False, None, "cuda", False)],
)  # fmt: skip
def test_bench_gpu_budget_skips_rows_that_cannot_finish(compile_, left, device, skipped):
    import torch

    bench = load_module("bench_gpu")
    reason = bench.budget_skip({"compile": compile_}, left, torch.device(device))
    assert (reason is not None) == skipped
    if skipped:
        assert reason.startswith("time budget")


def test_install_takes_only_the_missing_wheels_and_never_the_network(tmp_path, monkeypatch):
    """Outside a dry run: pip gets exactly the wheels whose distribution is missing, from the folder only
    (--no-index --no-deps), then colorframes itself without dependencies. pip is not really run here."""
    wheelhouse = tmp_path / "wheels"
    wheelhouse.mkdir()
    fake_wheel(wheelhouse, "open_clip_torch", "3.3.0")  # installed here
    missing = fake_wheel(wheelhouse, "cf_never_installed_pkg", "1.0")
    module, check = _check(tmp_path / "out", "--wheelhouse", str(wheelhouse))
    commands = []
    monkeypatch.setattr(check, "run", lambda name, cmd, timeout_s, log_name=None: commands.append(cmd) or {"rc": 0})

    def fake_run(cmd, **kwargs):  # the import probe and the missing-module probe
        out = "[]" if "find_spec" in cmd[2] else "imports ok: 0.42.1 3.3.0 colorframes"
        return subprocess.CompletedProcess(cmd, 0, out, "")

    monkeypatch.setattr(module.subprocess, "run", fake_run)
    assert check.install() is True
    pip_wheels, own = commands
    assert pip_wheels[1:4] == ["-m", "pip", "install"] and pip_wheels[-1] == str(missing)
    assert {"--no-index", "--no-deps"} <= set(pip_wheels) and "open_clip_torch" not in " ".join(pip_wheels)
    assert own[-2:] == ["-e", str(ROOT)] and {"--no-index", "--no-deps", "--no-build-isolation"} <= set(own)
    (step,) = json.loads((tmp_path / "out" / "gpu_512.json").read_text())["device_check"]["steps"]
    assert step["colorframes"] == "editable install" and step["pip_rc"] == 0 and step["rc"] == 0
