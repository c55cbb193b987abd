"""`build_review`: turn one finished shot folder into review/contact_sheet.png and review/index.html."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..io.images import write_bytes_atomic
from .contact_sheet import ContactSheet, SheetEntry, build_contact_sheet
from .html import check_first_html, failed_html, render_page, settings_html, url_for
from .images import ensure_thumb, ensure_view, image_size
from .plots import svg_plot
from .sidecar import FrameRecord, SketchSource, read_shot, resolve_reference
from .stats import FrameStats, check_first, check_first_cap, read_confidence, read_regions, temporal_series

Progress = Callable[[dict[str, Any]], None]
KINDS = (("sketch", ".jpg"), ("mask", ".png"), ("result", ".jpg"))
FRAME_COLUMNS = (
    "frame", "status", "sketch", "mask", "result", "thumb", "seconds", "flicker", "warp", "low", "error",
    "size", "regions",
)  # fmt: skip
REFERENCE_VIEW = "reference.png"  # the character sheet's copy inside review/


@dataclass
class ReviewResult:
    """What a review wrote and found; `to_dict()` is the `--json` form."""

    shot: str
    shot_dir: Path
    html: Path
    contact_sheet: Path
    frames: int
    done: int
    failed: int
    thumbs_made: int
    thumbs_reused: int
    flicker_metric: str
    check_first: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    sheet: ContactSheet | None = field(default=None, repr=False)  # layout of the contact sheet

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("sheet")
        for key in ("shot_dir", "html", "contact_sheet"):
            data[key] = str(data[key])
        return data


def _sources(frame: FrameRecord) -> tuple[Path | None, Path | None, Path | None]:
    return frame.sketch, frame.mask, frame.result


def _make_thumbs(
    frames: list[FrameRecord], thumbs_dir: Path, workers: int
) -> tuple[list[tuple[Path | None, ...]], int, int]:
    """Thumbnails for every frame's sketch/mask/result, in parallel (OpenCV releases the GIL)."""
    jobs: list[tuple[int, int, Path, Path]] = []
    for i, frame in enumerate(frames):
        for k, source in enumerate(_sources(frame)):
            if source is not None:
                name, suffix = KINDS[k]
                jobs.append((i, k, source, thumbs_dir / f"{frame.number}_{name}{suffix}"))
    thumbs: list[list[Path | None]] = [[None, None, None] for _ in frames]
    thumbs_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda job: ensure_thumb(job[2], job[3]), jobs))
    made = reused = 0
    for (i, k, _, target), outcome in zip(jobs, outcomes, strict=True):
        if outcome is not None:
            thumbs[i][k] = target
            made += outcome is True
            reused += outcome is False
    return [tuple(t) for t in thumbs], made, reused


def _views(frame: FrameRecord, thumbs_dir: Path, review_dir: Path, shot_dir: Path) -> list[str | None]:
    """Browser URLs of the full images. Files inside the output folder are linked relatively (the link
    survives moving the folder); anything else (input sketches, formats browsers cannot show) is copied,
    downscaled, into review/ so the folder is self-contained."""
    urls: list[str | None] = []
    for (name, _), source in zip(KINDS, _sources(frame), strict=True):
        target = thumbs_dir / f"{frame.number}_{name}_view.png"
        view = ensure_view(source, target, keep_inside=shot_dir) if source else None
        if view is None and name == "sketch" and target.is_file():  # the input moved away: keep the copy
            view = target
        urls.append(url_for(view, review_dir))
    return urls


def _summary(frames: list[FrameRecord], sidecar: dict[str, Any]) -> str:
    done = sum(f.status == "done" for f in frames)
    failed = sum(f.status == "failed" for f in frames)
    backend = (sidecar.get("options") or {}).get("backend") or (sidecar.get("model") or {}).get("backend")
    seconds = [f.seconds for f in frames if f.seconds is not None]
    parts = [f"{len(frames)} frames", f"{done} done", f"{failed} failed"]
    if backend:
        parts.append(f"backend {backend}")
    if seconds:
        parts.append(f"{sum(seconds):.1f} s total, {sum(seconds) / len(seconds):.2f} s/frame")
    return ", ".join(parts)


