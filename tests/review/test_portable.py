"""The review folder is self-contained: move the output folder (and lose the inputs), every image still loads.

Also what the page shows: the reference sheet, low-confidence regions to draw, no empty mask panel
without masks, only the options of the backend used.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from colorframes.cli import app
from colorframes.review import build_review

from .conftest import page_references, resolve_url

ROOT = Path(__file__).resolve().parents[2]


def _rows(table):
    return {row[0]: dict(zip(table["cols"], row, strict=True)) for row in table["rows"]}


def test_moved_output_folder_keeps_every_image(tmp_path):
    shot = tmp_path / "delivery" / "shot01"
    shutil.copytree(ROOT / "examples" / "shot01", shot)
    sheet = tmp_path / "delivery" / "sheet.png"
    shutil.copy(ROOT / "examples" / "sheet.png", sheet)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", str(shot), "--ref", str(sheet), "--frames", "1001-1003", "-o", str(out), "--report", "--review"]
    )
    assert result.exit_code == 0, result.output
    moved = tmp_path / "elsewhere" / "out"
    shutil.move(str(out), str(moved))
    shutil.rmtree(tmp_path / "delivery")  # the inputs are gone too: only the output folder travels
    html = moved / "shot01" / "review" / "index.html"
    refs, table = page_references(html)
    urls = list(refs)
    rows = _rows(table)
    for row in rows.values():
        urls += [row[k] for k in ("sketch", "mask", "result", "thumb") if row[k]]
    assert all(row["sketch"] and row["result"] for row in rows.values()) and len(rows) == 3
    assert any(u.endswith("reference.png") for u in refs)  # the sheet is shown
    for url in urls:
        path = resolve_url(url, html.parent).resolve()
        assert path.is_file(), url
        assert moved.resolve() in path.parents, f"{url} points outside the output folder"
    page = html.read_text(encoding="utf-8")
    assert '<body class="no-masks">' in page  # no --save-masks: no empty mask panel
    settings = page[page.index("<summary>Options</summary>") :]
    assert "gap_radius" in settings and "scheduler" not in settings and "guidance_scale" not in settings
    again = CliRunner().invoke(app, ["review", str(moved)])  # re-reviewing after the move keeps the copies
    assert again.exit_code == 0, again.output
    refs, table = page_references(html)
    for row in _rows(table).values():
        assert row["sketch"] and resolve_url(row["sketch"], html.parent).is_file()
    assert any(u.endswith("reference.png") and resolve_url(u, html.parent).is_file() for u in refs)


def test_low_confidence_regions_go_to_the_page_in_frame_pixels(fake_run):
    number = fake_run.frames[2]
    report = fake_run.shot_dir / "report" / f"shot01.{number}.json"
    regions = [
        {"region": 1, "x": 20.0, "y": 10.0, "area": 36, "confidence": 0.3},
        {"region": 2, "bbox": [2, 3, 12, 9], "confidence": 0.1},
    ]
    report.write_text(json.dumps({"frame": number, "low_confidence": regions}))
    result = build_review(fake_run.shot_dir)
    row = _rows(page_references(result.html)[1])[number]
    assert row["size"] == [64, 48]
    assert row["regions"] == [[16.0, 6.0, 24.0, 14.0, 0.3], [2.0, 3.0, 12.0, 9.0, 0.1]]
    page = result.html.read_text(encoding="utf-8")
    assert 'id="regions"' in page and '<body class="">' in page  # masks saved: the mask panel stays
