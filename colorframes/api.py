"""The Python API under the CLI. Nothing here prints or exits: progress goes through `callback(event)`,
problems are raised as `ColorframesError` subclasses (each carrying its exit code).

Callback events are dicts with an `"event"` key:
    plan     {"shots", "frames", "skipped"}                  once, before any frame
    shot     {"shot", "frames"}                                per shot with frames to render
    frame    {"shot", "frame", "status": done|failed, "index", "total", "seconds"?, "output"?, "error"?}
    warning  {"message"}                                       fallbacks, gaps, skipped files
    note     {"message"}
    mp4      {"shot", "path"}

Example:
    >>> from colorframes import api
    >>> summary = api.run(["examples/shot01"], reference="examples/sheet.png",
    ...                   options=api.RunOptions(backend="flat", output="out"))
    >>> summary.exit_code
    0
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .options import RunOptions, resolve_options, validate
from .runner import RunSummary, execute, plan_run
from .runner.preflight import Requirements, check_requirements, requirements

__all__ = [
    "Requirements",
    "RunOptions",
    "check_requirements",
    "requirements",
    "RunSummary",
    "evaluate",
    "find_shots",
    "inspect",
    "resolve_options",
    "review",
    "review_shot",
    "run",
    "segment",
]


def run(
    inputs: list[str],
    reference: str | None = None,
    options: RunOptions | None = None,
    callback: Callable[[dict[str, Any]], None] | None = None,
) -> RunSummary:
    """Colorize every selected frame of every shot in `inputs`.

    Args:
        inputs: folders, sequence patterns, images or videos (see `colorframes.io.discover`).
        reference: the character sheet; a `ref.*` file inside a shot folder overrides it for that shot.
        options: a `RunOptions`; defaults to `RunOptions()`.
        callback: receives progress events (see the module docstring).

    Returns:
        A `RunSummary`; `summary.exit_code` is 0 when every requested frame exists, 1 when some failed.
    """
    options = validate(options or RunOptions())
    check_requirements(options)  # every missing package and weights file at once, before any folder exists
    plans, warnings = plan_run(inputs, reference, options)
    return execute(plans, options, warnings, callback)


def inspect(inputs: list[str], reference: str | None = None, options: RunOptions | None = None) -> dict[str, Any]:
    """What `run` would see and do — shots, frame counts, ranges, gaps, sizes, writes and skips —
    without loading any model."""
    from .io.framespec import format_ranges
    from .io.images import display
    from .runner.frames import frame_size as _frame_size

    options = validate(options or RunOptions())
    plans, warnings = plan_run(inputs, reference, options)
    shots = []
    for plan in plans:
        shot = plan.shot
        size = _frame_size(shot, shot.frames[0]) if shot.frames else (0, 0)
        selected = [f.number for f in plan.selected]
        shots.append(
            {
                "shot": shot.name,
                "kind": shot.kind,
                "source": display(shot.source),
                "frames": len(shot.frames),
                "range": format_ranges(shot.numbers)
                if shot.kind != "video"
                else f"{shot.numbers[0]}-{shot.numbers[-1]}",
                "gaps": format_ranges(shot.gaps),
                "size": {"width": size[1], "height": size[0]},
                "fps": shot.fps,
                "reference": display(plan.reference) if plan.reference else None,
                "seed": plan.seed,
                "output": display(plan.out_dir),
                "selected": format_ranges(selected),
                "write": format_ranges([f.number for f in plan.to_render]),
                "skip": format_ranges(sorted(plan.skip & set(selected))),
                "missing_requested": format_ranges(plan.missing),
                "notes": shot.notes,
            }
        )
    return {"shots": shots, "warnings": warnings}


def review_shot(
    shot_dir: str | os.PathLike,
    sketches: str | os.PathLike | None = None,
    callback: Callable[[dict[str, Any]], None] | None = None,
    open: bool = False,
):
    """Contact sheet + HTML report for one shot output folder (see `colorframes.review.build_review`)."""
    from pathlib import Path

    from .review import build_review

    return build_review(Path(shot_dir), sketches, open=open, progress=callback)


def find_shots(out: str | os.PathLike) -> list:
    """Every shot folder under `out` holding a `colorframes.json` (InputError when there is none)."""
    from pathlib import Path

    from .review import find_shots as _find_shots

    return _find_shots(Path(out))


def review(
    out: str | os.PathLike,
    sketches: str | os.PathLike | None = None,
    callback: Callable[[dict[str, Any]], None] | None = None,
) -> list:
    """Review every shot folder under `out` that holds a `colorframes.json`."""
    return [review_shot(str(shot), sketches, callback) for shot in find_shots(out)]


def segment(
    inputs: list[str],
    output: str,
    options: RunOptions | None = None,
    reference: str | None = None,
    threshold: float | None = None,
    callback: Callable[[dict[str, Any]], None] | None = None,
):
    """Write the foreground mask of every frame (and of the reference) as PNG for a colorist to check."""
    from .masks.segment import segment as _segment

    options = validate(options or RunOptions())
    check_requirements(options.replace(backend="flat"))  # the mask model's packages and weights
    return _segment(inputs, output, options, reference, threshold, callback)


def evaluate(
    pred: str | os.PathLike,
    gt: str | os.PathLike | None = None,
    sketch: str | os.PathLike | None = None,
    reference: str | os.PathLike | None = None,
    **kwargs,
):
    """PSNR, SSIM/MS-SSIM, temporal consistency, warping error, palette ΔE, line fidelity, segment accuracy
    (see `colorframes.metrics.evaluate`); frames are paired by number."""
    from .metrics import evaluate as _evaluate

    return _evaluate(pred, gt, sketch, reference, **kwargs)
