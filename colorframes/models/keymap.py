"""Official (LDM / refnet) state-dict key -> SplitColorizer key. Pure string rules, no tensors.

Facts from the research brief section 5: `model.diffusion_model.*` is an LDM UNet (input_blocks /
middle_block / output_blocks), `first_stage_model.*` an LDM kl-f8 VAE, `control_encoder.*` the sketch
encoder, `thresh_embedder.*`, `transformer.*` the recovery transformer, `cond_stage_model.visual.model.*`
the open_clip vision tower; the split LoRA lives under `attn2.to_{q,k,v}.lora_{down,up}_{fg,bg}`.
"""

from __future__ import annotations

import re

from .config import ColorizerConfig

# The 12 DDPM schedule buffers on the official root module (dropped; `betas` cross-checks the schedule).
SCHEDULE_BUFFERS = (
    "betas",
    "alphas_cumprod",
    "alphas_cumprod_prev",
    "sqrt_alphas_cumprod",
    "sqrt_one_minus_alphas_cumprod",
    "log_one_minus_alphas_cumprod",
    "sqrt_recip_alphas_cumprod",
    "sqrt_recipm1_alphas_cumprod",
    "posterior_variance",
    "posterior_log_variance_clipped",
    "posterior_mean_coef1",
    "posterior_mean_coef2",
)

# Official prefixes we deliberately ignore (text tower of OpenCLIP, EMA copies, logvar).
IGNORED_PREFIXES = ("cond_stage_model.transformer.", "model_ema.", "logvar")

_RESNET = {
    "in_layers.0": "norm1",
    "in_layers.2": "conv1",
    "emb_layers.1": "time_emb_proj",
    "out_layers.0": "norm2",
    "out_layers.3": "conv2",
    "skip_connection": "conv_shortcut",
}
_LORA = re.compile(r"attn2\.(to_[qkv])\.lora_(down|up)_(fg|bg)\.weight$")
_VAE_ATTN = {"norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"}


def _resnet(rest: str) -> str:
    for old, new in _RESNET.items():
        if rest == old or rest.startswith(old + "."):
            return new + rest[len(old) :]
    raise KeyError(rest)


def _transformer(rest: str) -> str:
    match = _LORA.search(rest)
    if match:
        proj, kind, adapter = match.groups()
        lora = "lora_A" if kind == "down" else "lora_B"
        return rest[: match.start()] + f"attn2.processor.{proj}.{lora}.{adapter}.weight"
    return rest


def unet_key(key: str, config: ColorizerConfig) -> str:
    """`model.diffusion_model.<rest>` rest -> `unet.<diffusers name>`."""
    per = config.unet_layers_per_block + 1  # LDM input/output blocks per level
    parts = key.split(".")
    head = parts[0]
    if head == "time_embed":
        return "time_embedding.linear_" + {"0": "1", "2": "2"}[parts[1]] + "." + ".".join(parts[2:])
    if head == "out":
        return {"0": "conv_norm_out", "2": "conv_out"}[parts[1]] + "." + ".".join(parts[2:])
    if head == "input_blocks":
        n, sub, rest = int(parts[1]), parts[2], ".".join(parts[3:])
        if n == 0:
            return "conv_in." + rest
        level, j = divmod(n - 1, per)
        if j == per - 1:  # downsampler: input_blocks.N.0.op
            return f"down_blocks.{level}.downsamplers.0.conv." + rest.removeprefix("op.")
        if sub == "0":
            return f"down_blocks.{level}.resnets.{j}." + _resnet(rest)
        return f"down_blocks.{level}.attentions.{j}." + _transformer(rest)
    if head == "middle_block":
        sub, rest = parts[1], ".".join(parts[2:])
        if sub == "1":
            return "mid_block.attentions.0." + _transformer(rest)
        return f"mid_block.resnets.{0 if sub == '0' else 1}." + _resnet(rest)
    if head == "output_blocks":
        n, slot, rest = int(parts[1]), int(parts[2]), ".".join(parts[3:])
        up, j = divmod(n, per)
        has_attn = up > 0  # the deepest up level has no attention (attention_resolutions 4,2,1)
        if slot == 0:
            return f"up_blocks.{up}.resnets.{j}." + _resnet(rest)
        if slot == 1 and has_attn:
            return f"up_blocks.{up}.attentions.{j}." + _transformer(rest)
        return f"up_blocks.{up}.upsamplers.0." + rest
    raise KeyError(key)


def vae_key(key: str, config: ColorizerConfig) -> str:
    """`first_stage_model.<rest>` rest -> `vae.<diffusers name>`."""
    levels = len(config.vae_channels)
    parts = key.split(".")
    if parts[0] in ("quant_conv", "post_quant_conv"):
        return key
    side, rest = parts[0], parts[1:]
    if rest[0] in ("conv_in", "conv_out"):
        return ".".join([side, *rest])
    if rest[0] == "norm_out":
        return ".".join([side, "conv_norm_out", *rest[1:]])
    if rest[0] == "mid":
        name = rest[1]
        tail = rest[2:]
        if name == "attn_1":
            return ".".join([side, "mid_block.attentions.0", _VAE_ATTN[tail[0]], *tail[1:]])
        idx = {"block_1": "0", "block_2": "1"}[name]
        return ".".join([side, "mid_block.resnets", idx, *_vae_resnet(tail)])
    if rest[0] in ("down", "up"):
        i = int(rest[1])
        block = f"down_blocks.{i}" if rest[0] == "down" else f"up_blocks.{levels - 1 - i}"
        kind = rest[2]
        if kind == "block":
            return ".".join([side, block, "resnets", rest[3], *_vae_resnet(rest[4:])])
        sampler = "downsamplers" if kind == "downsample" else "upsamplers"
        return ".".join([side, block, sampler, "0", *rest[3:]])
    raise KeyError(key)


def _vae_resnet(tail: list[str]) -> list[str]:
    return ["conv_shortcut", *tail[1:]] if tail[0] == "nin_shortcut" else tail


def official_to_ours(key: str, config: ColorizerConfig) -> str | None:
    """Our key for an official key; None when the key is dropped on purpose. KeyError if unknown."""
    if key in SCHEDULE_BUFFERS or key.startswith(IGNORED_PREFIXES):
        return None
    if key.startswith("model.diffusion_model."):
        return "unet." + unet_key(key.removeprefix("model.diffusion_model."), config)
    if key.startswith("first_stage_model."):
        return "vae." + vae_key(key.removeprefix("first_stage_model."), config)
    if key.startswith("control_encoder."):
        return "sketch_encoder." + key.removeprefix("control_encoder.")
    if key.startswith("thresh_embedder."):
        return key
    if key.startswith("transformer."):
        return "bg_transformer." + key.removeprefix("transformer.")
    if key.startswith("cond_stage_model.visual.model."):
        return "image_encoder.visual." + key.removeprefix("cond_stage_model.visual.model.")
    raise KeyError(key)
