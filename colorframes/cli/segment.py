"""`colorframes segment INPUT... -o DIR`: foreground masks as 8-bit PNG for a colorist to check."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ..errors import EXIT_FRAMES_FAILED, ColorframesError, ConfigError
from .console import QUIET_HELP, err, fail, quiet_opencv
from .flags import with_options


def register(app: typer.Typer) -> None:
    @app.command("segment")
    @with_options(
        ("mask_model", "frames", "start_frame", "device"),
        panels=False,
        device="Device of the mask models: auto | cpu | cuda[:N].",
    )
    def segment(
        inputs: Annotated[
            list[str],
            typer.Argument(help="Folders of frames or shots, sequence patterns, images, videos.", metavar="INPUT"),
        ],
        output: Annotated[
            str, typer.Option("--output", "-o", help="Output root: DIR/<shot>/<stem>.png.", metavar="DIR")
        ],
        ref: Annotated[
            str | None,
            typer.Option("--ref", "-r", help="Character sheet: also write its reference mask.", metavar="PATH"),
        ] = None,
        *,
        threshold: Annotated[
            float | None,
            typer.Option(
                "--threshold", help="Write hard masks (255 where mask > T) instead of soft ones.", metavar="T"
            ),
        ] = None,
        preset: Annotated[
            str | None, typer.Option("--preset", help="Preset name or TOML path.", metavar="NAME|PATH")
        ] = None,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print one JSON summary object on stdout.", metavar="")
        ] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP, metavar="")] = False,
        **flags: Any,
    ) -> None:
        """Write a soft figure mask (255 = figure) per frame, plus reference_mask.png per shot with --ref.

        Without mask model weights the classical mask is used (one note says how to get the models);
        asking for a model explicitly whose weights are missing exits 3.
        """
        from ..api import resolve_options
        from ..api import segment as run_segment

        if threshold is not None and not 0.0 <= threshold <= 1.0:
            fail(ConfigError("--threshold must be in [0, 1]"))

        def on_event(event: dict) -> None:
            kind = event.get("event")
            if kind in ("warning", "note") and not quiet:
                err(f"{kind}: {event['message']}")
            elif kind == "frame" and event.get("status") == "failed":
                err(f"error: {event['error']}")
            elif kind == "shot" and not quiet:
                err(f"segment {event['shot']}: {event['frames']} frames")

        if quiet:
            quiet_opencv()
        try:
            options = resolve_options({k: v for k, v in flags.items() if v is not None}, preset=preset)
            summary = run_segment(inputs, output, options, reference=ref, threshold=threshold, callback=on_event)
        except ColorframesError as exc:
            fail(exc)
        if not quiet:
            err(
                f"masks: {summary.written} written, {summary.failed} failed, {summary.seconds:.1f} s "
                f"(sketch: {summary.masks['sketch']}, reference: {summary.masks['reference']}) -> {output}"
            )
        if json_out:
            typer.echo(json.dumps(summary.to_dict()))
        if summary.failed:
            raise typer.Exit(EXIT_FRAMES_FAILED)
