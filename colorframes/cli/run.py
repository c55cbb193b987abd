"""`colorframes run` and `colorframes inspect`. Flags share their names with RunOptions fields."""

from __future__ import annotations

import json
import signal
import sys
from inspect import signature as _signature
from typing import Annotated, Any, get_type_hints

import typer

from ..errors import EXIT_INTERRUPTED, ColorframesError
from . import EPILOG
from .console import QUIET_HELP, err, fail, quiet_opencv

IN, MODEL, MASK, PERF, CONS, FLAT, COMP, FRAMES, OUT = (
    "Input",
    "Model",
    "Masks",
    "Device & speed",
    "Consistency",
    "Flat backend",
    "Plates & process",
    "Frames & farm",
    "Output",
)

Inputs = Annotated[list[str], typer.Argument(help="Folders of frames or shots, sequence patterns, images, videos.")]
Ref = Annotated[str | None, typer.Option("--ref", "-r", help="Character sheet (reference image).", rich_help_panel=IN)]
Preset = Annotated[
    str | None,
    typer.Option("--preset", help="Preset name or TOML path (flag > env > preset > default).", rich_help_panel=IN),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print one JSON summary object on stdout.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)]


def _opt(*names: str, help: str, panel: str, **kw: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=panel, show_default=False, **kw)


def register(app: typer.Typer) -> None:
    app.command("run", epilog=EPILOG)(run)
    app.command("inspect", epilog=EPILOG)(inspect)


