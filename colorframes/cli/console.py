"""The stderr console and error exit shared by every command. stdout is reserved for data (--json)."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from ..errors import ColorframesError


def err(message: str) -> None:
    """One line on stderr, flushed (farm log parsers read line by line)."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def fail(exc: ColorframesError) -> NoReturn:
    err(f"error: {exc}")
    raise typer.Exit(exc.exit_code)
