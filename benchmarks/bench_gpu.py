#!/usr/bin/env python3
"""GPU colorizer benchmark: frames/s, s/frame, peak VRAM, FLOPs and % of the measured matmul limit,
side by side with a stock diffusers StableDiffusionControlNetPipeline of the same size.

Both models are full size with random weights built from configs (nothing is downloaded; random weights
cost the same time as trained ones). Our side goes through the real backend (`DiffusionColorizer`:
letterbox, sketch encoder, dual-CFG sampling loop, fp32 VAE decode, frames back as numpy), fig2fig mode,
reference guidance on (guidance_scale 4 -> 2 UNet branches per frame), sketch guidance off (1.0). The stock
side runs an SD2.1-size UNet + ControlNet with precomputed prompt embeddings (B, 77, 1024), guidance_scale 4
(2 branches), same scheduler, resolution and steps, output_type="np".

FLOPs are counted with torch.utils.flop_counter on the meta device (no memory, no compute). Achieved
TFLOP/s = FLOPs per frame (steps x UNet forward + sketch encoder + VAE decode) x frames/s, compared with
the device's measured dense bf16 matmul rate.

    python benchmarks/bench_gpu.py                          # CUDA: full grid, writes results/gpu.json
    python benchmarks/bench_gpu.py --resolutions 512        # one resolution (fits a 10-minute slot)
    python benchmarks/bench_gpu.py --smoke                  # CPU, tiny config, 64 px, 2 steps (tests)
    python benchmarks/bench_gpu.py --full-size-cpu          # one full-size UNet forward at 512 px, CPU fp32

Without CUDA (and without --smoke / --full-size-cpu) it records "pending" with the command to run.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_columns

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "gpu.json"
DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
GOALS = {
    "ratio_vs_stock": 2.0,
    "pct_of_matmul_peak": 40.0,
    "vram_b1_fp16_gb": 8.0,
    "vram_offload_gb": 6.0,
    "runner_efficiency": 0.95,  # api.run frames/s / colorize-only frames/s: the GPU never waits for I/O
}
HIGHER_IS_BETTER = ("ratio_vs_stock", "pct_of_matmul_peak", "runner_efficiency")
# A compiled row (torch.compile + CUDA graphs of the full UNet) is not started with less time left
# than this under --budget-s: a half-finished compile measures nothing.
COMPILE_MIN_S = 120.0
# Sections of an existing --out file a measured run keeps: the CPU UNet timing and device_check.py's steps.
KEPT_KEYS = ("full_size_cpu", "device_check")
GPU_COMMAND = "python benchmarks/bench_gpu.py --resolutions {res} --out benchmarks/results/gpu_{res}.json"


# --- device and environment -----------------------------------------------------------------------


def environment(device: torch.device) -> dict[str, Any]:
    """Device name and library versions for the JSON record."""
    from importlib.metadata import version

    info: dict[str, Any] = {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else _cpu_name(),
        "torch": torch.__version__,
        "diffusers": version("diffusers"),
        "open_clip_torch": _version("open_clip_torch"),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "cpu_count": __import__("os").cpu_count(),
        "xformers": _xformers_version(),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info["total_vram_gb"] = round(props.total_memory / 2**30, 1)
        info["cuda"] = torch.version.cuda
    return info


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The checkout's commit, when it is a git checkout and git is there (a copied tree may be neither)."""
    import subprocess

    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _xformers_version() -> str | None:
    try:
        import xformers

        return xformers.__version__
    except ImportError:
        return None


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak_tflops(device: torch.device, dtype: torch.dtype, n: int, seconds: float = 1.0) -> float:
    """Dense (n x n) @ (n x n) rate in TFLOP/s: the practical ceiling the UNet is compared against."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    _sync(device)
    iters, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(10):
            a @ b
        iters += 10
        _sync(device)
    elapsed = time.perf_counter() - t0
    return 2 * n**3 * iters / elapsed / 1e12


# --- models ----------------------------------------------------------------------------------------


def build_colorizer(config, device: str | torch.device = "cpu"):
    """The full v1.5 SplitColorizer with random weights (eval, no grad)."""
    from colorframes.models.colorizer import SplitColorizer

    with torch.device(device):
        model = SplitColorizer(config)
    return model.eval().requires_grad_(False)


def stock_unet_kwargs(config) -> dict[str, Any]:
    """SD2.1 UNet config (linear proj_in/out as in stabilityai/stable-diffusion-2-1) at our sizes."""
    kwargs = dict(config.unet_kwargs())
    kwargs["use_linear_projection"] = True
    return kwargs


def build_stock(config, device: torch.device, dtype: torch.dtype):
    """A stock StableDiffusionControlNetPipeline (UNet + ControlNet + VAE) with random weights."""
    from diffusers import AutoencoderKL, ControlNetModel, StableDiffusionControlNetPipeline, UNet2DConditionModel

    from colorframes.pipeline.schedulers import make_scheduler

    with torch.device(device):  # random init where the weights live: seconds on a GPU
        unet = UNet2DConditionModel(**stock_unet_kwargs(config))
        controlnet = ControlNetModel.from_unet(unet, conditioning_channels=3)
        vae = AutoencoderKL(**config.vae_kwargs())
    pipe = StableDiffusionControlNetPipeline(
        vae=vae, text_encoder=None, tokenizer=None, unet=unet, controlnet=controlnet,
        scheduler=make_scheduler(), safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )  # fmt: skip
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device, dtype)


def make_backend(model, opts, device: torch.device, dtype: torch.dtype):
    """A DiffusionColorizer around an already built model; resets state a previous config left behind."""
    from colorframes.backends.diffusion import DiffusionColorizer

    model.__dict__.pop("predict_noise", None)  # a previous --compile run wraps the bound method
    model.set_attention("sdpa")  # DiffusionColorizer only switches away from sdpa, never back
    return DiffusionColorizer(opts, model, device=device, dtype=dtype, model_id="random", sha256=None)


# --- synthetic shot ----------------------------------------------------------------------------------


def synthetic_shot(size: int, batch: int):
    """A square shot of `batch` frames (black strokes on white) with masks, a reference and its mask."""
    from colorframes.backends.base import FrameInput, ShotSetup

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size]
    disk = (((yy - size / 2) ** 2 + (xx - size / 2) ** 2) < (size / 3) ** 2).astype(np.float32)
    frames = []
    for i in range(batch):
        sketch = np.full((size, size, 3), 255, np.uint8)
        for _ in range(12):
            r0, c0 = rng.integers(0, size - 8, 2)
            sketch[r0 : r0 + 2, c0 : c0 + size // 4] = 0
            sketch[r0 : r0 + size // 4, c0 : c0 + 2] = 0
        frames.append(FrameInput(number=1001 + i, sketch=sketch, mask=disk))
    ref = rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)
    ref_mask = np.zeros((256, 256), np.float32)
    ref_mask[64:192, 64:192] = 1.0
    setup = ShotSetup(
        name="bench",
        seed=1,
        frame_size=(size, size),
        reference=ref,
        reference_alpha=None,
        reference_mask=ref_mask,
        uint8_output=True,
    )
    return setup, frames


def control_image(size: int, batch: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    _, frames = synthetic_shot(size, batch)
    x = torch.from_numpy(np.stack([f.sketch for f in frames])).permute(0, 3, 1, 2)  # (B, 3, H, W)
    return (x.float() / 255.0).to(device, dtype)


# --- FLOPs -------------------------------------------------------------------------------------------


def count_flops(fn) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def colorizer_flops(config, size: int, steps: int, branches: int = 2) -> dict[str, float]:
    """FLOPs on the meta device: one UNet forward (all CFG branches of one frame), sketch encode, decode."""
    from colorframes.pipeline.conditioning import prepare_conditioning

    meta = torch.device("meta")
    model = build_colorizer(config, meta)
    h = size // 8
    cond = prepare_conditioning(
        model,
        reference=torch.zeros(1, 3, 256, 256, device=meta),
        ref_mask=torch.zeros(1, 1, 256, 256, device=meta),
        fg_lora=True,
        bg_lora=True,
    )
    hints = model.encode_sketch(torch.zeros(1, 3, size, size, device=meta))
    ctx = cond.context.expand(branches, -1, -1)
    # As the backend runs it: cross-attention K/V cached once per shot; branch 0 is the conditional one,
    # the others are reference-null (zero context, answered without attention).
    kv_holder: dict = {}
    kv_build_f = count_flops(
        lambda: kv_holder.setdefault("kv", model.context_kv(cond.context, fg_lora=True, bg_lora=True))
    )
    kv = kv_holder["kv"].for_branches((False,) + (True,) * (branches - 1))

    def unet() -> None:
        model.predict_noise(
            torch.zeros(branches, 4, h, h, device=meta), torch.full((branches,), 500, device=meta), ctx,
            [t.expand(branches, -1, -1, -1) for t in hints], torch.zeros(branches, 1, h, h, device=meta),
            fg_lora=True, bg_lora=True, ts_s=0.05, context_kv=kv,
        )  # fmt: skip

    unet_f = count_flops(unet)
    sketch_f = count_flops(lambda: model.encode_sketch(torch.zeros(1, 3, size, size, device=meta)))
    decode_f = count_flops(lambda: model.decode_latents(torch.zeros(1, 4, h, h, device=meta)))
    return {
        "context_tokens": int(cond.context.shape[1]),
        "unet_forward_gflops": round(unet_f / 1e9, 3),  # one call = `branches` x (1 frame)
        "sketch_encoder_gflops": round(sketch_f / 1e9, 3),
        "vae_decode_gflops": round(decode_f / 1e9, 3),
        "kv_cache_gflops_per_shot": round(kv_build_f / 1e9, 3),
        "per_frame_gflops": round((steps * unet_f + sketch_f + decode_f) / 1e9, 3),
    }


def stock_flops(config, size: int, steps: int, branches: int = 2) -> dict[str, float]:
    """FLOPs of the stock pipeline's ControlNet + UNet per step (one frame, CFG branches) and decode."""
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel

    meta = torch.device("meta")
    with meta:
        unet = UNet2DConditionModel(**stock_unet_kwargs(config))
        controlnet = ControlNetModel.from_unet(unet, conditioning_channels=3)
        vae = AutoencoderKL(**config.vae_kwargs())
    h = size // 8
    x = torch.zeros(branches, 4, h, h, device=meta)
    t = torch.full((branches,), 500, device=meta)
    emb = torch.zeros(branches, 77, config.context_dim, device=meta)
    image = torch.zeros(branches, 3, size, size, device=meta)

    def step() -> None:
        down, mid = controlnet(x, t, encoder_hidden_states=emb, controlnet_cond=image, return_dict=False)
        unet(x, t, encoder_hidden_states=emb, down_block_additional_residuals=down,
             mid_block_additional_residual=mid, return_dict=False)  # fmt: skip

    step_f = count_flops(step)
    decode_f = count_flops(lambda: vae.decode(torch.zeros(1, 4, h, h, device=meta)))
    return {
        "step_gflops": round(step_f / 1e9, 3),
        "vae_decode_gflops": round(decode_f / 1e9, 3),
        "per_frame_gflops": round((steps * step_f + decode_f) / 1e9, 3),
    }


