"""Units behind the bad-input catalogue: option classification, temp-file ownership, the lossless sidecar,
the portable lock, device lists for the mask runner, name lengths."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from colorframes.errors import ConfigError
from colorframes.io import sidecar
from colorframes.io.naming import check_name_length
from colorframes.io.tempfiles import HOST, pid_alive, remove_stale_temps, temp_path, temp_writer
from colorframes.options import CHANGES_PIXELS, SETTINGS_THAT_CHANGE_PIXELS, RunOptions

ROOT = Path(__file__).resolve().parents[2]


def test_every_option_says_whether_it_changes_pixels():
    unmarked = [f.name for f in dataclasses.fields(RunOptions) if CHANGES_PIXELS not in f.metadata]
    assert unmarked == []
    assert set(SETTINGS_THAT_CHANGE_PIXELS) == {
        f.name for f in dataclasses.fields(RunOptions) if f.metadata[CHANGES_PIXELS]
    }


@pytest.mark.parametrize(("name", "value", "changes"), [
    ("vae_dtype", "same", True),
    ("gap_radius", 5, True),
    ("seed", 7, True),
    ("max_pixels", 10, False),
    ("batch_size", 4, False),
    ("frames", "1-2", False),
    ("crf", 30, False),
])  # fmt: skip
def test_settings_hash_follows_the_classification(name, value, changes):
    a = sidecar.settings_hash(sidecar.settings_of(RunOptions(), None))
    b = sidecar.settings_hash(sidecar.settings_of(RunOptions(**{name: value}), None))
    assert (a != b) == changes


def test_a_folder_rendered_by_an_older_renderer_is_refused_on_resume(tmp_path, monkeypatch):
    """Same options, other pixels: 0.1.0 recorded no pixel revision; resuming its folder must not mix frames."""
    settings = sidecar.settings_of(RunOptions(), None)
    old = {k: v for k, v in settings.items() if k != "pixel_revision"}
    (tmp_path / sidecar.SIDECAR_NAME).write_text(
        json.dumps({"settings": old, "settings_hash": sidecar.settings_hash(old)})
    )
    with pytest.raises(ConfigError, match=r"different settings \(pixel_revision\); rerun with --overwrite"):
        sidecar.check_settings(tmp_path, settings, overwrite=False)
    assert sidecar.check_settings(tmp_path, settings, overwrite=True) is False
    monkeypatch.setattr(sidecar, "PIXEL_REVISION", sidecar.PIXEL_REVISION + 1)
    assert sidecar.settings_of(RunOptions(), None) != settings


def test_temp_names_carry_their_writer_and_only_dead_writers_temps_go(tmp_path):
    target = tmp_path / "shot.1001.png"
    mine = temp_path(target)
    assert temp_writer(mine.name) == ("shot.1001.png", os.getpid(), HOST)
    assert temp_writer(".shot.mp4.123.cftmp") == ("shot.mp4", 123, None)
    assert temp_writer("shot.png") is None and temp_writer(".x.abc.cftmp") is None
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not pid_alive(dead.pid) and pid_alive(os.getpid())
    stale = tmp_path / f".shot.1002.png.{dead.pid}-{HOST}.cftmp"
    for path in (mine, stale):
        path.write_bytes(b"x")
    assert remove_stale_temps(tmp_path) == 1
    assert mine.exists() and not stale.exists()


def test_sidecar_stores_non_utf8_names_losslessly_as_valid_json(tmp_path):
    name = os.fsdecode(b"sh\xff\xfe01")
    sidecar.start_shot(tmp_path, {"shot": name, "input": name}, overwrite_frames=False)
    raw = (tmp_path / sidecar.SIDECAR_NAME).read_bytes()
    raw.decode("utf-8")  # valid UTF-8
    data = json.loads(raw)
    assert os.fsencode(data["shot"]) == b"sh\xff\xfe01"
    assert sidecar.read_sidecar(tmp_path)["input"] == name


def test_reconcile_records_files_on_disk_and_drops_records_of_missing_files(tmp_path):
    (tmp_path / "a.png").write_bytes(b"x")
    sidecar.record_frames(tmp_path, {2: {"status": "done", "output": "gone.png"}, 3: {"status": "failed"}})
    sidecar.reconcile(tmp_path, tmp_path, {1: {"status": "done", "output": "a.png"}})
    frames = sidecar.read_sidecar(tmp_path)["frames"]
    assert frames == {"1": {"status": "done", "output": "a.png"}, "3": {"status": "failed"}}


def test_sidecar_lock_works_without_fcntl(tmp_path):
    """On Windows there is no fcntl: the sidecar must still lock and write (filelock)."""
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "from pathlib import Path\n"
        "from colorframes.io import sidecar\n"
        f"sidecar.record_frames(Path({str(tmp_path)!r}), {{1: {{'status': 'done', 'output': 'a.png'}}}})\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert sidecar.read_sidecar(tmp_path)["done"] == 1


def test_mask_runner_takes_the_first_device_of_a_list():
    from colorframes.masks.runners import pick_torch_device

    assert str(pick_torch_device("cpu,cpu")[0]) == "cpu"
    assert str(pick_torch_device(" cpu , cuda:1")[0]) == "cpu"
    with pytest.raises(ConfigError, match="--device"):
        pick_torch_device("gpu0")


def test_output_names_must_fit_the_file_system():
    check_name_length(Path("shot.1001.png"))
    with pytest.raises(ConfigError, match="--name-template"):
        check_name_length(Path("x" * 230 + ".png"))
    with pytest.raises(ConfigError, match="--name-template"):
        check_name_length(Path("é" * 110 + ".png"))  # 220 bytes in UTF-8
