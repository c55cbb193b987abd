"""What the workers rendering one shot share: the shot's plan and setup, the run's options and mask
provider, its post-processing stages, and where results go (summary, sidecar recorder, progress)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends.base import ShotSetup
from ..io import sidecar
from ..options import RunOptions
from .plan import ShotPlan
from .results import ShotSummary
from .stages import ShotStages

if TYPE_CHECKING:
    from ..masks.provider import MaskProvider

Callback = Callable[[dict[str, Any]], None]


class Recorder:
    """Buffers per-frame sidecar records and flushes them under the lock at most every second."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.pending: dict[int, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.last = time.monotonic()

    def add(self, number: int, record: dict[str, Any]) -> None:
        with self.lock:
            self.pending[number] = record
            due = time.monotonic() - self.last > 1.0
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, {}
            self.last = time.monotonic()
        sidecar.record_frames(self.out_dir, pending)


class Counter:
    """Progress across workers; `stop` tells every worker to stop after its frame in progress."""

    def __init__(self, total: int, emit: Callback):
        self.total, self.done, self.emit = total, 0, emit
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def frame(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.done += 1
            event.update({"event": "frame", "index": self.done, "total": self.total})
            self.emit(event)


@dataclass(frozen=True)
class ShotJob:
    """One shot's work, shared by every worker (device) that renders part of it."""

    plan: ShotPlan
    setup: ShotSetup  # what every backend gets in setup_shot (uint8_output decided by the runner)
    options: RunOptions
    masks: MaskProvider | None  # the run's mask provider; None when nothing needs masks
    stages: ShotStages
    summary: ShotSummary
    recorder: Recorder
    counter: Counter