# --- timing ------------------------------------------------------------------------------------------


def _peak_gb(device: torch.device) -> float | None:
    return round(torch.cuda.max_memory_allocated(device) / 2**30, 2) if device.type == "cuda" else None


def _reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def time_calls(fn, batch: int, repeats: int, device: torch.device) -> dict[str, Any]:
    """First call (warm-up, includes compilation) then `repeats` timed calls; median s/frame."""
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    per_frame = statistics.median(times) / batch
    return {"s_per_frame": round(per_frame, 4), "fps": round(1.0 / per_frame, 3), "first_call_s": round(first, 2)}


def run_ours(model, cfg: dict, args, device: torch.device) -> dict[str, Any]:
    """One configuration of our backend: setup_shot once, then colorize batches of `batch` frames."""
    from colorframes.options import RunOptions

    opts = RunOptions(
        backend="diffusion", mode="fig2fig", num_inference_steps=args.steps, guidance_scale=4.0,
        sketch_guidance_scale=1.0, resolution=cfg["resolution"], attention=cfg["attention"],
        batch_size=cfg["batch"], compile=cfg["compile"], offload=cfg["offload"], device=str(device),
    )  # fmt: skip
    if cfg["compile"]:
        torch._dynamo.reset()  # each shape compiles afresh; a full dynamo cache would fall back to eager
    backend = make_backend(model, opts, device, DTYPES[cfg["dtype"]])
    _reset_peak(device)  # after the backend placed the model (--offload: all on the CPU until a stage needs it)
    setup, frames = synthetic_shot(cfg["resolution"], cfg["batch"])
    backend.setup_shot(setup)
    setup_peak = _peak_gb(device)
    _reset_peak(device)
    row = time_calls(lambda: backend.colorize(frames), cfg["batch"], args.repeats, device)
    row["peak_vram_gb"] = _peak_gb(device)
    row["peak_vram_setup_gb"] = setup_peak
    row["warnings"] = list(backend.warnings)
    return row


