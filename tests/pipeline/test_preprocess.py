"""Frame <-> tensor conventions: inversion, letterbox geometry, latent masks, crop back."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from colorframes.pipeline.preprocess import (
    image_to_tensor,
    letterbox,
    mask_to_latent,
    sketch_to_tensor,
    tensor_to_frames,
    working_size,
)


@pytest.mark.parametrize(
    ("frame", "resolution", "canvas"),
    [((1080, 1920), 512, (512, 896)), ((1920, 1080), 512, (896, 512)), ((100, 100), 500, (512, 512)),
     ((480, 640), 90, (64, 64))],
)  # fmt: skip
def test_working_size_keeps_aspect_in_multiples_of_64(frame, resolution, canvas):
    assert working_size(frame, resolution) == canvas


def test_sketch_is_inverted_and_letterboxed_with_minus_one():
    frame = np.full((64, 128, 3), 255, np.uint8)  # white paper
    frame[30:34, :, :] = 0  # a black horizontal line
    box = letterbox(frame.shape[:2], (128, 128))
    assert (box.top, box.left, box.height, box.width) == (32, 0, 64, 128)
    x = sketch_to_tensor([frame], box)
    assert x.shape == (1, 3, 128, 128)
    assert torch.all(x[:, :, :32] == -1) and torch.all(x[:, :, 96:] == -1)  # padding
    assert x[0, 0, 32 + 31, 64].item() == pytest.approx(1.0, abs=1e-3)  # line -> +1 (white)
    assert x[0, 0, 32 + 10, 64].item() == pytest.approx(-1.0, abs=1e-3)  # paper -> -1 (black)


def test_mask_goes_to_latent_size_with_zero_padding():
    mask = np.ones((64, 128), np.float32)
    box = letterbox((64, 128), (128, 128))
    m = mask_to_latent([mask], box)
    assert m.shape == (1, 1, 16, 16)
    assert m[0, 0, 8, 8].item() == pytest.approx(1.0, abs=1e-4)
    assert m[0, 0, 0, 8].item() == pytest.approx(0.0, abs=1e-4)


def test_output_is_cropped_back_to_the_frame():
    box = letterbox((60, 100), (64, 128))
    canvas = torch.full((1, 3, 64, 128), -1.0)
    canvas[:, 0, box.top : box.top + box.height, box.left : box.left + box.width] = 1.0  # red content
    (frame,) = tensor_to_frames(canvas, box)
    assert frame.shape == (60, 100, 3) and frame.dtype == np.float32
    assert np.allclose(frame[..., 0], 1.0, atol=1e-3) and np.allclose(frame[..., 1:], 0.0, atol=1e-3)


def test_reference_maps_uint8_to_minus_one_one():
    ref = np.zeros((5, 7, 3), np.uint8)
    ref[..., 1] = 255
    x = image_to_tensor(ref)
    assert x.shape == (1, 3, 5, 7)
    assert x[0, 0].max().item() == -1.0 and x[0, 1].min().item() == 1.0
