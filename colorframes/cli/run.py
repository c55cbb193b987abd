"""`colorframes run` and `colorframes inspect`. Flags share their names with RunOptions fields."""

from __future__ import annotations

import json
import signal
import sys
from typing import Annotated, Any

import typer

from ..errors import EXIT_INTERRUPTED, ColorframesError
from ..options import FIELD_NAMES, INPUT
from . import EPILOG
from .console import QUIET_HELP, err, fail, quiet_opencv
from .flags import with_options

Inputs = Annotated[
    list[str],
    typer.Argument(help="Folders of frames or shots, sequence patterns, images, videos.", metavar="INPUT"),
]
Ref = Annotated[
    str | None,
    typer.Option("--ref", "-r", help="Character sheet (reference image).", metavar="PATH", rich_help_panel=INPUT),
]
Preset = Annotated[
    str | None,
    typer.Option(
        "--preset",
        help="Preset name or TOML path (flag > env COLORFRAMES_<OPTION> > preset > default).",
        metavar="NAME|PATH",
        rich_help_panel=INPUT,
    ),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print one JSON summary object on stdout.", metavar="")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP, metavar="")]

# `run` and `inspect` take every RunOptions field as a flag (cli/flags.py builds them from the metadata).
every_option = with_options(FIELD_NAMES)


def register(app: typer.Typer) -> None:
    app.command("run", epilog=EPILOG)(run)
    app.command("inspect", epilog=EPILOG)(inspect)


@every_option
def run(
    inputs: Inputs,
    ref: Ref = None,
    preset: Preset = None,
    *,
    json_out: JsonOut = False,
    quiet: Quiet = False,
    **flags: Any,
) -> None:
    """Colorize line-art frames from a character sheet (shots in, frames out)."""
    from .. import api
    from .progress import Reporter

    previous = _catch_interrupts()
    interrupted = False
    try:
        options = api.resolve_options(flags, preset=preset)
        _console_setup(options, flags, quiet)
        with Reporter(quiet=quiet) as reporter:
            summary = api.run(inputs, reference=ref, options=options, callback=reporter)
    except ColorframesError as exc:
        fail(exc)
    except KeyboardInterrupt:
        interrupted = True
        err("interrupted: finished frames are kept and recorded; rerun the same command to resume")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        # After an interrupt the handlers stay on "ignore" until the process exits: a second Ctrl-C arriving
        # after a restore would kill the process by SIGINT instead of exiting 130.
        if not interrupted:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    if options.review:
        _review(summary, quiet)
    if json_out:
        sys.stdout.write(json.dumps(summary.to_dict()) + "\n")
        sys.stdout.flush()
    done = sum(len(s.done) for s in summary.shots)
    skipped = sum(len(s.skipped) for s in summary.shots)
    if not quiet:
        err(f"done: {done} written, {skipped} skipped, {summary.failed} failed in {summary.seconds:.1f}s")
    elif summary.exit_code:
        err(f"error: {summary.failed} frame(s) failed; {done} written, {skipped} skipped")
    raise typer.Exit(summary.exit_code)


def _review(summary, quiet: bool) -> None:
    """Build the HTML review of every shot the run touched; a failed review never hides a good run."""
    from .. import api

    for shot in summary.shots:
        try:
            result = api.review_shot(shot.out_dir)
        except ColorframesError as exc:
            if not quiet:
                err(f"warning: review of {shot.name} failed: {exc}")
            continue
        if not quiet:
            err(f"review: {result.html}")


def _catch_interrupts() -> dict:
    """Ctrl-C and SIGTERM (how farms stop jobs) both stop the run with exit 130. Returns the old handlers."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.getsignal(signum)
        signal.signal(signum, _interrupt)
    return previous


def _interrupt(signum: int, frame: object) -> None:
    # The first signal stops the run. Later ones are ignored: they must not cut short the clean-up that
    # finishes the writes in progress, records them in the sidecar and removes temp files (kill -9 still can).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    err("stopping: finishing the writes in progress (a second Ctrl-C is ignored)")
    raise KeyboardInterrupt


@every_option
def inspect(
    inputs: Inputs,
    ref: Ref = None,
    preset: Preset = None,
    *,
    json_out: JsonOut = False,
    quiet: Quiet = False,
    **flags: Any,
) -> None:
    """Show shots, frame counts, ranges, gaps, sizes and what `run` would write or skip (loads no model).

    Takes every option `run` takes, so `run` in a command line can be replaced by `inspect` as is: the same
    settings, the same hash, the same write/skip decision.
    """
    from .. import api

    try:
        report = api.inspect(inputs, reference=ref, options=api.resolve_options(flags, preset=preset))
    except ColorframesError as exc:
        fail(exc)
    if json_out:
        sys.stdout.write(json.dumps(report) + "\n")
        return
    for message in report["warnings"] if not quiet else []:
        err(f"warning: {message}")
    for shot in report["shots"]:
        size = shot["size"]
        typer.echo(
            f"{shot['shot']}: {shot['kind']} {shot['frames']} frames {shot['range']} "
            f"{size['width']}x{size['height']}"
            + (f" gaps {shot['gaps']}" if shot["gaps"] else "")
            + f" -> {shot['output']}"
        )
        typer.echo(f"  write: {shot['write'] or '-'}   skip: {shot['skip'] or '-'}   seed: {shot['seed']}")


def _console_setup(options, flags: dict, quiet: bool) -> None:
    """--quiet silences OpenCV's own log; otherwise say once when tiny-random runs at its smoke defaults."""
    if quiet:
        quiet_opencv()
        return
    from ..options import TINY_RANDOM_DEFAULTS

    if options.backend != "tiny-random":
        return
    applied = [
        f"{name.replace('_', '-')} {value}"
        for name, value in TINY_RANDOM_DEFAULTS.items()
        if flags.get(name) is None and getattr(options, name) == value
    ]
    if applied:
        err(f"note: tiny-random smoke defaults: {', '.join(applied)} (set --resolution / --steps to change)")
