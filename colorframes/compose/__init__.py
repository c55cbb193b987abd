"""Background plates with harmonization, and painting-process export.

Runner entry points: `BackgroundStage` / `ProcessStage` (stage.py). Building blocks: `PlateSource`
(plates.py), `harmonize` (harmonize.py), `process_frames` and the writers (process.py, process_export.py).
Heavy imports (cv2, imageio_ffmpeg) happen inside functions.
"""

from .harmonize import Harmonized, RegionRefiner, harmonize
from .plates import PlateSource
from .process import process_frames
from .process_export import write_process_mp4, write_process_png
from .stage import BackgroundStage, ProcessStage

__all__ = [
    "BackgroundStage",
    "Harmonized",
    "PlateSource",
    "ProcessStage",
    "RegionRefiner",
    "harmonize",
    "process_frames",
    "write_process_mp4",
    "write_process_png",
]
