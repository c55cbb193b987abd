"""ColorizerConfig sizes and JSON; mode -> LoRA flags; the official token layouts."""

from __future__ import annotations

import json

import pytest
import torch

from colorframes.models.config import ColorizerConfig
from colorframes.models.modes import layout_context, mode_to_flags, resolve_flags, uses_mask


def test_full_config_is_sd21_vith14():
    cfg = ColorizerConfig.full()
    assert cfg.unet_heads == (5, 10, 20, 20)
    assert cfg.context_dim == 1024 and cfg.num_reference_tokens == 256
    assert cfg.sketch_hint_channels == (320, 320, 640, 1280, 1280)
    assert cfg.unet_kwargs()["use_linear_projection"] is False
    assert cfg.prediction_type == "epsilon" and cfg.latent_scale == 0.18215


def test_lora_rank_rule():
    assert ColorizerConfig.lora_rank(4, 1024, 1280) == 4
    assert ColorizerConfig.lora_rank(0.5, 1024, 1280) == 512
    assert ColorizerConfig.lora_rank(0.5, 320, 320) == 160


def test_tiny_config_matches_the_fixture(golden_dir):
    official = json.loads((golden_dir / "config.json").read_text())["model"]["params"]
    unet = official["unet_config"]["params"]
    vae = official["first_stage_config"]["params"]["ddconfig"]
    clip = json.loads((golden_dir / "config.json").read_text())["cond_stage_open_clip_model_config"]["config"]
    cfg = ColorizerConfig.tiny()
    assert cfg.unet_channels == tuple(unet["model_channels"] * m for m in unet["channel_mult"])
    assert cfg.unet_head_channels == unet["num_head_channels"]
    assert cfg.context_dim == unet["context_dim"]
    assert cfg.vae_channels == tuple(vae["ch"] * m for m in vae["ch_mult"])
    assert (cfg.lora_fg_rank, cfg.lora_bg_rank) == (official["lora_config"]["fr"], official["lora_config"]["br"])
    assert cfg.bg_dim == official["transformer_config"]["params"]["dim"]
    assert cfg.bg_layers == official["transformer_config"]["params"]["layers"]
    assert cfg.thresh_embed_dim == official["thresh_embedder_config"]["params"]["embed_dim"]
    assert cfg.sketch_channels == official["control_encoder_config"]["params"]["model_channels"]
    assert (cfg.clip_width, cfg.clip_layers, cfg.clip_head_width, cfg.clip_output_dim) == (
        clip["vision_cfg"]["width"], clip["vision_cfg"]["layers"], clip["vision_cfg"]["head_width"],
        clip["embed_dim"],
    )  # fmt: skip
    assert cfg.latent_scale == official["scale_factor"]


def test_config_json_round_trip(tmp_path):
    cfg = ColorizerConfig.tiny().replace(prediction_type="v")
    cfg.save(tmp_path / "config.json")
    again = ColorizerConfig.load(tmp_path / "config.json")
    assert again == cfg and again.prediction_type == "v_prediction"
    assert isinstance(again.lora_bg_rank, float) and isinstance(again.lora_fg_rank, int)
    with pytest.raises(ValueError, match="unknown ColorizerConfig keys: bogus"):
        ColorizerConfig.from_dict({**cfg.to_dict(), "bogus": 1})
    with pytest.raises(ValueError, match="prediction_type"):
        ColorizerConfig(prediction_type="sample")


def test_mode_flags_and_overrides():
    assert mode_to_flags("vanilla") == (False, False)
    assert mode_to_flags("bg2fig") == (False, True)  # official bg_enhance
    assert mode_to_flags("fig2fig") == (True, True)  # bg_enhance + fg_enhance
    assert resolve_flags("vanilla", fg_lora=True) == (True, False)  # fg_enhance only stays reachable
    assert resolve_flags("fig2fig", bg_lora=False) == (True, False)
    assert not uses_mask(False, False) and uses_mask(True, False)
    with pytest.raises(ValueError, match="unknown mode 'fig2bg'"):
        mode_to_flags("fig2bg")


def test_token_layouts():
    tok = torch.randn(2, 4, 3)
    bg = torch.randn(2, 4, 3)
    e_s = torch.randn(1, 1, 3)
    assert torch.equal(layout_context(tok, bg, e_s, fg_lora=False, bg_lora=False), tok)
    assert torch.equal(layout_context(tok, None, e_s, fg_lora=True, bg_lora=False), torch.cat([tok, tok], 1))
    half = torch.cat([tok + e_s, bg], 1)
    assert torch.equal(layout_context(tok, bg, e_s, fg_lora=False, bg_lora=True), half)
    assert torch.equal(layout_context(tok, bg, e_s, fg_lora=True, bg_lora=True), torch.cat([half, half], 1))
    with pytest.raises(ValueError, match="background tokens"):
        layout_context(tok, None, e_s, fg_lora=False, bg_lora=True)
