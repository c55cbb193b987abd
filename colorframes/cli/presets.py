"""`colorframes presets list|show NAME`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..errors import ColorframesError
from .console import fail
from .typer_app import CleanTyper


def register(app: typer.Typer) -> None:
    presets = CleanTyper(help="Shipped option presets (TOML data in colorframes/presets/).", no_args_is_help=True)

    @presets.command("list")
    def list_(json_out: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False) -> None:
        """List shipped presets."""
        from ..options import available_presets, preset_description

        rows = {name: preset_description(name) for name in available_presets()}
        if json_out:
            typer.echo(json.dumps(rows))
            return
        for name, description in rows.items():
            typer.echo(f"{name:10s} {description}")

    @presets.command("show")
    def show(
        name: Annotated[str, typer.Argument(help="Preset name or TOML path.")],
        json_out: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
    ) -> None:
        """Show the options a preset sets."""
        from ..options import load_preset, preset_path

        try:
            values = load_preset(name)
        except ColorframesError as exc:
            fail(exc)
        if json_out:
            typer.echo(json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}))
            return
        typer.echo(f"# {preset_path(name)}")
        for key, value in values.items():
            typer.echo(f"{key} = {value!r}")

    app.add_typer(presets, name="presets")