def run_stock(pipe, cfg: dict, args, device: torch.device, config) -> dict[str, Any]:
    b, size, dtype = cfg["batch"], cfg["resolution"], DTYPES[cfg["dtype"]]
    embeds = torch.randn(b, 77, config.context_dim, device=device, dtype=dtype)
    image = control_image(size, b, device, dtype)
    generator = torch.Generator("cpu").manual_seed(1)

    def call():
        return pipe(
            prompt_embeds=embeds, negative_prompt_embeds=torch.zeros_like(embeds), image=image, height=size,
            width=size, num_inference_steps=args.steps, guidance_scale=4.0, output_type="np", generator=generator,
        )  # fmt: skip

    _reset_peak(device)
    row = time_calls(call, b, args.repeats, device)
    row["peak_vram_gb"] = _peak_gb(device)
    return row


def run_runner(model, cfg: dict, args, device: torch.device) -> dict[str, Any]:
    """The same backend behind `api.run` (PNG read, classical masks, colorize, PNG write, sidecar) on
    3 batches of PNG frames; steady frames/s leaves out the first batch. Compared with the colorize-only
    row it shows how long the GPU waits for the CPU side of the runner."""
    import tempfile
    from unittest import mock

    from colorframes import api
    from colorframes.io.images import write_png_atomic

    size, batch = cfg["resolution"], cfg["batch"]
    setup, frames = synthetic_shot(size, batch)
    stamps: list[float] = []

    def callback(event: dict) -> None:
        if event.get("event") == "frame" and event.get("status") == "done":
            _sync(device)
            stamps.append(time.perf_counter())

    def backend_for(options):
        return make_backend(model, options, device, DTYPES[cfg["dtype"]])

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "shot").mkdir()
        for i in range(3 * batch):
            write_png_atomic(tmp / "shot" / f"shot.{1001 + i:04d}.png", frames[i % batch].sketch)
        write_png_atomic(tmp / "sheet.png", setup.reference)
        opts = api.RunOptions(
            backend="diffusion", mode="fig2fig", num_inference_steps=args.steps, guidance_scale=4.0,
            sketch_guidance_scale=1.0, resolution=size, batch_size=batch, device=str(device),
            mask_model="classical", output=str(tmp / "out"), seed=1,
        )  # fmt: skip
        t0 = time.perf_counter()
        # The in-memory model stands in for the registry weights, so the up-front weights check is skipped.
        with (
            mock.patch("colorframes.runner.engine.create_backend", backend_for),
            mock.patch("colorframes.api.check_requirements", lambda options: None),
        ):
            summary = api.run([str(tmp / "shot")], reference=str(tmp / "sheet.png"), options=opts, callback=callback)
        wall = time.perf_counter() - t0
    if summary.exit_code != 0 or len(stamps) != 3 * batch:
        raise RuntimeError(f"api.run exited {summary.exit_code} with {len(stamps)} of {3 * batch} frames")
    steady = 2 * batch / (stamps[-1] - stamps[batch - 1])
    return {"s_per_frame": round(1 / steady, 4), "fps": round(steady, 3), "first_call_s": round(wall, 2),
            "frames": 3 * batch, "peak_vram_gb": _peak_gb(device)}  # fmt: skip


