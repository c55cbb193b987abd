"""Frame-range specs and shards.

Grammar (fileseq-style, comma-separated items):
    1001            one frame
    1001-1100       a closed range
    1001-1100x2     every 2nd frame (also `1001-1100:2`, `1001:1100:2`)
    1100-1001       a reversed range is the same set (frames always run in increasing order)
    1001:1100       a closed range (Deadline style)

`:` is read the way farms write it (Deadline, SLURM, OpenJD chunks): `a-b:n` and `a:b:n` mean step n.
fileseq's "stagger" meaning of `:` is deliberately not supported; `y` (inverted) is refused.

Shards: `K/N` (1-based) splits the ordered selected frames into N contiguous runs whose sizes differ by at
most one; `auto` reads SLURM array variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from ..errors import InputError

_ITEM = re.compile(r"^(-?\d+)(?:(?:-|:)(-?\d+)(?:(?:x|:)(\d+))?)?$")


def parse_frame_spec(spec: str) -> list[int]:
    """Expand a spec into sorted unique frame numbers; raises InputError naming the bad item."""
    frames: set[int] = set()
    items = [s.strip() for s in spec.replace(" ", ",").split(",") if s.strip()]
    if not items:
        raise InputError(f"--frames {spec!r} selects no frames; use e.g. 1001-1100 or 1001-1100x2")
    for item in items:
        match = _ITEM.match(item)
        if not match:
            raise InputError(f"--frames: cannot parse {item!r}; use N, A-B, A-BxSTEP or A:B:STEP (e.g. 1001-1100x2)")
        start, end, step = match.groups()
        a = int(start)
        b = int(end) if end is not None else a
        n = int(step) if step is not None else 1
        if n < 1:
            raise InputError(f"--frames: step must be >= 1 in {item!r}")
        lo, hi = min(a, b), max(a, b)
        if hi - lo > 10_000_000:
            raise InputError(f"--frames: range {item!r} is too large")
        frames.update(range(lo, hi + 1, n) if a <= b else range(a, b - 1, -n))
    return sorted(frames)


def parse_shard(spec: str, environ: Mapping[str, str] | None = None) -> tuple[int, int]:
    """`K/N` (1-based) or `auto` (SLURM array task) → (k, n) with 1 <= k <= n."""
    environ = os.environ if environ is None else environ
    if spec == "auto":
        return _slurm_shard(environ)
    match = re.fullmatch(r"(\d+)/(\d+)", spec.strip())
    if not match:
        raise InputError(f"--shard {spec!r}: use K/N (e.g. 2/8, 1-based) or auto (SLURM array)")
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1 or not 1 <= k <= n:
        raise InputError(f"--shard {spec!r}: need 1 <= K <= N")
    return k, n


def _slurm_shard(environ: Mapping[str, str]) -> tuple[int, int]:
    if not environ.get("SLURM_ARRAY_TASK_ID"):
        raise InputError(
            "--shard auto: SLURM_ARRAY_TASK_ID is not set; submit with `sbatch --array` or use --shard K/N"
        )
    try:
        task = int(environ["SLURM_ARRAY_TASK_ID"])
        lo = int(environ.get("SLURM_ARRAY_TASK_MIN", "0"))
        step = int(environ.get("SLURM_ARRAY_TASK_STEP", "1") or 1)
        if "SLURM_ARRAY_TASK_COUNT" in environ:
            count = int(environ["SLURM_ARRAY_TASK_COUNT"])
        else:
            count = (int(environ["SLURM_ARRAY_TASK_MAX"]) - lo) // step + 1
    except (KeyError, ValueError):
        raise InputError(
            "--shard auto: SLURM_ARRAY_TASK_{ID,MIN,COUNT} are malformed; use --shard K/N instead"
        ) from None
    # SLURM reports STEP 1 for a list such as --array=1,3,8: its indices are not a grid, so the task's
    # position in the list cannot be computed and shards would overlap or go missing.
    top = environ.get("SLURM_ARRAY_TASK_MAX", "")
    if (top.isdigit() and int(top) != lo + (count - 1) * step) or (task - lo) % step:
        raise InputError(
            f"--shard auto: array indices {lo}-{top or '?'} (count {count}, step {step}) are not evenly spaced; "
            "submit --array=A-B or A-B:STEP, or use --shard K/N"
        )
    k = (task - lo) // step + 1
    if not 1 <= k <= count:
        raise InputError(f"--shard auto: task {task} is outside the array (min {lo}, count {count})")
    return k, count


def shard_slice(n_items: int, k: int, n: int) -> slice:
    """The k-th (1-based) of n contiguous, balanced parts of range(n_items)."""
    base, extra = divmod(n_items, n)
    start = (k - 1) * base + min(k - 1, extra)
    return slice(start, start + base + (1 if k <= extra else 0))


def select_shard(items: Sequence, k: int, n: int) -> list:
    return list(items[shard_slice(len(items), k, n)])


def format_ranges(frames: Sequence[int]) -> str:
    """Compact `1001-1010,1012` form of sorted frame numbers (for logs, inspect and sidecars)."""
    parts: list[str] = []
    frames = sorted(frames)
    i = 0
    while i < len(frames):
        j = i
        while j + 1 < len(frames) and frames[j + 1] == frames[j] + 1:
            j += 1
        parts.append(str(frames[i]) if i == j else f"{frames[i]}-{frames[j]}")
        i = j + 1
    return ",".join(parts)


def find_gaps(frames: Sequence[int]) -> list[int]:
    """Missing numbers between the first and last frame (reported, never invented)."""
    if not frames:
        return []
    present = set(frames)
    return [f for f in range(min(frames), max(frames) + 1) if f not in present]


_AT_FRAME = re.compile(r"^(.*)@(-?\d+)$")


def split_at_frame(spec: str) -> tuple[str, int | None]:
    """`PATH[@FRAME]` (--keyframe, --hints) -> (path, frame or None).

    A spec that names an existing file is a path even when it ends in `@digits`; otherwise a trailing
    `@FRAME` (an integer) is the frame the image belongs to.
    """
    match = _AT_FRAME.match(spec)
    if match and not os.path.exists(spec):
        return match.group(1), int(match.group(2))
    return spec, None
