"""Smaller parts of the flat backend: assignment, parameters, hints, colour references, descriptors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from colorframes.backends.flat.hints import hints_from_image, load_hints
from colorframes.backends.flat.matching import sparse_assignment
from colorframes.backends.flat.params import DEFAULT_PARAMS, FlatParams
from colorframes.backends.flat.reference import segment_colored
from colorframes.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def _brute_force(cost: np.ndarray, unmatched: float, second_use: float) -> float:
    """Cheapest total over every choice (a column or none per row; a column serves two rows at most)."""
    n, m = cost.shape
    best = np.inf
    for choice in itertools.product(range(-1, m), repeat=n):
        uses = [choice.count(j) for j in range(m)]
        if max(uses, default=0) > 2:
            continue
        total = sum(unmatched if j < 0 else cost[i, j] for i, j in enumerate(choice))
        total += second_use * sum(u == 2 for u in uses)
        best = min(best, total)
    return best


def test_sparse_assignment_is_optimal_against_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(40):
        n, m = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        dense = rng.random((n, m)) * 3
        offered = rng.random((n, m)) < 0.7  # candidate edges only
        rows, cols = np.nonzero(offered)
        choice, picked = sparse_assignment(rows, cols, dense[rows, cols], n, m, unmatched=1.5, second_use=0.35)
        assert choice.shape == (n,) and all(j < 0 or offered[i, j] for i, j in enumerate(choice))
        uses = np.bincount(choice[choice >= 0], minlength=m)
        assert uses.max(initial=0) <= 2
        total = sum(1.5 if j < 0 else dense[i, j] for i, j in enumerate(choice)) + 0.35 * (uses == 2).sum()
        masked = np.where(offered, dense, np.inf)
        assert total == pytest.approx(_brute_force(masked, 1.5, 0.35))
        assert np.allclose(picked[choice >= 0], dense[np.flatnonzero(choice >= 0), choice[choice >= 0]], atol=0.36)


def test_sparse_assignment_beats_greedy():
    cost = np.array([1.0, 2.0, 1.1, 10.0])  # greedy row 0 → col 0 forces row 1 → col 1 (11.0)
    choice, _ = sparse_assignment(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), cost, 2, 2, 20.0, 20.0)
    assert choice.tolist() == [1, 0]


def test_params_are_one_frozen_documented_dataclass():
    import dataclasses

    import colorframes.backends.flat.params as params_module
    import colorframes.foundation.lineart as regions_module
    from colorframes.foundation.lineart import LineArtParams

    assert len(dataclasses.fields(FlatParams)) > 10
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_PARAMS.leak_ratio = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_PARAMS.lineart.max_regions = 1  # type: ignore[misc]
    for cls, module in ((FlatParams, params_module), (LineArtParams, regions_module)):
        source = Path(module.__file__).read_text()
        for f in dataclasses.fields(cls):  # every field has a docstring right below it
            below = source.split(f"    {f.name}:", 1)[1].split("\n", 2)[1]
            assert f"    {f.name}:" in source and '"""' in below, f"{cls.__name__}.{f.name}"


def test_hints_json_and_image(tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps([{"frame": 3, "x": 10.4, "y": 7, "color": "#0a0B0c"}]))
    (hint,) = load_hints(str(path))
    assert (hint.frame, hint.x, hint.y, hint.rgb) == (3, 10, 7, (10, 11, 12))
    img = np.zeros((40, 60, 4), np.uint8)
    cv2.circle(img, (15, 20), 5, (200, 10, 10, 255), -1)
    cv2.rectangle(img, (40, 5), (50, 15), (10, 200, 10, 255), -1)
    hints = sorted(hints_from_image(img, frame=9), key=lambda h: h.x)
    assert [(h.frame, h.rgb) for h in hints] == [(9, (200, 10, 10)), (9, (10, 200, 10))]
    assert abs(hints[0].x - 15) <= 1 and abs(hints[0].y - 20) <= 1
    png = tmp_path / "hints.png"
    cv2.imwrite(str(png), cv2.cvtColor(img, cv2.COLOR_RGBA2BGRA))
    assert [h.frame for h in load_hints(f"{png}@1005")] == [1005, 1005]
    with pytest.raises(InputError, match="colour"):
        path.write_text(json.dumps([{"frame": 1, "x": 1, "y": 1, "color": "red"}]))
        load_hints(str(path))


