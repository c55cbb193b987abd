"""Per-frame plots as inline SVG: no image files, no plotting library, crisp at any zoom.

Each plot carries `data-n`, `data-x0`, `data-x1` so the page's script can map a click to a frame index
and move the `.cursor` line to the current frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 1000, 150
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 22, 20


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Index runs without gaps (None breaks a line)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, v in enumerate(values):
        if v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def svg_plot(
    values: Sequence[float | None],
    title: str,
    frames: Sequence[int],
    kind: str = "line",
    plot_id: str = "plot",
    color: str = "#4aa3ff",
) -> str:
    """An SVG string plotting `values` (one per frame; None = no value) as a line or bars."""
    n = len(values)
    x0, x1 = LEFT, WIDTH - RIGHT
    y0, y1 = HEIGHT - BOTTOM, TOP  # y0 = baseline
    known = {i: v for i, v in enumerate(values) if v is not None}  # index -> value, gaps left out
    present = list(known.values())
    vmax = max(present) if present else 0.0
    scale = (y0 - y1) / vmax if vmax > 0 else 0.0
    step = (x1 - x0) / max(n, 1)

    def px(i: int) -> float:
        return x0 + (i + 0.5) * step

    def py(v: float) -> float:
        return y0 - v * scale

    parts = [
        f'<svg id="{plot_id}" class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" data-n="{n}" data-x0="{x0}" data-x1="{x1}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{x0}" y="14" class="title">{escape(title)}</text>',
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" class="axis"/>',
        f'<line x1="{x0}" y1="{y1}" x2="{x0}" y2="{y0}" class="axis"/>',
        f'<text x="{x0 - 4}" y="{y1 + 4}" class="tick" text-anchor="end">{_fmt(vmax)}</text>',
        f'<text x="{x0 - 4}" y="{y0}" class="tick" text-anchor="end">0</text>',
    ]
    if frames:
        parts.append(f'<text x="{x0}" y="{HEIGHT - 4}" class="tick">{frames[0]}</text>')
        parts.append(f'<text x="{x1}" y="{HEIGHT - 4}" class="tick" text-anchor="end">{frames[-1]}</text>')
    if not present:
        parts.append(f'<text x="{(x0 + x1) / 2}" y="{(y0 + y1) / 2}" class="tick" text-anchor="middle">no data</text>')
    elif kind == "bar":
        width = max(1.0, step * 0.8)
        d = " ".join(f"M{px(i):.1f} {y0}V{py(v):.1f}" for i, v in enumerate(values) if v)
        if d:
            parts.append(f'<path d="{d}" stroke="{color}" stroke-width="{width:.2f}" fill="none"/>')
    else:
        for run in _runs(values):
            if len(run) == 1:
                i = run[0]
                parts.append(f'<circle cx="{px(i):.1f}" cy="{py(known[i]):.1f}" r="2.5" fill="{color}"/>')
                continue
            points = " ".join(f"{px(i):.1f},{py(known[i]):.1f}" for i in run)
            parts.append(f'<polyline points="{points}" stroke="{color}" stroke-width="1.5" fill="none"/>')
    parts.append(f'<line class="cursor" x1="{px(0):.1f}" y1="{y1}" x2="{px(0):.1f}" y2="{y0}"/>')
    parts.append('<rect class="hit" x="0" y="0" width="100%" height="100%" fill="transparent"/>')
    parts.append("</svg>")
    return "".join(parts)
