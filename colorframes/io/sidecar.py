"""The per-shot sidecar `colorframes.json`: resolved options, seed, model, versions, frames done/failed.

Several workers (shards, devices) may update one sidecar: every update is a read-merge-write under an
exclusive lock on `.colorframes.lock` (`filelock`: works on Linux, macOS and Windows), written atomically,
so none loses another's frames. Names that are not valid UTF-8 (surrogate-escaped by Python) are stored as
`\\udcXX` JSON escapes: the file stays valid JSON and `json.loads` gives the original name back.

After every shot a worker reconciles the sidecar with the disk (`reconcile`): a frame whose output exists is
recorded as done, a "done" record whose output is gone is dropped. So after any completed rerun, even one
following a kill -9, the sidecar lists exactly the frames on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..options import SETTINGS_THAT_CHANGE_PIXELS, RunOptions
from .images import display, write_bytes_atomic

SIDECAR_NAME = "colorframes.json"
LOCK_NAME = ".colorframes.lock"
PIXEL_REVISION = 2
"""Raised whenever the same settings give different pixels (a new flat colorizer, another rounding), so
a folder rendered by an older colorframes is refused on resume instead of mixing frames of two renderers.
1 (not recorded): colorframes 0.1.0 and 0.2.0; 2: after 0.2.0 (the flat colorizer's sheet, weak-region and
line changes; 8-bit diffusion results reach --flatten / --background as floats)."""


def settings_of(options: RunOptions, reference: str | None) -> dict[str, Any]:
    """The settings that decide a frame's pixels (plus the reference), as recorded and compared."""
    full = options.to_dict()
    settings = {key: full[key] for key in SETTINGS_THAT_CHANGE_PIXELS}
    settings["reference"] = reference
    settings["pixel_revision"] = PIXEL_REVISION
    return settings


def settings_hash(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def package_versions() -> dict[str, str]:
    from importlib import metadata

    from .. import __version__

    versions = {"python": platform.python_version(), "colorframes": __version__}
    for dist in ("numpy", "opencv-python-headless", "torch", "diffusers", "open_clip_torch", "peft"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return versions


@contextlib.contextmanager
def locked(shot_dir: Path) -> Iterator[None]:
    from filelock import FileLock

    shot_dir.mkdir(parents=True, exist_ok=True)
    # thread_local=False: one worker's threads (several --device) take turns like separate processes do
    with FileLock(shot_dir / LOCK_NAME, thread_local=False):
        yield


_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(data: Any) -> bytes:
    """JSON as UTF-8, with the surrogate escapes of non-UTF-8 names written as `\\udcXX` (lossless)."""
    text = json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def read_sidecar(shot_dir: Path) -> dict[str, Any] | None:
    path = shot_dir / SIDECAR_NAME
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(f"{display(path)}: sidecar is not valid JSON; delete it or rerun with --overwrite") from None


def _write(shot_dir: Path, data: dict[str, Any]) -> None:
    frames = data.get("frames", {})
    data["done"] = sum(1 for f in frames.values() if f.get("status") == "done")
    data["failed"] = sum(1 for f in frames.values() if f.get("status") == "failed")
    write_bytes_atomic(shot_dir / SIDECAR_NAME, dumps(data))


def check_settings(shot_dir: Path, settings: dict[str, Any], overwrite: bool) -> bool:
    """True when an existing sidecar's settings match. Differing settings refuse unless --overwrite."""
    existing = read_sidecar(shot_dir)
    if existing is None:
        return True
    if existing.get("settings_hash") == settings_hash(settings):
        return True
    if overwrite:
        return False
    old = existing.get("settings", {})
    changed = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
    raise ConfigError(
        f"{display(shot_dir)}: existing outputs were made with different settings "
        f"({', '.join(changed) or 'unknown'}); rerun with --overwrite or choose another -o folder"
    )


def start_shot(shot_dir: Path, header: dict[str, Any], overwrite_frames: bool) -> None:
    """Create or refresh the sidecar header; `overwrite_frames` drops records made with other settings."""
    with locked(shot_dir):
        data = read_sidecar(shot_dir) or {}
        frames = {} if overwrite_frames else data.get("frames", {})
        data.update(header)
        data["frames"] = frames
        _write(shot_dir, data)


def record_frames(shot_dir: Path, records: dict[int, dict[str, Any]]) -> None:
    """Merge per-frame records (frame number → record) into the sidecar under the lock."""
    if not records:
        return
    with locked(shot_dir):
        data = read_sidecar(shot_dir) or {"frames": {}}
        frames = data.setdefault("frames", {})
        for number, record in records.items():
            frames[str(number)] = record
        data["frames"] = dict(sorted(frames.items(), key=lambda kv: int(kv[0])))
        _write(shot_dir, data)


def reconcile(shot_dir: Path, frames_dir: Path, on_disk: dict[int, dict[str, Any]]) -> None:
    """Make the sidecar true to the disk: `on_disk` (frame number → a done record) are frames of this worker
    whose output exists; they are recorded as done unless already so. Any "done" record whose output file is
    gone is dropped."""
    with locked(shot_dir):
        data = read_sidecar(shot_dir) or {"frames": {}}
        frames = data.setdefault("frames", {})
        for key, record in list(frames.items()):
            output = record.get("output")
            if record.get("status") == "done" and (not output or not (frames_dir / output).exists()):
                del frames[key]
        for number, record in on_disk.items():
            if frames.get(str(number), {}).get("status") != "done":
                frames[str(number)] = record
        data["frames"] = dict(sorted(frames.items(), key=lambda kv: int(kv[0])))
        _write(shot_dir, data)