def test_colour_reference_regions_and_exact_colours(make_example):
    sheet = make_example.render_sheet((384, 384))["color"]
    ref = segment_colored(sheet)
    colours = {tuple(int(v) for v in c) for c in ref.colors[1:]}
    palette = {rgb for i, (_, rgb) in make_example.PALETTE.items() if i not in (0,)}
    assert len(colours & palette) >= len(palette) - 2  # exact flat colours, not anti-aliased means
    assert tuple(ref.colors[ref.background]) == (255, 255, 255)
    x0, y0, x1, y1 = ref.regions.figure_bbox
    assert 0 < x0 < x1 < 384 and 0 < y0 < y1 <= 384


def test_form_descriptors_tell_a_disc_from_a_band():
    from colorframes.backends.flat.matching import descriptor_cost, descriptors
    from colorframes.foundation.lineart import segment_regions

    img = np.full((200, 300, 3), 255, np.uint8)
    cv2.circle(img, (60, 100), 28, (0, 0, 0), 2)  # a hand
    cv2.rectangle(img, (120, 90), (250, 112), (0, 0, 0), 2)  # a belt of about the same area
    cv2.circle(img, (200, 40), 26, (0, 0, 0), 2)  # another disc, elsewhere
    r = segment_regions(img, 1)
    disc, band, disc2 = (int(r.labels[y, x]) for x, y in ((60, 100), (185, 101), (200, 40)))
    d = descriptors(r)
    assert abs(d[disc, 7]) < 0.1 and abs(d[disc, 6]) < 0.1  # round: no elongation, disc compactness
    assert d[band, 7] > 0.6  # horizontal band: elongated along x
    form = lambda a, b: abs(d[a, 6] - d[b, 6]) + np.linalg.norm(d[a, 7:9] - d[b, 7:9])  # noqa: E731
    assert form(disc, band) > 0.5 > 0.15 > form(disc, disc2)  # scale-free: the two discs agree
    cost = descriptor_cost(d[[disc]], d[[band, disc2]], DEFAULT_PARAMS)[0]
    assert np.all(np.isfinite(cost)) and cost.shape == (2,)


def test_keyframe_colour_of_a_shaded_region_is_its_base_colour():
    """A finished keyframe region (rim-shadow ramp whose steps each outnumber the flat colour, a highlight)
    bounded by a coloured line reads as its flat base colour."""
    from colorframes.backends.flat.keycolors import dominant_colors
    from colorframes.foundation.lineart import segment_regions

    base = np.array([200.0, 120.0, 80.0])
    sketch = np.full((40, 60, 3), 255, np.uint8)
    cv2.rectangle(sketch, (18, 13), (41, 26), (40, 40, 200), 2)  # interior rows 15..24, columns 20..39
    key = sketch.copy()
    inside = np.zeros((40, 60), bool)
    inside[15:25, 20:40] = True
    fill = np.tile(base, (10, 20, 1))  # (10, 20, 3)
    for step, factor in enumerate((0.76, 0.82, 0.88, 0.94)):  # 40 px per shadow step, 32 px of base colour
        fill[:, 4 * step : 4 * step + 4] *= factor
    fill[0:2, 16:20] += (255.0 - base) * 0.5  # highlight
    key[15:25, 20:40] = np.rint(fill).astype(np.uint8)
    regions = segment_regions(sketch, 1)
    rid = int(np.bincount(regions.labels[inside]).argmax())
    assert (regions.labels[inside] == rid).mean() > 0.9 and rid > 0
    colors = dominant_colors(regions, key, DEFAULT_PARAMS)
    assert tuple(int(c) for c in colors[rid]) == (200, 120, 80)
    mode_only = dominant_colors(regions, key, FlatParams(shade_share=0.0))  # the plain exact mode: a shadow step
    assert tuple(int(c) for c in mode_only[rid]) != (200, 120, 80)
