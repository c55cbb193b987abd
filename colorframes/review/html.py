"""Render the self-contained review page: one HTML file with inline CSS, JS, SVG plots and a JSON
frame table; images are referenced by relative URL and loaded by the script only for the current frame
(plus `loading="lazy"` thumbnails in the frame strip).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .sidecar import FrameRecord


def url_for(target: Path | None, base_dir: Path) -> str | None:
    """A URL for `target` relative to `base_dir` (percent-encoded), or a file:// URL across drives."""
    if target is None:
        return None
    absolute = os.path.abspath(target)  # abspath, not resolve: thousands of frames, no symlink walks
    try:
        rel = os.path.relpath(absolute, os.path.abspath(base_dir))
    except ValueError:  # different drive on Windows
        return Path(absolute).as_uri()
    return quote(rel.replace(os.sep, "/"))


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON safe inside <script>: no `</script>` or comment openers can appear."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _value(value: Any) -> str:
    return escape(value if isinstance(value, str) else json.dumps(value))


def _table(rows: Mapping[str, Any]) -> str:
    body = "".join(f"<tr><th>{escape(str(k))}</th><td>{_value(v)}</td></tr>" for k, v in rows.items())
    return f'<table class="settings">{body}</table>'


# Options that only one kind of backend reads; the settings table hides the other kind's.
DIFFUSION_ONLY = frozenset({
    "model", "mode", "fg_lora", "bg_lora", "num_inference_steps", "guidance_scale", "sketch_guidance_scale",
    "sketch_strength", "scheduler", "karras", "resolution", "sketch_threshold", "ref_threshold", "dtype",
    "attention", "batch_size", "compile", "offload", "vae_slicing", "vae_dtype", "consistency", "latent_strength",
    "latent_chain", "background_tokens",
})  # fmt: skip
FLAT_ONLY = frozenset({"gap_radius", "keyframe", "hints", "report", "lines_layer"})


def relevant_options(options: Mapping[str, Any], backend: str | None) -> dict[str, Any]:
    """The options that matter for `backend` (flat hides diffusion-only ones and vice versa)."""
    hidden = DIFFUSION_ONLY if backend == "flat" else FLAT_ONLY if backend in ("diffusion", "tiny-random") else ()
    return {k: v for k, v in options.items() if k not in hidden}


def settings_html(sidecar: Mapping[str, Any]) -> str:
    """The run's settings from the sidecar: run facts, model, the options relevant to its backend, versions."""
    run_keys = ("shot", "input", "reference", "seed", "settings_hash", "colorframes", "done", "failed")
    run = {k: sidecar[k] for k in run_keys if k in sidecar}
    parts = [f"<details open><summary>Run</summary>{_table(run)}</details>"]
    for key, title, is_open in (
        ("model", "Model", True),
        ("options", "Options", True),
        ("versions", "Versions", False),
    ):
        section = sidecar.get(key)
        if key == "options" and isinstance(section, Mapping):
            backend = section.get("backend") or (sidecar.get("model") or {}).get("backend")
            section = relevant_options(section, backend)
        if isinstance(section, Mapping) and section:
            parts.append(f"<details{' open' if is_open else ''}><summary>{title}</summary>{_table(section)}</details>")
    return "".join(parts)


def _jump(index: int, frame: int) -> str:
    return f'<button type="button" data-index="{index}">{frame}</button>'


def check_first_html(picks: Sequence[Mapping[str, Any]], index_of: Mapping[int, int], cap: int = 5) -> str:
    """The ranked list, each frame with why it is listed, and what makes a frame stand out."""
    rule = (
        f'<p class="keys">At most {cap} frames (10% of the shot, at least 3, at most 5), ranked: a temporal jump '
        "at least twice the shot's median, or more than twice the median number of low-confidence regions.</p>"
    )
    if not picks:
        return f"<p>Nothing stands out.</p>{rule}"
    items = "".join(
        f"<li>{_jump(index_of[p['frame']], p['frame'])} {escape(str(p.get('why') or p['reason']))}</li>" for p in picks
    )
    return f'<ol class="jump" id="check-first">{items}</ol>{rule}'


def failed_html(failed: Sequence[FrameRecord], index_of: Mapping[int, int]) -> str:
    if not failed:
        return "<p>None.</p>"
    rows = "".join(
        f"<tr><td>{_jump(index_of[f.number], f.number)}</td>"
        f'<td class="err">{escape(f.error or "no error recorded")}</td></tr>'
        for f in failed
    )
    return f'<table id="failed"><tr><th>frame</th><th>error</th></tr>{rows}</table>'


def render_page(
    *,
    title: str,
    summary: str,
    sheet_url: str,
    frame_table: Mapping[str, Any],
    plots: Sequence[str],
    check_first: str,
    failed: str,
    failed_count: int,
    settings: str,
    version: str,
    reference_url: str | None = None,
    has_masks: bool = True,
) -> str:
    """Fill the template. Every substituted value is escaped here or built from escaped parts."""
    replacements = {
        "@@VERSION@@": escape(version),
        "@@TITLE@@": escape(title),
        "@@SUMMARY@@": escape(summary),
        "@@SHEET@@": escape(sheet_url),
        "@@BODY_CLASS@@": "" if has_masks else "no-masks",
        "@@REFERENCE@@": (
            f'<img id="img-reference" alt="reference sheet" src="{escape(reference_url)}">'
            if reference_url
            else '<div class="note">reference sheet not found</div>'
        ),
        "@@CHECK_FIRST@@": check_first,
        "@@PLOTS@@": "\n".join(plots),
        "@@FAILED_COUNT@@": str(failed_count),
        "@@FAILED@@": failed,
        "@@SETTINGS@@": settings,
        "@@CSS@@": _asset("review.css"),
        "@@JS@@": _asset("review.js"),
        "@@FRAMES_JSON@@": _script_json(frame_table),
    }
    page = _asset("template.html")
    # One pass, so a value that happens to contain a marker is never substituted again.
    out, i = [], 0
    while (start := page.find("@@", i)) != -1:
        end = page.find("@@", start + 2)
        key = page[start : end + 2]
        if end == -1 or key not in replacements:
            out.append(page[i : start + 2])
            i = start + 2
            continue
        out.append(page[i:start])
        out.append(replacements[key])
        i = end + 2
    out.append(page[i:])
    return "".join(out)
