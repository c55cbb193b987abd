"""Real mask models, only where their files are given (never downloaded): set
COLORFRAMES_TEST_MASK_MODEL to a local isnetis.onnx / isnetis.safetensors / sketch-segment.safetensors."""

from __future__ import annotations

import os

import numpy as np
import pytest
from masks_helpers import example_module

from colorframes.masks import create_mask_provider, iou
from colorframes.masks.reference import dilate_max
from colorframes.options import RunOptions

MODEL = os.environ.get("COLORFRAMES_TEST_MASK_MODEL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (MODEL and os.path.isfile(MODEL)), reason="COLORFRAMES_TEST_MASK_MODEL not set"),
]


def test_real_model_segments_the_example_sheet_and_frame():
    provider, warnings = create_mask_provider(RunOptions(mask_model=MODEL))
    assert warnings == [] or "reference" in warnings[0]
    example = example_module()
    sheet = example.render_sheet((512, 512))
    ref = provider.reference_mask(sheet["color"])
    truth = dilate_max(sheet["mask"].astype(np.float32) / 255.0) >= 0.5
    assert iou(ref >= 0.5, truth) >= 0.8
    frame = example.render_frame(4, (960, 540))
    sketch = provider.sketch_mask(frame["sketch"])
    assert sketch.shape == (540, 960) and iou(sketch > 0.5, frame["mask"] > 127) >= 0.6