def _attach_rate(row: dict, flops: dict, peak_tflops: float) -> None:
    achieved = flops["per_frame_gflops"] * row["fps"] / 1e3  # TFLOP/s
    row["tflops"] = round(achieved, 3)
    row["pct_of_matmul_peak"] = round(100 * achieved / peak_tflops, 1) if peak_tflops else None


def grid(args, xformers_skip: str | None) -> list[dict]:
    """Every configuration of our backend, ordered so one compiled shape is reused before the next."""
    rows = []
    for res in args.resolutions:
        for dtype in args.dtypes:
            for attention in args.attention:
                for compiled in args.compile_modes:
                    for batch in args.batch_sizes:
                        rows.append({"impl": "colorframes", "resolution": res, "batch": batch, "dtype": dtype,
                                     "attention": attention, "compile": compiled, "offload": False})  # fmt: skip
        if not args.no_offload:
            rows.append({"impl": "colorframes", "resolution": res, "batch": 1, "dtype": args.offload_dtype,
                         "attention": "sdpa", "compile": False, "offload": True})  # fmt: skip
        if not args.no_runner:
            for batch in args.runner_batch_sizes or args.batch_sizes:
                rows.append({"impl": "colorframes-runner", "resolution": res, "batch": batch, "dtype": args.dtypes[0],
                             "attention": "sdpa", "compile": False, "offload": False})  # fmt: skip
        if not args.no_stock:
            for dtype in args.dtypes:
                for batch in args.batch_sizes:
                    rows.append({"impl": "stock-controlnet", "resolution": res, "batch": batch, "dtype": dtype,
                                 "attention": "sdpa", "compile": False, "offload": False})  # fmt: skip
    for row in rows:
        if row["attention"] == "xformers" and xformers_skip:
            row["skipped"] = xformers_skip
        elif row["compile"] and args.smoke:
            row["skipped"] = "smoke run: torch.compile is only timed on CUDA (minutes on a CPU)"
    return rows


