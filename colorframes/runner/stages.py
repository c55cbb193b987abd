"""Per-shot post-processing after the backend: `--flatten`/`--keep-lines` cels, `--background` plates,
`--process` export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backends.base import BackendTraits, ShotSetup
from ..options import RunOptions
from .frames import frame_size
from .plan import ShotPlan


@dataclass
class ShotStages:
    """Per-shot post-processing after the backend: --flatten/--keep-lines, --background, --process."""

    background: Any = None  # compose.BackgroundStage
    process: Any = None  # compose.ProcessStage

    @classmethod
    def build(cls, plan: ShotPlan, options: RunOptions) -> ShotStages:
        stages = cls()
        if options.background:
            from ..compose import BackgroundStage

            stages.background = BackgroundStage.from_options(options)
            first = plan.to_render[0]
            stages.background.check(frame_size(plan.shot, first, options.max_pixels), first.number)
        if options.process:
            from ..compose import ProcessStage

            stages.process = ProcessStage.from_options(options)
        return stages


def uint8_results(traits: BackendTraits, options: RunOptions) -> bool:
    """The one decision of the results' dtype (`ShotSetup.uint8_output`): uint8 skips a float round trip
    (~30 ms per 1080p frame; a quarter of the bytes off a GPU). Only when no stage after the backend works on
    floats (--flatten/--keep-lines cels, --background compositing, --alpha, --process export) and the PNG
    keeps uint8 exactly: 8-bit, or a backend whose colours are 8-bit values (`traits.exact_uint8`)."""
    if options.flatten or options.keep_lines or options.background or options.alpha or options.process:
        return False
    return options.bit_depth == 8 or traits.exact_uint8


class Cels:
    """--flatten / --keep-lines for one worker. Flattening tracks regions from frame n-1 to n, so when a
    worker's frame n does not follow the frame it flattened last (a shard start, a resume gap), frame n-1
    is colorized again and primes the tracker: shards and resumes give the same cels as a whole run."""

    def __init__(self, setup: ShotSetup, options: RunOptions):
        from ..consistency.flatten import Flattener

        self.options = options
        self.flattener = None
        if options.flatten:
            self.flattener = Flattener.for_shot(
                setup.reference, setup.reference_alpha, keep_lines=True, gap_radius=options.gap_radius
            )
        self.last: int | None = None

    def prime(self, number: int, recompute: Callable) -> None:
        """Before colorizing frame `number`: make sure the tracker has seen frame number - 1. Runs before
        the backend colorizes `number`, so a stateful backend also sees frames in shot order."""
        if self.flattener is None or self.last == number - 1:
            return
        previous = recompute(number - 1)
        if previous is not None:
            self.flattener.prime(previous[0], previous[1], number - 1)
        self.last = number - 1

    def apply(self, image: np.ndarray, sketch: np.ndarray, number: int) -> np.ndarray:
        if self.flattener is None:
            from ..consistency.flatten import restore_lines
            from ..metrics.regions import line_regions

            return restore_lines(image, sketch, line_regions(sketch, self.options.gap_radius)[1])
        self.last = number
        return self.flattener.flatten(image, sketch, number)
