"""`colorframes review OUT [--open] [--json]` through the real Typer app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from colorframes.cli import app

from .conftest import make_run


def test_review_every_shot_json(tmp_path):
    make_run(tmp_path, n=3, shot="sq010_sh010", failed_index=None)
    nested = make_run(tmp_path, n=2, shot="sq010_sh020", failed_index=1)
    assert nested.out == tmp_path / "out"
    result = CliRunner().invoke(app, ["review", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["shot"] for d in data] == ["sq010_sh010", "sq010_sh020"]
    assert [d["failed"] for d in data] == [0, 1]
    for d in data:
        assert (tmp_path / "out" / d["shot"] / "review" / "index.html").is_file()
        assert (tmp_path / "out" / d["shot"] / "review" / "contact_sheet.png").is_file()


def test_review_open_uses_the_file_url(tmp_path, monkeypatch):
    run = make_run(tmp_path, n=2, failed_index=None)
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    result = CliRunner().invoke(app, ["review", str(run.shot_dir), "--open"])
    assert result.exit_code == 0, result.output
    assert opened == [(run.shot_dir / "review" / "index.html").resolve().as_uri()]
    assert "review shot01: 2 frames (0 failed)" in result.stderr


def test_review_without_sidecars_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["review", str(tmp_path)])
    assert result.exit_code == 2
    assert "no colorframes.json found" in result.stderr
