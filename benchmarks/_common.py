"""Shared by the benchmark scripts (run as `python benchmarks/<script>.py`, so this folder is on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_make_example():
    """The example shot generator `examples/make_example.py` (original art drawn by code)."""
    from examples import make_example

    return make_example


def print_columns(table: list[list[str]]) -> None:
    """Print rows of cells (the first row is the header) as left-aligned columns two spaces apart."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))


def peak_mb(field: str = "VmHWM") -> float | None:
    """A peak of this process from /proc/self/status (Linux), in MB: `VmHWM` its resident set, `VmPeak` its
    address space. Why not `ru_maxrss`: Linux carries the high-water mark of the address space a process
    leaves at exec into it, so a child started by a (large) bench process reports the bench's RSS; `VmHWM`
    belongs to the child's own address space. None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """This process's peak RSS in MB (`peak_mb`; `ru_maxrss` where /proc is absent)."""
    import resource

    own = peak_mb("VmHWM")
    if own is not None:
        return own
    scale = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0  # bytes on macOS, KiB on Linux
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale, 1)
