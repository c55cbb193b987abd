#!/usr/bin/env python3
"""Offline GPU-node check: can this node run the diffusion colorizer, and how fast? (< 8 min on an H200)

For a render node that has PyTorch + CUDA (and peft, transformers, onnxruntime, opencv, typer, rich) but no
internet. Steps, each with its own time budget, every line tee'd to a log in the out folder:

  1. install  what is missing, from a local wheelhouse (`benchmarks/make_wheelhouse.sh`), never the
              network; then colorframes itself without dependencies (editable, else PYTHONPATH)
  2. doctor   `colorframes doctor --json` (informational: a node without ffmpeg or weights exits 2/3)
  3. pytest   the GPU-marked tests (`pytest -m gpu`)
  4. bench    bench_gpu.py at 512^2, eager: batch 1 and 4, fp16 and bf16, the stock diffusers ControlNet
              pipeline at the same settings, peak VRAM with and without --offload, the api.run row
  5. compile  compiled rows (bf16, batch 4 then batch 1), last, only when enough of the budget is left;
              a skip is recorded with its reason

gpu_512.json (device, versions, command lines, rows, goals and this script's per-step timings) is written
after every benchmark row and every step, so a run cut short still leaves what it measured.
--dry-run runs the same steps on the CPU at smoke sizes and installs nothing: it proves the script
anywhere. Only the standard library is imported here (it runs before anything is installed).

    bash benchmarks/device_check.sh [--wheelhouse .wheelhouse] [--out DIR] [--budget-s 480] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULT_NAME = "gpu_512.json"
BENCH_SLICE_TEST = "tests/test_benchmarks.py::test_bench_gpu_cuda_slice_measures_vram"
# Modules the colorizer imports -> the distribution that provides them (what `pip install` would name).
REQUIRED = {
    "torch": "torch",
    "torchvision": "torchvision",
    "diffusers": "diffusers",
    "open_clip": "open_clip_torch",
    "transformers": "transformers",
    "peft": "peft",
    "safetensors": "safetensors",
    "cv2": "opencv-python-headless",
    "onnxruntime": "onnxruntime",
    "typer": "typer",
    "rich": "rich",
    "scipy": "scipy",
    "filelock": "filelock",
    "PIL": "pillow",
    "pytest": "pytest",
}


@dataclass(frozen=True)
class Budgets:
    """Time caps in seconds (documented in benchmarks/README.md). The whole run fits `--budget-s`."""

    install_s: float = 90.0
    doctor_s: float = 45.0
    pytest_s: float = 180.0  # ... and never into the last bench_min_s
    bench_min_s: float = 200.0  # left for the eager grid (it comes before the optional compiled row)
    bench_s: float = 240.0  # the eager grid: rows are not started after this (one in flight finishes)
    bench_grace_s: float = 60.0  # ... and the process is killed this much later
    compile_min_s: float = 180.0  # the compiled row runs only with this much left (compile + 3 calls)
    margin_s: float = 10.0  # kept free at the end for writing the result


BUDGETS = Budgets()


class Check:
    """One run of the device check: the out folder, the clock, the record in gpu_512.json."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out: Path = args.out
        self.out.mkdir(parents=True, exist_ok=True)
        self.result = self.out / RESULT_NAME
        self.started = time.monotonic()
        self.deadline = self.started + args.budget_s
        self.python = sys.executable
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": _pythonpath()}
        fixtures = ROOT / ".fixtures"  # a carried copy of the golden fixture (benchmarks/README.md)
        if "COLORFRAMES_FIXTURES" not in self.env and fixtures.is_dir():
            self.env["COLORFRAMES_FIXTURES"] = str(fixtures)
        self.log = (self.out / "device_check.log").open("a", encoding="utf-8")
        self.record: dict[str, Any] = {
            "command": " ".join(["bash benchmarks/device_check.sh", *map(shlex.quote, args.argv)]),
            "dry_run": args.dry_run,
            "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "budget_s": args.budget_s,
            "budgets": asdict(BUDGETS),
            "host": {"python": platform.python_version(), "executable": self.python, "machine": platform.machine()},
            "steps": [],
        }

    # --- time and logging --------------------------------------------------------------------------

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def say(self, message: str) -> None:
        line = f"[device_check {time.monotonic() - self.started:6.1f}s] {message}"
        print(line, flush=True)
        self.log.write(line + "\n")
        self.log.flush()

    def run(self, name: str, cmd: list[str], timeout_s: float, log_name: str | None = None) -> dict[str, Any]:
        """Run `cmd`, tee its output to <log_name or name>.log (appended) and stdout; kill its process group
        at the timeout. Few log files: the device machine returns at most 8 files from $OUT."""
        log_path = self.out / f"{log_name or name}.log"
        timeout_s = max(1.0, timeout_s)
        self.say(f"{name}: {shlex.join(cmd)} (timeout {timeout_s:.0f} s)")
        t0 = time.monotonic()
        with log_path.open("a", encoding="utf-8") as log:
            log.write(f"$ {shlex.join(cmd)}\n")
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, errors="replace", bufsize=1, start_new_session=True,
            )  # fmt: skip
            timed_out = threading.Event()

            def kill() -> None:
                timed_out.set()
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.killpg(proc.pid, sig)
                    except ProcessLookupError:
                        return
                    try:
                        proc.wait(10)
                        return
                    except subprocess.TimeoutExpired:
                        continue

            timer = threading.Timer(timeout_s, kill)
            timer.start()
            try:
                for line in proc.stdout:
                    sys.stdout.write(line)
                    log.write(line)
                sys.stdout.flush()
                rc = proc.wait()
            finally:
                timer.cancel()
        step = {
            "step": name,
            "command": shlex.join(cmd),
            "rc": 124 if timed_out.is_set() else rc,
            "wall_s": round(time.monotonic() - t0, 1),
            "timeout_s": round(timeout_s),
            "log": log_path.name,
        }
        if timed_out.is_set():
            step["timed_out"] = True
        self.say(f"{name}: exit {step['rc']} after {step['wall_s']} s")
        return step

    def finish_step(self, step: dict[str, Any]) -> None:
        self.record["steps"].append(step)
        self.save()

    def save(self, **extra: Any) -> None:
        """Merge this run's record into gpu_512.json (the benchmark writes its rows into the same file)."""
        data = _load(self.result)
        data.setdefault("benchmark", "gpu")
        data.setdefault("status", "partial")
        data["device_check"] = {**self.record, "elapsed_s": round(time.monotonic() - self.started, 1), **extra}
        _write(self.result, data)

    # --- steps -------------------------------------------------------------------------------------

    def environment(self) -> None:
        self.say(f"python {platform.python_version()} at {self.python}; out {self.out}; budget {self.args.budget_s} s"
                 + ("; DRY RUN (CPU, smoke sizes, nothing installed)" if self.args.dry_run else ""))  # fmt: skip
        smi = shutil.which("nvidia-smi")
        if smi:
            query = [smi, "--query-gpu=index,name,memory.total,driver_version", "--format=csv,noheader"]
            try:
                gpus = subprocess.run(query, capture_output=True, text=True, timeout=20).stdout.strip()
            except (OSError, subprocess.SubprocessError) as exc:
                gpus = f"nvidia-smi failed: {exc}"
            self.record["nvidia_smi"] = gpus.splitlines()
            self.say(f"nvidia-smi: {gpus}")

    def install(self) -> bool:
        """Wheels for what is missing (never the network), then colorframes itself without deps."""
        t0 = time.monotonic()
        missing_before = missing_modules()
        wheels = wheelhouse_plan(self.args.wheelhouse)
        to_install = [w for w in wheels if not w["installed"]]
        step: dict[str, Any] = {
            "step": "install", "wheelhouse": str(self.args.wheelhouse), "missing_before": missing_before,
            "wheels_present": [w["file"] for w in wheels],
            "already_installed": [w["dist"] for w in wheels if w["installed"]],
            "to_install": [w["file"] for w in to_install],
        }  # fmt: skip
        self.say(f"install: modules missing before: {missing_before or 'none'}")
        if not self.args.wheelhouse.is_dir():
            step["note"] = f"no wheelhouse at {self.args.wheelhouse}: nothing to install from"
            self.say(f"install: {step['note']}")
        for w in wheels:
            state = f"installed ({w['installed']})" if w["installed"] else "missing"
            self.say(f"install: {w['file']}: {state}")
        rc = 0
        if self.args.dry_run:
            step["note"] = (step.get("note", "") + "; dry run: nothing installed").lstrip("; ")
            self.say("install: dry run: pip is not run; colorframes imported from the checkout (PYTHONPATH)")
        else:
            if to_install:
                cmd = [self.python, "-m", "pip", "install", "--no-index", "--no-deps", "--no-cache-dir",
                       "--disable-pip-version-check", "--find-links", str(self.args.wheelhouse),
                       *[w["path"] for w in to_install]]  # fmt: skip
                pip = self.run("install", cmd, min(BUDGETS.install_s, self.left()))
                step["pip_rc"] = rc = pip["rc"]
            cmd = [self.python, "-m", "pip", "install", "--no-index", "--no-deps", "--no-build-isolation",
                   "--disable-pip-version-check", "-e", str(ROOT)]  # fmt: skip
            own = self.run("install-colorframes", cmd, min(60.0, self.left()), log_name="install")
            step["colorframes"] = "editable install" if own["rc"] == 0 else "PYTHONPATH (editable install failed)"
        probe = [self.python, "-c", "import diffusers, open_clip, colorframes; print('imports ok:', "
                 "diffusers.__version__, open_clip.__version__, colorframes.__file__)"]  # fmt: skip
        check = subprocess.run(probe, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        out = (check.stdout + check.stderr).strip().splitlines()
        self.say(f"install: {out[-1] if out else ''}")
        step["missing_after"] = missing_modules(self.env)
        step["imports_ok"] = check.returncode == 0
        step["rc"] = rc if check.returncode == 0 else (rc or 1)
        step["wall_s"] = round(time.monotonic() - t0, 1)
        self.finish_step(step)
        return step["imports_ok"]

    def doctor(self) -> None:
        device = "cpu" if self.args.dry_run else "cuda"
        cmd = [self.python, "-m", "colorframes", "doctor", "--device", device, "--json"]
        step = self.run("doctor", cmd, min(BUDGETS.doctor_s, self.left()))
        step["note"] = "informational: exit 2 (no ffmpeg) or 3 (no weights) does not fail the check"
        self.finish_step(step)

    def pytest(self) -> dict[str, Any]:
        # Only the files that hold GPU tests: collecting the whole suite would import modules that need
        # packages a GPU node may lack (imageio-ffmpeg), and one collection error stops pytest.
        # The full-size bench_gpu slice among them is what the bench step measures at 512: not twice.
        cmd = [self.python, "-m", "pytest", "-m", "gpu", "-p", "no:cacheprovider", "-q", "-rs",
               "--deselect", BENCH_SLICE_TEST, *gpu_test_files()]  # fmt: skip
        step = self.run("pytest", cmd, min(BUDGETS.pytest_s, self.left() - BUDGETS.bench_min_s))
        self.finish_step(step)
        return step

    def _bench(self, name: str, extra: list[str], budget_s: float, timeout_s: float) -> dict[str, Any]:
        cmd = [self.python, "benchmarks/bench_gpu.py", "--resolutions", "512",
               *extra, "--budget-s", f"{max(budget_s, 1):.0f}", "--out", str(self.result)]  # fmt: skip
        if self.args.dry_run:
            cmd.insert(2, "--smoke")
        step = self.run(name, cmd, timeout_s)
        self.finish_step(step)
        return step

    def bench(self) -> dict[str, Any]:
        # The eager grid first: rows start until bench_s (they usually finish well before, leaving the
        # rest to the compiled row), never past the end of the whole budget.
        left = self.left() - BUDGETS.margin_s
        budget = max(30.0, min(BUDGETS.bench_s, left - BUDGETS.bench_grace_s))
        extra = ["--attention", "sdpa", "xformers", "--batch-sizes", "1", "4", "--dtypes", "fp16", "bf16",
                 "--compile-modes", "eager",
                 "--offload-dtype", "fp16", "--runner-batch-sizes", "4"]  # fmt: skip
        return self._bench("bench", extra, budget, budget + BUDGETS.bench_grace_s)

    def compile(self) -> dict[str, Any] | None:
        left = self.left() - BUDGETS.margin_s
        row = {"impl": "colorframes", "resolution": 512, "batch": 4, "dtype": "bf16", "attention": "sdpa",
               "compile": True, "offload": False}  # fmt: skip
        if not self.args.dry_run and left < BUDGETS.compile_min_s:
            reason = f"time budget: {max(left, 0):.0f} s left, the compiled row needs {BUDGETS.compile_min_s:.0f} s"
            self.say(f"compile: skipped ({reason})")
            self._add_row({**row, "skipped": reason})
            self.finish_step({"step": "compile", "skipped": reason, "rc": 0, "wall_s": 0.0})
            return None
        # Batch 4 first (the throughput row), then batch 1 if the budget still allows it: eager batch 1 is
        # launch-bound (8 % of the matmul rate on an H200), and CUDA graphs are its lever (3.5x there).
        extra = ["--attention", "sdpa", "--batch-sizes", "4", "1", "--dtypes", "bf16", "--compile-modes", "compile",
                 "--no-stock", "--no-runner", "--no-offload", "--append"]  # fmt: skip
        step = self._bench("compile", extra, left - 30.0, left)
        rows = _load(self.result).get("rows", [])
        if not any(r.get("compile") for r in rows):  # killed before the row was written: say so in the JSON
            self._add_row({**row, "error": f"compile step exit {step['rc']} after {step['wall_s']} s, no row written"})
        return step

    def _add_row(self, row: dict[str, Any]) -> None:
        data = _load(self.result)
        data.setdefault("rows", []).append(row)
        _write(self.result, data)


# --- helpers (standard library only) -------------------------------------------------------------------


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomic rewrite: a run killed mid-write leaves the previous complete file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _pythonpath() -> str:
    current = os.environ.get("PYTHONPATH")
    return str(ROOT) + (os.pathsep + current if current else "")


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def normalize(name: str) -> str:
    """PEP 503 name: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def wheelhouse_plan(wheelhouse: Path) -> list[dict[str, Any]]:
    """Every wheel in the folder with its distribution and the version already installed (or None)."""
    if not wheelhouse.is_dir():
        return []
    plan = []
    for path in sorted(wheelhouse.glob("*.whl")):
        dist, version = path.name.split("-")[:2]  # name-version-[build-]python-abi-platform.whl
        plan.append({"file": path.name, "path": str(path), "dist": normalize(dist), "version": version,
                     "installed": installed_version(dist)})  # fmt: skip
    return plan


def missing_modules(env: dict[str, str] | None = None) -> list[str]:
    """Required modules that cannot be found (checked in a fresh interpreter when `env` is given)."""
    if env is None:
        return [f"{mod} ({dist})" for mod, dist in REQUIRED.items() if find_spec(mod) is None]
    code = (
        "import importlib.util, json, sys; req = json.loads(sys.argv[1]); "
        "print(json.dumps([f'{m} ({d})' for m, d in req.items() if importlib.util.find_spec(m) is None]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(REQUIRED)], env=env, capture_output=True, text=True, timeout=60
    )
    return json.loads(proc.stdout) if proc.returncode == 0 else ["(probe failed)"]


def gpu_test_files() -> list[str]:
    """tests/**/test_*.py files that mark tests `gpu` (relative to the checkout, sorted)."""
    marked = re.compile(r"pytest\.mark\.gpu\b")
    files = [p for p in sorted((ROOT / "tests").rglob("test_*.py")) if marked.search(p.read_text(encoding="utf-8"))]
    return [str(p.relative_to(ROOT)) for p in files]


def default_out() -> Path:
    if os.environ.get("OUT"):
        return Path(os.environ["OUT"])
    return ROOT / "benchmarks" / "results" / f"device-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheelhouse", type=Path, default=ROOT / ".wheelhouse", help="local wheels [.wheelhouse]")
    parser.add_argument(
        "--out", type=Path, default=None, help="results folder [$OUT, else benchmarks/results/device-<date>]"
    )
    parser.add_argument("--budget-s", type=float, default=480.0, help="whole run, seconds [480]")
    parser.add_argument("--dry-run", action="store_true", help="CPU, smoke sizes, installs nothing")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.out = (args.out or default_out()).resolve()
    args.wheelhouse = args.wheelhouse if args.wheelhouse.is_absolute() else (Path.cwd() / args.wheelhouse)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    check = Check(args)
    check.environment()
    check.save()
    imports_ok = check.install()
    check.doctor()
    failed = [] if imports_ok else ["install"]
    if check.pytest()["rc"] not in (0, 5):  # 5: no GPU tests collected (cannot happen with tests/ present)
        failed.append("pytest")
    if check.bench()["rc"] != 0:
        failed.append("bench")
    step = check.compile()
    if step is not None and step["rc"] != 0:
        failed.append("compile")
    data = _load(check.result)
    errors = [f"{r['impl']} b{r['batch']} {r['dtype']}: {r['error']}" for r in data.get("rows", []) if "error" in r]
    verdict = {"ok": not failed and not errors, "failed_steps": failed, "row_errors": errors}
    check.save(verdict=verdict)
    check.say("summary:")
    for s in check.record["steps"]:
        check.say(
            f"  {s['step']:10s} rc={s.get('rc')} {s.get('wall_s', 0):7.1f} s  {s.get('skipped', s.get('log', ''))}"
        )
    goals = data.get("summary", {}).get("goals", {})
    for name, goal in goals.items():
        check.say(f"  goal {name}: {goal.get('value')} (goal {goal.get('goal')}, met: {goal.get('met')})")
    check.say(
        f"{'OK' if verdict['ok'] else 'FAILED'}: {failed or ''} {len(errors)} row error(s); wrote {check.result}"
    )
    return 0 if verdict["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
