#!/usr/bin/env python3
"""Diffusion backend: what the per-shot cross-attention K/V cache saves, and flicker per --consistency.

1. FLOPs (torch.utils.flop_counter on the meta device, full-size random v1.5 config): one UNet call of
   one frame with reference guidance on (cond + reference-null branches) in fig2fig mode, with the
   per-call cross-attention (the old path) and with the shot's cached K/V (to_k/to_v once per shot, the
   reference-null branch's attn2 skipped exactly), plus the per-shot cost of building the cache.
2. CPU seconds per frame of the tiny-random backend (fig2fig, 1 thread), cache off vs on.
3. Warping error (Lai et al., flow from the line art) on the moving example shot for --consistency seed
   and latent with tiny-random. (Anchor attention injection was measured here too, did not lower flicker,
   and was removed in 0.2.0; its rows remain in results/diffusion.json from that run.)

    python benchmarks/bench_diffusion.py            # full-size FLOPs at 512 and 768, 8 frames
    python benchmarks/bench_diffusion.py --smoke    # tiny config FLOPs, 4 frames, seconds (tests)

Prints a table and writes benchmarks/results/diffusion.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "diffusion.json"


def unet_flops(config, size: int) -> dict[str, Any]:
    """One fig2fig UNet call (cond + reference-null, one frame) with and without the K/V cache."""
    from torch.utils.flop_counter import FlopCounterMode

    from colorframes.models.colorizer import SplitColorizer
    from colorframes.pipeline.conditioning import prepare_conditioning

    meta = torch.device("meta")
    with meta:
        model = SplitColorizer(config).eval().requires_grad_(False)
    h = size // 8
    cond = prepare_conditioning(
        model, reference=torch.zeros(1, 3, 256, 256, device=meta), ref_mask=torch.zeros(1, 1, 256, 256, device=meta),
        fg_lora=True, bg_lora=True,
    )  # fmt: skip
    hints = [t.expand(2, -1, -1, -1) for t in model.encode_sketch(torch.zeros(1, 3, size, size, device=meta))]
    x, t = torch.zeros(2, 4, h, h, device=meta), torch.full((2,), 500, device=meta)
    mask = torch.zeros(2, 1, h, h, device=meta)
    args = dict(fg_lora=True, bg_lora=True, ts_s=0.05)
    full_context = torch.cat([cond.context, torch.zeros_like(cond.context)])

    def count(fn) -> int:
        with FlopCounterMode(display=False) as counter:
            fn()
        return int(counter.get_total_flops())

    with torch.no_grad():
        plain = count(lambda: model.predict_noise(x, t, full_context, hints, mask, **args))
        holder: dict[str, Any] = {}
        build = count(lambda: holder.setdefault("kv", model.context_kv(cond.context, fg_lora=True, bg_lora=True)))
        kv = holder["kv"].for_branches((False, True))
        cached = count(lambda: model.predict_noise(x, t, cond.context, hints, mask, context_kv=kv, **args))
    return {
        "resolution": size, "context_tokens": int(cond.context.shape[1]),
        "unet_call_gflops_uncached": round(plain / 1e9, 2), "unet_call_gflops_cached": round(cached / 1e9, 2),
        "saved_pct": round(100 * (plain - cached) / plain, 2), "kv_cache_build_gflops_per_shot": round(build / 1e9, 3),
    }  # fmt: skip


def cpu_seconds(steps: int, frames: int) -> dict[str, Any]:
    """tiny-random fig2fig colorize seconds per frame at 128 px, cross-attention cache off vs on."""
    from colorframes.backends.base import FrameInput, ShotSetup
    from colorframes.backends.diffusion import create_colorizer
    from colorframes.options import RunOptions

    rng = np.random.default_rng(0)
    sketch = np.full((128, 128, 3), 255, np.uint8)
    sketch[rng.integers(0, 128, 300), rng.integers(0, 128, 300)] = 0
    mask = np.ones((128, 128), np.float32)
    ref = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
    row: dict[str, Any] = {"resolution": 128, "steps": steps, "frames": frames, "threads": torch.get_num_threads()}
    for cache in (False, True):
        opts = RunOptions(backend="tiny-random", mode="fig2fig", num_inference_steps=steps, resolution=128, seed=1)
        backend = create_colorizer(opts)
        backend.pipeline.cache_context_kv = cache
        backend.setup_shot(ShotSetup("b", 1, (128, 128), ref, None, np.zeros((96, 96), np.float32), uint8_output=True))
        batch = [FrameInput(1001 + i, sketch, mask) for i in range(frames)]
        backend.colorize(batch[:1])  # warm-up
        t0 = time.perf_counter()
        backend.colorize(batch)
        row[f"s_per_frame_{'cached' if cache else 'uncached'}"] = round((time.perf_counter() - t0) / frames, 4)
    return row


def flicker(n: int, steps: int) -> list[dict[str, Any]]:
    """Mean warping error over consecutive pairs of the moving example shot, per consistency option."""
    import importlib.util

    from colorframes.backends.base import FrameInput, ShotSetup
    from colorframes.backends.diffusion import DiffusionColorizer
    from colorframes.masks import create_mask_provider
    from colorframes.metrics.temporal import pair_flow, warping_error
    from colorframes.options import RunOptions
    from colorframes.pipeline.loading import build_tiny_random

    spec = importlib.util.spec_from_file_location("make_example", ROOT / "examples" / "make_example.py")
    example = importlib.util.module_from_spec(spec)
    sys.modules["make_example"] = example
    spec.loader.exec_module(example)
    size = (128, 72)
    sketches = {1001 + i: example.render_frame(i, size, n_frames=n)["sketch"] for i in range(n)}
    sheet = example.render_sheet((128, 128))["color"]
    masks, _ = create_mask_provider(RunOptions(mask_model="classical"))
    flows = [pair_flow(sketches[k], sketches[k + 1]) for k in sorted(sketches)[:-1]]
    rows = []
    for mode in ("fig2fig", "vanilla"):
        for consistency in ("seed", "latent"):
            opts = RunOptions(
                backend="tiny-random", mode=mode, num_inference_steps=steps, resolution=64, seed=3,
                consistency=consistency, latent_strength=0.6, mask_model="classical",
            )  # fmt: skip
            backend = DiffusionColorizer(
                opts, build_tiny_random(), device=torch.device("cpu"), dtype=torch.float32, model_id="tiny-random",
                sha256=None,
            )  # fmt: skip
            setup = ShotSetup("moving", 3, (size[1], size[0]), sheet, None, masks.reference_mask(sheet),
                              first_frame=1001, sketch_loader=sketches.get, uint8_output=True,
                              mask_loader=lambda n: masks.sketch_mask(sketches[n]))  # fmt: skip
            backend.setup_shot(setup)
            results = backend.colorize([FrameInput(k, s, masks.sketch_mask(s)) for k, s in sketches.items()])
            errors = [warping_error(results[i].image, results[i + 1].image, f) for i, f in enumerate(flows)]
            rows.append({"mode": mode, "consistency": consistency, "warping_error": round(float(np.mean(errors)), 5)})
    for row in rows:
        seed = next(r for r in rows if r["mode"] == row["mode"] and r["consistency"] == "seed")
        row["vs_seed"] = round(row["warping_error"] / seed["warping_error"], 3)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny config, few frames (seconds)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    from colorframes.models.config import ColorizerConfig

    config = ColorizerConfig.tiny() if args.smoke else ColorizerConfig.full()
    resolutions = [64] if args.smoke else [512, 768]
    flops = [unet_flops(config, r) for r in resolutions]
    speed = cpu_seconds(steps=2 if args.smoke else 4, frames=2 if args.smoke else 4)
    consistency = flicker(n=3 if args.smoke else 8, steps=2 if args.smoke else 4)

    print("UNet call (fig2fig, cond + reference-null, 1 frame):")
    for f in flops:
        once = f["kv_cache_build_gflops_per_shot"]
        print(f"  {f['resolution']}px: {f['unet_call_gflops_uncached']} -> {f['unet_call_gflops_cached']} GFLOP "
              f"({f['saved_pct']}% saved; cache {once} GFLOP once per shot)")  # fmt: skip
    print(f"tiny-random CPU s/frame: uncached {speed['s_per_frame_uncached']}, cached {speed['s_per_frame_cached']}")
    print("warping error (moving example shot, tiny-random):")
    for row in consistency:
        print(f"  {row['mode']:8s} {row['consistency']:7s} {row['warping_error']:.5f}  x{row['vs_seed']} of seed")
    result = {
        "benchmark": "diffusion", "smoke": args.smoke, "config": "tiny" if args.smoke else "full",
        "command": " ".join(["python", "benchmarks/bench_diffusion.py", *(sys.argv[1:] if argv is None else argv)]),
        "environment": {"torch": torch.__version__, "python": platform.python_version(),
                        "load_average": list(os.getloadavg()), "cpu_count": os.cpu_count()},
        "flops": flops, "cpu_speed": speed, "consistency": consistency,
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
