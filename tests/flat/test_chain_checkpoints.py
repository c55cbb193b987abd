"""A shot colorized in order with its keyframe last walks each chain step a bounded number of times (checkpoints
along the first walk, `FlatParams.chain_checkpoints`), and every frame's colours are those the frame gets alone."""

from __future__ import annotations

import cv2
import numpy as np
from flat_helpers import frame, shot

from colorframes.backends.flat import FlatColorizer
from colorframes.backends.flat.tracker import ShotTracker

N = 30
SIZE = (90, 140)


def _drawing(t: int, colour: bool) -> np.ndarray:
    """Frame t: a box with a disc inside moving right, a bar moving down; line art, or the painted frame."""
    img = np.full((*SIZE, 3), 255, np.uint8)
    x, y = 10 + 2 * t, 10 + t
    if colour:
        cv2.rectangle(img, (x, 20), (x + 50, 70), (200, 60, 40), -1)
        cv2.circle(img, (x + 25, 45), 12, (40, 160, 220), -1)
        cv2.rectangle(img, (100, y), (130, y + 20), (90, 200, 90), -1)
    cv2.rectangle(img, (x, 20), (x + 50, 70), (0, 0, 0), 2)
    cv2.circle(img, (x + 25, 45), 12, (0, 0, 0), 2)
    cv2.rectangle(img, (100, y), (130, y + 20), (0, 0, 0), 2)
    return img


def _colorize(numbers, frames, loader) -> dict[int, np.ndarray]:
    c = FlatColorizer(gap_radius=1)
    c.setup_shot(shot(SIZE, keyframes={N: _drawing(N, colour=True)}, first_frame=1, loader=loader))
    out = {}
    for n in numbers:
        extras = c.colorize([frame(n, frames[n])])[0].extras
        out[n] = extras["region_colors"][extras["labels"]]  # (H, W, 3) each region's colour
    return out


def test_keyframe_last_shot_in_order_walks_linearly_and_matches_each_frame_alone(monkeypatch):
    frames = {t: _drawing(t, colour=False) for t in range(1, N + 1)}
    loads: list[int] = []
    carries: list[int] = []

    def loader(n: int) -> np.ndarray | None:
        loads.append(n)
        return frames.get(n)

    carry = ShotTracker._carry

    def counting_carry(self, number, regions, prev):
        carries.append(number)
        return carry(self, number, regions, prev)

    monkeypatch.setattr(ShotTracker, "_carry", counting_carry)
    in_order = _colorize(range(1, N + 1), frames, loader)
    # Each frame once with its own line art, plus the first walk from the keyframe and one resume per frame:
    # linear in the shot's length (without checkpoints: ~N * N / (2 * cache_frames) = 56 more here).
    assert len(carries) <= 3 * N, len(carries)
    assert len(loads) <= 2 * N, len(loads)
    for n in range(1, N + 1):
        alone = _colorize([n], frames, frames.get)[n]
        assert np.array_equal(in_order[n], alone), f"frame {n}"
