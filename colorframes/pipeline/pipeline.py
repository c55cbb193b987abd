"""`ColorizePipeline`: the sampling loop of ColorizeDiffusion v1.5 in diffusers vocabulary.

One UNet call per step carries every guidance branch ([cond, uncond_ref, uncond_sketch], only those
needed). The initial noise is one (1, 4, h, w) CPU draw per shot shared by all frames; `init_latents`
+ `strength` start part-way (img2img) for latent-consistency chains. With `frame_chunk=1` every frame
gets its own UNet call, which makes a frame's pixels bit-identical whatever the batch size. With `stages`
(a StageResidency: --offload) the UNet and sketch encoder are resident while denoising and the VAE while
decoding; each batch switches once each way, never per step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .conditioning import ShotConditioning
from .guidance import UNCOND_REF, UNCOND_SKETCH, DualGuidance
from .noise import shot_noise, step_generators
from .offload import StageResidency
from .schedulers import is_stochastic, make_scheduler

# callback(step_index, timestep, latents_entering_step, guided_noise_pred)
StepCallback = Callable[[int, int, torch.Tensor, torch.Tensor], None]


@dataclass
class ColorizeOutput:
    images: torch.Tensor | None  # (B, 3, H, W) float32 in about [-1, 1] (unclamped), None for "latent"
    latents: torch.Tensor  # (B, 4, h, w) float32 final latents (unscaled, as sampled)
    intermediates: list[torch.Tensor] = field(default_factory=list)  # each (B, 3, H, W) decoded x0
    intermediate_steps: list[int] = field(default_factory=list)
    timesteps: list[int] = field(default_factory=list)


def intermediate_indices(num_steps: int, count: int) -> list[int]:
    """`count` step indices evenly spaced over the run, always ending on the last step."""
    if count <= 0 or num_steps <= 0:
        return []
    count = min(count, num_steps)
    return sorted({int(round(v)) for v in np.linspace(num_steps - 1, 0, count)[::-1]})


def _alpha_bar(scheduler: Any, timestep: torch.Tensor) -> torch.Tensor:
    """alphas_cumprod at a (possibly fractional) timestep, linearly interpolated."""
    table = scheduler.alphas_cumprod.to(torch.float64)
    t = float(timestep)
    lo = int(np.floor(t))
    hi = min(lo + 1, len(table) - 1)
    frac = t - lo
    return (table[lo] * (1 - frac) + table[hi] * frac).to(torch.float32)


class ColorizePipeline:
    """Samples colorized latents for a batch of sketches of one shot and decodes them."""

    def __init__(
        self,
        model: Any,
        scheduler: Any | None = None,
        *,
        vae_dtype: torch.dtype | None = None,
        vae_slicing: bool = True,
        frame_chunk: int | None = None,
        cache_context_kv: bool = True,
        channels_last: bool = False,
        device: torch.device | None = None,
        stages: StageResidency | None = None,
    ) -> None:
        self.model = model
        self._device = device  # the compute device; None: wherever the UNet is
        self.stages = stages
        self.scheduler = scheduler if scheduler is not None else make_scheduler()
        self.vae_dtype = vae_dtype
        self.vae_slicing = vae_slicing
        self.frame_chunk = frame_chunk
        self.cache_context_kv = cache_context_kv and hasattr(model, "context_kv")
        self.channels_last = channels_last  # UNet / VAE inputs in NHWC (CUDA tensor cores)
        # The UNet call; the backend swaps in a compiled version without touching the model object.
        self.predict_noise: Callable[..., torch.Tensor] = model.predict_noise
        self._null_hints: dict[tuple, list[torch.Tensor]] = {}
        self._kv: tuple[tuple, torch.Tensor, Any] | None = None  # (key, context kept alive, ContextKV)

    # --- helpers ------------------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        return self._device if self._device is not None else next(self.model.unet.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.unet.parameters()).dtype

    def enter(self, stage: str) -> None:
        """Make a stage's models resident on the compute device (offload.STAGES); no-op without `stages`."""
        if self.stages is not None:
            self.stages.enter(stage)

    def encode_sketch(self, sketch: torch.Tensor, strength: float) -> list[torch.Tensor]:
        """(B, 3, H, W) sketch -> five hints, scaled by the sketch strength (official control_scale)."""
        hints = self.model.encode_sketch(sketch.to(self.device, self.dtype))
        return [h * strength for h in hints] if strength != 1.0 else list(hints)

    @torch.no_grad()
    def null_hints(self, canvas_hw: tuple[int, int], strength: float) -> list[torch.Tensor]:
        """Hints of the all -1 sketch (sketch-null), computed once per canvas size at batch 1."""
        key = (tuple(canvas_hw), strength, self.device, self.dtype)
        if key not in self._null_hints:
            self.enter("denoise")
            blank = -torch.ones((1, 3, *canvas_hw), device=self.device, dtype=self.dtype)
            self._null_hints = {key: self.encode_sketch(blank, strength)}
        return self._null_hints[key]

    def context_kv(self, cond: ShotConditioning) -> Any | None:
        """The shot context's attn2 keys/values, projected once per shot (None when caching is off)."""
        if not self.cache_context_kv:
            return None
        key = (id(cond.context), cond.fg_lora, cond.bg_lora, self.device, self.dtype)
        if self._kv is None or self._kv[0] != key:
            kv = self.model.context_kv(cond.context, fg_lora=cond.fg_lora, bg_lora=cond.bg_lora)
            self._kv = (key, cond.context, kv)  # holding the context keeps its id() unique
        return self._kv[2]

    def _nhwc(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """(B, 4, h, w) latents -> (B, 3, H, W) float32 images; per-frame with VAE slicing."""
        self.enter("decode")
        vae_dtype = self.vae_dtype or next(self.model.vae.parameters()).dtype
        chunk = 1 if self.vae_slicing or self.frame_chunk == 1 else latents.shape[0]
        out = [
            self.model.decode_latents(self._nhwc(part.to(self.device, vae_dtype))).float()
            for part in latents.split(chunk)
        ]
        return torch.cat(out)  # (B, 3, H, W)

    def predicted_x0(self, model_input: torch.Tensor, noise_pred: torch.Tensor, t: torch.Tensor):
        """x0 from the (VP-scaled) model input and the guided prediction (eps or v)."""
        a = _alpha_bar(self.scheduler, t).to(model_input.device)
        if self.scheduler.config.prediction_type == "v_prediction":
            return a.sqrt() * model_input - (1 - a).sqrt() * noise_pred
        return (model_input - (1 - a).sqrt() * noise_pred) / a.sqrt()

    def _unet_branches(
        self,
        model_input: torch.Tensor,
        t: torch.Tensor,
        cond: ShotConditioning,
        hints: list[torch.Tensor],
        null_hints: list[torch.Tensor],
        mask: torch.Tensor | None,
        guidance: DualGuidance,
        context_kv: Any | None = None,
    ) -> torch.Tensor:
        """One UNet call over [cond, uncond_ref, uncond_sketch] for b frames -> (nb * b, 4, h, w)."""
        b = model_input.shape[0]
        context = cond.context.to(self.device, self.dtype)
        contexts, hint_sets = [context.expand(b, -1, -1)], [hints]
        for branch in guidance.branches[1:]:
            if branch == UNCOND_REF:
                contexts.append(torch.zeros_like(contexts[0]))
                hint_sets.append(hints)
            elif branch == UNCOND_SKETCH:
                contexts.append(contexts[0])
                hint_sets.append([h.expand(b, -1, -1, -1) for h in null_hints])
        n = len(guidance.branches)
        sample = self._nhwc(torch.cat([model_input] * n).to(self.dtype))  # (n*b, 4, h, w)
        batched_hints = [torch.cat(level) for level in zip(*hint_sets, strict=True)]
        batched_mask = torch.cat([mask] * n).to(self.dtype) if mask is not None else None
        timestep = t.to(self.device).expand(n * b)
        if context_kv is not None:  # attn2 reads the cached K/V; the context only gives its shape
            context_kv = context_kv.for_branches(tuple(branch == UNCOND_REF for branch in guidance.branches))
            batched_context = context
        else:
            batched_context = torch.cat(contexts)
        noise_pred = self.predict_noise(
            sample,
            timestep,
            batched_context,
            batched_hints,
            batched_mask,
            fg_lora=cond.fg_lora,
            bg_lora=cond.bg_lora,
            ts_s=cond.ts_s,
            context_kv=context_kv,
        )
        # A CUDA-graph replay reuses its output buffer: copy before the next call overwrites it.
        return noise_pred.float() if noise_pred.dtype != torch.float32 else noise_pred.clone()

    # --- sampling -----------------------------------------------------------------------------

    @torch.no_grad()
    def __call__(
        self,
        sketch: torch.Tensor,
        conditioning: ShotConditioning,
        mask: torch.Tensor | None = None,
        *,
        num_inference_steps: int = 20,
        guidance_scale: float = 4.0,
        sketch_guidance_scale: float = 1.0,
        sketch_strength: float = 1.0,
        seed: int = 0,
        latents: torch.Tensor | None = None,
        init_latents: torch.Tensor | None = None,
        strength: float = 1.0,
        num_intermediates: int = 0,
        output_type: str = "pt",
        callback: StepCallback | None = None,
    ) -> ColorizeOutput:
        """Colorize a batch of sketches (B, 3, H, W) in [-1, 1] (white on black) of one shot.

        mask: (B, 1, H/8, W/8) sketch masks (ignored in vanilla mode). latents: (1 | B, 4, h, w) initial
        noise; drawn from `seed` on the CPU when None. init_latents + strength < 1: start from noised
        latents part-way through the schedule.
        """
        # 1. Check inputs and pick the guidance branches.
        batch, _, height, width = sketch.shape
        latent_hw = (height // 8, width // 8)
        guidance = DualGuidance(guidance_scale, sketch_guidance_scale)
        if conditioning.masked:
            if mask is None:
                raise ValueError("bg2fig / fig2fig (a LoRA on) need the sketch mask; pass mask=")
            mask = mask.to(self.device)
        else:
            mask = None

        # 2. Encode the sketch hints (cond) and the all -1 sketch hints (sketch-null, cached).
        self.enter("denoise")
        sketch = sketch.to(self.device)
        null_hints = self.null_hints((height, width), sketch_strength) if guidance.use_sketch else []

        # 3. Set the timesteps (img2img: skip the first 1 - strength of the schedule).
        scheduler = self.scheduler
        scheduler.set_timesteps(num_inference_steps, device=self.device)
        timesteps = scheduler.timesteps
        start = 0
        if init_latents is not None:
            order = getattr(scheduler, "order", 1)
            kept = min(int(num_inference_steps * strength), num_inference_steps)
            start = (num_inference_steps - kept) * order
            timesteps = timesteps[start:]
            if hasattr(scheduler, "set_begin_index"):
                scheduler.set_begin_index(start)

        # 4. Prepare the initial latents: the shared shot noise, expanded to every frame.
        noise = latents if latents is not None else shot_noise(seed, latent_hw)  # (1 | B, 4, h, w)
        noise = noise.to(self.device, torch.float32).expand(batch, -1, -1, -1)
        if init_latents is not None:
            init = init_latents.to(self.device, torch.float32).expand(batch, -1, -1, -1)
            x = init.clone() if len(timesteps) == 0 else scheduler.add_noise(init, noise, timesteps[:1].repeat(batch))
        else:
            x = noise * scheduler.init_noise_sigma
        x = x.contiguous()
        step_kwargs = {"generator": step_generators(seed, batch)} if is_stochastic(scheduler) else {}

        # 5. Denoising loop: one UNet call per step (per frame chunk) with every CFG branch batched.
        chunk = self.frame_chunk or batch
        frame_hints = [
            self.encode_sketch(part, sketch_strength) for part in sketch.split(chunk)
        ]  # per chunk: 5 hints (b, C_i, H_i, W_i)
        mask_parts = mask.split(chunk) if mask is not None else [None] * len(frame_hints)
        record = intermediate_indices(len(timesteps), num_intermediates)
        x0s: list[torch.Tensor] = []  # (B, 4, h, w) predicted x0 at the recorded steps, decoded after the loop
        context_kv = self.context_kv(conditioning)
        for i, t in enumerate(timesteps):
            model_input = scheduler.scale_model_input(x, t)  # (B, 4, h, w)
            preds = [
                guidance.combine(
                    self._unet_branches(part, t, conditioning, hints, null_hints, m, guidance, context_kv)
                )
                for part, hints, m in zip(model_input.split(chunk), frame_hints, mask_parts, strict=True)
            ]
            noise_pred = torch.cat(preds)  # (B, 4, h, w) guided
            if callback is not None:
                callback(start + i, int(t), x, noise_pred)
            if i in record:
                x0s.append(self.predicted_x0(model_input, noise_pred, t))
            x = scheduler.step(noise_pred, t, x, **step_kwargs, return_dict=False)[0]

        # 6. Decode with the VAE (fp32 unless the model was loaded otherwise).
        images = None if output_type == "latent" else self.decode(x)
        intermediates = x0s if output_type == "latent" else [self.decode(x0) for x0 in x0s]
        return ColorizeOutput(
            images=images,
            latents=x,
            intermediates=intermediates,
            intermediate_steps=[start + i for i in record],
            timesteps=[int(t) for t in timesteps],
        )
