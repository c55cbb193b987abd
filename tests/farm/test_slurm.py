"""colorframes through a real SLURM scheduler (sbatch arrays, scancel, scontrol requeue, dependencies).

Every run renders the same generated 96-frame 960×540 shot with the flat backend, through
examples/farm/slurm/colorize_array.sh, and must match a single-process run byte for byte. Exit codes are
read from the controller (`scontrol show job`: ExitCode=code:signal, kept for MinJobAge after the end).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from .conftest import (
    ARRAY_SCRIPT,
    FIRST,
    N_FRAMES,
    REVIEW_SCRIPT,
    SHOT_NAME,
    Slurm,
    copy_shot,
    frame_name,
)

pytestmark = pytest.mark.farm

ALL = list(range(FIRST, FIRST + N_FRAMES))


def shard_of(task_position: int, n_tasks: int = 4) -> list[int]:
    per = N_FRAMES // n_tasks
    return ALL[task_position * per : (task_position + 1) * per]


def _records(shot_dir: Path) -> tuple[dict, dict]:
    data = json.loads((shot_dir / "colorframes.json").read_text())
    frames = {n: {k: v for k, v in r.items() if k != "seconds"} for n, r in data["frames"].items()}
    return data, frames


def assert_matches_reference(
    shot_dir: Path, reference: Path, frames_dir: Path | None = None, requested: str = "1001-1096"
) -> None:
    """Every frame once, byte-identical to the single-process run; no temp file; the sidecar exact
    (`requested`: the last run's --frames, which the sidecar header records)."""
    frames_dir = frames_dir or shot_dir
    want = {p.name: p.read_bytes() for p in reference.glob("*.png")}
    got = {p.name: p.read_bytes() for p in frames_dir.glob("*.png")}
    assert len(want) == N_FRAMES
    assert sorted(got) == sorted(want)
    assert [name for name in sorted(want) if got[name] != want[name]] == []
    assert [p for p in shot_dir.rglob("*") if p.name.endswith(".cftmp")] == []
    data, frames = _records(shot_dir)
    ref_data, ref_frames = _records(reference)
    assert (data["done"], data["failed"]) == (N_FRAMES, 0)
    assert frames == ref_frames  # status, input and output of every frame
    for key in ("settings_hash", "seed", "model"):
        assert data[key] == ref_data[key], key
    assert data["frames_requested"] == requested


def rendered_frames(stderr: str) -> list[int]:
    """Frame numbers a task logged as rendered (`frame SHOT N done ...`)."""
    return [int(n) for n in re.findall(rf"^frame {SHOT_NAME} (\d+) done", stderr, re.M)]


def test_array_of_four_matches_one_process_and_a_dependent_review_runs_after(
    slurm: Slurm, farm_shot, farm_sheet, reference_run, tmp_path
):
    out = tmp_path / "out"
    job = slurm.sbatch(ARRAY_SCRIPT, farm_shot, farm_sheet, out, "--json", array="0-3")
    review = slurm.sbatch(REVIEW_SCRIPT, out, "--json", options=[f"--dependency=afterok:{job}"])
    tasks = slurm.wait(job)
    assert sorted(tasks) == [0, 1, 2, 3]
    for index, task in tasks.items():
        assert (task.state, task.exit_code, task.signal) == ("COMPLETED", 0, 0), slurm.log(job, index)
        # --shard auto gave task i the i-th contiguous quarter, and nothing else.
        assert rendered_frames(slurm.log(job, index)) == shard_of(index)
        assert slurm.summary(job, index)["done"] == N_FRAMES // 4
    assert_matches_reference(out / SHOT_NAME, reference_run)

    (done,) = slurm.wait(review).values()
    assert (done.state, done.exit_code) == ("COMPLETED", 0), slurm.log(review)
    assert done.start >= max(t.end for t in tasks.values())  # afterok: started once the last task ended
    (report,) = json.loads(slurm.log(review, stream="out"))
    assert (report["frames"], report["done"], report["failed"]) == (N_FRAMES, N_FRAMES, 0)
    assert (out / SHOT_NAME / "review" / "index.html").is_file()


def test_task_cancelled_then_killed_mid_run_and_requeued_renders_only_its_missing_frames(
    slurm: Slurm, farm_shot, farm_sheet, reference_run, tmp_path
):
    shot = copy_shot(farm_shot, tmp_path / "in")
    # Task 1 owns 1025-1048. Frame 1036 is a FIFO with no writer: reading it blocks, like a stalled file
    # server, so the task is reliably caught mid-shard (1025-1035 written, 1036-1048 not).
    stalled = shot / frame_name(1036)
    stalled.unlink()
    os.mkfifo(stalled)
    out = tmp_path / "out"
    shot_out = out / SHOT_NAME
    job = slurm.sbatch(ARRAY_SCRIPT, shot, farm_sheet, out, "--json", array="0-3")

    def others_done_and_task1_stalled(tasks) -> bool:
        others = all(tasks[i].state == "COMPLETED" for i in (0, 2, 3) if i in tasks)
        return others and len(tasks) == 4 and tasks[1].state == "RUNNING" and (shot_out / frame_name(1035)).exists()

    slurm.wait(job, until=others_done_and_task1_stalled)
    assert not any((shot_out / frame_name(n)).exists() for n in range(1036, 1049))

    def requeue() -> None:
        res = subprocess.run(["scontrol", "requeue", f"{job}_1"], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr

    # 1. scancel (what a time limit does first): SIGTERM; colorframes exits 130 and keeps finished frames.
    # A plain `scancel --signal=KILL` is the same normal cancel on a batch job without srun steps.
    subprocess.run(["scancel", f"{job}_1"], check=True)
    # The controller marks the task CANCELLED at once and learns its exit status when the node reports it.
    cancelled = slurm.wait(job, until=lambda t: t[1].state == "CANCELLED" and (t[1].exit_code or t[1].signal))[1]
    assert (cancelled.exit_code, cancelled.signal, cancelled.restarts) == (130, 0, 0)
    assert "interrupted: finished frames are kept" in slurm.log(job, 1)

    # 2. Requeued, it skips the 11 frames on disk and stalls again; now SIGKILL it through the scheduler
    # (--batch delivers the signal to the batch shell, i.e. colorframes itself: nothing can be flushed).
    requeue()
    slurm.wait(
        job,
        until=lambda t: t[1].state == "RUNNING" and "13 frame(s) to render, 11 skipped" in slurm.log(job, 1),
        timeout=120,
    )
    subprocess.run(["scancel", "--batch", "--signal=KILL", f"{job}_1"], check=True)
    killed = slurm.wait(job, until=lambda t: t[1].state in ("FAILED", "CANCELLED") and t[1].signal)[1]
    assert (killed.signal, killed.restarts) == (9, 1)

    # 3. The frame server recovers; requeued once more, the task renders exactly the 13 missing frames.
    stalled.unlink()
    shutil.copyfile(farm_shot / frame_name(1036), stalled)
    requeue()
    tasks = slurm.wait(job, timeout=300)
    done = tasks[1]
    assert (done.state, done.exit_code, done.signal, done.restarts) == ("COMPLETED", 0, 0, 2)
    for index in (0, 2, 3):
        assert (tasks[index].state, tasks[index].exit_code, tasks[index].restarts) == ("COMPLETED", 0, 0)

    summary = slurm.summary(job, 1)  # the cancelled and the killed run printed none: this is the last run's
    assert (summary["done"], summary["skipped"], summary["failed"]) == (13, 11, 0)
    # --open-mode=append: the log holds all three runs. The first rendered only frames before the stall
    # (the last one written may go unlogged: it is reported when the next frame arrives), the second none.
    runs = slurm.log(job, 1).split(f"array job {job} task 1 on")[1:]
    assert len(runs) == 3
    assert set(rendered_frames(runs[0])) <= set(range(1025, 1036)) and rendered_frames(runs[0])
    assert rendered_frames(runs[1]) == []
    assert rendered_frames(runs[2]) == list(range(1036, 1049))
    assert_matches_reference(shot_out, reference_run)


def test_corrupt_frame_fails_its_task_only_and_a_narrowed_rerun_finishes_the_shot(
    slurm: Slurm, farm_shot, farm_sheet, reference_run, tmp_path
):
    shot = copy_shot(farm_shot, tmp_path / "in")
    bad = shot / frame_name(1060)  # task 2's quarter, 1049-1072
    good = bad.read_bytes()
    bad.unlink()
    bad.write_bytes(good[: len(good) // 3])  # truncated PNG
    out = tmp_path / "out"
    job = slurm.sbatch(ARRAY_SCRIPT, shot, farm_sheet, out, "--json", array="0-3")
    review = slurm.sbatch(REVIEW_SCRIPT, out, options=[f"--dependency=afterok:{job}"])
    tasks = slurm.wait(job)
    assert {i: (t.state, t.exit_code, t.signal) for i, t in tasks.items()} == {
        0: ("COMPLETED", 0, 0),
        1: ("COMPLETED", 0, 0),
        2: ("FAILED", 1, 0),
        3: ("COMPLETED", 0, 0),
    }
    log = slurm.log(job, 2)
    assert re.search(rf"error: {SHOT_NAME} frame 1060: .*{frame_name(1060)}: cannot decode", log), log[-2000:]
    summary = slurm.summary(job, 2)
    assert summary["done"] == 23 and list(summary["shots"][0]["failed"]) == ["1060"]
    data, _ = _records(out / SHOT_NAME)
    assert (data["done"], data["failed"], data["frames"]["1060"]["status"]) == (95, 1, "failed")
    # afterok is never satisfied by an array with a failed task: the review stays pending, never runs.
    (held,) = slurm.wait(review, until=lambda t: next(iter(t.values())).reason == "DependencyNeverSatisfied").values()
    assert held.state == "PENDING"
    subprocess.run(["scancel", review], check=True)

    # Fix the frame and rerun the same array narrowed to it: one task renders it, three say they have nothing.
    bad.write_bytes(good)
    rerun = slurm.sbatch(ARRAY_SCRIPT, shot, farm_sheet, out, "--json", array="0-3", env=slurm.env(FRAMES="1060"))
    tasks = slurm.wait(rerun)
    assert all((t.state, t.exit_code) == ("COMPLETED", 0) for t in tasks.values()), tasks
    assert rendered_frames(slurm.log(rerun, 0)) == [1060]
    assert slurm.summary(rerun, 0)["done"] == 1
    for index in (1, 2, 3):
        assert "warning: --shard auto: this shard has no frames (1 in total)" in slurm.log(rerun, index)
        assert slurm.summary(rerun, index)["done"] == 0
    assert_matches_reference(out / SHOT_NAME, reference_run, requested="1060")


def test_stepped_array_writes_one_mp4_from_the_last_task(slurm: Slurm, farm_shot, farm_sheet, reference_run, tmp_path):
    out = tmp_path / "out"
    # --array=0-6:2: task ids 0, 2, 4, 6 with SLURM_ARRAY_TASK_STEP=2 and COUNT=4 → quarters 1..4.
    job = slurm.sbatch(ARRAY_SCRIPT, farm_shot, farm_sheet, out, "--format", "mp4", "--json", array="0-6:2")
    tasks = slurm.wait(job)
    assert sorted(tasks) == [0, 2, 4, 6]
    writers, waiters, keepers = [], [], []
    for index, task in tasks.items():
        assert (task.state, task.exit_code) == ("COMPLETED", 0), slurm.log(job, index)
        log = slurm.log(job, index)
        assert rendered_frames(log) == shard_of(index // 2)
        if f"mp4: {out / SHOT_NAME / SHOT_NAME}.mp4" in log:
            writers.append(index)
        if "MP4 waits for the remaining frames" in log:
            waiters.append(index)
        if "MP4 is up to date with every frame; kept" in log:
            keepers.append(index)  # finished right after the writer: the MP4 already had its frames
    # Every task waited for the others, wrote the complete MP4, or found it written; exactly one wrote it.
    assert sorted(writers + waiters + keepers) == [0, 2, 4, 6] and len(writers) == 1 and waiters

    shot_out = out / SHOT_NAME
    assert_matches_reference(shot_out, reference_run, frames_dir=shot_out / ".frames")
    mp4s = list(out.rglob("*.mp4"))
    assert mp4s == [shot_out / f"{SHOT_NAME}.mp4"]
    newest_frame = max(p.stat().st_mtime for p in (shot_out / ".frames").glob("*.png"))
    assert mp4s[0].stat().st_mtime >= newest_frame  # encoded after the last frame landed

    import imageio_ffmpeg
    from PIL import Image

    reader = imageio_ffmpeg.read_frames(str(mp4s[0]))
    meta = next(reader)
    assert tuple(meta["size"]) == (960, 540)
    count = 0
    for number, raw in zip(ALL, reader, strict=False):
        decoded = np.frombuffer(raw, np.uint8).reshape(540, 960, 3).astype(np.int16)
        if number % 12 == 1:  # spot-check order and content against the PNGs (H.264 is lossy)
            png = np.asarray(Image.open(reference_run / frame_name(number)).convert("RGB"), np.int16)
            assert np.abs(decoded - png).mean() < 4.0, number
        count += 1
    assert count == N_FRAMES
