#!/usr/bin/env python3
"""Submit a colorframes shot to OpenCue with pyoutline: one Shell layer, chunked frame range.

    pip install opencue-pyoutline      # or: pip install "colorframes[farm]"
    export CUEBOT_HOSTS=cuebot.example.com
    python examples/farm/opencue/submit_outline.py /shows/demo/shot01/lineart /shows/demo/sheet.png \
        /shows/demo/shot01/color --frames 1001-1024 --chunk 8 --show demo --shot shot01

    python examples/farm/opencue/submit_outline.py ... --dry-run   # print the job spec XML, no Cuebot

Each frame chunk runs `colorframes run ... --frames #FRAME_START#-#FRAME_END#`; Cuebot substitutes the
first and last frame of the chunk (the last one of a ragged final chunk too). The command is launched
directly (no pycuerun wrapper), so colorframes' exit code is the frame's exit status: 0 done, 1 some
frame failed (OpenCue retries the chunk; finished frames are skipped on the retry), 2/3 are
configuration or weights errors that retrying will not fix. Paths must be visible from the render hosts.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys


def colorframes_command(
    input_path: str,
    reference: str,
    output: str,
    backend: str = "flat",
    executable: str = "colorframes",
    extra: list[str] | None = None,
) -> list[str]:
    """The per-chunk command; OpenCue replaces the #FRAME_START#/#FRAME_END# tokens.

    Cuebot receives the command as one string (the list joined by spaces), so paths are shell-quoted.
    """
    return [
        shlex.quote(executable),
        "run",
        shlex.quote(input_path),
        "--ref",
        shlex.quote(reference),
        "--output",
        shlex.quote(output),
        "--backend",
        backend,
        "--frames",
        "#FRAME_START#-#FRAME_END#",
        *(extra or []),
    ]


def build_outline(
    input_path: str,
    reference: str,
    output: str,
    frames: str = "1001-1024",
    chunk: int = 8,
    backend: str = "flat",
    show: str = "testing",
    shot: str = "shot01",
    executable: str = "colorframes",
    cores: float = 2.0,
    gpus: int = 0,
    extra: list[str] | None = None,
):
    """An Outline holding one `colorize` Shell layer over `frames`, `chunk` frames per task."""
    from outline import Outline
    from outline.modules.shell import Shell

    ol = Outline(f"colorframes_{shot}", frame_range=frames, show=show, shot=shot)
    layer_args = {
        "command": colorframes_command(input_path, reference, output, backend, executable, extra),
        "range": frames,
        "chunk": chunk,
        "cores": cores,
        # LLU timeout (minutes without log output): colorframes prints a line per frame.
        "timeout_llu": 60,
    }
    if gpus:
        layer_args["gpus"] = gpus
    ol.add_layer(Shell("colorize", **layer_args))
    return ol


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="folder of line-art frames (one shot)")
    parser.add_argument("reference", help="character sheet")
    parser.add_argument("output", help="output root; frames land in OUTPUT/<shot>/")
    parser.add_argument("--frames", default="1001-1024", help="frame range (default 1001-1024)")
    parser.add_argument("--chunk", type=int, default=8, help="frames per task (default 8)")
    parser.add_argument("--backend", default="flat", choices=["flat", "diffusion", "tiny-random"])
    parser.add_argument("--show", default=os.environ.get("SHOW", "testing"))
    parser.add_argument("--shot", default=None, help="default: the input folder name")
    parser.add_argument("--cores", type=float, default=2.0)
    parser.add_argument("--gpus", type=int, default=0, help="GPUs per frame (diffusion backend: 1)")
    parser.add_argument("--executable", default=shutil.which("colorframes") or "colorframes")
    parser.add_argument("--pause", action="store_true", help="submit the job paused")
    parser.add_argument("--dry-run", action="store_true", help="print the job spec XML instead of submitting")
    args = parser.parse_args(argv)
    if args.chunk < 1:
        parser.error("--chunk must be >= 1")

    from outline import cuerun

    paths = [os.path.abspath(p) for p in (args.input, args.reference, args.output)]
    shot = args.shot or os.path.basename(paths[0].rstrip(os.sep))
    ol = build_outline(
        *paths,
        frames=args.frames,
        chunk=args.chunk,
        backend=args.backend,
        show=args.show,
        shot=shot,
        executable=args.executable,
        cores=args.cores,
        gpus=args.gpus,
    )
    launcher = cuerun.OutlineLauncher(ol, pause=args.pause)
    if args.dry_run:
        sys.stdout.write(launcher.serialize(use_pycuerun=False) + "\n")
        return 0
    jobs = launcher.launch(use_pycuerun=False)
    for job in jobs or []:
        print(f"submitted {job.name()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
