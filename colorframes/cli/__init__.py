"""Command-line interface: parsing, console output and exit codes. Nothing heavy is imported here.

Each subcommand lives in its own module with a ``register(app)`` function; heavy imports (torch,
diffusers, OpenCV) happen inside the command bodies so ``--help`` stays instant.
"""

from __future__ import annotations

import importlib

import typer

from ..errors import EXIT_INTERRUPTED
from .typer_app import CleanTyper

EPILOG = (
    "Exit codes: 0 every requested frame exists; 1 some frame failed (unreadable, over --max-pixels, out of "
    "memory, missing from a truncated video; the others are written); 2 usage, config or input error (also a "
    "bad --ref, an empty --frames, a --name-template name too long); 3 model or weights unavailable or not a "
    "usable weights file; 130 interrupted (Ctrl-C or SIGTERM; frames written are kept and recorded)."
)

app = CleanTyper(
    name="colorframes",
    help="Colorize line-art frame sequences from a character sheet. " + EPILOG,
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)

# Subcommand modules, in --help order (run.py registers `run` and `inspect`). A module that fails to import
# is a bug and fails loudly: no subcommand disappears without a word.
COMMANDS = ("run", "segment", "eval", "review", "models", "presets", "doctor")
for _name in COMMANDS:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    """Colorize line-art frame sequences from a character sheet."""


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(EXIT_INTERRUPTED) from None
