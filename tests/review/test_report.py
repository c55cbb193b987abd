"""The HTML report: no broken references, settings and failures present, stats, escaping, caching."""

from __future__ import annotations

import json
import os
import shutil
import time

import cv2
import numpy as np
import pytest

from colorframes.errors import InputError
from colorframes.review import build_review, find_shots

from .conftest import make_run, page_references, resolve_url


def _rows(table):
    return {row[0]: dict(zip(table["cols"], row, strict=True)) for row in table["rows"]}


def test_every_reference_resolves(fake_run):
    result = build_review(fake_run.shot_dir)
    review_dir = result.html.parent
    refs, table = page_references(result.html)
    assert "contact_sheet.png" in refs
    urls = list(refs)
    for row in _rows(table).values():
        urls += [row[k] for k in ("sketch", "mask", "result", "thumb") if row[k]]
    assert len(urls) >= 1 + 6 * 4 - 1  # every frame has sketch, mask, thumb; one has no result
    for url in urls:
        assert resolve_url(url, review_dir).is_file(), url


def test_frame_table_matches_the_run(fake_run):
    result = build_review(fake_run.shot_dir)
    rows = _rows(page_references(result.html)[1])
    assert sorted(rows) == fake_run.frames
    failed = rows[fake_run.failed]
    assert failed["status"] == "failed" and failed["result"] is None
    assert "ran out of memory" in failed["error"]
    for number, count in fake_run.low_confidence.items():
        assert rows[number]["low"] == count
    assert rows[fake_run.frames[0]]["flicker"] is None  # no previous frame
    after_failed = fake_run.frames[fake_run.frames.index(fake_run.failed) + 1]
    assert rows[after_failed]["flicker"] is None  # previous frame has no result
    a, b = fake_run.frames[0], fake_run.frames[1]
    expected = np.abs(np.subtract(fake_run.colors[a], fake_run.colors[b])).mean() / 255.0
    assert rows[b]["flicker"] == pytest.approx(expected, abs=0.02)
    assert rows[b]["seconds"] == pytest.approx(0.2)


def test_settings_failures_and_check_first_appear(fake_run):
    result = build_review(fake_run.shot_dir)
    page = result.html.read_text(encoding="utf-8")
    for text in ("gap_radius", "abc123deadbeef", "flat-paint-bucket", "123456", "Failed frames (1)"):
        assert text in page
    assert "colorizer ran out of memory; lower --resolution" in page
    worst = fake_run.frames[4]  # 6 regions where the other frames have 0-2
    assert 'id="check-first"' in page and "6 low-confidence region(s) (shot median 2)" in page
    low = [p for p in result.check_first if p["reason"] == "low confidence"]
    assert [p["frame"] for p in low] == [worst] and low[0]["value"] == 6
    assert page.count('<svg id="plot-') >= 3


def test_untrusted_text_is_escaped(tmp_path):
    run = make_run(tmp_path)
    path = run.shot_dir / "colorframes.json"
    data = json.loads(path.read_text())
    evil = "</script><img src=x onerror=alert(1)>"
    data["frames"][str(run.failed)]["error"] = evil
    data["options"]["hints"] = evil
    path.write_text(json.dumps(data))
    result = build_review(run.shot_dir)
    page = result.html.read_text(encoding="utf-8")
    assert "<img src=x" not in page
    refs, table = page_references(result.html)  # the JSON table still parses
    assert "x" not in refs
    assert _rows(table)[run.failed]["error"] == evil


def test_thumbnails_are_reused_until_the_source_changes(fake_run):
    first = build_review(fake_run.shot_dir)
    assert first.thumbs_made == 17 and first.thumbs_reused == 0  # 6 sketches, 6 masks, 5 results
    second = build_review(fake_run.shot_dir)
    assert second.thumbs_made == 0 and second.thumbs_reused == 17
    changed = fake_run.shot_dir / f"shot01.{fake_run.frames[0]}.png"
    later = time.time() + 5
    os.utime(changed, (later, later))
    third = build_review(fake_run.shot_dir)
    assert third.thumbs_made == 1 and third.thumbs_reused == 16


def test_sketch_folder_override_and_non_web_formats(tmp_path):
    run = make_run(tmp_path, n=3, failed_index=None)
    moved = tmp_path / "moved"
    shutil.move(run.input_dir, moved)
    rows = _rows(page_references(build_review(run.shot_dir).html)[1])
    assert all(row["sketch"] is None for row in rows.values())
    # Inputs as TIFF: the page shows a PNG copy, since browsers cannot display TIFF.
    for png in moved.glob("*.png"):
        cv2.imwrite(str(png.with_suffix(".tif")), cv2.imread(str(png)))
    data = json.loads((run.shot_dir / "colorframes.json").read_text())
    for entry in data["frames"].values():
        entry["input"] = entry["input"].replace(".png", ".tif")
    (run.shot_dir / "colorframes.json").write_text(json.dumps(data))
    result = build_review(run.shot_dir, moved)
    rows = _rows(page_references(result.html)[1])
    for row in rows.values():
        assert row["sketch"].endswith("_sketch_view.png")
        assert resolve_url(row["sketch"], result.html.parent).is_file()


def test_missing_or_malformed_sidecar_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no sidecar"):
        build_review(tmp_path)
    (tmp_path / "colorframes.json").write_text("{not json")
    with pytest.raises(InputError, match=r"colorframes\.json: malformed sidecar"):
        build_review(tmp_path)
    with pytest.raises(InputError, match="no colorframes.json found"):
        find_shots(_empty(tmp_path))


def _empty(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    return empty


def test_shot_with_no_frames_still_gets_a_page(tmp_path):
    (tmp_path / "colorframes.json").write_text(json.dumps({"shot": "empty", "frames": {}}))
    result = build_review(tmp_path)
    assert result.frames == 0 and result.html.is_file() and result.contact_sheet.is_file()
    assert page_references(result.html)[1]["rows"] == []