def budget_skip(row: dict, left_s: float | None, device: torch.device) -> str | None:
    """Why a row is not started with `left_s` seconds of the time budget left (None: run it)."""
    if left_s is None:
        return None
    need = COMPILE_MIN_S if row["compile"] and device.type == "cuda" else 0.0
    if left_s <= need:
        return f"time budget: {max(left_s, 0):.0f} s left" + (f", a compiled row needs {need:.0f} s" if need else "")
    return None


def run_grid(
    args,
    device: torch.device,
    config,
    peak_tflops: float,
    progress,
    save=None,
    deadline: float | None = None,
    known_flops: dict | None = None,
) -> tuple[list[dict], dict]:
    """Every row of the grid in order; `save(rows, flops)` after each one, so a killed run keeps what it
    measured. Rows not started before `deadline` (time.monotonic) are marked skipped with the reason.
    known_flops: {"512": {...}} counted by an earlier run (--append), not counted again."""
    rows = grid(args, _xformers_skip(device))
    known = known_flops or {}
    flops = {
        res: known.get(str(res))
        or {"colorframes": colorizer_flops(config, res, args.steps), "stock": stock_flops(config, res, args.steps)}
        for res in args.resolutions
    }
    model = None
    stock: dict[str, Any] = {}
    for row in rows:
        reason = budget_skip(row, None if deadline is None else deadline - time.monotonic(), device)
        if reason and "skipped" not in row:
            row["skipped"] = reason
        if "skipped" in row:
            continue
        label = " ".join(f"{k}={row[k]}" for k in ("impl", "resolution", "batch", "dtype", "attention", "compile"))
        progress(f"running {label} offload={row['offload']}")
        t0 = time.perf_counter()
        try:
            if row["impl"] == "stock-controlnet":
                if model is not None:  # our model off the GPU: the stock peak VRAM is the stock pipeline's own
                    model.to("cpu")
                if row["dtype"] not in stock:
                    stock.clear()  # one stock pipeline on the device at a time
                    _free(device)
                    stock[row["dtype"]] = build_stock(config, device, DTYPES[row["dtype"]])
                row.update(run_stock(stock[row["dtype"]], row, args, device, config))
            else:
                stock.clear()
                if model is None:
                    model = build_colorizer(config, device)  # random init on the GPU: seconds, not minutes
                run = run_ours if row["impl"] == "colorframes" else run_runner
                row.update(run(model, row, args, device))
            key = "stock" if row["impl"] == "stock-controlnet" else "colorframes"
            _attach_rate(row, flops[row["resolution"]][key], peak_tflops)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports what fails and goes on
            _free(device)
            row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        row["row_wall_s"] = round(time.perf_counter() - t0, 2)
        if save is not None:
            save(rows, flops)
    return rows, flops


def _xformers_skip(device: torch.device) -> str | None:
    """Why the xformers rows are skipped: not installed, or (on CUDA) installed but not running here."""
    if _xformers_version() is None:
        return "xformers is not installed"
    if device.type != "cuda":
        return None
    from colorframes.models.split_attention import xformers_unusable

    return xformers_unusable(device, torch.float16)


