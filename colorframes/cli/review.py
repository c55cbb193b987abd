"""`colorframes review OUT [--open] [--json]`: contact sheet + HTML report for every shot under OUT."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_USAGE, ColorframesError
from .console import err, fail


def register(app: typer.Typer) -> None:
    @app.command("review")
    def review(
        out: Annotated[Path, typer.Argument(help="Output folder of `colorframes run` (or one shot folder).")],
        open_: Annotated[bool, typer.Option("--open", help="Open each report in the web browser.")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="One JSON list of results on stdout.")] = False,
        sketches: Annotated[
            Path | None,
            typer.Option(
                "--sketches",
                metavar="DIR",
                help="Folder of the input line art when the sidecar's input path no longer resolves "
                "(a subfolder named like the shot is used when present).",
            ),
        ] = None,
    ) -> None:
        """Write OUT/<shot>/review/: contact_sheet.png and a self-contained index.html per shot.

        Every folder under OUT with a colorframes.json is reviewed. Thumbnails are cached in
        review/thumbs/ and reused while newer than their source.
        """
        from ..api import find_shots, review_shot

        try:
            shots = find_shots(out)
        except ColorframesError as exc:
            fail(exc)
        results, errors = [], 0
        for shot_dir in shots:
            source = None
            if sketches is not None:
                source = sketches / shot_dir.name if (sketches / shot_dir.name).is_dir() else sketches
            try:
                result = review_shot(shot_dir, source, open=open_)
            except ColorframesError as exc:
                err(f"error: {exc}")
                errors += 1
                continue
            results.append(result.to_dict())
            err(
                f"review {result.shot}: {result.frames} frames ({result.failed} failed), "
                f"{result.thumbs_made} thumbnails made, {result.thumbs_reused} reused, "
                f"{result.seconds:.1f} s -> {result.html}"
            )
        if json_out:
            typer.echo(json.dumps(results))
        if errors:
            raise typer.Exit(EXIT_USAGE)
