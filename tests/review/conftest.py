"""A fake finished run, generated with code: line-art inputs, solid-colour results, masks, reports and a
sidecar following ARCHITECTURE.md (one failed frame)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import cv2
import numpy as np
import pytest

# Distinct result colours (RGB), one per frame, far apart so a screenshot pixel identifies the frame.
COLORS = [
    (220, 40, 40), (40, 200, 60), (40, 80, 230), (240, 200, 30),
    (200, 40, 220), (30, 210, 210), (250, 130, 20), (120, 60, 20),
]  # fmt: skip
W, H = 64, 48


@dataclass
class FakeRun:
    out: Path
    shot_dir: Path
    input_dir: Path
    frames: list[int]
    failed: int
    colors: dict[int, tuple[int, int, int]]
    low_confidence: dict[int, int]


def _write_rgb(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1] if rgb.ndim == 3 else rgb))


def make_run(
    root: Path, n: int = 6, first: int = 1001, failed_index: int = 3, shot: str = "shot01", size=(W, H)
) -> FakeRun:
    w, h = size
    input_dir = root / "inputs" / shot
    out = root / "out"
    shot_dir = out / shot
    frames = list(range(first, first + n))
    failed = frames[failed_index] if failed_index is not None else None
    colors, lows, entries = {}, {}, {}
    for i, number in enumerate(frames):
        stem = f"{shot}.{number}"
        sketch = np.full((h, w, 3), 255, np.uint8)
        x = 4 + (i * 5) % max(1, w - 24)
        cv2.rectangle(sketch, (x, 8), (x + 16, h - 8), (0, 0, 0), 2)
        _write_rgb(input_dir / f"{stem}.png", sketch)
        mask = np.zeros((h, w), np.uint8)
        mask[8 : h - 8, x : x + 17] = 255
        _write_rgb(shot_dir / "masks" / f"{stem}.png", mask)
        entry = {"status": "done", "input": f"{stem}.png", "output": f"{stem}.png", "seconds": 0.1 * (i + 1),
                 "mask": f"masks/{stem}.png", "error": None}  # fmt: skip
        if number == failed:
            entry.update(
                status="failed",
                output=None,
                error=f"{stem}.png: colorizer ran out of memory; lower --resolution",
            )
        else:
            colors[number] = COLORS[i % len(COLORS)]
            _write_rgb(shot_dir / f"{stem}.png", np.full((h, w, 3), colors[number], np.uint8))
            lows[number] = 6 if i == 4 else i % 3  # frame index 4 stands out: "check first" lists it
            report = {
                "frame": number,
                "low_confidence": [{"id": k, "bbox": [0, 0, 4, 4], "score": 0.2} for k in range(lows[number])],
            }
            (shot_dir / "report").mkdir(parents=True, exist_ok=True)
            (shot_dir / "report" / f"{stem}.json").write_text(json.dumps(report))
        entries[str(number)] = entry
    sidecar = {
        "colorframes": "0.1.0",
        "shot": shot,
        "input": str(input_dir),
        "reference": str(root / "sheet.png"),
        "seed": 123456,
        "options": {
            "backend": "flat",
            "gap_radius": 3,
            "resolution": 512,
            "report": True,
            "save_masks": True,
        },
        "settings_hash": "abc123deadbeef",
        "model": {"backend": "flat", "id": "flat-paint-bucket", "sha256": None},
        "versions": {"python": "3.11.7", "colorframes": "0.1.0", "numpy": np.__version__},
        "frames": entries,
        "done": n - (failed is not None),
        "failed": int(failed is not None),
    }
    (shot_dir / "colorframes.json").write_text(json.dumps(sidecar, indent=2))
    return FakeRun(out, shot_dir, input_dir, frames, failed, colors, lows)


@pytest.fixture
def fake_run(tmp_path: Path) -> FakeRun:
    return make_run(tmp_path)


class _RefParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.scripts: dict[str, str] = {}
        self._script_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]
        self._script_id = values.get("id") if tag == "script" else None

    def handle_data(self, data: str) -> None:
        if self._script_id:
            self.scripts[self._script_id] = self.scripts.get(self._script_id, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_id = None


def page_references(html: Path) -> tuple[list[str], dict]:
    """(every src/href in the markup, the parsed JSON frame table) of a review page."""
    parser = _RefParser()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser.refs, json.loads(parser.scripts["frame-table"])


def resolve_url(url: str, base: Path) -> Path:
    """A page URL as a file path: relative URLs against `base`, file:// URLs as is."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    assert not parsed.scheme, f"network reference in a self-contained page: {url}"
    return base / unquote(parsed.path)
