"""Benchmark shot consistency: warping error and LVCD TC per `--consistency` option, with and without
`--flatten --keep-lines`, on the generated example shot (flat backend and `tiny-random`).

    python benchmarks/bench_consistency.py            # 24 frames at 480x270
    python benchmarks/bench_consistency.py --smoke    # 3 frames at 160x90, seconds

Every configuration goes through `colorframes.api.run`, then `colorframes.metrics.evaluate` against the
example's flat ground truth (TC, warping error with DIS flow on the ground truth, segment accuracy) and
its line art (line fidelity). `noisy-gt` is no backend: the ground truth with synthetic per-frame noise
and drift, to show what flattening does to generator-like flicker. Rows marked `post` apply
`colorframes.consistency.flatten.Flattener` to the plain run's frames here, so the flattener is measured
even where the runner does not apply `--flatten` itself yet. A configuration the installed build cannot
run (e.g. a backend not present) is reported with its error, not hidden.
Prints a table and writes benchmarks/results/bench_consistency.json (or --output).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from colorframes import api
from colorframes.consistency.flatten import Flattener
from colorframes.io.images import read_image, read_reference, write_png_atomic
from colorframes.metrics import evaluate
from colorframes.options import CONSISTENCY, RunOptions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_make_example, print_columns  # noqa: E402

METRICS = ["warping_error", "tc", "line_fidelity", "seg_acc", "seg_pix_acc"]


def noisy_take(shot: dict, out: Path) -> Path:
    """`noisy-gt` rows: the flat ground truth with per-frame noise, colour drift and blurred lines, a
    stand-in for generator flicker where no diffusion backend is installed (labelled as such)."""
    import cv2

    out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(sorted(Path(shot["color"]).glob("*.png"))):
        rng = np.random.default_rng(i)
        img = cv2.GaussianBlur(read_image(path).rgb.astype(np.float32) / 255.0, (3, 3), 0)
        img = img + rng.normal(0, 0.03, img.shape) + 0.04 * np.sin(i + np.arange(3))
        write_png_atomic(out / path.name, np.clip(img, 0, 1).astype(np.float32))
    return out


def run_config(shot: dict, out: Path, backend: str, consistency: str, flatten: bool, resolution: int) -> Path:
    if backend == "noisy-gt":
        if flatten:
            raise RuntimeError("not a colorframes backend: see the post row")
        return noisy_take(shot, out)
    options = RunOptions(
        backend=backend, consistency=consistency, flatten=flatten, keep_lines=flatten, seed=0,
        output=str(out), resolution=resolution, num_inference_steps=2, mask_model="classical",
    )  # fmt: skip
    summary = api.run([str(shot["sketch"])], reference=str(shot["sheet"]), options=options)
    if summary.exit_code != 0:
        raise RuntimeError(f"run exited {summary.exit_code}: {summary.shots[0].failed}")
    return Path(summary.shots[0].out_dir)


def post_flatten(frames_dir: Path, shot: dict, out: Path) -> Path:
    """Apply the Flattener to a finished run's frames (palette: the sheet + the shot's first frame)."""
    sheet = read_reference(shot["sheet"])
    outputs = sorted(p for p in frames_dir.glob("*.png"))
    first = read_image(outputs[0]).rgb
    flattener = Flattener.for_shot(sheet.rgb, sheet.alpha, [first])
    out.mkdir(parents=True, exist_ok=True)
    for path in outputs:
        number = int(path.stem.rsplit(".", 1)[-1])
        sketch = read_image(Path(shot["sketch"]) / path.name).rgb
        colorized = read_image(path).rgb.astype(np.float32) / 255.0
        write_png_atomic(out / path.name, flattener.flatten(colorized, sketch, number))
    return out


def measure(frames_dir: Path, shot: dict) -> dict:
    result = evaluate(str(frames_dir), gt=str(shot["color"]), sketch=str(shot["sketch"]), metrics=METRICS)
    return {m: result["mean"].get(m) for m in METRICS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--size", default="480x270", help="WxH of the generated shot")
    parser.add_argument("--backends", default="flat,tiny-random,noisy-gt")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "bench_consistency.json")
    args = parser.parse_args(argv)
    n, (w, h) = (3, (160, 90)) if args.smoke else (args.frames, map(int, args.size.lower().split("x")))
    resolution = 64 if args.smoke else 256
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        make_example = load_make_example()
        shot = make_example.write_shot(Path(tmp) / "shot", n_frames=n, size=(w, h), sheet_size=(256, 256))
        for backend in args.backends.split(","):
            consistencies = ("seed",) if backend in ("flat", "noisy-gt") else CONSISTENCY
            for consistency in consistencies:
                plain: Path | None = None
                for flatten in ("off", "run", "post"):
                    row = {"backend": backend, "consistency": consistency, "flatten": flatten}
                    t0 = time.perf_counter()
                    try:
                        if flatten == "off":
                            frames = plain = run_config(shot, Path(tmp) / f"{backend}-{consistency}", backend,
                                                        consistency, False, resolution)  # fmt: skip
                        elif flatten == "run":
                            frames = run_config(shot, Path(tmp) / f"{backend}-{consistency}-flat", backend,
                                                consistency, True, resolution)  # fmt: skip
                        elif plain is None:
                            raise RuntimeError("no plain run to post-process")
                        else:
                            frames = post_flatten(plain, shot, Path(tmp) / f"{backend}-{consistency}-post")
                        row.update(measure(frames, shot))
                    except Exception as exc:  # noqa: BLE001 - a benchmark reports what fails and goes on
                        message = str(exc).splitlines()[0][:120] if str(exc) else ""
                        row["error"] = f"{type(exc).__name__}: {message}"
                    row["seconds"] = round(time.perf_counter() - t0, 2)
                    rows.append(row)
    print_table(rows)
    report = {
        "benchmark": "bench_consistency",
        "smoke": args.smoke,
        "frames": n,
        "size": [w, h],
        "flow": "OpenCV DIS (medium) on the ground truth",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, allow_nan=False, default=str) + "\n")
    print(f"wrote {args.output}")
    return 0


def _cell(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def print_table(rows: list[dict]) -> None:
    header = ["backend", "consistency", "flatten", *METRICS, "seconds"]
    table = [header] + [[_cell(r.get(k)) for k in header] for r in rows]
    print_columns(table)
    for r in rows:
        if "error" in r:
            print(f"  {r['backend']}/{r['consistency']}/flatten={r['flatten']}: {r['error']}")


if __name__ == "__main__":
    sys.exit(main())
