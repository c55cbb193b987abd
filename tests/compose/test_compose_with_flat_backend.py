"""The compose stages on a real flat-backend result: its labels and uint8 palette drive the flats."""

import numpy as np
import pytest

flat = pytest.importorskip("colorframes.backends.flat")

from colorframes.backends.base import FrameInput, ShotSetup  # noqa: E402
from colorframes.compose import ProcessStage, harmonize, process_frames  # noqa: E402
from colorframes.options import RunOptions  # noqa: E402


def test_flat_result_composes_and_exports(tmp_path, scene):
    sheet = (scene["figure"] * 255 + 0.5).astype(np.uint8)
    colorizer = flat.FlatColorizer(gap_radius=1)
    colorizer.setup_shot(
        ShotSetup(
            name="shot", seed=1, frame_size=scene["mask"].shape, reference=sheet,
            reference_alpha=None, reference_mask=scene["mask"], keyframes={1: sheet},
        )
    )  # fmt: skip
    (result,) = colorizer.colorize([FrameInput(1, scene["sketch"], scene["mask"])])
    assert {"labels", "region_colors"} <= set(result.extras)
    out = harmonize(result.image, scene["plate"], scene["mask"], scene["sketch"], strength=0.5)
    lines = scene["sketch"].min(axis=2) < 128
    assert np.array_equal(out.layer[..., :3][lines], result.image[lines])

    stage = ProcessStage.from_options(RunOptions(process=5))
    paths = stage.export(tmp_path, "shot.1", scene["sketch"], scene["mask"], out.composite, result.extras)
    assert len(paths) == 5
    palette = result.extras["region_colors"]
    labels = result.extras["labels"]
    steps = process_frames(scene["sketch"], scene["mask"], out.composite, labels=labels, region_colors=palette, n=5)
    full_flats = steps[2]  # n=5: flats at 1 and 2, shading at 3
    region = labels == np.bincount(labels[labels > 0]).argmax()
    paper = region & (scene["sketch"].min(axis=2) == 255)
    np.testing.assert_allclose(full_flats[paper], palette[labels[paper]] / 255.0, atol=1e-6)
