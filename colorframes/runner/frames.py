"""Reading frames for the runner: images or video, any frame by number, and a bounded read-ahead thread that
also runs the backend's frame-local work."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import numpy as np

from ..backends.base import Colorizer
from ..errors import FrameError
from ..io.discover import FrameRef, Shot
from ..io.images import LoadedImage, decode_image, display, read_bytes, read_image
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


def load_frames(
    plan: ShotPlan, frames: list[FrameRef], decoding: Callable[[], AbstractContextManager] = nullcontext
) -> Iterator[tuple[FrameRef, LoadedImage | FrameError]]:
    """Each frame read and decoded, or its error. An image file is decoded (OpenCV) inside a fresh
    `decoding()` context, its bytes read outside it: a read can block (a stalled file server)."""
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
        loaded: LoadedImage | FrameError
        try:
            data = read_bytes(frame.path)
            with decoding():
                loaded = decode_image(data, display(frame.path), plan.max_pixels)
        except FrameError as exc:
            loaded = exc
        except MemoryError:
            loaded = FrameError(f"{input_name(plan, frame)}: out of memory reading the frame")
        yield frame, loaded


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


class ReadAhead:
    """Frames read and prepared (`Colorizer.prepare`) on a background thread, `depth` frames ahead (bounded:
    memory stays flat). The thread starts at once, so the first frames are read and segmented while the
    runner still sets the shot up; iterate it once, and `close` it (or use `with`) when done."""

    def __init__(self, backend: Colorizer, plan: ShotPlan, frames: list[FrameRef], depth: int) -> None:
        self._items: queue.Queue = queue.Queue(maxsize=max(depth, 1))
        self._stop = threading.Event()
        self._busy = threading.Lock()  # held while OpenCV works on a frame here (decode, the backend's prepare)
        self._thread = threading.Thread(target=self._work, args=(backend, plan, frames), daemon=True)
        self._thread.start()

    def _work(self, backend: Colorizer, plan: ShotPlan, frames: list[FrameRef]) -> None:
        try:
            for frame, loaded in load_frames(plan, frames, self._working):
                with self._working():
                    item = _prepared(backend, plan, frame, loaded)
                if not self._put(item):
                    return
        except _Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            self._put(exc)
            return
        self._put(_DONE)

    @contextmanager
    def _working(self) -> Iterator[None]:
        """Hold the busy lock for one piece of OpenCV work on a frame; none starts once the reader is closed."""
        with self._busy:
            if self._stop.is_set():
                raise _Stopped
            yield

    def _put(self, item: object) -> bool:
        """Queue `item` for the consumer, waiting while the queue is full; False once the reader is closed."""
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[tuple[FrameRef, LoadedImage | FrameError, Any]]:
        try:
            while True:
                item = self._items.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.close()

    def close(self) -> None:
        """Stop, after the frame this thread is decoding or the backend is preparing (bounded wait): a daemon
        thread still inside OpenCV when the interpreter exits aborts the process ("exception not rethrown",
        "terminate called without an active exception") instead of exiting 130. A read that blocks (a
        stalled file server) is not waited for."""
        self._stop.set()
        if threading.current_thread() is not self._thread and self._busy.acquire(timeout=CLOSE_WAIT_S):
            self._busy.release()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DONE = object()


class _Stopped(Exception):
    """The reader was closed: no more OpenCV work starts on its thread."""


CLOSE_WAIT_S = 30.0  # longest wait for the frame being decoded or prepared when a reader closes (a huge frame)


def _prepared(
    backend: Colorizer, plan: ShotPlan, frame: FrameRef, loaded: LoadedImage | FrameError
) -> tuple[FrameRef, LoadedImage | FrameError, Any]:
    """A frame read, with the backend's frame-local work on it; a frame whose preparation fails fails alone,
    as a crash in `colorize` would."""
    if isinstance(loaded, FrameError):
        return frame, loaded, None
    try:
        return frame, loaded, backend.prepare(loaded.rgb)
    except MemoryError:
        return frame, FrameError(f"{input_name(plan, frame)}: out of memory while colorizing; free memory"), None
    except (RuntimeError, ValueError) as exc:
        return frame, FrameError(f"{input_name(plan, frame)}: {crash_message(exc)}"), None


def crash_message(exc: BaseException) -> str:
    """What a frame's failure says when the backend crashed on it (the frame fails, not the run)."""
    return f"colorize failed: {type(exc).__name__}: {str(exc)[:200]}"


def input_name(plan: ShotPlan, frame: FrameRef) -> str:
    return display(frame.path.name) if frame.path else f"{display(plan.shot.source.name)}#{frame.index}"
