"""The report works in a real browser: headless Debian Chromium driven by Playwright on the file:// page.

Each test frame's result is a distinct solid colour, so a screenshot pixel inside the result panel
tells which frame the page is showing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from colorframes.review import build_review

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (.ci/install-chromium.sh)"
)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, fake_run):
    result = build_review(fake_run.shot_dir)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"failed request: {req.url}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(result.html.resolve().as_uri())
    page.wait_for_load_state("load")
    yield page, fake_run, problems
    page.close()


def _pixel(page, selector: str) -> np.ndarray:
    """RGB of the screenshot pixel at the centre of `selector`."""
    import cv2

    page.wait_for_function(
        f"() => {{ const i = document.querySelector({selector!r}); return i.complete && i.naturalWidth > 0; }}"
    )
    box = page.locator(selector).bounding_box()
    shot = cv2.imdecode(np.frombuffer(page.screenshot(), np.uint8), cv2.IMREAD_COLOR)
    return shot[int(box["y"] + box["height"] / 2), int(box["x"] + box["width"] / 2)][::-1].astype(int)


def _shows(page, run, number: int) -> None:
    assert page.inner_text("#frame-label") == f"Frame {number}"
    got = _pixel(page, "#img-result")
    assert np.abs(got - np.array(run.colors[number])).max() <= 12, (number, got)


def test_scrub_next_keyboard_and_overlay(page):
    page, run, problems = page
    frames = run.frames
    _shows(page, run, frames[0])
    page.click("#next")
    _shows(page, run, frames[1])
    page.locator("#scrub").fill("4")
    _shows(page, run, frames[4])
    page.click("#prev")  # onto the failed frame: no result image, the error is shown instead
    assert page.inner_text("#frame-label") == f"Frame {run.failed}"
    assert page.locator("#img-result").get_attribute("src") is None
    assert "ran out of memory" in page.inner_text("#panels")
    page.locator("body").press("End")
    _shows(page, run, frames[-1])
    page.locator("body").press("ArrowLeft")
    _shows(page, run, frames[-2])
    page.check("#overlay-toggle")
    assert page.locator("#overlay").is_visible() and not page.locator("#panels").is_visible()
    page.locator("#overlay-opacity").fill("100")
    got = _pixel(page, "#ov-result")
    assert np.abs(got - np.array(run.colors[frames[-2]])).max() <= 12
    assert problems == []


def test_only_current_images_load_and_strip_is_lazy(page):
    page, run, problems = page
    # Outside the lazy strip, only the current frame's three full images have a source.
    sources = page.evaluate(
        "() => [...document.querySelectorAll('img[src]')].filter(i => !i.closest('#strip'))"
        ".map(i => decodeURIComponent(new URL(i.src).pathname))"
    )
    first = run.frames[0]
    assert sorted(sources) == sorted(
        [
            (run.shot_dir / "review" / "thumbs" / f"{first}_sketch_view.png").resolve().as_posix(),
            (run.shot_dir / "masks" / f"shot01.{first}.png").resolve().as_posix(),
            (run.shot_dir / f"shot01.{first}.png").resolve().as_posix(),
        ]
    )
    lazy = page.eval_on_selector_all("#strip img", "els => els.map(e => e.loading)")
    assert len(lazy) == len(run.frames) and set(lazy) == {"lazy"}
    page.click("#check-first button >> nth=0")
    first_pick = page.inner_text("#check-first button >> nth=0")
    assert page.inner_text("#frame-label") == f"Frame {first_pick}"
    assert problems == []


def test_clicking_a_plot_jumps_to_that_frame(page):
    page, run, problems = page
    svg = page.locator("#plot-seconds")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    n, x0, x1 = (float(svg.get_attribute(a)) for a in ("data-n", "data-x0", "data-x1"))
    view_width = 1000.0  # the plots' viewBox width
    for index in (2, 5, 0):
        x_view = x0 + (index + 0.5) * (x1 - x0) / n
        page.mouse.click(box["x"] + x_view / view_width * box["width"], box["y"] + box["height"] / 2)
        assert page.inner_text("#frame-label") == f"Frame {run.frames[index]}"
    cursor_x = float(page.locator("#plot-seconds .cursor").get_attribute("x1"))
    assert cursor_x == pytest.approx(x0 + 0.5 * (x1 - x0) / n, abs=0.1)
    assert problems == []


def test_moved_folder_loads_every_image_and_outlines_regions(browser, fake_run, tmp_path):
    """Deliver the output folder elsewhere without the inputs: every frame's images and the sheet load."""
    import json
    import shutil

    import cv2

    cv2.imwrite(str(fake_run.out.parent / "sheet.png"), np.full((40, 30, 3), (10, 200, 90), np.uint8))
    number = fake_run.frames[2]
    report = fake_run.shot_dir / "report" / f"shot01.{number}.json"
    report.write_text(json.dumps({"frame": number, "low_confidence": [{"bbox": [2, 3, 30, 20], "confidence": 0.1}]}))
    build_review(fake_run.shot_dir)
    moved = tmp_path / "delivered"
    shutil.move(str(fake_run.out), str(moved))
    shutil.rmtree(fake_run.input_dir)
    (fake_run.out.parent / "sheet.png").unlink()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    page.on("requestfailed", lambda req: problems.append(f"failed request: {req.url}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto((moved / "shot01" / "review" / "index.html").resolve().as_uri())
    page.wait_for_load_state("load")
    loaded = "() => [...document.querySelectorAll('#panels img[src]')].every(i => i.complete && i.naturalWidth > 0)"
    for index, frame in enumerate(fake_run.frames):
        page.locator("#scrub").fill(str(index))
        page.wait_for_function(loaded)
        shown = page.evaluate("() => [...document.querySelectorAll('#panels img[src]')].map(i => i.id)")
        assert "img-sketch" in shown and "img-reference" in shown, (frame, shown)
        rects = page.locator("#regions rect").count()
        assert rects == (1 if frame == number else fake_run.low_confidence.get(frame, 0)), frame
    assert problems == []
    page.close()
