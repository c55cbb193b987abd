"""The diffusion backend: ColorizeDiffusion v1.5 behind the `Colorizer` interface (+ `tiny-random`).

`setup_shot` does every per-shot computation once (reference and background tokens, the mode's context,
the null context, the shared CPU noise, the sketch-null hints; the cross-attention K/V follow at the
first frame), then parks the reference encoders off the GPU; `colorize` only encodes the frames'
sketches and samples. --offload also keeps the UNet off the GPU while the VAE decodes and the VAE off it
while the UNet denoises (pipeline/offload.py: the peak is the largest stage, not the sum). On the CPU
every frame gets its own UNet call (all guidance branches still in one call), so a frame's pixels are
bit-identical whatever the batch size, shard or worker.

--consistency latent chains frames inside fixed, frame-number-anchored segments (pipeline/latent_chain),
reading frames outside a worker's shard through `ShotSetup.sketch_loader`, so shards render what a whole
run does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import FrameError, InputError
from ..options import RunOptions
from .base import BackendTraits, FrameInput, FrameResult, ShotSetup

if TYPE_CHECKING:
    from ..pipeline.latent_chain import LatentChain


class DiffusionColorizer:
    """Colorizer backend around `SplitColorizer` + `ColorizePipeline`."""

    def __init__(
        self,
        opts: RunOptions,
        model: Any,
        *,
        device: Any,
        dtype: Any,
        model_id: str,
        sha256: str | None,
        warnings: list[str] | None = None,
    ) -> None:
        import torch

        from ..models.modes import resolve_flags
        from ..pipeline.acceleration import compiled, use_channels_last
        from ..pipeline.offload import MODULES, StageResidency
        from ..pipeline.pipeline import ColorizePipeline
        from ..pipeline.schedulers import make_scheduler

        self.name = opts.backend
        self.opts = opts
        self.warnings: list[str] = list(warnings or [])
        self.device, self.dtype = device, dtype
        self.model_id, self._sha256 = model_id, sha256
        self.fg_lora, self.bg_lora = resolve_flags(opts.mode, opts.fg_lora, opts.bg_lora)
        # vanilla ignores the sketch mask; results are float32 unless the runner asks for uint8 (8-bit PNGs)
        self.traits = BackendTraits(needs_masks=self.fg_lora or self.bg_lora, exact_uint8=False)
        self.offload = bool(opts.offload) and device.type == "cuda"
        if opts.offload and not self.offload:
            self.warnings.append("--offload only applies on a CUDA device; ignored")

        # The VAE decodes in fp32 unless asked to follow the UNet (--vae-dtype same).
        vae_dtype = dtype if opts.vae_dtype == "same" else torch.float32
        if {p.dtype for p in model.parameters()} != {torch.float32} or dtype != torch.float32:
            model.set_precision(dtype, vae_dtype=vae_dtype)
        self._set_attention(model, opts.attention, device, dtype)
        # --offload: every submodule waits on the CPU until its stage; the CUDA default parks only the
        # reference encoders between shots.
        model.to("cpu" if self.offload else device)
        stages = None
        if device.type == "cuda":
            on_device = () if self.offload else MODULES
            stages = StageResidency(model, device, whole=self.offload, on_device=on_device)
        self.model = model
        channels_last = use_channels_last(model, device)
        prediction = getattr(getattr(model, "config", None), "prediction_type", "epsilon")
        scheduler = make_scheduler(
            opts.scheduler, prediction_type=prediction, karras=opts.karras, warnings=self.warnings
        )
        self.pipeline = ColorizePipeline(
            model,
            scheduler,
            vae_dtype=vae_dtype,
            vae_slicing=opts.vae_slicing,
            frame_chunk=1 if device.type == "cpu" else None,
            channels_last=channels_last,
            device=device,
            stages=stages,
        )
        if opts.compile:
            self.pipeline.predict_noise = compiled(model.predict_noise, device, self.warnings, offload=self.offload)
        self.chain_every = opts.latent_chain
        self.shot: ShotSetup | None = None
        self._conditioning: Any = None  # pipeline.conditioning.ShotConditioning of the current shot
        self._noise: Any = None  # (1, 4, h, w) shared CPU noise of the current shot
        self._canvas: tuple[int, int] | None = None
        self._warned_mask = False
        self._chain: LatentChain | None = None  # --consistency latent: the chain of the current shot

    # --- setup ----------------------------------------------------------------------------------

    def _set_attention(self, model: Any, attention: str, device: Any, dtype: Any) -> None:
        """Always sets the kernel (a reused model goes back to sdpa); xformers needs CUDA and a working
        package (probed with one call on the device: a wheel for another torch imports, then fails)."""
        from ..models.split_attention import xformers_unusable

        if attention == "xformers" and device.type != "cuda":
            self.warnings.append("--attention xformers needs a CUDA device; using sdpa")
            attention = "sdpa"
        elif attention == "xformers":
            reason = xformers_unusable(device, dtype)
            if reason is not None:
                self.warnings.append(f"--attention xformers: {reason}; using sdpa")
                attention = "sdpa"
        model.set_attention(attention)

    def setup_shot(self, shot: ShotSetup) -> None:
        """Per-shot work, once: reference/background tokens, the context, the shared noise."""
        import torch

        from ..pipeline.conditioning import prepare_conditioning
        from ..pipeline.noise import shot_noise
        from ..pipeline.preprocess import image_to_tensor, reference_mask_to_tensor, working_size

        opts = self.opts
        self.pipeline.enter("encode")  # CUDA: the reference encoders come back (--offload: alone)
        reference = image_to_tensor(shot.reference) if shot.reference is not None else None
        ref_mask = shot.reference_mask if shot.reference_mask is not None else shot.reference_alpha
        background = image_to_tensor(shot.background) if shot.background is not None else None
        bg_reference = reference
        if reference is None:
            self.warnings.append(f"{shot.name}: no reference; colorizing from the sketch alone (zero tokens)")
        if self.bg_lora and background is None:
            if bg_reference is None:  # nothing to take a background from: blank paper
                bg_reference, ref_mask = torch.ones((1, 3, 224, 224)), np.zeros((224, 224), np.float32)
            elif ref_mask is None:
                self.warnings.append(
                    f"{shot.name}: no reference mask; the whole reference feeds the background tokens"
                )
                ref_mask = np.zeros(bg_reference.shape[-2:], np.float32)
        self._conditioning = prepare_conditioning(
            self.model,
            reference=reference,
            ref_mask=reference_mask_to_tensor(ref_mask) if ref_mask is not None else None,
            background=background,
            bg_reference=bg_reference,
            fg_lora=self.fg_lora,
            bg_lora=self.bg_lora,
            ts_s=opts.sketch_threshold,
            ts_r=opts.ref_threshold,
        )
        self.pipeline.enter("denoise")  # the encoders are only needed again at the next shot
        self.shot = shot
        self._chain = None
        size = shot.frame_size if min(shot.frame_size) > 0 else None
        self._canvas = working_size(size, opts.resolution) if size else None
        self._noise = None
        if self._canvas is not None:
            self._noise = shot_noise(shot.seed, (self._canvas[0] // 8, self._canvas[1] // 8))
            if opts.sketch_guidance_scale != 1.0:  # sketch-null hints: once per shot
                self.pipeline.null_hints(self._canvas, opts.sketch_strength)

    # --- frames ---------------------------------------------------------------------------------

    def prepare(self, sketch: np.ndarray) -> None:
        """Nothing to run ahead: every step of a frame runs on the device."""
        return None

    def colorize(
        self,
        frames: list[FrameInput],
        *,
        init_latents: Any | None = None,
        strength: float = 1.0,
    ) -> list[FrameResult]:
        """Colorize a batch of one shot's frames -> float32 RGB [0, 1] at each frame's size.

        init_latents (1|B, 4, h, w) + strength < 1 start from given latents (latent consistency);
        FrameResult.extras["latent"] holds each frame's final (4, h, w) latent on the CPU.
        """
        if self.shot is None or self._conditioning is None:
            raise InputError("setup_shot must run before colorize")
        if self.opts.consistency == "latent" and init_latents is None:
            chain = self._latent_chain()
            return [chain.colorize(f) for f in frames]  # sequential: each needs the last
        groups: dict[tuple[int, int], list[FrameInput]] = {}
        by_number = {}
        for frame in frames:
            groups.setdefault(frame.sketch.shape[:2], []).append(frame)
        for size, group in groups.items():
            for result in self._colorize_group(size, group, init_latents, strength):
                by_number[result.number] = result
        return [by_number[f.number] for f in frames]

    # --- consistency ----------------------------------------------------------------------------

    def _frame_input(self, number: int, sketch: np.ndarray) -> FrameInput:
        """A frame outside this batch (chain seeding) with the mask the runner would compute."""
        return FrameInput(number=number, sketch=sketch, mask=self._mask_for(number))

    def _mask_for(self, number: int) -> np.ndarray | None:
        """The runner's mask of frame `number` (ShotSetup.mask_loader); None without one (then the whole
        frame counts as figure, announced once)."""
        if not self.traits.needs_masks or self.shot is None or self.shot.mask_loader is None:
            return None
        return self.shot.mask_loader(number)

    def _sketch_gray(self, sketch: np.ndarray) -> np.ndarray:
        from ..pipeline.latent_chain import sketch_gray
        from ..pipeline.preprocess import letterbox, sketch_to_tensor, working_size

        size = sketch.shape[:2]
        canvas = self._canvas or working_size(size, self.opts.resolution)
        return sketch_gray(sketch_to_tensor([sketch], letterbox(size, canvas))[0])

    def _latent_chain(self):
        """--consistency latent: this shot's chain (segments of `latent_chain` frames from the first)."""
        from ..pipeline.latent_chain import LatentChain

        if self._chain is None:
            shot = self.shot
            if shot is None:
                raise InputError("setup_shot must run before colorize")

            def render(frame: FrameInput, init: Any, strength: float) -> FrameResult:
                (result,) = self._colorize_group(frame.sketch.shape[:2], [frame], init, strength)
                return result

            self._chain = LatentChain(
                first_frame=shot.first_frame,
                every=self.chain_every,
                strength=self.opts.latent_strength,
                render=render,
                gray=self._sketch_gray,
                load=shot.sketch_loader,
                make_input=self._frame_input,
            )
        return self._chain

    def _colorize_group(self, size, group, init_latents, strength) -> list[FrameResult]:
        import torch

        from ..pipeline.noise import shot_noise
        from ..pipeline.preprocess import (
            letterbox,
            mask_to_latent,
            sketch_to_tensor,
            tensor_to_frames,
            working_size,
        )

        opts, shot = self.opts, self.shot
        if shot is None:
            raise InputError("setup_shot must run before colorize")
        if self._canvas is None:  # frame size unknown at setup: the first batch fixes the canvas
            self._canvas = working_size(size, opts.resolution)
            self._noise = shot_noise(shot.seed, (self._canvas[0] // 8, self._canvas[1] // 8))
        box = letterbox(size, self._canvas)
        for f in group:
            if f.sketch.ndim != 3 or f.sketch.shape[2] != 3 or f.sketch.dtype != np.uint8:
                raise FrameError(f"frame {f.number}: expected (H, W, 3) uint8 line art, got {f.sketch.shape}")
        sketch = sketch_to_tensor([f.sketch for f in group], box, self.device)  # (B, 3, Hc, Wc)
        mask = None
        if self.traits.needs_masks:
            masks = []
            for f in group:
                if f.mask is None:
                    if not self._warned_mask:
                        self.warnings.append("no sketch mask given; the whole frame counts as figure")
                        self._warned_mask = True
                    masks.append(np.ones(size, np.float32))
                else:
                    masks.append(f.mask)
            mask = mask_to_latent(masks, box, self.device)  # (B, 1, h, w)
        try:
            out = self.pipeline(
                sketch,
                self._conditioning,
                mask,
                num_inference_steps=opts.num_inference_steps,
                guidance_scale=opts.guidance_scale,
                sketch_guidance_scale=opts.sketch_guidance_scale,
                sketch_strength=opts.sketch_strength,
                seed=shot.seed,
                latents=self._noise,
                init_latents=init_latents,
                strength=strength,
                num_intermediates=opts.process,
            )
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
            raise FrameError(
                f"GPU out of memory at {self._canvas[1]}x{self._canvas[0]} with batch {len(group)}; "
                "lower --batch-size or --resolution, or use --offload / --dtype fp16"
            ) from None
        if out.images is None:  # only with output_type="latent", which colorize never asks for
            raise FrameError("the pipeline returned latents instead of images")
        images = tensor_to_frames(out.images, box, uint8=shot.uint8_output)  # 8-bit: quantised on the device
        steps = [tensor_to_frames(x, box) for x in out.intermediates]  # per step: B frames
        results = []
        for i, f in enumerate(group):
            extras: dict[str, Any] = {"latent": out.latents[i].detach().to("cpu")}
            if steps:
                extras["intermediates"] = [step[i] for step in steps]
                extras["intermediate_steps"] = list(out.intermediate_steps)
            results.append(FrameResult(number=f.number, image=images[i], extras=extras))
        return results

    def describe(self) -> dict[str, Any]:
        """Model id and weights hash for the sidecar, plus the settings that shape the numbers."""
        return {
            "id": self.model_id,
            "sha256": self._sha256() if callable(self._sha256) else self._sha256,
            "device": str(self.device),
            "dtype": str(self.dtype).removeprefix("torch."),
            "mode_flags": {"fg_lora": self.fg_lora, "bg_lora": self.bg_lora},
            "scheduler": type(self.pipeline.scheduler).__name__,
            **({"latent_chain": self.chain_every} if self.opts.consistency == "latent" else {}),
        }


def create_colorizer(opts: RunOptions) -> DiffusionColorizer:
    """Backends "diffusion" (registry name or path in opts.model) and "tiny-random" (in-process)."""
    from ..foundation.device import resolve_device, resolve_dtype
    from ..models import registry
    from ..pipeline.loading import build_tiny_random, load_model_from_path, path_sha256, state_dict_sha256

    warnings: list[str] = []
    tiny = opts.backend == "tiny-random" or opts.model == "tiny-random"
    # tiny-random is the CPU smoke/test model: `auto` stays on the CPU so its pixels match everywhere.
    device = resolve_device("cpu" if tiny and opts.device == "auto" else opts.device)
    dtype = resolve_dtype(opts.dtype, device, warnings)
    if tiny:
        model = build_tiny_random()
        sha = state_dict_sha256(model)
        model_id = "tiny-random"
    else:
        path = registry.model_path(opts.model)  # exit 3 with the fetch command when missing
        note = registry.licence_notice(opts.model)
        if note:
            warnings.append(note)
        model = load_model_from_path(Path(path))
        model_id = opts.model if not registry.is_local_path(opts.model) else str(path)
        sha = _lazy(lambda: path_sha256(Path(path)))
    return DiffusionColorizer(
        opts, model, device=device, dtype=dtype, model_id=model_id, sha256=sha, warnings=warnings
    )


def _lazy(fn):
    """Compute once on first call (hashing a 4 GB file is only worth it when the sidecar asks)."""
    cache: list = []

    def get():
        if not cache:
            cache.append(fn())
        return cache[0]

    return get
