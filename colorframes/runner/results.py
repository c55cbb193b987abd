"""What a run did, per shot and in total (`--json` prints `RunSummary.to_dict()`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ShotSummary:
    name: str
    out_dir: str
    requested: int
    done: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    mp4: str | None = None
    mp4_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "shot": self.name,
            "output": self.out_dir,
            "requested": self.requested,
            "done": len(self.done),
            "skipped": len(self.skipped),
            "failed": {str(k): v for k, v in self.failed.items()},
            "mp4": self.mp4,
            "mp4_error": self.mp4_error,
        }


@dataclass
class RunSummary:
    shots: list[ShotSummary]
    warnings: list[str]
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return sum(len(s.failed) for s in self.shots)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or any(s.mp4_error for s in self.shots) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "done": sum(len(s.done) for s in self.shots),
            "skipped": sum(len(s.skipped) for s in self.shots),
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "shots": [s.to_dict() for s in self.shots],
            "warnings": self.warnings,
        }
