"""The contact sheet: one PNG grid, each cell sketch | mask | result (sketch | result without saved masks)
with the frame number burned in.

Size stays bounded for any shot length: at most MAX_CELLS cells (frames sampled evenly, first and last
always included) of up to three panels fitting PANEL_BOX each, so the sheet is at most about 2.5k x 2.7k
pixels; if the PNG would still exceed MAX_BYTES (noisy content compresses badly) the panels are shrunk
until it fits. The full shot is browsable in index.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.images import encode_image, read_rgb_or_none, write_bytes_atomic
from .images import fit_size, resize_to_fit

MAX_CELLS = 60
MAX_BYTES = 4 * 1024 * 1024
COLUMNS = 4
PANEL_BOX = (200, 150)  # (width, height) one panel fits inside: large enough to judge colour
LABEL_H = 20
HEADER_H = 28
GAP = 2
PAD = 8
SHEET_BG = (40, 40, 40)
MISSING_BG = (128, 128, 128)
FAILED_BG = (150, 30, 30)
PANEL_NAMES = ("sketch", "mask", "result")


@dataclass
class SheetCell:
    """Where one frame landed on the sheet; `panels` are (x, y, w, h) of sketch, mask, result."""

    frame: int
    x: int
    y: int
    w: int
    h: int
    panels: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class ContactSheet:
    path: Path
    width: int
    height: int
    cells: list[SheetCell]
    total_frames: int


@dataclass
class SheetEntry:
    """Input to the sheet: a frame number, its status and its cached thumbnails, one per panel name."""

    frame: int
    status: str
    thumbs: tuple[Path | None, ...]


def sample_indices(n: int, limit: int = MAX_CELLS) -> list[int]:
    """Evenly spaced indices into n items, first and last included, at most `limit` of them."""
    if n <= limit:
        return list(range(n))
    return sorted({int(round(i)) for i in np.linspace(0, n - 1, limit)})


def _text(canvas: np.ndarray, text: str, org: tuple[int, int], color: tuple[int, int, int], scale=0.45) -> None:
    import cv2

    cv2.putText(canvas, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 1, cv2.LINE_AA)


def _panel(thumb: Path | None, size: tuple[int, int], placeholder: str, failed: bool) -> np.ndarray:
    """A (h, w, 3) panel: the thumbnail letterboxed into `size`, or a labelled placeholder."""
    w, h = size
    image = read_rgb_or_none(thumb) if thumb is not None else None
    panel = np.empty((h, w, 3), np.uint8)
    if image is None:
        panel[:] = FAILED_BG if failed else MISSING_BG
        _text(panel, placeholder, (4, h // 2 + 4), (255, 255, 255), 0.4)
        return panel
    panel[:] = (0, 0, 0)
    fitted = resize_to_fit(image, size)
    fh, fw = fitted.shape[:2]
    y0, x0 = (h - fh) // 2, (w - fw) // 2
    panel[y0 : y0 + fh, x0 : x0 + fw] = fitted
    return panel


def _panel_size(entries: Sequence[SheetEntry], box: tuple[int, int]) -> tuple[int, int]:
    """Panel size from the aspect of the first readable thumbnail (4:3 if none)."""
    for entry in entries:
        for thumb in (entry.thumbs[-1], entry.thumbs[0]):
            if thumb is not None and (image := read_rgb_or_none(thumb)) is not None:
                return fit_size(image.shape[1], image.shape[0], (box[0], box[1]))
    return fit_size(4, 3, box)


def build_contact_sheet(
    entries: Sequence[SheetEntry],
    target: Path,
    title: str,
    max_cells: int = MAX_CELLS,
    columns: int = COLUMNS,
    panel_box: tuple[int, int] = PANEL_BOX,
    max_bytes: int = MAX_BYTES,
    panel_names: tuple[str, ...] = PANEL_NAMES,
) -> ContactSheet:
    """Lay out sampled frames in a grid and write `target` (PNG). Returns the layout for callers/tests.

    `panel_names` names the panels of each cell (the entries' thumbs follow it): sketch | mask | result,
    or sketch | result for a run without saved masks.
    """
    picked = [entries[i] for i in sample_indices(len(entries), max_cells)]
    box = panel_box
    for _ in range(4):
        sheet, cells = _render(picked, len(entries), title, columns, box, panel_names)
        data = encode_image(".png", sheet)
        if len(data) <= max_bytes:
            break
        shrink = 0.9 * (max_bytes / len(data)) ** 0.5
        box = (max(16, int(box[0] * shrink)), max(12, int(box[1] * shrink)))
    write_bytes_atomic(target, data, make_parents=True)
    return ContactSheet(target, sheet.shape[1], sheet.shape[0], cells, total_frames=len(entries))


def _render(
    picked: Sequence[SheetEntry],
    total: int,
    title: str,
    columns: int,
    panel_box: tuple[int, int],
    panel_names: tuple[str, ...] = PANEL_NAMES,
) -> tuple[np.ndarray, list[SheetCell]]:
    pw, ph = _panel_size(picked, panel_box)
    count = len(panel_names)
    cell_w, cell_h = count * pw + (count - 1) * GAP, LABEL_H + ph
    cols = max(1, min(columns, len(picked)))
    rows = max(1, -(-len(picked) // cols))
    width = max(PAD + cols * (cell_w + PAD), 420)
    height = HEADER_H + PAD + rows * (cell_h + PAD)
    sheet = np.empty((height, width, 3), np.uint8)  # (H, W, 3) RGB
    sheet[:] = SHEET_BG
    shown = f"{len(picked)} of {total} frames" + (" (sampled evenly)" if len(picked) < total else "")
    _text(sheet, f"{title}  -  {shown}  -  {' | '.join(panel_names)}", (PAD, 19), (235, 235, 235), 0.5)
    cells: list[SheetCell] = []
    for i, entry in enumerate(picked):
        x = PAD + (i % cols) * (cell_w + PAD)
        y = HEADER_H + PAD + (i // cols) * (cell_h + PAD)
        failed = entry.status == "failed"
        sheet[y : y + LABEL_H, x : x + cell_w] = (20, 20, 20)
        _text(sheet, str(entry.frame), (x + 4, y + 15), (255, 255, 255), 0.5)
        if entry.status != "done":
            _text(sheet, entry.status.upper(), (x + max(60, cell_w - 70), y + 15), (255, 90, 90), 0.45)
        cell = SheetCell(frame=entry.frame, x=x, y=y, w=cell_w, h=cell_h)
        for k, (thumb, name) in enumerate(zip(entry.thumbs, panel_names, strict=True)):
            px, py = x + k * (pw + GAP), y + LABEL_H
            label = "FAILED" if (failed and name == "result") else f"no {name}"
            sheet[py : py + ph, px : px + pw] = _panel(thumb, (pw, ph), label, failed and name == "result")
            cell.panels.append((px, py, pw, ph))
        cells.append(cell)
    return sheet, cells