def run(
    inputs: Inputs,
    ref: Ref = None,
    preset: Preset = None,
    output: Annotated[
        str | None, _opt("--output", "-o", help="Output root folder [colorframes_out].", panel=OUT)
    ] = None,
    start_frame: Annotated[
        int | None, _opt("--start-frame", help="First frame number of a video [1].", panel=IN)
    ] = None,
    # model
    backend: Annotated[
        str | None, _opt("--backend", help="flat | diffusion | tiny-random [flat].", panel=MODEL)
    ] = None,
    model: Annotated[str | None, _opt("--model", help="Weights name or path [switch-eps].", panel=MODEL)] = None,
    mode: Annotated[str | None, _opt("--mode", help="vanilla | bg2fig | fig2fig [fig2fig].", panel=MODEL)] = None,
    fg_lora: Annotated[
        bool | None, _opt("--fg-lora/--no-fg-lora", help="Override the mode's foreground LoRA.", panel=MODEL)
    ] = None,
    bg_lora: Annotated[
        bool | None, _opt("--bg-lora/--no-bg-lora", help="Override the mode's background LoRA.", panel=MODEL)
    ] = None,
    num_inference_steps: Annotated[
        int | None, _opt("--num-inference-steps", "--steps", help="Denoising steps [20].", panel=MODEL)
    ] = None,
    guidance_scale: Annotated[
        float | None, _opt("--guidance-scale", help="Reference guidance scale [4.0].", panel=MODEL)
    ] = None,
    sketch_guidance_scale: Annotated[
        float | None, _opt("--sketch-guidance-scale", help="Sketch guidance scale [1.0].", panel=MODEL)
    ] = None,
    sketch_strength: Annotated[
        float | None, _opt("--sketch-strength", help="Sketch hint multiplier [1.0].", panel=MODEL)
    ] = None,
    scheduler: Annotated[
        str | None,
        _opt("--scheduler", help="dpm++2m | ddim | euler | euler-a | lms | pndm | unipc.", panel=MODEL),
    ] = None,
    karras: Annotated[bool | None, _opt("--karras/--no-karras", help="Karras sigmas.", panel=MODEL)] = None,
    resolution: Annotated[
        int | None, _opt("--resolution", help="Working short side, multiple of 64 [512].", panel=MODEL)
    ] = None,
    # masks
    mask_model: Annotated[
        str | None,
        _opt("--mask-model", help="auto | classical | isnet | isnet-onnx | sketch-segment | PATH.", panel=MASK),
    ] = None,
    sketch_threshold: Annotated[float | None, _opt("--sketch-threshold", help="ts_s [0.05].", panel=MASK)] = None,
    ref_threshold: Annotated[float | None, _opt("--ref-threshold", help="ts_r [0.5].", panel=MASK)] = None,
    # device & speed
    device: Annotated[
        str | None, _opt("--device", help="auto | cpu | cuda | cuda:0,cuda:1 (one worker each).", panel=PERF)
    ] = None,
    dtype: Annotated[str | None, _opt("--dtype", help="auto | fp32 | fp16 | bf16.", panel=PERF)] = None,
    attention: Annotated[str | None, _opt("--attention", help="sdpa | xformers.", panel=PERF)] = None,
    batch_size: Annotated[
        int | None, _opt("--batch-size", help="Frames per UNet call [1]; lower on OOM.", panel=PERF)
    ] = None,
    compile: Annotated[bool | None, _opt("--compile/--no-compile", help="torch.compile the UNet.", panel=PERF)] = None,
    offload: Annotated[
        bool | None, _opt("--offload/--no-offload", help="CPU offload for small GPUs.", panel=PERF)
    ] = None,
    vae_slicing: Annotated[
        bool | None, _opt("--vae-slicing/--no-vae-slicing", help="Decode one frame at a time.", panel=PERF)
    ] = None,
    vae_dtype: Annotated[
        str | None, _opt("--vae-dtype", help="VAE decode precision: fp32 | same (as --dtype).", panel=PERF)
    ] = None,
    # consistency
    seed: Annotated[
        int | None, _opt("--seed", help="Shot seed (default: derived from the shot name).", panel=CONS)
    ] = None,
    consistency: Annotated[str | None, _opt("--consistency", help="seed | latent [seed].", panel=CONS)] = None,
    latent_strength: Annotated[
        float | None, _opt("--latent-strength", help="Re-noising for --consistency latent.", panel=CONS)
    ] = None,
    latent_chain: Annotated[
        int | None, _opt("--latent-chain", help="Restart the latent chain every N frames (0 = never) [8].", panel=CONS)
    ] = None,
    flatten: Annotated[
        bool | None, _opt("--flatten/--no-flatten", help="Flat cel per line-art region.", panel=CONS)
    ] = None,
    keep_lines: Annotated[
        bool | None, _opt("--keep-lines/--no-keep-lines", help="Restore line pixels exactly.", panel=CONS)
    ] = None,
    # flat backend
    gap_radius: Annotated[
        int | None, _opt("--gap-radius", help="Close line gaps up to this radius [2].", panel=FLAT)
    ] = None,
    keyframe: Annotated[
        list[str] | None, _opt("--keyframe", help="Coloured keyframe PATH[@FRAME]; repeatable.", panel=FLAT)
    ] = None,
    hints: Annotated[str | None, _opt("--hints", help="Point hints JSON or hint image.", panel=FLAT)] = None,
    report: Annotated[
        bool | None, _opt("--report/--no-report", help="Write low-confidence regions per frame.", panel=FLAT)
    ] = None,
    lines_layer: Annotated[
        bool | None, _opt("--lines-layer/--no-lines-layer", help="Also write lines/<stem>.png (RGBA).", panel=FLAT)
    ] = None,
    # plates & process
    background: Annotated[
        str | None, _opt("--background", help="Background plate image or sequence.", panel=COMP)
    ] = None,
    background_tokens: Annotated[
        bool | None,
        _opt("--background-tokens/--no-background-tokens", help="Plate feeds the bg tokens.", panel=COMP),
    ] = None,
    background_fit: Annotated[
        str | None, _opt("--background-fit", help="Plate of another size: error | pad (never rescaled).", panel=COMP)
    ] = None,
    harmonize: Annotated[
        float | None, _opt("--harmonize", help="Harmonization strength 0..1 [0.5].", panel=COMP)
    ] = None,
    process: Annotated[int | None, _opt("--process", help="Export an N-step painting process.", panel=COMP)] = None,
    process_frames: Annotated[
        str | None, _opt("--process-frames", help="Frames to export the process for.", panel=COMP)
    ] = None,
    process_fps: Annotated[
        float | None, _opt("--process-fps", help="Painting-process MP4 fps [4].", panel=COMP)
    ] = None,
    # frames
    frames: Annotated[
        str | None,
        _opt("--frames", help="Frame spec, e.g. 1001-1100x2 (`:` = step); empty is an error (exit 2).", panel=FRAMES),
    ] = None,
    shard: Annotated[
        str | None, _opt("--shard", help="K/N contiguous split, or auto (SLURM array).", panel=FRAMES)
    ] = None,
    overwrite: Annotated[
        bool | None, _opt("--overwrite/--no-overwrite", help="Re-render existing frames.", panel=FRAMES)
    ] = None,
    # output
    format: Annotated[str | None, _opt("--format", help="png | mp4 | both [png].", panel=OUT)] = None,
    name_template: Annotated[
        str | None, _opt("--name-template", help="e.g. '{shot}.{frame:04d}.png'.", panel=OUT)
    ] = None,
    bit_depth: Annotated[int | None, _opt("--bit-depth", help="8 | 16 [8].", panel=OUT)] = None,
    alpha: Annotated[
        bool | None, _opt("--alpha/--no-alpha", help="Cut the figure out with the mask.", panel=OUT)
    ] = None,
    save_masks: Annotated[
        bool | None, _opt("--save-masks/--no-save-masks", help="Write masks/ per shot.", panel=OUT)
    ] = None,
    crf: Annotated[int | None, _opt("--crf", help="H.264 quality for MP4 [18].", panel=OUT)] = None,
    fps: Annotated[
        float | None, _opt("--fps", help="MP4 fps (default: source video fps, else 24).", panel=OUT)
    ] = None,
    review: Annotated[
        bool | None, _opt("--review/--no-review", help="Build the HTML review after the run.", panel=OUT)
    ] = None,
    max_pixels: Annotated[
        int | None,
        _opt(
            "--max-pixels",
            help="Largest input image, width x height [100000000]; read from the header, larger exits 2 "
            "(reference, keyframe, plate, hints) or fails the frame (exit 1).",
            panel=IN,
        ),
    ] = None,
    json_out: JsonOut = False,
    quiet: Quiet = False,
) -> None:
    """Colorize line-art frames from a character sheet (shots in, frames out)."""
    flags = {k: v for k, v in locals().items() if k not in ("inputs", "ref", "preset", "json_out", "quiet")}
    from .. import api
    from .progress import Reporter

    previous = _catch_interrupts()
    try:
        options = api.resolve_options(flags, preset=preset)
        _console_setup(options, flags, quiet)
        with Reporter(quiet=quiet) as reporter:
            summary = api.run(inputs, reference=ref, options=options, callback=reporter)
    except ColorframesError as exc:
        fail(exc)
    except KeyboardInterrupt:
        err("interrupted: finished frames are kept and recorded; rerun the same command to resume")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if options.review:
        _review(summary, quiet)
    if json_out:
        sys.stdout.write(json.dumps(summary.to_dict()) + "\n")
        sys.stdout.flush()
    done = sum(len(s.done) for s in summary.shots)
    skipped = sum(len(s.skipped) for s in summary.shots)
    if not quiet:
        err(f"done: {done} written, {skipped} skipped, {summary.failed} failed in {summary.seconds:.1f}s")
    elif summary.exit_code:
        err(f"error: {summary.failed} frame(s) failed; {done} written, {skipped} skipped")
    raise typer.Exit(summary.exit_code)


