"""A part the sheet coloured keeps that identity along the chain (`ShotTracker._follow_sheet`): a region the
chain's assignment continues from another colour while its flow comes from the sheet-coloured part is that
part. Region tables built here (the step's previous state and its flow samples), no generator frames."""

from __future__ import annotations

import numpy as np

from colorframes.backends.flat.flow import Correspondence
from colorframes.backends.flat.state import SOURCE_NAMES, FrameState
from colorframes.backends.flat.tracker import ShotTracker
from colorframes.backends.flat.votes import vote

SHEET, TRACKED = SOURCE_NAMES.index("sheet"), SOURCE_NAMES.index("tracked")
SHIRT, WALL = 0, 1  # palette indices


def _step(pairs: list[tuple[int, int, float]], prev_color, prev_source, picked):
    """One chain step over 4 current regions: `pairs` (region, previous region, flow samples), the previous
    regions' colours and sources (ids 1..3), the assignment's picked previous region per current region.
    → (colour, confidence, picked, unexplained) after `_follow_sheet`."""
    tracker = ShotTracker(frame_size=(8, 8), first_frame=1, gap_radius=2)
    pc = np.array([-1, *prev_color])
    prev = FrameState(1, None, pc, np.array([0.0, 0.4, 0.9, 0.9]), np.array([TRACKED, *prev_source]))  # type: ignore[arg-type]
    arr = np.array(pairs, np.float64)
    j, i, counts = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2]
    samples = np.bincount(j, weights=counts, minlength=5)
    empty = np.zeros((0, 2), np.int64)
    corr = Correspondence(
        np.stack([j, i], axis=1), counts, samples, empty, np.zeros(0), samples, np.zeros((5, 2)), np.zeros(5),
        np.zeros(5, bool),
    )  # fmt: skip
    vote_color, vote_share, _ = vote(j, counts, pc[i], prev.confidence[i], samples)
    picked = np.array([0, *picked])
    color = np.where(picked > 0, pc[picked], -1)
    conf = np.full(5, 0.8)
    unexplained = np.ones(5, bool)
    tracker._follow_sheet(prev, corr, vote_color, vote_share, color, conf, picked, unexplained)
    return color, conf, picked, unexplained


def test_a_region_flowing_from_the_sheet_coloured_shirt_continues_it_whatever_the_assignment_picked():
    """Previous regions: 1 the shirt the sheet coloured, 2 wall, 3 wall. Current region 1 flows mostly from
    the shirt but the assignment continued it from the wall: it is the shirt (colour, picked region), weak
    (the figure coming into view is re-decided every frame; confidence at most the shirt's), not
    unexplained. Region 2 flows mostly from the wall: it stays wall. Region 4 flows mostly from the wall too."""
    pairs = [(1, 1, 60), (1, 2, 30), (2, 1, 30), (2, 2, 60), (4, 3, 50), (4, 1, 40)]
    color, conf, picked, unexplained = _step(pairs, [SHIRT, WALL, WALL], [SHEET, TRACKED, TRACKED], [2, 2, 3, 3])
    assert color[1] == SHIRT and picked[1] == 1 and not unexplained[1]
    assert conf[1] <= 0.4
    assert color[2] == WALL and picked[2] == 2 and unexplained[2]
    assert color[4] == WALL and picked[4] == 3 and conf[4] == 0.8


def test_without_a_sheet_coloured_source_the_chain_step_is_unchanged():
    """The same flow with the shirt tracked (no sheet: a keyframe-only shot, or a colour a keyframe carried):
    the assignment's answer stands (the rule only ever acts on parts the sheet coloured), and so it does when
    other, not sheet-coloured, regions of the shirt's colour send most of its samples."""
    pairs = [(1, 1, 60), (1, 2, 30), (2, 2, 60), (3, 3, 60), (4, 3, 50), (4, 1, 40)]
    color, conf, picked, _ = _step(pairs, [SHIRT, WALL, WALL], [TRACKED, TRACKED, TRACKED], [2, 2, 3, 3])
    assert color.tolist() == [-1, WALL, WALL, WALL, WALL] and picked.tolist() == [0, 2, 2, 3, 3]
    assert (conf[1:] == 0.8).all()
    pairs = [(1, 1, 30), (1, 3, 40), (1, 2, 30)]
    color, _, picked, _ = _step(pairs, [SHIRT, WALL, SHIRT], [SHEET, TRACKED, TRACKED], [2, 2, 3, 3])
    assert color[1] == WALL and picked[1] == 2
