"""The batch runner: shots → selected frames → backend → atomic writes, with render-farm semantics.

Two phases. `plan_run` (plan.py) validates everything and decides what to write or skip without loading a
model (`inspect` shows exactly this). `execute` (engine.py) then loads the backend once, does the per-shot
work once per shot and streams frames through `render.py`; `stages.py` holds the post-processing after the
backend and `frames.py` the frame reading.
"""

from .engine import create_backend, execute
from .plan import ShotPlan, derive_seed, plan_run
from .results import RunSummary, ShotSummary

__all__ = ["RunSummary", "ShotPlan", "ShotSummary", "create_backend", "derive_seed", "execute", "plan_run"]