def _free(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


# --- summary -----------------------------------------------------------------------------------------


def _ok(row: dict) -> bool:
    return "fps" in row and "error" not in row


def _vram(row: dict) -> float:
    """The run's true peak: the larger of shot setup (reference encoders) and colorize."""
    return max(row["peak_vram_gb"], row.get("peak_vram_setup_gb") or 0.0)


def summarize(rows: list[dict]) -> dict[str, Any]:
    """Ratios against the stock pipeline and the goal checks."""
    ours = [r for r in rows if r["impl"] == "colorframes" and not r["offload"] and _ok(r)]
    stock = {(r["resolution"], r["batch"], r["dtype"]): r for r in rows if r["impl"] == "stock-controlnet" and _ok(r)}
    ratios = []
    for res, batch, dtype in sorted(stock):
        same = [r for r in ours if (r["resolution"], r["batch"], r["dtype"]) == (res, batch, dtype)]
        eager = [r for r in same if r["attention"] == "sdpa" and not r["compile"]]
        if not same:
            continue
        base = stock[(res, batch, dtype)]["fps"]
        ratios.append({
            "resolution": res, "batch": batch, "dtype": dtype, "stock_fps": base,
            "eager_sdpa_ratio": round(eager[0]["fps"] / base, 2) if eager else None,
            "best_ratio": round(max(r["fps"] for r in same) / base, 2),
        })  # fmt: skip
    runner = []
    for r in rows:
        if r["impl"] != "colorframes-runner" or not _ok(r):
            continue
        match = [o for o in ours if (o["resolution"], o["batch"], o["dtype"], o["attention"], o["compile"])
                 == (r["resolution"], r["batch"], r["dtype"], "sdpa", False)]  # fmt: skip
        if match:
            runner.append({"resolution": r["resolution"], "batch": r["batch"], "dtype": r["dtype"],
                           "runner_fps": r["fps"], "colorize_fps": match[0]["fps"],
                           "efficiency": round(r["fps"] / match[0]["fps"], 3)})  # fmt: skip
    b1 = [_vram(r) for r in ours if r["batch"] == 1 and r["dtype"] == "fp16" and r["peak_vram_gb"] is not None]
    off = [_vram(r) for r in rows if r["offload"] and _ok(r) and r["peak_vram_gb"] is not None]
    pct = [r["pct_of_matmul_peak"] for r in ours if r.get("pct_of_matmul_peak") is not None]
    values = {
        "ratio_vs_stock": max((r["best_ratio"] for r in ratios), default=None),
        "pct_of_matmul_peak": max(pct, default=None),
        "vram_b1_fp16_gb": max(b1, default=None),
        "vram_offload_gb": max(off, default=None),
        "runner_efficiency": min((r["efficiency"] for r in runner), default=None),
    }
    goals = {}
    for name, goal in GOALS.items():
        value = values[name]
        met = None if value is None else (value >= goal if name in HIGHER_IS_BETTER
                                          else value <= goal)  # fmt: skip
        goals[name] = {"value": value, "goal": goal, "met": met}
    best = max(ours, key=lambda r: r["fps"], default=None)
    keys = ("resolution", "batch", "dtype", "attention", "compile", "fps", "s_per_frame")
    return {"ratios": ratios, "runner": runner, "goals": goals, "best": best and {k: best.get(k) for k in keys}}


def print_table(rows: list[dict]) -> None:
    cols = ["impl", "resolution", "batch", "dtype", "attention", "compile", "offload", "fps", "s_per_frame",
            "peak_vram_gb", "tflops", "pct_of_matmul_peak", "first_call_s"]  # fmt: skip
    table = [cols] + [[_cell(r.get(c, r.get("error") or r.get("skipped", "") if c == "fps" else "")) for c in cols]
                      for r in rows]  # fmt: skip
    print_columns(table)
    for r in rows:
        if "error" in r:
            print(f"  error: {r['impl']} {r['resolution']} b{r['batch']} {r['dtype']}: {r['error']}")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)[:40]


# --- full-size UNet forward on the CPU ---------------------------------------------------------------


