"""Turns API progress events into stderr output.

On a TTY: a rich progress bar. Off a TTY (farm logs): one plain, parseable line per frame, plus
`Progress: NN%` (Deadline's CommandLine plugin regex) and, under Open Job Description (detected by
OPENJD_SESSION_WORKING_DIR), `openjd_progress: N`. Every line is flushed so log-update timestamps move.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from .console import err

if TYPE_CHECKING:  # rich is imported only when a bar is shown (--help stays instant)
    from rich.progress import Progress, TaskID


class Reporter:
    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.openjd = bool(os.environ.get("OPENJD_SESSION_WORKING_DIR"))
        self.interactive = sys.stderr.isatty() and not quiet
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.last_percent = -1

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "warning":
            self._line(f"warning: {event['message']}")
        elif kind == "note":
            self._line(f"note: {event['message']}")
        elif kind == "plan":
            self._line(
                f"plan: {event['shots']} shot(s), {event['frames']} frame(s) to render, {event['skipped']} skipped"
            )
            if self.interactive and event["frames"]:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeRemainingColumn,
                )

                progress = Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=Console(stderr=True),
                    redirect_stdout=False,
                    redirect_stderr=False,
                )
                progress.start()
                self.task = progress.add_task("colorizing", total=event["frames"])
                self.progress = progress
        elif kind == "shot":
            self._line(f"shot: {event['shot']} ({event['frames']} frames)")
        elif kind == "frame":
            self._frame(event)
        elif kind == "mp4":
            self._line(f"mp4: {event['path']}")

    def _line(self, text: str, always: bool = False) -> None:
        if self.quiet and not always:
            return
        if self.progress is not None:
            self.progress.console.print(text, markup=False, highlight=False)
        else:
            err(text)

    def _frame(self, event: dict[str, Any]) -> None:
        status = event["status"]
        if status == "failed":
            self._line(f"error: {event['shot']} frame {event['frame']}: {event.get('error')}", always=True)
        if self.progress is not None and self.task is not None:  # set together
            self.progress.update(self.task, advance=1, description=f"{event['shot']} {event['frame']}")
            return
        if self.quiet:
            return
        seconds = event.get("seconds")
        timing = f" {seconds:.2f}s" if seconds is not None else ""
        err(f"frame {event['shot']} {event['frame']} {status}{timing}")
        percent = int(100 * event["index"] / max(event["total"], 1))
        if percent != self.last_percent:
            self.last_percent = percent
            err(f"Progress: {percent}%")
        if self.openjd:
            err(f"openjd_progress: {100.0 * event['index'] / max(event['total'], 1):.1f}")
