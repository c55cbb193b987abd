"""`colorframes run` end to end through the real CLI with the CPU flat backend: outputs, resume, shards,
exit codes, JSON, progress lines, MP4 and video round trips."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from cf_helpers import ROOT, outputs, sidecar, temp_files


def test_help_is_instant_and_imports_no_torch():
    code = (
        "import sys\n"
        "from colorframes.cli import app\n"
        "try:\n    app(['run', '--help'])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = [m for m in ('torch', 'diffusers', 'open_clip', 'cv2') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "--frames" in result.stdout and "Exit codes" in result.stdout


def test_run_writes_every_frame_with_stems_sidecar_and_json(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory()
    out = tmp_path / "out"
    code, stdout, stderr = cli("run", shot, "--ref", sheet, "-o", out, "--json")
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["exit_code"] == 0 and summary["done"] == 6 and summary["failed"] == 0
    names = sorted(p.name for p in (out / "shot01").glob("*.png"))
    assert names == sorted(p.name for p in shot.glob("*.png"))
    for name in names:
        produced = cv2.imread(str(out / "shot01" / name))
        assert produced.shape == cv2.imread(str(shot / name)).shape
    car = sidecar(out / "shot01")
    assert car["done"] == 6 and car["failed"] == 0
    assert car["options"]["backend"] == "flat" and isinstance(car["seed"], int)
    assert set(car["frames"]) == {str(n) for n in range(1001, 1007)}
    assert "numpy" in car["versions"] and car["model"]["backend"] == "flat"
    # off a TTY: one plain line per frame and the Deadline progress regex
    assert stderr.count("frame shot01 ") == 6 and "Progress: 100%" in stderr


def test_rerun_skips_refuses_changed_settings_and_overwrites(cli, shot_factory, sheet, tmp_path):
    shot, out = shot_factory(), tmp_path / "out"
    assert cli("run", shot, "--ref", sheet, "-o", out)[0] == 0
    before = {p: p.stat().st_mtime_ns for p in (out / "shot01").glob("*.png")}
    code, stdout, _ = cli("run", shot, "--ref", sheet, "-o", out, "--json")
    assert code == 0 and json.loads(stdout)["skipped"] == 6 and json.loads(stdout)["done"] == 0
    assert before == {p: p.stat().st_mtime_ns for p in (out / "shot01").glob("*.png")}
    code, _, stderr = cli("run", shot, "--ref", sheet, "-o", out, "--gap-radius", "4")
    assert code == 2 and "gap_radius" in stderr and "--overwrite" in stderr
    code, stdout, _ = cli("run", shot, "--ref", sheet, "-o", out, "--gap-radius", "4", "--overwrite", "--json")
    assert code == 0 and json.loads(stdout)["done"] == 6


def test_shard_union_equals_whole_run(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory()
    assert cli("run", shot, "--ref", sheet, "-o", tmp_path / "whole")[0] == 0
    for k in (1, 2, 3):
        code, stdout, _ = cli("run", shot, "--ref", sheet, "-o", tmp_path / "sharded", "--shard", f"{k}/3", "--json")
        assert code == 0 and json.loads(stdout)["done"] == 2
    assert outputs(tmp_path / "whole") == outputs(tmp_path / "sharded")
    assert sidecar(tmp_path / "sharded" / "shot01")["done"] == 6


def test_frames_spec_selects_and_impossible_specs_exit_2(cli, shot_factory, sheet, tmp_path):
    shot, out = shot_factory(), tmp_path / "out"
    code, stdout, _ = cli("run", shot, "--ref", sheet, "-o", out, "--frames", "1001-1006x2", "--json")
    assert code == 0 and json.loads(stdout)["done"] == 3
    assert sorted(p.name for p in (out / "shot01").glob("*.png")) == [
        "shot01.1001.png",
        "shot01.1003.png",
        "shot01.1005.png",
    ]
    for bad in (["--frames", "2000-2010"], ["--frames", "10-x"], ["--shard", "4/3"], ["--shard", "0/2"]):
        code, _, stderr = cli("run", shot, "--ref", sheet, "-o", out, *bad)
        assert code == 2, bad
        assert stderr.startswith("error: ") and stderr.count("\n") == 1


def test_keyframe_without_a_frame_number_exits_2_asking_for_path_at_frame(cli, shot_factory, sheet, tmp_path):
    shot, key = shot_factory(), tmp_path / "key.png"
    key.write_bytes(sheet.read_bytes())  # no @FRAME and no digits in the name: which frame is it?
    code, _, stderr = cli("run", shot, "--keyframe", key, "-o", tmp_path / "out")
    assert code == 2 and "PATH@FRAME" in stderr and "key.png" in stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.png"))
    numbered = tmp_path / "key.1003.png"  # the number in the name resolves it
    numbered.write_bytes(sheet.read_bytes())
    assert cli("run", shot, "--keyframe", numbered, "-o", tmp_path / "ok", "--frames", "1003")[0] == 0
    assert cli("run", shot, "--keyframe", f"{key}@1003", "-o", tmp_path / "ok2", "--frames", "1003")[0] == 0


def test_shard_auto_reads_slurm_variables(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory()
    env = {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"}
    code, stdout, _ = cli("run", shot, "--ref", sheet, "-o", tmp_path, "--shard", "auto", "--json", env=env)
    assert code == 0
    assert sorted(sidecar(tmp_path / "shot01")["frames"]) == ["1003", "1004"]
    code, _, stderr = cli("run", shot, "-o", tmp_path, "--shard", "auto", env={"SLURM_ARRAY_TASK_ID": ""})
    assert code == 2 and "SLURM_ARRAY_TASK_ID" in stderr


def test_mp4_and_video_round_trip(cli, shot_factory, sheet, tmp_path):
    import imageio_ffmpeg

    shot, out = shot_factory(), tmp_path / "out"
    code, _, stderr = cli("run", shot, "--ref", sheet, "-o", out, "--format", "both", "--fps", "12")
    assert code == 0, stderr
    mp4 = out / "shot01" / "shot01.mp4"
    reader = imageio_ffmpeg.read_frames(str(mp4))
    meta = next(reader)
    assert meta["size"] == (320, 180) and abs(meta["fps"] - 12) < 0.01
    assert sum(1 for _ in reader) == 6
    # the MP4 as an input: frames numbered from --start-frame, stems derived from the video name
    code, stdout, stderr = cli("run", mp4, "--ref", sheet, "-o", tmp_path / "v", "--start-frame", "101", "--json")
    assert code == 0, stderr
    names = sorted(p.name for p in (tmp_path / "v" / "shot01").glob("*.png"))
    assert names == [f"shot01.{n:04d}.png" for n in range(101, 107)]


def test_mp4_only_keeps_resume_cache_and_pads_odd_sizes(cli, tmp_path, make_example):
    import imageio_ffmpeg

    shot = tmp_path / "odd"
    for i in range(3):
        make_example._write_png(shot / f"odd.{i + 1:04d}.png", make_example.render_frame(i, (161, 91))["sketch"])
    code, _, stderr = cli("run", shot, "-o", tmp_path / "out", "--format", "mp4")
    assert code == 0, stderr
    assert "padded" in stderr
    mp4 = tmp_path / "out" / "odd" / "odd.mp4"
    reader = imageio_ffmpeg.read_frames(str(mp4))
    assert next(reader)["size"] == (162, 92)
    assert not list((tmp_path / "out" / "odd").glob("*.png"))  # frames live in the hidden resume cache
    assert len(list((tmp_path / "out" / "odd" / ".frames").glob("*.png"))) == 3


def test_failed_frame_exits_1_and_others_are_written(cli, shot_factory, sheet, tmp_path):
    src = shot_factory()
    shot = tmp_path / "shot01"
    shot.mkdir()
    for p in src.glob("*.png"):
        (shot / p.name).write_bytes(p.read_bytes())
    (shot / "shot01.1003.png").write_bytes((shot / "shot01.1003.png").read_bytes()[:200])  # truncated
    (shot / "shot01.1004.png").write_bytes(b"")  # 0 bytes
    code, stdout, stderr = cli("run", shot, "--ref", sheet, "-o", tmp_path / "out", "--json")
    assert code == 1
    summary = json.loads(stdout)
    assert summary["done"] == 4 and summary["failed"] == 2
    failed = summary["shots"][0]["failed"]
    assert "shot01.1003.png" in failed["1003"] and "truncated" in failed["1003"]
    assert "0 bytes" in failed["1004"]
    assert "error: shot01 frame 1003" in stderr
    assert len(list((tmp_path / "out" / "shot01").glob("*.png"))) == 4
    assert sidecar(tmp_path / "out" / "shot01")["failed"] == 2


def test_multi_device_workers_match_one_device(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory()
    assert cli("run", shot, "--ref", sheet, "-o", tmp_path / "one")[0] == 0
    assert cli("run", shot, "--ref", sheet, "-o", tmp_path / "two", "--device", "cpu,cpu")[0] == 0
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")


def test_bit_depth_16_alpha_and_masks(cli, shot_factory, sheet, tmp_path):
    shot, out = shot_factory(n=2), tmp_path / "out"
    code, _, stderr = cli("run", shot, "--ref", sheet, "-o", out, "--bit-depth", "16", "--alpha", "--save-masks")
    assert code == 0, stderr
    frame = cv2.imread(str(out / "shot01" / "shot01.1001.png"), cv2.IMREAD_UNCHANGED)
    assert frame.dtype == np.uint16 and frame.shape[2] == 4
    mask = cv2.imread(str(out / "shot01" / "masks" / "shot01.1001.png"), cv2.IMREAD_UNCHANGED)
    assert mask.shape == frame.shape[:2] and mask.max() == 255 and mask.min() == 0
    assert np.abs((frame[:, :, 3].astype(np.int32) + 128) // 257 - mask).max() <= 1


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _popen(*args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "colorframes", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_then_rerun_equals_uninterrupted_and_leaves_no_temp_files(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory(n=24, size=(960, 540), name="long")
    assert cli("run", shot, "--ref", sheet, "-o", tmp_path / "clean")[0] == 0
    out = tmp_path / "killed"
    proc = _popen("run", shot, "--ref", sheet, "-o", out)
    assert _wait_for(lambda: len(list((out / "long").glob("*.png"))) >= 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(list((out / "long").glob("*.png")))
    code, stdout, _ = cli("run", shot, "--ref", sheet, "-o", out, "--json")
    assert code == 0
    assert json.loads(stdout)["skipped"] == partial
    assert outputs(tmp_path / "clean") == outputs(out)
    assert temp_files(out) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_exits_130_without_partial_files(shot_factory, sheet, tmp_path, sig):
    shot = shot_factory(n=24, size=(960, 540), name="long")
    out = tmp_path / "out"
    proc = _popen("run", shot, "--ref", sheet, "-o", out)
    assert _wait_for(lambda: len(list((out / "long").glob("*.png"))) >= 1)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert temp_files(out) == []
    for png in (out / "long").glob("*.png"):
        assert cv2.imread(str(png)) is not None


def test_progress_lines_for_open_job_description(cli, shot_factory, tmp_path):
    code, _, stderr = cli("run", shot_factory(n=2), "-o", tmp_path, env={"OPENJD_SESSION_WORKING_DIR": str(tmp_path)})
    assert code == 0
    assert "openjd_progress: 50.0" in stderr and "openjd_progress: 100.0" in stderr


def test_quiet_prints_nothing_on_success(cli, shot_factory, sheet, tmp_path):
    code, stdout, stderr = cli("run", shot_factory(n=2), "--ref", sheet, "-o", tmp_path, "--quiet")
    assert code == 0 and stdout == "" and stderr == ""


def test_environment_and_preset_precedence(cli, shot_factory, tmp_path):
    preset = tmp_path / "mine.toml"
    preset.write_text("[options]\nbit_depth = 16\ngap_radius = 3\n")
    env = {"COLORFRAMES_GAP_RADIUS": "5"}
    code, _, stderr = cli("run", shot_factory(n=1), "-o", tmp_path / "o", "--preset", preset, env=env)
    assert code == 0, stderr
    options = sidecar(tmp_path / "o" / "shot01")["options"]
    assert options["bit_depth"] == 16 and options["gap_radius"] == 5
    code, _, _ = cli("run", shot_factory(n=1), "-o", tmp_path / "p", "--preset", preset, "--gap-radius", "1", env=env)
    assert sidecar(tmp_path / "p" / "shot01")["options"]["gap_radius"] == 1
    assert os.environ.get("COLORFRAMES_GAP_RADIUS") is None


def test_mp4_is_encoded_once_when_two_shards_finish_together(cli, shot_factory, sheet, tmp_path, monkeypatch):
    """The shard that takes the lock second finds the MP4 newer than every frame and keeps it; a frame
    rewritten after the MP4 makes it stale again."""
    from colorframes.io import video
    from colorframes.options import RunOptions
    from colorframes.runner.plan import plan_run
    from colorframes.runner.render import finish_shot
    from colorframes.runner.results import ShotSummary

    shot, out = shot_factory(), tmp_path / "out"
    code, _, stderr = cli("run", shot, "--ref", sheet, "-o", out, "--format", "both", "--fps", "12")
    assert code == 0, stderr
    encoded: list[int] = []
    real = video.write_mp4
    monkeypatch.setattr(video, "write_mp4", lambda *a, **k: encoded.append(real(*a, **k)))
    options = RunOptions(output=str(out), format="both", fps=12.0)
    (plan,), _ = plan_run([str(shot)], str(sheet), options)
    summary = ShotSummary(plan.shot.name, str(plan.out_dir), len(plan.selected))
    summary.done = [1004, 1005, 1006]  # as if this shard had just rendered its half
    events: list[dict] = []
    finish_shot(plan, summary, options, events.append)
    assert encoded == [] and summary.mp4 == str(out / "shot01" / "shot01.mp4")
    assert [e["message"] for e in events] == ["shot01: MP4 is up to date with every frame; kept"]
    frame = plan.outputs[1005]
    frame.write_bytes(frame.read_bytes())  # rewritten after the MP4
    finish_shot(plan, summary, options, lambda event: None)
    assert encoded == [6]