def build_review(
    shot_dir: Path,
    sketch_dir_or_frames: SketchSource = None,
    open: bool = False,  # the CLI flag's name
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ReviewResult:
    """Write `shot_dir/review/{contact_sheet.png, index.html, thumbs/}` from the shot's sidecar.

    `sketch_dir_or_frames` points at the input line art when the sidecar's `input` path no longer
    resolves (a folder holding the input file names, or a frame-number -> path mapping). Raises
    InputError when the sidecar is missing or malformed.
    """
    started = time.perf_counter()
    emit = progress or (lambda event: None)
    shot = read_shot(Path(shot_dir), sketch_dir_or_frames)
    review_dir = shot.shot_dir / "review"
    thumbs_dir = review_dir / "thumbs"
    frames = shot.frames
    emit({"event": "review", "shot": shot.name, "stage": "thumbs", "frames": len(frames)})
    workers = workers or min(4, os.cpu_count() or 1)
    thumbs, made, reused = _make_thumbs(frames, thumbs_dir, workers)

    emit({"event": "review", "shot": shot.name, "stage": "stats"})
    flicker, warping = temporal_series([t[2] for t in thumbs], [t[0] for t in thumbs], thumbs_dir / "pairs.json")
    stats = []
    for i, frame in enumerate(frames):
        count, score = read_confidence(frame.report)
        warp = warping[i] if warping is not None else None
        stats.append(FrameStats(flicker=flicker[i], warping=warp, low_confidence=count, confidence=score))
    numbers = [f.number for f in frames]
    picks = check_first(numbers, stats)

    emit({"event": "review", "shot": shot.name, "stage": "contact_sheet"})
    has_masks = any(f.mask is not None for f in frames)  # without --save-masks there is no mask panel
    names = ("sketch", "mask", "result") if has_masks else ("sketch", "result")
    entries = [
        SheetEntry(f.number, f.status, t if has_masks else (t[0], t[2])) for f, t in zip(frames, thumbs, strict=True)
    ]
    sheet = build_contact_sheet(entries, review_dir / "contact_sheet.png", title=shot.name, panel_names=names)
    reference = resolve_reference(shot.shot_dir, shot.sidecar.get("reference"))
    reference_view = ensure_view(reference, review_dir / REFERENCE_VIEW, keep_inside=review_dir) if reference else None
    if reference_view is None and (review_dir / REFERENCE_VIEW).is_file():  # the sheet moved away: keep the copy
        reference_view = review_dir / REFERENCE_VIEW

    emit({"event": "review", "shot": shot.name, "stage": "html"})
    rows = []
    for frame, thumb, stat in zip(frames, thumbs, stats, strict=True):
        sketch_url, mask_url, result_url = _views(frame, thumbs_dir, review_dir, shot.shot_dir)
        strip_thumb = thumb[2] or thumb[0]
        regions = read_regions(frame.report) if frame.result is not None else []
        size = image_size(frame.result) if regions else None
        rows.append(
            [
                frame.number,
                frame.status,
                sketch_url,
                mask_url,
                result_url,
                url_for(strip_thumb, review_dir),
                frame.seconds,
                None if stat.flicker is None else round(stat.flicker, 6),
                None if stat.warping is None else round(stat.warping, 6),
                stat.low_confidence,
                frame.error,
                list(size) if size else None,
                regions if size else [],
            ]
        )
    index_of = {f.number: i for i, f in enumerate(frames)}
    plots = [svg_plot(flicker, "flicker: mean abs difference to the previous result", numbers, "line", "plot-flicker")]
    if warping is not None:
        title = "warping error to the previous frame (flow from the sketches)"
        plots.append(svg_plot(warping, title, numbers, "line", "plot-warping", "#e599f7"))
    plots += [
        svg_plot([s.low_confidence for s in stats], "low-confidence regions", numbers, "bar", "plot-low", "#ff9f43"),
        svg_plot([f.seconds for f in frames], "seconds per frame", numbers, "bar", "plot-seconds", "#69db7c"),
    ]
    from .. import __version__

    page = render_page(
        title=shot.name,
        summary=_summary(frames, shot.sidecar),
        sheet_url="contact_sheet.png",
        frame_table={"cols": list(FRAME_COLUMNS), "rows": rows},
        plots=plots,
        check_first=check_first_html(picks, index_of, check_first_cap(len(frames))),
        reference_url=url_for(reference_view, review_dir),
        has_masks=has_masks,
        failed=failed_html(shot.failed, index_of),
        failed_count=len(shot.failed),
        settings=settings_html(shot.sidecar),
        version=__version__,
    )
    html_path = review_dir / "index.html"
    write_bytes_atomic(html_path, page.encode("utf-8"), make_parents=True)
    if open:
        import webbrowser

        webbrowser.open(html_path.resolve().as_uri())
    result = ReviewResult(
        shot=shot.name,
        shot_dir=shot.shot_dir,
        html=html_path,
        contact_sheet=sheet.path,
        frames=len(frames),
        done=sum(f.status == "done" for f in frames),
        failed=len(shot.failed),
        thumbs_made=made,
        thumbs_reused=reused,
        flicker_metric="warping error" if warping is not None else "flicker",
        check_first=picks,
        seconds=round(time.perf_counter() - started, 3),
        sheet=sheet,
    )
    emit({"event": "review", "shot": shot.name, "stage": "done", "html": str(html_path)})
    return result
