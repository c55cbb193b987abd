"""Output names. `--name-template` fields:

    {stem}    the input frame's stem (default template: "{stem}.png")
    {shot}    the shot's own name (last component)
    {frame}   the frame number; format specs work: {frame:04d}

A template must contain {stem} or {frame} (one file per frame), and the name it gives can never leave the
shot's output folder: no absolute paths, no `..`, no path separators. Characters that are not printable
UTF-8 (e.g. from non-UTF-8 input names) are replaced with `_`.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path

from ..errors import ConfigError

DEFAULT_TEMPLATE = "{stem}.png"
FIELDS = frozenset({"stem", "shot", "frame"})
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def sanitize(name: str) -> str:
    """Make a path component printable and separator-free."""
    safe = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "_")
    safe = _UNSAFE.sub("_", safe)
    if safe in ("", ".", ".."):
        safe = "_"
    return safe


def validate_template(template: str) -> str:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ConfigError(f"--name-template {template!r}: {exc}") from None
    unknown = {n.split(".")[0].split("[")[0] for n in names} - FIELDS
    if unknown:
        raise ConfigError(
            f"--name-template: unknown field(s) {', '.join(sorted(unknown))}; use {{stem}}, {{shot}}, {{frame}}"
        )
    if not names & {"stem", "frame"}:
        raise ConfigError("--name-template must contain {stem} or {frame} so every frame gets its own file")
    if "/" in template or "\\" in template or template.startswith(".."):
        raise ConfigError("--name-template cannot contain path separators or start with '..'")
    try:
        render_name(template, stem="x", shot="s", frame=1)
    except (ValueError, KeyError, IndexError) as exc:
        raise ConfigError(f"--name-template {template!r}: {exc}") from None
    return template


def render_name(template: str | None, *, stem: str, shot: str, frame: int) -> str:
    """The output file name of one frame; always ends in .png and is a single safe component."""
    name = (template or DEFAULT_TEMPLATE).format(stem=stem, shot=shot, frame=frame)
    name = sanitize(name)
    if not name.lower().endswith(".png"):
        name += ".png"
    return name


# Bytes a file name may have (most file systems); the hidden temp name of a write adds its own suffix.
NAME_MAX = 255
TEMP_OVERHEAD = 48  # "." + ".<pid>-<host>.cftmp"


def check_name_length(path: Path) -> None:
    """Refuse an output name the file system cannot hold (with room for its temp name): exit 2, before any
    frame is rendered."""
    size = len(os.fsencode(path.name))
    if size + TEMP_OVERHEAD > NAME_MAX:
        raise ConfigError(
            f"--name-template: output name {path.name[:40]}... is {size} bytes; file names hold at most "
            f"{NAME_MAX - TEMP_OVERHEAD} here; use a shorter template or shorter input names"
        )


def safe_join(root: Path, relative: str) -> Path:
    """Join and prove the result stays inside `root` (shot names come from folder names)."""
    parts = [sanitize(p) for p in relative.split("/") if p not in ("", ".")]
    target = root.joinpath(*parts) if parts else root
    resolved_root = root.resolve()
    if not target.resolve().is_relative_to(resolved_root):
        raise ConfigError(f"output path {relative!r} would leave the output folder {root}")
    return target
