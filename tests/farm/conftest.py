"""The `farm` tests' cluster and shot.

`slurm` is a one-node SLURM cluster brought up by .ci/slurm-up.sh (CI runs it before pytest). Without one
the tests skip with the reason; with COLORFRAMES_FARM_REQUIRED=1 (set by .ci/run) they fail instead, so CI
never passes by skipping them. Jobs run this checkout's interpreter with PYTHONPATH set to the checkout, so
the scheduler's tasks import the code under test (not whatever `colorframes` is on PATH).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLURM_UP = ROOT / ".ci" / "slurm-up.sh"
ARRAY_SCRIPT = ROOT / "examples" / "farm" / "slurm" / "colorize_array.sh"
REVIEW_SCRIPT = ROOT / "examples" / "farm" / "slurm" / "review_after.sh"
REQUIRED = os.environ.get("COLORFRAMES_FARM_REQUIRED", "") not in ("", "0")
SHOT_NAME = "sh100"
N_FRAMES = 96
SIZE = (960, 540)
FIRST = 1001
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE"}


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def cluster_problem() -> str | None:
    """None when a SLURM node accepts jobs; otherwise why not (after starting the daemons when we can)."""
    if shutil.which("sbatch") is None or shutil.which("slurmctld") is None:
        return "SLURM is not installed; run `bash .ci/slurm-up.sh` as root (apt-get install slurm-wlm munge)"
    status = subprocess.run(["bash", str(SLURM_UP), "status"], capture_output=True, text=True, timeout=60)
    if status.returncode == 0:
        return None
    if os.geteuid() != 0:
        return f"no SLURM node is up and starting one needs root: {_last_line(status.stderr)}"
    up = subprocess.run(["bash", str(SLURM_UP), "up"], capture_output=True, text=True, timeout=300)
    return None if up.returncode == 0 else _last_line(up.stderr)


@dataclass
class Task:
    """One array task (or a plain job) as `scontrol show job` records it."""

    job_id: str
    index: int | None
    state: str
    exit_code: int
    signal: int
    restarts: int
    reason: str
    start: str
    end: str


class Slurm:
    """sbatch / squeue / scontrol / scancel with logs under one folder."""

    def __init__(self, logs: Path):
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def env(**extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "COLORFRAMES_", "SBATCH_"))}
        env.update(
            COLORFRAMES_PYTHON=sys.executable,
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            OMP_NUM_THREADS="1",
        )
        env.update(extra)
        return env

    def sbatch(self, script: Path, *args: str, array: str | None = None, options=(), env=None) -> str:
        """Submit; returns the job id. Logs: LOGS/<job>_<task>.out/.err (array) or LOGS/<job>.out/.err."""
        stem = "%A_%a" if array else "%j"
        cmd = [
            "sbatch",
            "--parsable",
            f"--chdir={self.logs}",
            "--cpus-per-task=1",  # the example asks for 4; a CI node may have 2
            "--mem=1G",
            "--time=00:10:00",
            f"--output={self.logs}/{stem}.out",
            f"--error={self.logs}/{stem}.err",
            *([f"--array={array}"] if array else []),
            *options,
            str(script),
            *[str(a) for a in args],
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env or self.env(), timeout=60)
        assert res.returncode == 0, f"sbatch failed: {res.stderr}"
        return res.stdout.strip().split(";")[0]

    def tasks(self, job: str) -> dict[int | None, Task]:
        res = subprocess.run(["scontrol", "-o", "show", "job", job], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        found: dict[int | None, Task] = {}
        for line in res.stdout.splitlines():
            fields = dict(re.findall(r"(?:^|\s)(\w+)=(\S*)", line))
            if not fields:
                continue
            index = fields.get("ArrayTaskId")
            code, sig = (int(v) for v in fields["ExitCode"].split(":"))
            key = int(index) if index and index.isdigit() else None
            found[key] = Task(
                job_id=fields["JobId"],
                index=key,
                state=fields["JobState"],
                exit_code=code,
                signal=sig,
                restarts=int(fields.get("Restarts", "0")),
                reason=fields.get("Reason", ""),
                start=fields.get("StartTime", ""),
                end=fields.get("EndTime", ""),
            )
        return found

    def wait(self, job: str, timeout: float = 240, until=None) -> dict[int | None, Task]:
        """Poll until every task of `job` is finished (or `until(tasks)` is true); fail with the logs."""
        deadline = time.monotonic() + timeout
        while True:
            tasks = self.tasks(job)
            done = until(tasks) if until else tasks and all(t.state in TERMINAL for t in tasks.values())
            if done:
                return tasks
            if time.monotonic() > deadline:
                subprocess.run(["scancel", job], timeout=30)
                pytest.fail(f"job {job} did not finish in {timeout}s: {tasks}\n{self.all_logs()}")
            time.sleep(0.2)

    def log(self, job: str, index: int | None = None, stream: str = "err") -> str:
        name = f"{job}_{index}.{stream}" if index is not None else f"{job}.{stream}"
        path = self.logs / name
        return path.read_text(errors="replace") if path.exists() else ""

    def summary(self, job: str, index: int | None = None) -> dict:
        """The `--json` summary a task printed on stdout (its last JSON line)."""
        lines = [ln for ln in self.log(job, index, "out").splitlines() if ln.startswith("{")]
        assert lines, f"task {job}_{index} printed no JSON summary:\n{self.log(job, index)[-3000:]}"
        return json.loads(lines[-1])

    def all_logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in sorted(self.logs.iterdir()))


@pytest.fixture(scope="session")
def slurm_cluster() -> None:
    problem = cluster_problem()
    if problem is None:
        return
    if REQUIRED:
        pytest.fail(f"COLORFRAMES_FARM_REQUIRED is set but the SLURM cluster is not up: {problem}", pytrace=False)
    pytest.skip(f"no SLURM cluster: {problem}")


@pytest.fixture()
def slurm(slurm_cluster, tmp_path) -> Slurm:
    return Slurm(tmp_path / "logs")


@pytest.fixture(scope="session")
def farm_shot(shot_factory) -> Path:
    """96 frames of line art at 960×540 (drawn by examples/make_example.py)."""
    return shot_factory(N_FRAMES, SIZE, SHOT_NAME)


@pytest.fixture(scope="session")
def farm_sheet(make_example, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("farm_sheet") / "sheet.png"
    make_example._write_png(path, make_example.render_sheet((256, 256))["color"])
    return path


@pytest.fixture(scope="session")
def reference_run(slurm_cluster, farm_shot, farm_sheet, tmp_path_factory) -> Path:
    """The same shot rendered by one process without a scheduler: the bytes every farm run must match."""
    out = tmp_path_factory.mktemp("farm_reference")
    res = subprocess.run(
        [sys.executable, "-m", "colorframes", "run", str(farm_shot), "--ref", str(farm_sheet), "-o", str(out)],
        capture_output=True,
        text=True,
        env=Slurm.env(),
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return out / SHOT_NAME


def copy_shot(src: Path, parent: Path) -> Path:
    """A private copy of the shot (same folder name, so the same output names); hard links when possible."""
    dst = parent / src.name
    dst.mkdir(parents=True)
    for f in src.iterdir():
        try:
            os.link(f, dst / f.name)
        except OSError:
            shutil.copy2(f, dst / f.name)
    return dst


def frame_name(number: int) -> str:
    return f"{SHOT_NAME}.{number}.png"
