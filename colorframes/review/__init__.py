"""Review what a run made: a contact sheet PNG and a self-contained HTML report per shot.

Entry point: `build_review(shot_dir)` writes `shot_dir/review/` from the shot's `colorframes.json`;
`find_shots(out)` lists the shot folders under a run's output folder.
"""

from .build import ReviewResult, build_review
from .sidecar import find_shots

__all__ = ["ReviewResult", "build_review", "find_shots"]
