"""The split adapters load into peft as ordinary LoRA adapters and give the same projections."""

from __future__ import annotations

import pytest
import torch

from colorframes.models.peft_export import peft_lora_config_kwargs, peft_lora_state_dict


@pytest.mark.parametrize("adapter", ["fg", "bg"])
def test_branch_adapter_round_trips_through_peft(tiny_model, adapter):
    from diffusers import UNet2DConditionModel
    from peft import LoraConfig, inject_adapter_in_model, set_peft_model_state_dict

    base = {k: v for k, v in tiny_model.unet.state_dict().items() if ".processor." not in k}
    plain = UNet2DConditionModel(**tiny_model.config.unet_kwargs())
    plain.load_state_dict(base)
    kwargs = peft_lora_config_kwargs(tiny_model.unet, adapter)
    assert len(kwargs["target_modules"]) == 48  # 16 attn2 x to_q/to_k/to_v
    plain = inject_adapter_in_model(LoraConfig(**kwargs), plain, adapter_name=adapter)
    result = set_peft_model_state_dict(plain, peft_lora_state_dict(tiny_model.unet, adapter), adapter_name=adapter)
    assert not getattr(result, "unexpected_keys", [])

    path = "up_blocks.1.attentions.2.transformer_blocks.0.attn2"
    ours_attn = tiny_model.unet.get_submodule(path)
    proc = ours_attn.processor
    x = torch.randn(2, 5, ours_attn.to_q.in_features)
    ctx = torch.randn(2, 7, ours_attn.to_k.in_features)
    with torch.no_grad():
        peft_attn = plain.get_submodule(path)
        torch.testing.assert_close(peft_attn.to_q(x), ours_attn.to_q(x) + proc.to_q.delta(adapter, x))
        torch.testing.assert_close(peft_attn.to_v(ctx), ours_attn.to_v(ctx) + proc.to_v.delta(adapter, ctx))
        assert peft_attn.to_k.lora_A[adapter].out_features == proc.to_k.lora_A[adapter].out_features


def test_unknown_adapter_name_is_refused(tiny_model):
    with pytest.raises(ValueError, match="adapter"):
        peft_lora_state_dict(tiny_model.unet, "mid")
