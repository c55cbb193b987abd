"""The farm examples run for real: OpenJD through `openjd run` (chunks, a failing chunk, a retried chunk),
SLURM's script with a faked array environment (tests/farm runs it through a real scheduler), Deadline and
OpenCue by rendering their argument templates the way the farm does, cron under flock."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FARM = ROOT / "examples" / "farm"
SHOT = ROOT / "examples" / "shot01"
SHEET = ROOT / "examples" / "sheet.png"
BIN = Path(sys.executable).parent
COLORFRAMES = shutil.which("colorframes", path=str(BIN))

pytestmark = pytest.mark.skipif(COLORFRAMES is None, reason="the colorframes console script is not installed")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLORFRAMES_", "SLURM_", "OPENJD_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _frames(out: Path, shot: str = "shot01") -> list[int]:
    return sorted(int(p.name.split(".")[1]) for p in (out / shot).glob(f"{shot}.*.png"))


def _small_shot(tmp_path: Path, name: str, frames=range(1001, 1007)) -> Path:
    """Copy a few committed frames (under a folder whose path holds a space) to keep runs short."""
    shot = tmp_path / "line art" / name
    shot.mkdir(parents=True)
    for n in frames:
        shutil.copy(SHOT / f"shot01.{n}.png", shot / f"{name}.{n}.png")
    return shot


# --- Open Job Description -------------------------------------------------------------------


def test_openjd_template_checks():
    res = subprocess.run(
        [str(BIN / "openjd"), "check", str(FARM / "openjd" / "colorize.job.yaml")],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "passes validation" in res.stdout


def _openjd_run(
    out: Path, ref: Path, frames: str, chunk: int, shot: Path = SHOT, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    cmd = [str(BIN / "openjd"), "run", str(FARM / "openjd" / "colorize.job.yaml"), "--step", "Colorize", *extra]
    for key, value in {
        "Input": shot,
        "Reference": ref,
        "Output": out,
        "Frames": frames,
        "ChunkSize": chunk,
        "Colorframes": COLORFRAMES,
    }.items():
        cmd += ["-p", f"{key}={value}"]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=240)


def test_openjd_run_chunks_the_range_and_writes_every_frame(tmp_path):
    res = _openjd_run(tmp_path / "out", SHEET, "1001-1006", 3)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert re.findall(r"Frame\(CHUNK\[INT\]\) = (\S+)", log) == ["1001-1003", "1004-1006"]
    assert "Chunks run: 2" in log
    assert _frames(tmp_path / "out") == list(range(1001, 1007))
    # colorframes speaks the OpenJD progress protocol and Deadline's regex inside a session.
    assert "openjd_progress: 100" in log and "Progress: 100%" in log
    sidecar = json.loads((tmp_path / "out" / "shot01" / "colorframes.json").read_text())
    assert sidecar["done"] == 6 and sidecar["failed"] == 0


def test_openjd_run_fails_the_session_when_colorframes_fails(tmp_path):
    res = _openjd_run(tmp_path / "out", tmp_path / "missing_sheet.png", "1001-1002", 2)
    log = res.stdout + res.stderr
    assert res.returncode != 0
    assert re.search(r"exited with code: 2\b", log), log[-3000:]
    assert "Session ended with errors" in log
    assert not (tmp_path / "out" / "shot01").exists() or _frames(tmp_path / "out") == []


def test_openjd_failing_chunk_stops_the_session_and_a_retried_chunk_renders_only_what_is_missing(tmp_path):
    shot = _small_shot(tmp_path, "sh030", range(1001, 1010))
    good = (shot / "sh030.1005.png").read_bytes()
    (shot / "sh030.1005.png").write_bytes(good[:2000])  # truncated: chunk 1004-1006 fails
    out = tmp_path / "out"
    res = _openjd_run(out, SHEET, "1001-1009", 3, shot=shot)
    log = res.stdout + res.stderr
    assert res.returncode == 1, log[-3000:]
    # Chunks run in order; the failing one exits 1 and OpenJD stops the session before 1007-1009.
    assert re.findall(r"Frame\(CHUNK\[INT\]\) = (\S+)", log) == ["1001-1003", "1004-1006"]
    assert re.findall(r"exited with code: (\d+)", log) == ["0", "1"]
    assert re.search(r"error: sh030 frame 1005: .*sh030\.1005\.png: cannot decode", log)
    assert "Session ended with errors" in log
    assert _frames(out, "sh030") == [1001, 1002, 1003, 1004, 1006]  # the rest of the chunk was rendered
    sidecar = json.loads((out / "sh030" / "colorframes.json").read_text())
    assert (sidecar["done"], sidecar["failed"], sidecar["frames"]["1005"]["status"]) == (5, 1, "failed")

    # The farm's retry of that one chunk, after the frame is fixed, renders only frame 1005.
    (shot / "sh030.1005.png").write_bytes(good)
    res = _openjd_run(out, SHEET, "1001-1009", 3, shot=shot, extra=("--task-param", "Frame=1004-1006"))
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert "done: 1 written, 2 skipped, 0 failed" in log
    # Requeueing the whole job then runs only the chunk that never started.
    res = _openjd_run(out, SHEET, "1001-1009", 3, shot=shot)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert re.findall(r"done: (\d+) written, (\d+) skipped", log) == [("0", "3"), ("0", "3"), ("3", "0")]
    assert _frames(out, "sh030") == list(range(1001, 1010))
    sidecar = json.loads((out / "sh030" / "colorframes.json").read_text())
    assert (sidecar["done"], sidecar["failed"]) == (9, 0)


# --- SLURM ----------------------------------------------------------------------------------


def test_slurm_array_shards_cover_the_range_exactly_once(tmp_path):
    out = tmp_path / "out"
    script = FARM / "slurm" / "colorize_array.sh"
    procs = []
    for task in range(3):
        env = _env(
            SLURM_ARRAY_JOB_ID="4242",
            SLURM_ARRAY_TASK_ID=str(task),
            SLURM_ARRAY_TASK_MIN="0",
            SLURM_ARRAY_TASK_MAX="2",
            SLURM_ARRAY_TASK_COUNT="3",
            SLURM_ARRAY_TASK_STEP="1",
            FRAMES="1001-1006",
        )
        procs.append(
            subprocess.Popen(
                ["bash", str(script), str(SHOT), str(SHEET), str(out), "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    summaries = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=240)
        assert p.returncode == 0, stderr[-2000:]
        summaries.append(json.loads(stdout))
    # Disjoint contiguous shards: 2 frames each, 6 in all, and all 6 exist.
    assert [s["done"] for s in summaries] == [2, 2, 2]
    assert _frames(out) == list(range(1001, 1007))
    sidecar = json.loads((out / "shot01" / "colorframes.json").read_text())
    assert sorted(sidecar["frames"]) == [str(n) for n in range(1001, 1007)]


def test_slurm_script_usage_error():
    res = subprocess.run(["bash", str(FARM / "slurm" / "colorize_array.sh")], capture_output=True, text=True)
    assert res.returncode == 2 and "usage" in res.stderr


# --- Deadline -------------------------------------------------------------------------------

_RECORDER = """#!{python}
import json, os, sys
with open(os.environ["RECORD_TO"], "w") as f:
    json.dump(sys.argv[1:], f)
