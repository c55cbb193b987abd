"""create_mask_provider: source selection, missing weights, warnings, per-image edge cases."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from masks_helpers import (
    example_module,
    ring_frame,
    save_tiny_isnet,
    shared_tiny_onnx,
    tiny_isnet,
)

from colorframes.errors import EXIT_MODEL_UNAVAILABLE, ModelUnavailableError
from colorframes.masks import MaskProvider, binarize, create_mask_provider, iou, to_uint8
from colorframes.options import RunOptions

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def empty_caches(tmp_path, monkeypatch):
    """No weights anywhere: empty COLORFRAMES_HOME and Hugging Face caches."""
    home = tmp_path / "cfhome"
    home.mkdir()
    monkeypatch.setenv("COLORFRAMES_HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.setenv("HOME", str(tmp_path))
    return home


def test_auto_without_weights_falls_back_with_one_note(empty_caches):
    provider, warnings = create_mask_provider(RunOptions(mask_model="auto"))
    assert provider.describe() == {"sketch": "classical", "reference": "classical"}
    assert warnings == []  # the classical path is the normal one without weights: a note, not a warning
    (note,) = provider.notes
    assert note.startswith("masks: classical (") and "colorframes models pull" in note


@pytest.mark.parametrize("choice", ["isnet", "isnet-onnx", "sketch-segment"])
def test_explicit_model_without_weights_is_exit_3(empty_caches, choice):
    with pytest.raises(ModelUnavailableError) as info:
        create_mask_provider(RunOptions(mask_model=choice))
    assert info.value.exit_code == EXIT_MODEL_UNAVAILABLE
    assert "--mask-model classical" in str(info.value)


def test_auto_finds_weights_in_colorframes_home(empty_caches):
    (empty_caches / "isnetis-onnx").mkdir()
    shutil.copy(shared_tiny_onnx()[1], empty_caches / "isnetis-onnx" / "isnetis.onnx")
    provider, warnings = create_mask_provider(RunOptions(mask_model="auto", device="cpu"))
    assert warnings == []
    assert provider.describe()["sketch"] == "isnetis.onnx:skytnt"


def test_explicit_torch_models_from_home(empty_caches):
    (empty_caches / "sketch-segment").mkdir()
    save_tiny_isnet(empty_caches / "sketch-segment" / "sketch-segment.safetensors", tiny_isnet(seed=5))
    provider, warnings = create_mask_provider(RunOptions(mask_model="sketch-segment", device="cpu"))
    assert provider.describe() == {"sketch": "sketch-segment.safetensors:sketch", "reference": "classical"}
    assert warnings == ["no reference mask model found; using the classical reference mask"]
    (empty_caches / "isnetis").mkdir()
    save_tiny_isnet(empty_caches / "isnetis" / "isnetis.safetensors", tiny_isnet(seed=6))
    provider, warnings = create_mask_provider(RunOptions(mask_model="sketch-segment", device="cpu"))
    assert provider.describe()["reference"] == "isnetis.safetensors:official" and warnings == []
    sketch, _ = ring_frame((60, 80))
    mask = provider.sketch_mask(sketch)
    assert mask.shape == (60, 80) and mask.min() >= 0.0 and mask.max() <= 1.0


def test_classical_provider_api(empty_caches):
    provider, warnings = create_mask_provider(RunOptions(mask_model="classical"))
    assert warnings == []
    frame = example_module().render_frame(3, (320, 180))
    mask = provider.sketch_mask(frame["sketch"])
    assert provider.last_warnings == []
    assert iou(binarize(mask, 0.5), frame["mask"] > 127) >= 0.95
    blank = provider.sketch_mask_result(np.full((30, 30, 3), 255, np.uint8))
    assert not blank.mask.any() and "blank frame" in blank.warnings[0]


def test_net_provider_short_circuits_blank_frames():
    class Boom:
        size = 32

        def __call__(self, x):
            raise AssertionError("the network must not run on a blank frame")

    from colorframes.masks.provider import NetMasker

    provider = MaskProvider(sketch_net=NetMasker(Boom(), "sketch"))
    mask = provider.sketch_mask(np.full((20, 20, 3), 250, np.uint8))
    assert not mask.any() and "blank frame" in provider.last_warnings[0]


def test_reference_alpha_wins_over_the_network():
    class Ones:
        size = 32

        def __call__(self, x):
            return np.ones((32, 32), np.float32)

    from colorframes.masks.provider import NetMasker

    provider = MaskProvider(reference_net=NetMasker(Ones(), "official", dilation=11))
    rgb = np.full((40, 40, 3), 255, np.uint8)
    alpha = np.zeros((40, 40), np.float32)
    alpha[15:25, 15:25] = 1.0
    mask = provider.reference_mask(rgb, alpha)
    assert mask[20, 20] == 1.0 and mask[0, 0] == 0.0 and mask[10, 10] == 1.0  # dilated by 5
    assert provider.reference_mask(rgb).min() == 1.0  # no alpha: the network (all ones)


def test_rgba_and_grey_inputs_are_accepted_and_bad_ones_rejected():
    from colorframes.errors import InputError

    provider = MaskProvider()
    sketch, truth = ring_frame((60, 80))
    rgba = np.dstack([sketch, np.full((60, 80), 255, np.uint8)])
    assert np.array_equal(provider.sketch_mask(rgba), provider.sketch_mask(sketch))
    assert provider.sketch_mask(sketch[:, :, 0]).shape == (60, 80)
    with pytest.raises(InputError, match="expected"):
        provider.sketch_mask(sketch.astype(np.float32))


def test_to_uint8():
    out = to_uint8(np.array([[0.0, 0.5, 1.0, 1.2]], np.float32))
    assert out.dtype == np.uint8 and out.tolist() == [[0, 128, 255, 255]]
