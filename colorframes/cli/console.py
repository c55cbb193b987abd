"""The stderr console and error exit shared by every command. stdout is reserved for data (--json)."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from ..errors import ColorframesError

# --quiet means the same on every command: errors only on stderr (no progress, notes or warnings; --json
# and the sidecar still carry the warnings).
QUIET_HELP = "Errors only on stderr: no progress, notes or warnings (--json and the sidecar keep warnings)."


def quiet_opencv() -> None:
    """Silence OpenCV's own log lines (`[ WARN:0@...] ...`) for --quiet: our error names the file instead.

    libpng's own `libpng error: ...` line for a corrupt PNG is written by libpng itself and stays.
    """
    import os

    os.environ["OPENCV_LOG_LEVEL"] = "SILENT"  # for child processes
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def err(message: str) -> None:
    """One line on stderr, flushed (farm log parsers read line by line)."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def fail(exc: ColorframesError) -> NoReturn:
    err(f"error: {exc}")
    raise typer.Exit(exc.exit_code)
