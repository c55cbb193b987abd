"""Contact sheet: grid layout, burned-in frame numbers, distinct cells, bounded size for long shots."""

from __future__ import annotations

import cv2
import numpy as np

from colorframes.review import build_review
from colorframes.review.contact_sheet import (
    FAILED_BG,
    MAX_BYTES,
    MAX_CELLS,
    SheetEntry,
    build_contact_sheet,
    sample_indices,
)


def _read(path):
    return cv2.imread(str(path))[:, :, ::-1]  # RGB


def _centre(image, rect):
    x, y, w, h = rect
    return image[y + h // 2, x + w // 2].astype(int)


def test_sheet_grid_shows_each_frame_result_colour(fake_run):
    result = build_review(fake_run.shot_dir)
    sheet = result.sheet
    image = _read(result.contact_sheet)
    assert image.shape[:2] == (sheet.height, sheet.width)
    assert [c.frame for c in sheet.cells] == fake_run.frames
    # 6 frames, 4 columns: two rows, cells of one row share y.
    assert len({c.y for c in sheet.cells}) == 2
    assert len({c.x for c in sheet.cells}) == 4
    for cell in sheet.cells:
        assert len(cell.panels) == 3
        got = _centre(image, cell.panels[2])
        if cell.frame == fake_run.failed:
            assert np.abs(got - np.array(FAILED_BG)).max() <= 40
        else:
            assert np.abs(got - np.array(fake_run.colors[cell.frame])).max() <= 16, cell.frame


def test_sheet_burns_in_distinct_frame_numbers(fake_run):
    result = build_review(fake_run.shot_dir)
    image = _read(result.contact_sheet)
    labels, sketches = [], []
    for cell in result.sheet.cells:
        strip = image[cell.y : cell.y + 20, cell.x : cell.x + 60]
        assert (strip.max(axis=2) > 200).sum() > 30, "no text burned into the label strip"
        labels.append(strip)
        x, y, w, h = cell.panels[0]
        sketches.append(image[y : y + h, x : x + w])
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            assert np.abs(labels[i].astype(int) - labels[j]).sum() > 0, "two frame labels are identical"
    # The sketches move from frame to frame, so neighbouring sketch panels differ.
    assert all(np.abs(a.astype(int) - b).mean() > 1 for a, b in zip(sketches, sketches[1:], strict=False))


def test_sample_indices_keeps_ends_and_caps():
    assert sample_indices(5, 60) == [0, 1, 2, 3, 4]
    picked = sample_indices(5000, 60)
    assert len(picked) == 60 and picked[0] == 0 and picked[-1] == 4999
    assert picked == sorted(set(picked))


def test_long_shot_sheet_is_capped_and_small(tmp_path):
    rng = np.random.default_rng(0)
    thumb = tmp_path / "t.jpg"
    # A noisy 320x240 thumbnail: the worst case for PNG size.
    cv2.imwrite(str(thumb), rng.integers(0, 256, (240, 320, 3), dtype=np.uint8))
    entries = [SheetEntry(1000 + i, "done", (thumb, thumb, thumb)) for i in range(400)]
    sheet = build_contact_sheet(entries, tmp_path / "sheet.png", title="long")
    assert len(sheet.cells) == MAX_CELLS
    assert sheet.cells[0].frame == 1000 and sheet.cells[-1].frame == 1399
    assert sheet.width <= 1700 and sheet.height <= 2000
    assert (tmp_path / "sheet.png").stat().st_size <= MAX_BYTES