def full_size_cpu(size: int = 512) -> dict[str, Any]:
    """ONE full-size UNet forward (both CFG branches, fig2fig context) at `size` px, fp32, on the CPU."""
    from colorframes.models.config import ColorizerConfig

    config = ColorizerConfig.full()
    flops = colorizer_flops(config, size, steps=1)
    t0 = time.perf_counter()
    model = build_colorizer(config)
    build_s = time.perf_counter() - t0
    h = size // 8
    context = torch.randn(2, flops["context_tokens"], config.context_dim)
    with torch.no_grad():
        hints = [t.expand(2, -1, -1, -1) for t in model.encode_sketch(torch.zeros(1, 3, size, size))]
        t0 = time.perf_counter()
        out = model.predict_noise(
            torch.randn(2, 4, h, h), torch.full((2,), 500), context, hints, torch.ones(2, 1, h, h),
            fg_lora=True, bg_lora=True, ts_s=0.05,
        )  # fmt: skip
        seconds = time.perf_counter() - t0
    assert out.shape == (2, 4, h, h) and torch.isfinite(out).all()
    unet_params = sum(p.numel() for p in model.unet.parameters())
    return {
        "resolution": size, "dtype": "fp32", "batch": 2, "what": "one UNet forward, cond + uncond_ref branches",
        "unet_params_m": round(unet_params / 1e6, 1), "context_tokens": flops["context_tokens"],
        "unet_forward_gflops": round(flops["unet_forward_gflops"], 1), "seconds": round(seconds, 2),
        "achieved_gflops_per_s": round(flops["unet_forward_gflops"] / seconds, 1),
        "cpu_fp32_matmul_gflops_per_s": round(1e3 * matmul_peak_tflops(torch.device("cpu"), torch.float32, 1024), 1),
        "model_build_s": round(build_s, 1), "torch_threads": torch.get_num_threads(),
        "load_average": list(__import__("os").getloadavg()), "cpu_count": __import__("os").cpu_count(),
        "estimated_s_per_frame_20_steps": round(20 * seconds, 1),
    }  # fmt: skip


# --- main --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="CPU, tiny config, 64 px, 2 steps (seconds)")
    parser.add_argument("--full-size-cpu", action="store_true", help="one full-size UNet forward, 512 px fp32 CPU")
    parser.add_argument("--resolutions", type=int, nargs="+", default=[512, 768])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--dtypes", nargs="+", default=["fp16", "bf16"], choices=sorted(DTYPES))
    parser.add_argument("--attention", nargs="+", default=["sdpa", "xformers"], choices=["sdpa", "xformers"])
    parser.add_argument("--compile-modes", nargs="+", default=["eager", "compile"], choices=["eager", "compile"])
    parser.add_argument("--offload-dtype", default="fp16", choices=sorted(DTYPES))
    parser.add_argument("--steps", type=int, default=20, help="num_inference_steps")
    parser.add_argument("--repeats", type=int, default=2, help="timed calls per configuration (median)")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock ControlNet pipeline")
    parser.add_argument("--no-runner", action="store_true", help="skip the api.run (runner overlap) rows")
    parser.add_argument("--no-offload", action="store_true", help="skip the --offload row")
    parser.add_argument(
        "--runner-batch-sizes", type=int, nargs="+", default=None, help="api.run rows (default: --batch-sizes)"
    )
    parser.add_argument(
        "--budget-s", type=float, default=None, help="start no row after this many seconds (marked skipped)"
    )
    parser.add_argument(
        "--append", action="store_true", help="keep the rows of an earlier measured/smoke --out file and add these"
    )
    parser.add_argument("--no-flops", action="store_true", help="pending record without the meta FLOP count")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (smoke default: 1)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.smoke and args.threads is None:
        args.threads = 1  # tiny ops: a second intra-op thread only adds sync cost, badly so on a busy box
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.smoke:  # the same grid at CPU sizes: 64 px, 2 steps, batches <= 2, fp16 -> fp32; no compile
        args.resolutions, args.steps, args.repeats = [64], 2, 1
        args.batch_sizes = _smoke_batches(args.batch_sizes)
        args.runner_batch_sizes = args.runner_batch_sizes and _smoke_batches(args.runner_batch_sizes)
        args.dtypes = list(dict.fromkeys("fp32" if d == "fp16" else d for d in args.dtypes))
        args.offload_dtype = "fp32" if args.offload_dtype == "fp16" else args.offload_dtype
    args.compile_modes = [m == "compile" for m in args.compile_modes]
    return args


def _smoke_batches(sizes: list[int]) -> list[int]:
    return sorted({min(b, 2) for b in sizes})


