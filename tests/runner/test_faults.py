"""Farm faults through the real CLI in subprocesses: kill -9 at random points then rerun, two workers on the
same frames, a kill during MP4 encoding, SIGTERM and a second Ctrl-C, stale and live temp files. After every
completed (re)run the frames are byte-identical to a clean run, the sidecar lists exactly the frames on disk
and no temporary file is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cf_helpers import ROOT

from colorframes.io.tempfiles import HOST

N_FRAMES = 24
SIZE = (96, 72)


def command(shot: Path, sheet: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "colorframes", "run", str(shot), "--ref", str(sheet), "-o", str(out), "-q", *extra]


def start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    _, stderr = proc.communicate(timeout=timeout)
    return proc.returncode, stderr


def run(args: list[str]) -> tuple[int, str]:
    return finish(start(args))


def pngs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.png"))}


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".cftmp")]


def assert_sidecar_exact(shot_out: Path, frames_dir: Path | None = None) -> None:
    """The sidecar lists as done exactly the frames whose files are on disk."""
    frames_dir = frames_dir or shot_out
    record = json.loads((shot_out / "colorframes.json").read_text())
    done = {v["output"] for v in record["frames"].values() if v["status"] == "done"}
    assert done == {p.name for p in frames_dir.glob("*.png")}
    assert record["done"] == len(done)


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    from examples import make_example as me

    root = tmp_path_factory.mktemp("faults")
    folder = root / "shot01"
    folder.mkdir()
    for i in range(N_FRAMES):
        me._write_png(folder / me.frame_name("shot01", i), me.render_frame(i, SIZE, n_frames=N_FRAMES)["sketch"])
    sheet = root / "sheet.png"
    me._write_png(sheet, me.render_sheet((128, 128))["color"])
    out = root / "clean"
    code, stderr = run(command(folder, sheet, out))
    assert code == 0, stderr
    clean = pngs(out / "shot01")
    assert len(clean) == N_FRAMES
    return folder, sheet, clean


def wait_for(predicate, timeout: float = 30.0, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def count_at_least(proc: subprocess.Popen, folder: Path, n: int, pattern: str = "*.png"):
    """A predicate: the process has exited, or `folder` holds at least `n` files matching `pattern`."""
    return lambda: proc.poll() is not None or (folder.is_dir() and len(list(folder.glob(pattern))) >= n)


def test_kill_9_at_random_points_then_rerun_is_exact(shot, tmp_path):
    folder, sheet, clean = shot
    rng = np.random.default_rng(13)
    mid_run = 0
    for trial in range(10):
        out = tmp_path / f"t{trial}"
        shot_out = out / "shot01"
        target = int(rng.integers(0, N_FRAMES))  # kill once this many frames exist (0: as soon as it starts)
        proc = start(command(folder, sheet, out))
        wait_for(count_at_least(proc, shot_out, target))
        time.sleep(float(rng.uniform(0, 0.01)))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        code, _ = finish(proc)
        mid_run += code == -signal.SIGKILL and 0 < len(pngs(shot_out) if shot_out.is_dir() else {}) < N_FRAMES
        code, stderr = run(command(folder, sheet, out))
        assert code == 0, stderr
        assert pngs(shot_out) == clean, f"trial {trial}: frames differ from a clean run"
        assert_sidecar_exact(shot_out)
        assert not temps(out), temps(out)
    assert mid_run >= 3, f"only {mid_run} of 10 kills landed mid-render"


def test_two_workers_on_the_same_frames_both_succeed(shot, tmp_path):
    folder, sheet, clean = shot
    for trial in range(5):
        out = tmp_path / f"t{trial}"
        first = start(command(folder, sheet, out))
        if trial % 2:  # the retry starts once the original is under way
            wait_for(count_at_least(first, out / "shot01", 1), timeout=30)
        second = start(command(folder, sheet, out))
        (code1, err1), (code2, err2) = finish(first), finish(second)
        assert (code1, code2) == (0, 0), err1 + err2
        assert "Traceback" not in err1 + err2
        assert pngs(out / "shot01") == clean
        assert_sidecar_exact(out / "shot01")
        assert not temps(out), temps(out)


def test_kill_during_mp4_encoding_then_rerun_leaves_one_mp4(shot, tmp_path):
    folder, sheet, _ = shot
    out = tmp_path / "out"
    shot_out = out / "shot01"
    for _attempt in range(5):
        proc = start(command(folder, sheet, out, "--format", "mp4", "--overwrite"))
        seen = wait_for(count_at_least(proc, shot_out, 1, ".shot01.mp4.*.cftmp"), step=0.001)
        if seen and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            finish(proc)
            break
        finish(proc)
        for mp4 in shot_out.glob("*.mp4"):
            mp4.unlink()
    else:
        pytest.fail("never caught the MP4 encoder running")
    assert list(shot_out.glob(".shot01.mp4.*.cftmp")), "the kill left no MP4 temp to clean up"
    code, stderr = run(command(folder, sheet, out, "--format", "mp4"))
    assert code == 0, stderr
    assert [p.name for p in shot_out.glob("*.mp4")] == ["shot01.mp4"]
    assert not temps(out), temps(out)
    assert_sidecar_exact(shot_out, shot_out / ".frames")


@pytest.mark.parametrize(
    "signals", [(signal.SIGTERM,), (signal.SIGINT, signal.SIGINT)], ids=["sigterm", "ctrl-c-twice"]
)
def test_interrupt_exits_130_and_the_sidecar_records_what_was_written(signals, shot, tmp_path):
    folder, sheet, clean = shot
    out = tmp_path / "out"
    shot_out = out / "shot01"
    proc = start(command(folder, sheet, out))
    assert wait_for(lambda: proc.poll() is not None or len(list(shot_out.glob("*.png"))) >= 3)
    for signum in signals:
        if proc.poll() is None:
            os.kill(proc.pid, signum)
            time.sleep(0.005)
    code, stderr = finish(proc)
    if code == 0:
        pytest.skip("the run finished before the signal")
    assert code == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    assert_sidecar_exact(shot_out)
    assert not temps(out)
    code, stderr = run(command(folder, sheet, out))
    assert code == 0, stderr
    assert pngs(shot_out) == clean
    assert_sidecar_exact(shot_out)


def test_stale_temps_are_removed_and_a_live_writers_temp_is_kept(shot, tmp_path):
    folder, sheet, clean = shot
    out = tmp_path / "out"
    shot_out = out / "shot01"
    (shot_out / "masks").mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = [
            shot_out / f".shot01.1001.png.{dead.pid}-{HOST}.cftmp",
            shot_out / f".colorframes.json.{dead.pid}-{HOST}.cftmp",
            shot_out / f".shot01.mp4.{dead.pid}.cftmp",  # the older name form, without a host
            shot_out / "masks" / f".shot01.1002.png.{dead.pid}-{HOST}.cftmp",
        ]
        kept = shot_out / f".shot01.1003.png.{live.pid}-{HOST}.cftmp"
        other_host = shot_out / f".shot01.1004.png.{dead.pid}-othernode.cftmp"  # recent: its writer may be alive
        for path in [*stale, kept, other_host]:
            path.write_bytes(b"partial")
        code, stderr = run(command(folder, sheet, out))
        assert code == 0, stderr
        assert not any(p.exists() for p in stale)
        assert kept.exists() and other_host.exists()
        assert pngs(shot_out) == clean
        assert_sidecar_exact(shot_out)
    finally:
        live.kill()
        live.wait()
