"""Hidden temporary files that atomic writes go through, and the clean-up of those a dead writer left.

A temp name carries its writer: `.<target>.<pid>-<host>.cftmp`. A rerun removes a temp only when its writer
is gone: on this host, when the process no longer exists; on another host (a shared folder on a farm), only
when the file is older than `REMOTE_STALE_SECONDS`, since that host's processes cannot be asked. A worker
overlapping another on the same folder (a farm retry) therefore never deletes the other's write in progress.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

TMP_SUFFIX = ".cftmp"
# A temp from another host is stale after this long: one frame or MP4 write takes seconds to minutes.
REMOTE_STALE_SECONDS = 6 * 3600


def _host() -> str:
    return (socket.gethostname().replace(".", "_").replace("-", "_") or "host")[:24]


HOST = _host()


def temp_path(path: Path) -> Path:
    """The hidden temporary name a write of `path` goes through (one per writer process and host)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{HOST}{TMP_SUFFIX}")


def temp_writer(name: str) -> tuple[str, int, str | None] | None:
    """(target name, pid, host) of a temp file name, host None for the older `<pid>` form; None if not one."""
    if not (name.startswith(".") and name.endswith(TMP_SUFFIX)):
        return None
    parts = name[1 : -len(TMP_SUFFIX)].rsplit(".", 1)
    if len(parts) != 2:
        return None
    target, tag = parts
    pid_text, _, host = tag.partition("-")
    if not pid_text.isdigit():
        return None
    return target, int(pid_text), host or None


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]  # Windows only
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    """A killed child not yet reaped still has a pid; /proc says whether it is a zombie (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def writer_gone(entry: Path, pid: int, host: str | None) -> bool:
    if host is None or host == HOST:
        return not pid_alive(pid)
    try:
        return time.time() - entry.stat().st_mtime > REMOTE_STALE_SECONDS
    except OSError:
        return False


def remove_stale_temps(folder: Path) -> int:
    """Delete the temp files in `folder` whose writer is gone. Returns the count."""
    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        parsed = temp_writer(entry.name)
        if parsed is None or not writer_gone(entry, parsed[1], parsed[2]):
            continue
        try:
            entry.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError:
            continue  # read-only or vanished: a later run tries again
    return removed
