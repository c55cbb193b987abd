"""`colorframes eval PRED [--gt GT] [--sketch SKETCH] [--ref SHEET] [--json]`: measure a colorized shot."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer

from ..errors import ColorframesError, FrameError, InputError
from .console import err, fail

HELP = (
    "Measure colorized frames: PSNR, SSIM, MS-SSIM, LVCD temporal consistency (tc) and segment "
    "accuracy against --gt; warping error (no GT needed); line fidelity against --sketch; palette "
    "ΔE2000 against --ref. PRED, GT and SKETCH are folders, image sequences (shot.####.png) or "
    "videos; frames are paired by the number at the end of the file name (videos count from 1)."
)


def _finite(value: Any) -> Any:
    """JSON has no inf/nan: they become null (nan = undefined; psnr inf = identical frames)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.4f}"


def render_table(result: dict) -> str:
    """Human table: one row per metric with mean, min and max over the frames."""
    from ..metrics.evaluate import HIGHER_IS_BETTER

    rows = [("metric", "mean", "min", "max", "better")]
    for name in result["metrics"]:
        values = [f[name] for f in result["frames"].values() if name in f and not math.isnan(f[name])]
        better = "→1" if name == "tc" else "higher" if name in HIGHER_IS_BETTER else "lower"
        rows.append(
            (
                name,
                _fmt(result["mean"].get(name)),
                _fmt(min(values)) if values else "n/a",
                _fmt(max(values)) if values else "n/a",
                better,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"{result['pred']}: {result['count']} paired frames"]
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(w) if j == 0 else cell.rjust(w) for j, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("eval", help=HELP)
    def eval_command(
        pred: Path = typer.Argument(..., help="Colorized frames: folder, sequence pattern or video."),
        gt: Path | None = typer.Option(
            None, "--gt", help="Ground-truth colour frames (same numbering).", metavar="PATH"
        ),
        sketch: Path | None = typer.Option(None, "--sketch", help="Input line art (same numbering).", metavar="PATH"),
        ref: Path | None = typer.Option(
            None, "--ref", help="Character sheet for the palette distance.", metavar="PATH"
        ),
        metrics: str | None = typer.Option(
            None, "--metrics", help="Comma-separated subset (default: every metric the inputs allow).", metavar="NAMES"
        ),
        line_tolerance: int = typer.Option(
            8, "--line-tolerance", min=0, max=255, help="Line fidelity: max channel difference (0-255).", metavar="INT"
        ),
        as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout (inf/nan as null)."),
    ) -> None:
        from ..api import evaluate

        wanted = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
        try:
            result = evaluate(pred, gt, sketch, ref, metrics=wanted, line_tolerance=line_tolerance)
        except FrameError as exc:  # an unreadable frame is a bad input here: nothing is written
            fail(InputError(str(exc)))
        except ColorframesError as exc:
            fail(exc)
        for note in result["notes"]:
            err(f"note: {note}")
        for role, missing in result["unpaired"].items():
            if missing:
                err(f"note: {len(missing)} {role} frame(s) without a partner skipped (first: {missing[0]})")
        if as_json:
            typer.echo(json.dumps(_finite(result), allow_nan=False))
        else:
            typer.echo(render_table(result))
