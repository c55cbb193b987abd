"""The per-shot sidecar `colorframes.json`: resolved options, seed, model, versions, frames done/failed.

Several workers (shards, devices) may update one sidecar: every update is a read-merge-write under an
exclusive `fcntl` lock on `.colorframes.lock`, written atomically, so none loses another's frames.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..options import SETTINGS_THAT_CHANGE_PIXELS, RunOptions
from .images import display, write_bytes_atomic

SIDECAR_NAME = "colorframes.json"
LOCK_NAME = ".colorframes.lock"


def settings_of(options: RunOptions, reference: str | None) -> dict[str, Any]:
    """The settings that decide a frame's pixels (plus the reference), as recorded and compared."""
    full = options.to_dict()
    settings = {key: full[key] for key in SETTINGS_THAT_CHANGE_PIXELS}
    settings["reference"] = reference
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
    shot_dir.mkdir(parents=True, exist_ok=True)
    with open(shot_dir / LOCK_NAME, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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
    payload = json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False).encode("utf-8", "surrogateescape")
    write_bytes_atomic(shot_dir / SIDECAR_NAME, payload)


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


def adopt_frames(shot_dir: Path, records: dict[int, dict[str, Any]]) -> int:
    """Record finished outputs that have no `done` record yet; returns how many were added.

    A task killed outright (SIGKILL, node loss) never flushes its last records, yet its frames exist
    (writes are atomic) and its rerun skips them: they are recorded here so the sidecar lists every frame
    on disk. Without a sidecar nothing is adopted (the frames' settings are unknown).
    """
    if not records:
        return 0
    with locked(shot_dir):
        data = read_sidecar(shot_dir)
        if data is None:
            return 0
        frames = data.setdefault("frames", {})
        added = {n: r for n, r in records.items() if frames.get(str(n), {}).get("status") != "done"}
        if added:
            frames.update({str(n): r for n, r in added.items()})
            data["frames"] = dict(sorted(frames.items(), key=lambda kv: int(kv[0])))
            _write(shot_dir, data)
        return len(added)


def update_fields(shot_dir: Path, fields: dict[str, Any]) -> None:
    with locked(shot_dir):
        data = read_sidecar(shot_dir) or {"frames": {}}
        data.update(fields)
        _write(shot_dir, data)
