"""`CleanTyper`: the Typer app class of every colorframes command and command group.

Recent Typer labels a parameter without a metavar with its Python type in `--help`: `INPUT... <list[str]>`
for a variadic argument, `--help <bool>` for a switch. Commands and groups made by `CleanTyper` show
instead, for a parameter without its own metavar: nothing for an on/off flag (`--help`, `--version`,
`--json`), and for an argument its name in capitals (click's convention, also in usage and error messages)
with no type column. Options that take a value declare their placeholder (cli/flags.py for the RunOptions
fields). Only Typer is imported here: `--help` stays instant.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


def _no_type(ctx: Any) -> None:
    """An argument's help row has no type column: its NAME and help say what it takes."""
    return None


def plain_rows(params: list[Any]) -> list[Any]:
    """Give each parameter without a metavar the placeholder described above (idempotent)."""
    for param in params:
        if param.param_type_name == "argument":
            if param.metavar is None:
                param.metavar = param.name.upper()
            param.display_type_rich = _no_type  # Typer's argument rows print this after the name
        elif getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class CleanCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return plain_rows(super().get_params(ctx))


class CleanGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return plain_rows(super().get_params(ctx))


class CleanTyper(typer.Typer):
    """typer.Typer whose group and commands are CleanGroup / CleanCommand unless told otherwise."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", CleanGroup)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["cls"] = kwargs.get("cls") or CleanCommand
        return super().command(*args, **kwargs)
