"""Generated bad inputs for the bad-input catalogue and the fault tests (tests/test_bad_inputs.py,
tests/runner/test_faults.py). Every file is made by code here: small frames, bombs that only declare a huge size,
weights files holding a pickle payload or an absurd header."""

from __future__ import annotations

import pickle
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

FRAMES = 4
SIZE = (64, 48)  # (W, H)
SHOT = "shot01"
NUMBERS = tuple(range(1001, 1001 + FRAMES))


def frame_file(number: int, shot: str = SHOT) -> str:
    return f"{shot}.{number}.png"


def png_bytes(array: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", array)
    assert ok
    return buf.tobytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header declares width x height 8-bit grey pixels (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1) * 16, 9)  # a few rows; the header is what matters
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def bmp_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A BMP header declaring width x height 24-bit pixels, with almost no pixel data."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    data = b"\x00" * 64
    header = b"BM" + struct.pack("<IHHI", 14 + len(info) + len(data), 0, 0, 14 + len(info))
    return header + info + data


def jpeg_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A real 16x16 JPEG whose SOF0 header is patched to declare width x height."""
    ok, buf = cv2.imencode(".jpg", np.full((16, 16, 3), 128, np.uint8))
    assert ok
    data = bytearray(buf.tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def truncated(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


class _Payload:
    """Unpickling this would call os.getcwd (harmless here): a stand-in for code in a checkpoint."""

    def __reduce__(self):
        import os

        return (os.getcwd, ())


def pickle_payload_checkpoint(path: Path) -> Path:
    """A .ckpt/.pt that holds a code payload besides a tensor (what `weights_only=True` must refuse)."""
    import torch

    torch.save({"state_dict": {"w": torch.zeros(2)}, "evil": _Payload()}, str(path))
    return path


def plain_pickle(path: Path) -> Path:
    with open(path, "wb") as fh:
        pickle.dump({"evil": _Payload()}, fh)
    return path


def absurd_safetensors(path: Path) -> Path:
    """A safetensors file whose 8-byte header length is 2**60."""
    path.write_bytes(struct.pack("<Q", 2**60) + b"{}" + b"\x00" * 64)
    return path


def tensorless_checkpoint(path: Path) -> Path:
    import torch

    torch.save({"epoch": 3, "note": "no tensors"}, str(path))
    return path


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