def _load_existing(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write(path: Path, data: dict[str, Any], quiet: bool = False) -> None:
    """Atomic: a run killed mid-write leaves the previous complete file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    if not quiet:
        print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = " ".join(["python", "benchmarks/bench_gpu.py", *(sys.argv[1:] if argv is None else argv)])
    existing = _load_existing(args.out)
    if args.full_size_cpu:
        result = full_size_cpu()
        for key, value in result.items():
            print(f"{key:32s} {value}")
        kept = existing if existing.get("benchmark") == "gpu" else {"benchmark": "gpu", "status": "pending"}
        _write(args.out, {**kept, "full_size_cpu": {**result, "command": command}})
        return 0

    from colorframes.models.config import ColorizerConfig

    cuda = torch.cuda.is_available()
    if not args.smoke and not cuda:
        pending = {
            "benchmark": "gpu", "status": "pending", "reason": "no CUDA device on the machine that ran this",
            "commands": [GPU_COMMAND.format(res=r) for r in args.resolutions], "goals": GOALS,
            "environment": environment(torch.device("cpu")),
        }  # fmt: skip
        if not args.no_flops:  # device-independent: counted on the meta device
            config = ColorizerConfig.full()
            pending["flops"] = {
                str(r): {
                    "colorframes": colorizer_flops(config, r, args.steps),
                    "stock": stock_flops(config, r, args.steps),
                }
                for r in args.resolutions
            }
            for r, f in pending["flops"].items():
                ratio = f["stock"]["per_frame_gflops"] / f["colorframes"]["per_frame_gflops"]
                print(f"{r}px: {f['colorframes']['per_frame_gflops']:.0f} GFLOP/frame (stock "
                      f"{f['stock']['per_frame_gflops']:.0f}, {ratio:.2f}x fewer)")  # fmt: skip
        if "full_size_cpu" in existing:
            pending["full_size_cpu"] = existing["full_size_cpu"]
        print("no CUDA device: GPU numbers pending; run on a GPU machine:")
        for line in pending["commands"]:
            print(f"  {line}")
        _write(args.out, pending)
        return 0

    started = time.monotonic()
    deadline = None if args.budget_s is None else started + args.budget_s
    device = torch.device("cpu" if args.smoke else "cuda")
    config = ColorizerConfig.tiny() if args.smoke else ColorizerConfig.full()
    settings = {"steps": args.steps, "guidance_scale": 4.0, "sketch_guidance_scale": 1.0, "mode": "fig2fig",
                "config": "tiny" if args.smoke else "full", "weights": "random"}  # fmt: skip
    earlier = _earlier_rows(existing, settings) if args.append else {}
    peak_dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    if "matmul_peak" in earlier:  # measured once per file: a second --append run reuses it
        peak = earlier["matmul_peak"]["tflops"]
    else:
        peak = matmul_peak_tflops(device, peak_dtype, 256 if args.smoke else 8192, 0.2 if args.smoke else 3.0)

    env = environment(device)

    def record(rows: list[dict], flops: dict, status: str) -> dict[str, Any]:
        all_rows = earlier.get("rows", []) + rows
        result = {
            **{k: v for k, v in existing.items() if k in KEPT_KEYS},
            "benchmark": "gpu", "status": status, "smoke": args.smoke,
            "command": command, "commands": earlier.get("commands", []) + [command],
            "environment": env, "settings": {**settings, "repeats": args.repeats},
            "matmul_peak": {"dtype": str(peak_dtype).removeprefix("torch."), "tflops": round(peak, 3)},
            "flops": {**earlier.get("flops", {}), **{str(k): v for k, v in flops.items()}},
            "rows": all_rows, "summary": summarize(all_rows),
        }  # fmt: skip
        if not args.append:
            result.pop("commands")
        return json.loads(json.dumps(result, default=_json_default))

    def save(rows: list[dict], flops: dict) -> None:  # after every row: a killed run keeps what it measured
        _write(args.out, record(rows, flops, "partial"), quiet=True)

    rows, flops = run_grid(
        args, device, config, peak, lambda msg: print(msg, file=sys.stderr, flush=True), save, deadline,
        earlier.get("flops"),
    )  # fmt: skip
    result = record(rows, flops, "smoke" if args.smoke else "measured")
    print_table(result["rows"])
    for name, goal in result["summary"]["goals"].items():
        print(f"goal {name}: {goal['value']} (goal {goal['goal']}, met: {goal['met']})")
    _write(args.out, result)
    errors = [r for r in rows if "error" in r]
    return 1 if args.smoke and errors else 0


def _earlier_rows(existing: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """--append: an earlier measured/smoke/partial run of the same settings (else nothing is kept)."""
    if existing.get("benchmark") != "gpu" or existing.get("status") not in ("measured", "smoke", "partial"):
        return {}
    if {k: existing.get("settings", {}).get(k) for k in settings} != settings:
        return {}
    keep = {"rows": existing.get("rows", []), "flops": existing.get("flops", {})}
    keep["commands"] = existing.get("commands") or ([existing["command"]] if existing.get("command") else [])
    if existing.get("matmul_peak"):
        keep["matmul_peak"] = existing["matmul_peak"]
    return keep


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