"""


def _fake_tool(tmp_path: Path, name: str) -> Path:
    tool = tmp_path / name
    tool.write_text(_RECORDER.format(python=sys.executable))
    tool.chmod(0o755)
    return tool


def _deadline_chunks(frames: str, chunksize: int) -> list[tuple[int, int]]:
    first, last = (int(v) for v in frames.split("-"))
    return [(a, min(a + chunksize - 1, last)) for a in range(first, last + 1, chunksize)]


def test_deadline_submission_renders_a_valid_colorframes_argv(tmp_path):
    shot = _small_shot(tmp_path, "sh010", range(1001, 1006))
    record = tmp_path / "deadline_argv.json"
    fake = _fake_tool(tmp_path, "deadlinecommand")
    out = tmp_path / "color out"
    res = subprocess.run(
        ["bash", str(FARM / "deadline" / "submit_commandline.sh"), str(shot), str(SHEET), str(out), "1001-1005", "3"],
        capture_output=True,
        text=True,
        env=_env(DEADLINECOMMAND=str(fake), RECORD_TO=str(record), COLORFRAMES=COLORFRAMES),
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    argv = json.loads(record.read_text())
    assert argv[0] == "-SubmitCommandLineJob"
    opts = dict(zip(argv[1::2], argv[2::2], strict=True))
    assert opts["-executable"] == COLORFRAMES
    assert opts["-frames"] == "1001-1005" and opts["-chunksize"] == "3"
    assert opts["-name"] == "colorframes sh010"
    template = opts["-arguments"]
    assert "<STARTFRAME>-<ENDFRAME>" in template

    # Render the template per task as Deadline does, then run the last (short) task for real.
    chunks = _deadline_chunks(opts["-frames"], int(opts["-chunksize"]))
    assert chunks == [(1001, 1003), (1004, 1005)]
    start, end = chunks[-1]
    rendered = template.replace("<STARTFRAME>", str(start)).replace("<ENDFRAME>", str(end))
    task_argv = shlex.split(rendered.replace("<QUOTE>", '"'))
    assert task_argv[:2] == ["run", str(shot.resolve())]
    assert task_argv[task_argv.index("--output") + 1] == str(out)
    assert task_argv[task_argv.index("--frames") + 1] == "1004-1005"
    run = subprocess.run([opts["-executable"], *task_argv], capture_output=True, text=True, env=_env())
    assert run.returncode == 0, run.stderr[-2000:]
    assert _frames(out, "sh010") == [1004, 1005]
    # The CommandLine plugin's progress handler regex finds the last value in the task log.
    progress = re.findall(r".*Progress: (\d+)%.*", run.stderr)
    assert progress and progress[-1] == "100"


def test_deadline_script_usage_error():
    res = subprocess.run(["bash", str(FARM / "deadline" / "submit_commandline.sh"), "a"], capture_output=True)
    assert res.returncode == 2


# --- OpenCue --------------------------------------------------------------------------------


def test_opencue_outline_serializes_offline_and_its_command_runs(tmp_path):
    pytest.importorskip("outline")
    shot = _small_shot(tmp_path, "sh020")
    out = tmp_path / "cue out"
    res = subprocess.run(
        [
            sys.executable,
            str(FARM / "opencue" / "submit_outline.py"),
            str(shot),
            str(SHEET),
            str(out),
            "--frames",
            "1001-1006",
            "--chunk",
            "4",
            "--show",
            "demo",
            "--executable",
            COLORFRAMES,
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        env=_env(HOME=str(tmp_path / "home")),
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    spec = ET.fromstring(res.stdout.split("?>", 1)[1].split(">", 1)[1])  # drop the XML and DOCTYPE lines
    assert spec.findtext("show") == "demo" and spec.findtext("shot") == "sh020"
    job = spec.find("job")
    assert job.get("name") == "colorframes_sh020"
    layers = job.findall("layers/layer")
    assert len(layers) == 1 and layers[0].get("name") == "colorize"
    layer = layers[0]
    assert layer.findtext("range") == "1001-1006" and layer.findtext("chunk") == "4"
    cmd = layer.findtext("cmd")
    assert "#FRAME_START#-#FRAME_END#" in cmd

    # Cuebot's chunks: 1001-1004 and the ragged 1005-1006 (#FRAME_END# is the chunk's last frame).
    rendered = cmd.replace("#FRAME_START#", "1005").replace("#FRAME_END#", "1006")
    argv = shlex.split(rendered)
    assert argv[0] == COLORFRAMES and argv[1] == "run"
    assert argv[argv.index("--output") + 1] == str(out)
    run = subprocess.run(argv, capture_output=True, text=True, env=_env())
    assert run.returncode == 0, run.stderr[-2000:]
    assert _frames(out, "sh020") == [1005, 1006]


# --- cron -----------------------------------------------------------------------------------


def _cron_env(tmp_path: Path, ref: Path = SHEET, **extra: str) -> dict[str, str]:
    values = {
        "NIGHTLY_INPUT": str(SHOT),
        "NIGHTLY_REF": str(ref),
        "NIGHTLY_OUT": str(tmp_path / "out"),
        "NIGHTLY_LOG": str(tmp_path / "nightly.log"),
        "NIGHTLY_LOCK": str(tmp_path / "nightly.lock"),
        "COLORFRAMES": COLORFRAMES,
    }
    return _env(**{**values, **extra})


CRON = FARM / "cron" / "colorize_nightly.sh"


def test_cron_skips_at_once_while_the_lock_is_held(tmp_path):
    marker = tmp_path / "ran.json"
    fake = _fake_tool(tmp_path, "colorframes")
    with open(tmp_path / "nightly.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        t0 = time.monotonic()
        res = subprocess.run(
            ["bash", str(CRON)],
            capture_output=True,
            text=True,
            env=_cron_env(tmp_path, COLORFRAMES=str(fake), RECORD_TO=str(marker)),
            timeout=30,
        )
        elapsed = time.monotonic() - t0
    assert res.returncode == 0 and elapsed < 5
    assert not marker.exists()  # colorframes never started
    assert "skipped: another colorframes nightly run holds" in (tmp_path / "nightly.log").read_text()


def test_cron_second_concurrent_run_exits_without_running(tmp_path):
    env = _cron_env(tmp_path)
    log = tmp_path / "nightly.log"
    first = subprocess.Popen(["bash", str(CRON), "--frames", "1001-1003"], env=env)
    deadline = time.monotonic() + 60
    while not (log.exists() and "start pid" in log.read_text()):
        assert first.poll() is None and time.monotonic() < deadline, "first run did not start"
        time.sleep(0.05)
    second = subprocess.run(["bash", str(CRON), "--frames", "1004-1006"], env=env, timeout=30)
    still_running = first.poll() is None
    assert first.wait(timeout=240) == 0
    assert second.returncode == 0 and still_running
    text = log.read_text()
    assert text.count("start pid") == 1 and text.count("skipped:") == 1
    assert re.search(r"end pid \d+: exit 0", text)
    assert _frames(tmp_path / "out") == [1001, 1002, 1003]  # the skipped run rendered nothing
    assert "Progress: 100%" in text  # colorframes' own lines land in the log


def test_cron_propagates_the_exit_code(tmp_path):
    res = subprocess.run(
        ["bash", str(CRON), "--frames", "1001"],
        env=_cron_env(tmp_path, ref=tmp_path / "missing.png"),
        capture_output=True,
        timeout=120,
    )
    assert res.returncode == 2
    text = (tmp_path / "nightly.log").read_text()
    assert re.search(r"end pid \d+: exit 2", text) and "missing.png" in text


def test_readme_documents_every_example():
    readme = (ROOT / "examples" / "README.md").read_text()
    for path in sorted(FARM.rglob("*")):
        if path.is_file():
            assert str(path.relative_to(ROOT / "examples")) in readme, path
    assert "make_example.py" in readme