def _review(summary, quiet: bool) -> None:
    """Build the HTML review of every shot the run touched; a failed review never hides a good run."""
    from .. import api

    for shot in summary.shots:
        try:
            result = api.review_shot(shot.out_dir)
        except ColorframesError as exc:
            if not quiet:
                err(f"warning: review of {shot.name} failed: {exc}")
            continue
        if not quiet:
            err(f"review: {result.html}")


def _catch_interrupts() -> dict:
    """Ctrl-C and SIGTERM (how farms stop jobs) both stop the run with exit 130. Returns the old handlers."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.getsignal(signum)
        signal.signal(signum, _interrupt)
    return previous


def _interrupt(signum: int, frame: object) -> None:
    # The first signal stops the run. Later ones are ignored: they must not cut short the clean-up that
    # finishes the writes in progress, records them in the sidecar and removes temp files (kill -9 still can).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    err("stopping: finishing the writes in progress (a second Ctrl-C is ignored)")
    raise KeyboardInterrupt


def inspect(**given: Any) -> None:
    """Show shots, frame counts, ranges, gaps, sizes and what `run` would write or skip (loads no model).

    Takes every option `run` takes, so `run` in a command line can be replaced by `inspect` as is.
    """
    inputs, ref, preset = given.pop("inputs"), given.pop("ref"), given.pop("preset")
    json_out, quiet = given.pop("json_out"), given.pop("quiet")
    flags = given  # every run flag: the same settings, the same hash, the same write/skip decision
    from .. import api

    try:
        report = api.inspect(inputs, reference=ref, options=api.resolve_options(flags, preset=preset))
    except ColorframesError as exc:
        fail(exc)
    if json_out:
        sys.stdout.write(json.dumps(report) + "\n")
        return
    for message in report["warnings"] if not quiet else []:
        err(f"warning: {message}")
    for shot in report["shots"]:
        size = shot["size"]
        typer.echo(
            f"{shot['shot']}: {shot['kind']} {shot['frames']} frames {shot['range']} "
            f"{size['width']}x{size['height']}"
            + (f" gaps {shot['gaps']}" if shot["gaps"] else "")
            + f" -> {shot['output']}"
        )
        typer.echo(f"  write: {shot['write'] or '-'}   skip: {shot['skip'] or '-'}   seed: {shot['seed']}")


# `inspect` takes exactly run's options (typer reads the signature and the annotations).
inspect.__signature__ = _signature(run, eval_str=True)  # type: ignore[attr-defined]
inspect.__annotations__ = get_type_hints(run, include_extras=True)


def _console_setup(options, flags: dict, quiet: bool) -> None:
    """--quiet silences OpenCV's own log; otherwise say once when tiny-random runs at its smoke defaults."""
    if quiet:
        quiet_opencv()
        return
    from ..options import TINY_RANDOM_DEFAULTS

    if options.backend != "tiny-random":
        return
    applied = [
        f"{name.replace('_', '-')} {value}"
        for name, value in TINY_RANDOM_DEFAULTS.items()
        if flags.get(name) is None and getattr(options, name) == value
    ]
    if applied:
        err(f"note: tiny-random smoke defaults: {', '.join(applied)} (set --resolution / --steps to change)")
