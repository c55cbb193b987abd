"""The README's Tests section names the places the tests really look (fixture, Chromium), and `-q` stays quiet."""

from __future__ import annotations

import tomllib
from pathlib import Path

from cf_helpers import GOLDEN_FIXTURE_NAME

ROOT = Path(__file__).resolve().parents[1]


def test_readme_says_where_the_fixture_and_chromium_come_from():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Tests") : readme.index("## Options, presets and precedence")]
    browser_test = (ROOT / "tests" / "review" / "test_browser.py").read_text(encoding="utf-8")
    assert GOLDEN_FIXTURE_NAME in section and "../shared/fixtures/" in section and "COLORFRAMES_FIXTURES" in section
    assert 'Path("/usr/bin/chromium")' in browser_test and "/usr/bin/chromium" in section
    assert "skip" in section and "-rs" in section


def test_pytest_does_not_list_skips_by_default():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "s" not in options["addopts"].removeprefix("-r")  # failures and errors only
    assert any("copy keyword" in f for f in options["filterwarnings"])
