import cv2
import numpy as np
import pytest

from colorframes.compose.process import process_frames
from colorframes.compose.process_export import write_process_mp4, write_process_png
from colorframes.errors import FrameError
from colorframes.io.images import write_png_atomic
from colorframes.io.video import even_pad


def ramp(n: int, size=(31, 33)) -> list[np.ndarray]:
    """n distinct flat-grey frames of an odd size (yuv420p needs padding)."""
    return [np.full((*size, 3), (i + 1) / (n + 1), np.float32) for i in range(n)]


def test_png_folder_has_n_steps_and_round_trips(tmp_path, scene):
    frames = process_frames(scene["sketch"], scene["mask"], scene["figure"], n=5)
    paths = write_process_png(frames, tmp_path / "proc")
    assert [p.name for p in paths] == [f"step_{i:03d}.png" for i in range(5)]
    first = cv2.imread(str(paths[0]))[:, :, ::-1]
    assert np.array_equal(first, scene["sketch"])
    last = cv2.imread(str(paths[-1]))[:, :, ::-1]
    assert np.array_equal(last, (scene["figure"] * 255 + 0.5).astype(np.uint8))
    assert sorted(p.name for p in (tmp_path / "proc").iterdir()) == [p.name for p in paths]  # no temps


def test_png_rerun_with_fewer_steps_removes_stale_ones(tmp_path):
    write_process_png(ramp(6), tmp_path)
    (tmp_path / "keep.txt").write_text("user file")
    write_process_png(ramp(3), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "keep.txt",
        "step_000.png",
        "step_001.png",
        "step_002.png",
    ]


def test_rgba_layer_png_keeps_straight_alpha(tmp_path):
    layer = np.zeros((4, 6, 4), np.float32)
    layer[..., 0] = 1.0
    layer[..., 3] = np.linspace(0, 1, 6)[None, :]
    path = tmp_path / "a.png"
    write_png_atomic(path, layer)
    back = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert back.shape == (4, 6, 4)
    assert np.all(back[..., 2] == 255) and np.all(back[..., 0] == 0)  # red in BGRA
    assert np.array_equal(back[0, :, 3], (np.linspace(0, 1, 6) * 255 + 0.5).astype(np.uint8))


def test_mp4_round_trip_frame_count_and_even_padding(tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="MP4 needs the video extra")
    frames = ramp(7)
    path = write_process_mp4(frames, tmp_path / "proc.mp4", fps=4)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert tuple(meta["size"]) == (34, 32)  # (W, H) padded to even, not rescaled
    decoded = [np.frombuffer(f, np.uint8).reshape(32, 34, 3) for f in reader]
    assert len(decoded) == 7
    for got, want in zip(decoded, frames, strict=True):
        assert abs(float(got[:31, :33].mean()) / 255 - float(want.mean())) < 3 / 255
    assert [p.name for p in tmp_path.iterdir()] == ["proc.mp4"]


def test_mp4_refuses_mixed_sizes_and_leaves_nothing(tmp_path):
    frames = ramp(2) + ramp(1, size=(20, 20))
    with pytest.raises(FrameError, match="differs from"):
        write_process_mp4(frames, tmp_path / "bad.mp4")
    assert list(tmp_path.iterdir()) == []


def test_pad_even_replicates_edges():
    image = np.arange(3 * 5 * 3, dtype=np.float32).reshape(3, 5, 3)
    padded = even_pad(image)
    assert padded.shape == (4, 6, 3)
    assert np.array_equal(padded[:3, :5], image)
    assert np.array_equal(padded[3, :5], image[2]) and np.array_equal(padded[:3, 5], image[:, 4])
