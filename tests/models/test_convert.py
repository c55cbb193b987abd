"""Converter: the official key layout (tiny file and full-size listing), loading, converted folders."""

from __future__ import annotations

import json

import pytest
import torch

from colorframes.errors import EXIT_MODEL_UNAVAILABLE, ModelUnavailableError
from colorframes.models.colorizer import SplitColorizer
from colorframes.models.config import ColorizerConfig
from colorframes.models.convert import (
    _fit_shape,
    convert_official_state_dict,
    from_pretrained,
    load_official,
    load_open_clip_visual,
    save_pretrained,
)
from colorframes.models.keymap import SCHEDULE_BUFFERS

VAE_ATTN_RESHAPES = 8  # encoder + decoder mid attention q, k, v, proj_out: 1x1 conv -> linear


@pytest.fixture(scope="module")
def official_sd(golden_dir):
    from safetensors.torch import load_file

    return {k: v.float() for k, v in load_file(str(golden_dir / "weights.safetensors")).items()}


def test_full_size_key_map_has_no_missing_or_unexpected_keys(golden_dir):
    listing = json.loads((golden_dir / "full-size-keys.json").read_text())
    with torch.device("meta"):
        model = SplitColorizer(ColorizerConfig.full())
    target = model.state_dict()
    sd = {k: torch.empty(shape, device="meta") for k, shape in listing["keys"].items()}
    ours, report = convert_official_state_dict(sd, ColorizerConfig.full())
    assert report.unknown == []
    assert sorted(report.dropped) == sorted(SCHEDULE_BUFFERS)
    assert [k for k in ours if k not in target] == []
    assert [k for k in target if k not in ours and not k.startswith("image_encoder.")] == []
    assert [k for k in ours if _fit_shape(ours[k], target[k].shape) is None] == []
    assert sum(1 for k, v in ours.items() if v.shape != target[k].shape) == VAE_ATTN_RESHAPES
    assert sum(".lora_" in k for k in ours) == listing["counts"]["lora_keys"] == 192
    # The CLIP tower the release drops maps onto our image encoder exactly (open_clip ViT-H-14 layout).
    visual = {k: v for k, v in listing["dropped_cond_stage_model_keys"].items() if ".visual." in k}
    clip, _ = convert_official_state_dict({k: torch.empty(s, device="meta") for k, s in visual.items()})
    clip_target = {k: v for k, v in target.items() if k.startswith("image_encoder.")}
    assert set(clip) == set(clip_target)
    assert all(clip[k].shape == clip_target[k].shape for k in clip)


def test_tiny_official_file_loads_completely(official_tiny):
    model, report = official_tiny
    assert report.unknown == [] and report.missing == [] and report.unexpected == []
    assert sorted(report.dropped) == sorted(SCHEDULE_BUFFERS)
    assert report.schedule == "match"
    assert len(report.reshaped) == VAE_ATTN_RESHAPES
    assert report.mapped == 1239 - len(SCHEDULE_BUFFERS)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("drop", "missing keys"),
        ("unknown", "unknown keys"),
        ("shape", "shape mismatches"),
        ("schedule", "noise schedule mismatch"),
    ],
)
def test_incomplete_or_foreign_checkpoints_are_refused(official_sd, damage, message):
    sd = dict(official_sd)
    if damage == "drop":
        del sd["model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.lora_up_bg.weight"]
    elif damage == "unknown":
        sd["some_other_model.weight"] = torch.zeros(1)
    elif damage == "shape":
        sd["thresh_embedder.embed_layer.0.weight"] = torch.zeros(3, 3)
    else:
        sd["betas"] = sd["betas"] * 1.5
    with pytest.raises(ModelUnavailableError, match=message) as err:
        load_official(sd, ColorizerConfig.tiny())
    assert err.value.exit_code == EXIT_MODEL_UNAVAILABLE


def test_release_without_clip_loads_and_takes_open_clip_weights(official_sd, official_tiny):
    release = {k: v for k, v in official_sd.items() if not k.startswith("cond_stage_model.")}
    model, report = load_official(release, ColorizerConfig.tiny())
    assert report.missing == []
    tensors = [*model.parameters(), *model.buffers()]
    assert not any(t.is_meta for t in tensors)  # built on meta, everything materialised
    weight = model.thresh_embedder.embed_layer[0].weight
    assert weight.data_ptr() != release["thresh_embedder.embed_layer.0.weight"].data_ptr()  # no aliasing
    assert model.encode_reference(torch.zeros(1, 3, 32, 32)).shape == (1, 256, 128)
    reference = official_tiny[0].image_encoder.visual.state_dict()
    open_clip_file = {"visual." + k: v for k, v in reference.items()}
    open_clip_file["transformer.resblocks.0.ln_1.weight"] = torch.ones(3)  # text tower: ignored
    load_open_clip_visual(model, open_clip_file)
    for key, value in model.image_encoder.visual.state_dict().items():
        assert torch.equal(value, reference[key])
    with pytest.raises(ModelUnavailableError, match="visual"):
        load_open_clip_visual(model, {"token_embedding.weight": torch.zeros(2, 2)})


def test_pickle_checkpoint_loads_with_weights_only(tmp_path, official_sd, official_tiny):
    path = tmp_path / "switch-eps.ckpt"
    torch.save({"state_dict": official_sd}, path)
    model, _ = load_official(path, ColorizerConfig.tiny())
    expected = official_tiny[0].state_dict()
    assert all(torch.equal(v, expected[k]) for k, v in model.state_dict().items())
    with pytest.raises(ModelUnavailableError, match="models pull"):
        load_official(tmp_path / "absent.safetensors", ColorizerConfig.tiny())


def test_converted_folder_round_trip(tmp_path, official_tiny):
    model = official_tiny[0]
    folder = save_pretrained(model, tmp_path / "switch-eps-tiny")
    assert (folder / "config.json").is_file() and (folder / "unet.safetensors").is_file()
    again = from_pretrained(folder)
    assert again.config == model.config
    expected = model.state_dict()
    assert set(again.state_dict()) == set(expected)
    assert all(torch.equal(v, expected[k]) for k, v in again.state_dict().items())
    (folder / "vae.safetensors").unlink()
    with pytest.raises(ModelUnavailableError, match="vae.safetensors is missing"):
        from_pretrained(folder)
    with pytest.raises(ModelUnavailableError, match="models convert"):
        from_pretrained(tmp_path / "nowhere")
