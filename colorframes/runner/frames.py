"""Reading frames for the runner: images or video, any frame by number, and a bounded read-ahead thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import numpy as np

from ..errors import FrameError
from ..io.discover import FrameRef, Shot
from ..io.images import LoadedImage, display, read_image
from ..options import DEFAULT_MAX_PIXELS
from .plan import ShotPlan


def frame_size(shot: Shot, frame: FrameRef, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    if shot.kind == "video":
        from ..io.video import probe

        return probe(shot.source).size
    assert frame.path is not None  # only video frames have no path
    try:
        return read_image(frame.path, max_pixels).size
    except FrameError:
        return (0, 0)


def load_frames(plan: ShotPlan, frames: list[FrameRef]) -> Iterator[tuple[FrameRef, LoadedImage | FrameError]]:
    if plan.shot.kind == "video":
        from ..io.video import iter_video_frames

        by_index = {f.index: f for f in frames}
        try:
            for index, rgb in iter_video_frames(plan.shot.source, by_index):
                yield by_index.pop(index), LoadedImage(rgb=rgb, alpha=None, bit_depth=8)
        except FrameError as exc:
            for index in sorted(by_index):  # every frame the video did not deliver fails, not just one
                yield by_index[index], exc
        return
    for frame in frames:
        assert frame.path is not None  # only video frames have no path
        try:
            yield frame, read_image(frame.path, plan.max_pixels)
        except FrameError as exc:
            yield frame, exc
        except MemoryError:
            yield frame, FrameError(f"{input_name(plan, frame)}: out of memory reading the frame")


def load_sketch(plan: ShotPlan, number: int) -> np.ndarray | None:
    """Any frame's line art by number (for backends rebuilding state outside their shard)."""
    frame = next((f for f in plan.shot.frames if f.number == number), None)
    if frame is None:
        return None
    for _, loaded in load_frames(plan, [frame]):
        return None if isinstance(loaded, FrameError) else loaded.rgb
    return None


def load_mask(plan: ShotPlan, masks, number: int) -> np.ndarray | None:
    sketch = load_sketch(plan, number)
    return None if sketch is None else masks.sketch_mask(sketch)


def prefetch(iterator: Iterator, depth: int) -> Iterator:
    """Run `iterator` in a background thread, `depth` items ahead (bounded: memory stays flat)."""
    items: queue.Queue = queue.Queue(maxsize=max(depth, 1))
    done = object()
    stop = threading.Event()

    def worker() -> None:
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        items.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            items.put(exc)
        items.put(done)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def input_name(plan: ShotPlan, frame: FrameRef) -> str:
    return display(frame.path.name) if frame.path else f"{display(plan.shot.source.name)}#{frame.index}"
