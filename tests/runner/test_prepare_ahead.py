"""A backend's frame-local work (`Colorizer.prepare`) runs in the runner's read-ahead thread: the flat
backend's regions are segmented there, the frames come out exactly as colorizing them in one thread, and a
frame whose preparation fails is that frame's failure, not the run's."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from colorframes.api import run
from colorframes.backends.base import FrameInput, ShotSetup
from colorframes.backends.flat import FlatColorizer
from colorframes.options import RunOptions

SIZE = (120, 160)  # (H, W)
FRAMES = range(1, 7)
COLORS = [(230, 90, 60), (60, 140, 220), (90, 200, 110), (240, 220, 120)]


def drawing(t: int) -> tuple[np.ndarray, np.ndarray]:
    """Line art of frame t (three shapes moving apart on paper) and its flat colours."""
    sketch = np.full((*SIZE, 3), 255, np.uint8)
    color = np.full((*SIZE, 3), COLORS[3], np.uint8)
    shapes = [("rect", (20 + 3 * t, 20), 0), ("circle", (110 - 2 * t, 40), 1), ("rect", (50, 70 + t), 2)]
    for kind, (x, y), c in shapes:
        for img, value, width in ((color, COLORS[c], -1), (sketch, (0, 0, 0), 2)):
            if kind == "rect":
                cv2.rectangle(img, (x, y), (x + 30, y + 25), value, width, cv2.LINE_AA)
            else:
                cv2.circle(img, (x, y), 16, value, width, cv2.LINE_AA)
    color[sketch[:, :, 0] < 128] = 0
    return sketch, color


@pytest.fixture
def shot(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "shot"
    folder.mkdir()
    for t in FRAMES:
        cv2.imwrite(str(folder / f"sh.{t:04d}.png"), drawing(t)[0][:, :, ::-1])
    key = tmp_path / "key.png"
    cv2.imwrite(str(key), drawing(1)[1][:, :, ::-1])
    return folder, key


def in_one_thread(folder: Path, key: Path) -> dict[int, np.ndarray]:
    """The same shot colorized frame by frame on this thread, without `prepare`."""
    sketches = {t: cv2.imread(str(folder / f"sh.{t:04d}.png"))[:, :, ::-1].copy() for t in FRAMES}
    colorizer = FlatColorizer(sketch_loader=sketches.get)
    keyframe = cv2.imread(str(key))[:, :, ::-1].copy()
    colorizer.setup_shot(
        ShotSetup(
            name="sh", seed=0, frame_size=SIZE, reference=None, reference_alpha=None, reference_mask=None,
            keyframes={1: keyframe}, first_frame=1, uint8_output=True,
        )
    )  # fmt: skip
    return {t: colorizer.colorize([FrameInput(t, sketches[t], None)])[0].image for t in FRAMES}


def written(out: Path) -> dict[int, np.ndarray]:
    return {int(p.name.split(".")[1]): cv2.imread(str(p))[:, :, ::-1] for p in sorted(out.rglob("sh.*.png"))}


def test_regions_are_segmented_ahead_and_the_frames_are_unchanged(shot, tmp_path, monkeypatch):
    folder, key = shot
    threads: list[str] = []
    original = FlatColorizer.prepare

    def spy(self, sketch):
        threads.append(threading.current_thread().name)
        return original(self, sketch)

    monkeypatch.setattr(FlatColorizer, "prepare", spy)
    summary = run([str(folder)], None, RunOptions(backend="flat", keyframe=(f"{key}@1",), output=str(tmp_path / "o")))
    assert summary.shots[0].failed == {}
    assert len(threads) == len(FRAMES) and threading.main_thread().name not in threads
    got, expected = written(tmp_path / "o"), in_one_thread(folder, key)
    assert sorted(got) == list(FRAMES)
    for t in FRAMES:
        assert np.array_equal(got[t], expected[t]), t
    # the keyframe's colours reached every frame (the test would pass on blank output otherwise)
    assert (np.abs(got[6].astype(int) - COLORS[1]).sum(axis=2) == 0).sum() > 300


def test_a_frame_whose_preparation_fails_fails_alone(shot, tmp_path, monkeypatch):
    folder, key = shot
    original = FlatColorizer.prepare

    def flaky(self, sketch):
        if int(sketch[60, 0, 0]) == 0:  # frame 4 carries a mark at its left edge
            raise ValueError("bad line art")
        return original(self, sketch)

    marked = cv2.imread(str(folder / "sh.0004.png"))
    marked[60, 0] = 0
    cv2.imwrite(str(folder / "sh.0004.png"), marked)
    monkeypatch.setattr(FlatColorizer, "prepare", flaky)
    summary = run([str(folder)], None, RunOptions(backend="flat", keyframe=(f"{key}@1",), output=str(tmp_path / "o")))
    failed = summary.shots[0].failed
    assert list(failed) == [4]
    assert failed[4].startswith("sh.0004.png: colorize failed: ValueError: bad line art")
    assert sorted(written(tmp_path / "o")) == [1, 2, 3, 5, 6]


def test_a_closed_reader_leaves_no_opencv_work_running(shot, monkeypatch):
    """When `close` returns, the read-ahead thread is neither decoding nor preparing a frame, and starts no
    more (a daemon thread inside OpenCV when the interpreter exits aborts the process instead of exiting 130);
    then it ends."""
    import time

    from colorframes.runner import frames as frames_module
    from colorframes.runner.frames import ReadAhead
    from colorframes.runner.plan import plan_run

    folder, _ = shot
    (plan,), _ = plan_run([str(folder)], None, RunOptions(backend="flat"))
    running, started = [0], [0]
    decode = frames_module.decode_image

    def slow_decode(*args, **kwargs):  # most of the thread's time: close lands while a frame decodes
        running[0] += 1
        started[0] += 1
        time.sleep(0.2)
        try:
            return decode(*args, **kwargs)
        finally:
            running[0] -= 1

    class Backend:
        def prepare(self, rgb):
            started[0] += 1
            return None

    monkeypatch.setattr(frames_module, "decode_image", slow_decode)
    monkeypatch.setattr(frames_module, "read_image", lambda *a, **k: pytest.fail("frames decode via decode_image"))
    reader = ReadAhead(Backend(), plan, plan.to_render, depth=len(FRAMES))
    next(iter(reader))  # one frame through; the thread is decoding the next
    reader.close()
    assert running[0] == 0
    done = started[0]
    reader._thread.join(timeout=5)
    assert not reader._thread.is_alive()
    assert started[0] == done < 2 * len(FRAMES)
