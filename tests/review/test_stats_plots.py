"""Per-frame numbers and their SVG plots; the benchmark harness in smoke mode."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from colorframes.review import build_review
from colorframes.review.plots import svg_plot
from colorframes.review.stats import FrameStats, check_first

SVG = "{http://www.w3.org/2000/svg}"


def test_line_plot_breaks_at_missing_values_and_scales_to_max():
    svg = ElementTree.fromstring(svg_plot([None, 0.5, 1.0, None, 0.25], "flicker", [1, 2, 3, 4, 5]))
    lines = svg.findall(f"{SVG}polyline")
    dots = svg.findall(f"{SVG}circle")
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    assert len(dots) == 1  # the lone value after the gap
    assert svg.get("data-n") == "5"
    ticks = [t.text for t in svg.findall(f"{SVG}text")]
    assert ticks.count("1") == 2 and "5" in ticks  # y maximum 1, frame range 1..5


def test_bar_plot_draws_one_bar_per_nonzero_value():
    svg = ElementTree.fromstring(svg_plot([0, 2, None, 1], "low", [10, 11, 12, 13], kind="bar"))
    (path,) = svg.findall(f"{SVG}path")
    assert path.get("d").count("M") == 2
    empty = ElementTree.fromstring(svg_plot([None, None], "none", [1, 2]))
    assert "no data" in [t.text for t in empty.findall(f"{SVG}text")]


def test_check_first_lists_only_outliers_ranked_capped_and_says_why():
    flicker = [None, 0.1, 0.1, 0.1, 0.5, 0.1, 0.1, 0.3]
    lows = [0, 0, 0, 0, 0, 4, 0, 1]
    stats = [
        FrameStats(flicker=f, low_confidence=c, confidence=0.2 if c else None)
        for f, c in zip(flicker, lows, strict=True)
    ]
    picks = check_first(list(range(1, 9)), stats)
    assert [(p["frame"], p["reason"]) for p in picks] == [(5, "flicker"), (6, "low confidence"), (8, "flicker")]
    assert "5.0x the shot's median" in picks[0]["why"] and "4 low-confidence region(s)" in picks[1]["why"]
    assert [p["frame"] for p in check_first(list(range(1, 9)), stats, limit=2)] == [5, 6]
    calm = [FrameStats(flicker=0.1, low_confidence=1) for _ in range(24)]
    assert check_first(list(range(24)), calm) == []  # nothing stands out: nothing listed
    jumpy = [FrameStats(flicker=1.0 if i % 10 == 0 else 0.1, low_confidence=0) for i in range(1, 101)]
    assert len(check_first(list(range(100)), jumpy)) == 5  # 10 stand out; capped at 5


def test_pair_cache_holds_only_current_pairs(fake_run):
    build_review(fake_run.shot_dir)
    cache = json.loads((fake_run.shot_dir / "review" / "thumbs" / "pairs.json").read_text())
    # 6 frames, frame 4 failed: pairs (1,2), (2,3), (5,6).
    assert len(cache["pairs"]) == 3
    (fake_run.shot_dir / f"shot01.{fake_run.frames[-1]}.png").unlink()
    data = json.loads((fake_run.shot_dir / "colorframes.json").read_text())
    data["frames"][str(fake_run.frames[-1])].update(status="failed", output=None, error="gone")
    (fake_run.shot_dir / "colorframes.json").write_text(json.dumps(data))
    build_review(fake_run.shot_dir)
    cache = json.loads((fake_run.shot_dir / "review" / "thumbs" / "pairs.json").read_text())
    assert len(cache["pairs"]) == 2


def test_read_confidence_counts_regions_and_takes_the_weakest(tmp_path):
    from colorframes.review.stats import read_confidence

    report = tmp_path / "r.json"
    report.write_text(json.dumps({"low_confidence": [{"confidence": 0.3}, {"confidence": 0.05}, {}]}))
    assert read_confidence(report) == (3, 0.05)
    report.write_text(json.dumps({"low_confidence": [], "confidence": 0.9}))
    assert read_confidence(report) == (0, 0.9)
    report.write_text("not json")
    assert read_confidence(report) == (None, None)
    assert read_confidence(None) == (None, None)
