#!/usr/bin/env python3
"""Scaling through a real SLURM scheduler: one shot as 1, 2 and 4 array tasks against one process.

    bash .ci/slurm-up.sh                      # a one-node cluster (root)
    python benchmarks/bench_farm.py           # 96 frames at 960x540, 3 repeats → results/farm.json
    python benchmarks/bench_farm.py --smoke   # 12 frames at 320x180, 1 and 2 tasks, once

Every run renders the same generated shot with the flat backend. `1 process` is `python -m colorframes run`
launched as a subprocess (interpreter start included, like a task). Array runs go through
examples/farm/slurm/colorize_array.sh (`--shard auto`, one CPU per task) and are timed from `sbatch` until
`scontrol show job` reports every task finished (polled every 0.1 s); their frames must be byte-identical
to the single process's. Per row:

- `render_s`: the sum of the tasks' own `seconds` (colorframes' in-process time, imports excluded);
- `overhead_per_task_s`: (wall × slots − render_s) / tasks, slots = min(tasks, node CPUs): what each task
  costs beyond rendering (scheduling, launch, interpreter start and imports, teardown);
- `scheduler_only_per_task_s`: the same for an array of as many tasks that only run /bin/true.

The median of `--repeats` runs is reported. On a 2-CPU node the speed-up is at most 2x: the point is the
overhead and the correctness under concurrency. Exit 2 when no cluster is up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, load_make_example, print_columns

ARRAY_SCRIPT = ROOT / "examples" / "farm" / "slurm" / "colorize_array.sh"
SHOT = "farm"
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "COLORFRAMES_", "SBATCH_"))}
    env.update(COLORFRAMES_PYTHON=sys.executable, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return env


def node_cpus() -> int:
    """CPUs of the partition's node(s), from `sinfo`; exits 2 when no node accepts jobs."""
    res = subprocess.run(["sinfo", "-h", "-o", "%T %c"], capture_output=True, text=True)
    states = [line.split() for line in res.stdout.splitlines() if line.strip()]
    usable = [int(cpus) for state, cpus in states if state.rstrip("*~#") in ("idle", "mixed", "allocated")]
    if res.returncode != 0 or not usable:
        sys.exit(f"bench_farm: no SLURM node is up ({res.stderr.strip() or res.stdout.strip()}); "
                 "run `bash .ci/slurm-up.sh` as root")  # fmt: skip
    return sum(usable)


def make_shot(folder: Path, frames: int, size: tuple[int, int]) -> tuple[Path, Path]:
    mk = load_make_example()
    shot = folder / SHOT
    for i in range(frames):
        mk._write_png(shot / mk.frame_name(SHOT, i), mk.render_frame(i, size, n_frames=frames)["sketch"])
    sheet = folder / "sheet.png"
    mk._write_png(sheet, mk.render_sheet((256, 256))["color"])
    return shot, sheet


def run_single(shot: Path, sheet: Path, out: Path) -> dict:
    cmd = [sys.executable, "-m", "colorframes", "run", str(shot), "--ref", str(sheet), "-o", str(out), "--json"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        sys.exit(f"bench_farm: single-process run failed:\n{res.stderr[-2000:]}")
    return {"wall_s": wall, "render_s": json.loads(res.stdout)["seconds"]}


def job_states(job: str) -> list[dict[str, str]]:
    res = subprocess.run(["scontrol", "-o", "show", "job", job], capture_output=True, text=True)
    return [dict(re.findall(r"(?:^|\s)(\w+)=(\S*)", line)) for line in res.stdout.splitlines() if line.strip()]


def run_array(n_tasks: int, script: Path, args: list[str], logs: Path, expect: int | None = None) -> tuple[float, str]:
    """Submit an n-task array, wait for all tasks; returns (wall seconds, job id)."""
    cmd = [
        "sbatch", "--parsable", f"--array=0-{n_tasks - 1}", "--cpus-per-task=1", "--mem=1G", "--time=00:20:00",
        f"--chdir={logs}", f"--output={logs}/%A_%a.out", f"--error={logs}/%A_%a.err", str(script), *args,
    ]  # fmt: skip
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    if res.returncode != 0:
        sys.exit(f"bench_farm: sbatch failed: {res.stderr.strip()}")
    job = res.stdout.strip().split(";")[0]
    while True:
        states = job_states(job)
        if len(states) == (expect or n_tasks) and all(s.get("JobState") in TERMINAL for s in states):
            break
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    bad = [s for s in states if s.get("JobState") != "COMPLETED" or s.get("ExitCode") != "0:0"]
    if bad:
        sys.exit(f"bench_farm: array {job} had failed tasks: {bad}")
    return wall, job


def task_seconds(logs: Path, job: str, n_tasks: int) -> list[float]:
    seconds = []
    for i in range(n_tasks):
        lines = [ln for ln in (logs / f"{job}_{i}.out").read_text().splitlines() if ln.startswith("{")]
        seconds.append(json.loads(lines[-1])["seconds"])
    return seconds


def same_frames(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.glob("*.png"))
    return names == sorted(p.name for p in b.glob("*.png")) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names
    )


