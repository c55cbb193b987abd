"""What a requeued array task relies on, without a scheduler: the SLURM index → shard mapping and the sidecar
catching up with frames a SIGKILLed task wrote but never recorded."""

from __future__ import annotations

import json

import pytest

from colorframes.errors import InputError
from colorframes.io.framespec import parse_shard


def _array_env(task: int, lo: int, hi: int, step: int, count: int) -> dict[str, str]:
    return {
        "SLURM_ARRAY_TASK_ID": str(task),
        "SLURM_ARRAY_TASK_MIN": str(lo),
        "SLURM_ARRAY_TASK_MAX": str(hi),
        "SLURM_ARRAY_TASK_STEP": str(step),
        "SLURM_ARRAY_TASK_COUNT": str(count),
    }


def test_stepped_arrays_map_each_index_to_its_own_shard():
    # What sbatch sets for --array=0-6:2 and --array=0-7:3 (max is the last index SLURM really runs).
    assert [parse_shard("auto", _array_env(t, 0, 6, 2, 4)) for t in (0, 2, 4, 6)] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [parse_shard("auto", _array_env(t, 0, 6, 3, 3)) for t in (0, 3, 6)] == [(1, 3), (2, 3), (3, 3)]
    assert parse_shard("auto", _array_env(7, 5, 9, 1, 5)) == (3, 5)  # --array=5-9


def test_uneven_index_lists_are_refused_in_every_task():
    # --array=1,3,8: SLURM reports MIN 1, MAX 8, STEP 1, COUNT 3; no task can know its position.
    for task in (1, 3, 8):
        with pytest.raises(InputError, match="not evenly spaced.*--array=A-B"):
            parse_shard("auto", _array_env(task, 1, 8, 1, 3))


def test_rerun_records_frames_a_killed_run_wrote_but_never_flushed(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory()
    code, _, stderr = cli("run", shot, "--ref", sheet, "-o", tmp_path)
    assert code == 0, stderr
    path = tmp_path / "shot01" / "colorframes.json"
    full = json.loads(path.read_text())
    # A SIGKILL loses the records buffered in the last second: drop three, as such a kill leaves them.
    lost = json.loads(path.read_text())
    for number in ("1002", "1004", "1005"):
        del lost["frames"][number]
    lost["done"] = 3
    path.write_text(json.dumps(lost))

    code, stdout, stderr = cli("run", shot, "--ref", sheet, "-o", tmp_path, "--json")
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert (summary["done"], summary["skipped"]) == (0, 6)  # nothing re-rendered
    after = json.loads(path.read_text())
    assert after["done"] == 6 and sorted(after["frames"]) == sorted(full["frames"])
    for number in ("1002", "1004", "1005"):
        assert after["frames"][number] == {**full["frames"][number], "seconds": None}
    for number in ("1001", "1003", "1006"):  # records that survived are kept as they were
        assert after["frames"][number] == full["frames"][number]


def test_a_rerun_without_a_sidecar_lists_exactly_the_frames_on_disk(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory()
    assert cli("run", shot, "--ref", sheet, "-o", tmp_path)[0] == 0
    (tmp_path / "shot01" / "colorframes.json").unlink()
    (tmp_path / "shot01" / "shot01.1003.png").unlink()
    code, stdout, _ = cli("run", shot, "--ref", sheet, "-o", tmp_path, "--json")
    assert code == 0 and json.loads(stdout)["skipped"] == 5
    after = json.loads((tmp_path / "shot01" / "colorframes.json").read_text())
    on_disk = sorted(p.stem.split(".")[-1] for p in (tmp_path / "shot01").glob("shot01.*.png"))
    assert sorted(after["frames"]) == on_disk == [str(n) for n in range(1001, 1007)]
    assert {r["status"] for r in after["frames"].values()} == {"done"}