def measure(args: argparse.Namespace) -> dict:
    cpus = node_cpus()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    work = Path(tempfile.mkdtemp(prefix="bench_farm_"))
    try:
        shot, sheet = make_shot(work, args.frames, size)
        noop = work / "noop.sh"
        noop.write_text("#!/bin/sh\nexec true\n")
        singles = [run_single(shot, sheet, work / f"single{r}") for r in range(args.repeats)]
        reference = work / "single0" / SHOT
        single_wall = statistics.median(s["wall_s"] for s in singles)
        single = {
            "wall_s": round(single_wall, 3),
            "render_s": round(statistics.median(s["render_s"] for s in singles), 3),
            "fps": round(args.frames / single_wall, 2),
        }
        single["startup_s"] = round(single["wall_s"] - single["render_s"], 3)
        rows = []
        for n in args.tasks:
            slots = min(n, cpus)
            walls, renders, noops, identical = [], [], [], True
            for r in range(args.repeats):
                logs = work / f"logs_{n}_{r}"
                logs.mkdir()
                out = work / f"out_{n}_{r}"
                wall, job = run_array(n, ARRAY_SCRIPT, [str(shot), str(sheet), str(out), "--json"], logs)
                walls.append(wall)
                renders.append(sum(task_seconds(logs, job, n)))
                identical &= same_frames(out / SHOT, reference)
                noop_logs = work / f"noop_{n}_{r}"
                noop_logs.mkdir()
                noops.append(run_array(n, noop, [], noop_logs)[0])
            wall, render, noop_wall = (statistics.median(v) for v in (walls, renders, noops))
            rows.append(
                {
                    "tasks": n,
                    "slots": slots,
                    "wall_s": round(wall, 3),
                    "fps": round(args.frames / wall, 2),
                    "speedup_vs_1_process": round(single_wall / wall, 3),
                    "render_s": round(render, 3),
                    "overhead_per_task_s": round((wall * slots - render) / n, 3),
                    "scheduler_only_wall_s": round(noop_wall, 3),
                    "scheduler_only_per_task_s": round(noop_wall * slots / n, 3),
                    "identical_to_1_process": identical,
                    "walls_s": [round(w, 3) for w in walls],
                }
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    version = subprocess.run(["sinfo", "-V"], capture_output=True, text=True).stdout.strip()
    return {
        "benchmark": "farm",
        "status": "smoke" if args.smoke else "measured",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "environment": {
            "slurm": version,
            "node_cpus": cpus,
            "python": platform.python_version(),
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
        },
        "shot": {"frames": args.frames, "size": list(size), "backend": "flat"},
        "repeats": args.repeats,
        "single_process": single,
        "rows": rows,
    }


def print_table(result: dict) -> None:
    single = result["single_process"]
    table = [
        ["run", "wall s", "frames/s", "speed-up", "render s", "overhead/task s", "scheduler-only/task s", "identical"]
    ]
    table.append(["1 process", f"{single['wall_s']:.2f}", f"{single['fps']:.1f}", "1.00", f"{single['render_s']:.2f}",
                  f"{single['startup_s']:.2f} (startup)", "-", "-"])  # fmt: skip
    for r in result["rows"]:
        same = "yes" if r["identical_to_1_process"] else "NO"
        table.append([f"SLURM x{r['tasks']}", f"{r['wall_s']:.2f}", f"{r['fps']:.1f}",
                      f"{r['speedup_vs_1_process']:.2f}", f"{r['render_s']:.2f}", f"{r['overhead_per_task_s']:.2f}",
                      f"{r['scheduler_only_per_task_s']:.2f}", same])  # fmt: skip
    shot = result["shot"]
    print(f"{shot['frames']} frames {shot['size'][0]}x{shot['size'][1]}, flat backend, "
          f"{result['environment']['node_cpus']} node CPUs, median of {result['repeats']}")  # fmt: skip
    print_columns(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=96)
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--tasks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "farm.json")
    parser.add_argument("--smoke", action="store_true", help="12 frames at 320x180, 1 and 2 tasks, once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary shot, outputs and logs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.frames, args.size, args.tasks, args.repeats = 12, "320x180", [1, 2], 1
    result = measure(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print_table(result)
    print(f"wrote {args.out}")
    return 0 if all(r["identical_to_1_process"] for r in result["rows"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
