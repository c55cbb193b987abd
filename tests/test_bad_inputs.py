"""The bad-input catalogue: the real CLI (in-process through typer's CliRunner) against over a hundred bad
inputs, flags and files. Every case asserts the documented exit code, no traceback, a message naming the file
or flag, the good frames written byte-identical to a clean run (nothing at all for exit 2/3), and no temporary
file left behind. Frames are 64x48 and the backend is `flat`, so the whole catalogue takes seconds."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bad_inputs as bad
import numpy as np
import pytest

from colorframes.errors import EXIT_FRAMES_FAILED, EXIT_MODEL_UNAVAILABLE, EXIT_OK, EXIT_USAGE

F3 = bad.frame_file(1003)  # the frame most cases break


@dataclass
class Base:
    shot: Path  # 4 good 64x48 frames shot01.1001..1004.png
    sheet: Path
    sheet_array: np.ndarray
    clean: dict[str, bytes]  # file name -> bytes of a clean run


@dataclass
class Work:
    """One case's own folder: a copy of the shot, the sheet, an output folder."""

    tmp: Path
    base: Base
    shot: Path = field(init=False)
    out: Path = field(init=False)

    def __post_init__(self) -> None:
        self.shot = self.tmp / "in" / bad.SHOT
        shutil.copytree(self.base.shot, self.shot)
        self.out = self.tmp / "out"

    @property
    def sheet(self) -> Path:
        return self.base.sheet

    def run(self, *extra: object, ref: object = None) -> list[str]:
        return ["run", str(self.shot), "--ref", str(ref or self.sheet), "-o", str(self.out), *map(str, extra)]

    def file(self, name: str, data: bytes | str) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data)
        else:
            path.write_bytes(data)
        return path

    def frame(self, number: int, data: bytes) -> None:
        (self.shot / bad.frame_file(number)).write_bytes(data)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    from typer.testing import CliRunner

    from colorframes.cli import app
    from examples import make_example as me

    root = tmp_path_factory.mktemp("catalogue")
    shot = root / bad.SHOT
    shot.mkdir()
    for i, number in enumerate(bad.NUMBERS):
        me._write_png(shot / bad.frame_file(number), me.render_frame(i, bad.SIZE, n_frames=bad.FRAMES)["sketch"])
    sheet_array = me.render_sheet((96, 96))["color"]
    sheet = root / "sheet.png"
    me._write_png(sheet, sheet_array)
    out = root / "clean"
    result = CliRunner().invoke(app, ["run", str(shot), "--ref", str(sheet), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    clean = {p.name: p.read_bytes() for p in (out / bad.SHOT).glob("*.png")}
    assert sorted(clean) == [bad.frame_file(n) for n in bad.NUMBERS]
    return Base(shot=shot, sheet=sheet, sheet_array=sheet_array, clean=clean)


def invoke(argv: list[str], env: dict | None = None) -> tuple[int, str]:
    from typer.testing import CliRunner

    from colorframes.cli import app

    result = CliRunner().invoke(app, argv, env=env, catch_exceptions=False)
    return result.exit_code, result.stderr


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".cftmp")]


def check(work: Work, code: int, stderr: str, expected: int, needle: str, failed: tuple[int, ...] = ()) -> None:
    assert code == expected, stderr
    assert "Traceback" not in stderr, stderr
    assert needle in stderr, f"{needle!r} not named in:\n{stderr}"
    shot_out = work.out / bad.SHOT
    if expected in (EXIT_OK, EXIT_FRAMES_FAILED):
        for number in bad.NUMBERS:
            path = shot_out / bad.frame_file(number)
            if number in failed:
                assert not path.exists(), f"failed frame {number} was written"
            else:
                assert path.read_bytes() == work.base.clean[path.name], f"frame {number} differs from a clean run"
        assert (expected == EXIT_FRAMES_FAILED) == bool(failed)
        record = json.loads((shot_out / "colorframes.json").read_text())
        assert {int(k) for k, v in record["frames"].items() if v["status"] == "done"} == set(bad.NUMBERS) - set(failed)
    else:
        assert not list(work.out.rglob("*.png")) if work.out.exists() else True, "frames written on exit 2/3"
    error_lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    if expected in (EXIT_USAGE, EXIT_MODEL_UNAVAILABLE) and error_lines:
        assert len(error_lines) == 1, stderr
    assert not temp_files(work.tmp), temp_files(work.tmp)


# --- frame-level failures: exit 1, the other frames written --------------------------------------------------

Prepare = Callable[[Work], list[str]]


def _frame_case(data: Callable[[Work], bytes], number: int = 1003) -> Prepare:
    def prepare(w: Work) -> list[str]:
        w.frame(number, data(w))
        return w.run()

    return prepare


def _good(w: Work, number: int = 1003) -> bytes:
    return (w.base.shot / bad.frame_file(number)).read_bytes()


FRAME_CASES: dict[str, tuple[Prepare, tuple[int, ...], str]] = {
    "empty-frame": (_frame_case(lambda w: b""), (1003,), F3),
    "garbage-frame": (_frame_case(lambda w: b"\x00garbage" * 50), (1003,), F3),
    "text-frame": (_frame_case(lambda w: b"this is not an image\n"), (1003,), F3),
    "png-cut-at-10pc": (_frame_case(lambda w: bad.truncated(_good(w), 0.1)), (1003,), F3),
    "png-cut-at-50pc": (_frame_case(lambda w: bad.truncated(_good(w), 0.5)), (1003,), F3),
    "png-cut-at-90pc": (_frame_case(lambda w: bad.truncated(_good(w), 0.9)), (1003,), F3),
    "png-without-iend": (_frame_case(lambda w: _good(w)[:-12]), (1003,), F3),
    "png-bomb-30000": (_frame_case(lambda w: bad.png_bomb()), (1003,), F3),
    "png-bomb-wide": (_frame_case(lambda w: bad.png_bomb(2_000_000, 100)), (1003,), F3),
    "bmp-bomb-as-png": (_frame_case(lambda w: bad.bmp_bomb()), (1003,), F3),
    "jpeg-bomb-as-png": (_frame_case(lambda w: bad.jpeg_bomb()), (1003,), F3),
    "bomb-first-frame": (_frame_case(lambda w: bad.png_bomb(), 1001), (1001,), bad.frame_file(1001)),
    "bomb-last-frame": (_frame_case(lambda w: bad.png_bomb(), 1004), (1004,), bad.frame_file(1004)),
    "two-bad-frames": (
        lambda w: (w.frame(1002, b"junk"), w.frame(1004, bad.png_bomb()), w.run())[-1],
        (1002, 1004),
        bad.frame_file(1004),
    ),
    # (no --ref: the 96x96 sheet would be over these limits too, and that is exit 2)
    "every-frame-over-max-pixels": (
        lambda w: ["run", str(w.shot), "-o", str(w.out), "--max-pixels", "3000"],
        bad.NUMBERS,
        "--max-pixels",
    ),
    "max-pixels-from-env": (
        lambda w: (os.environ.__setitem__("COLORFRAMES_MAX_PIXELS", "3000"), w.run()[:2] + w.run()[4:])[-1],
        bad.NUMBERS,
        "COLORFRAMES_MAX_PIXELS",
    ),
}


@pytest.fixture()
def work(tmp_path, base) -> Work:
    return Work(tmp_path, base)


@pytest.mark.parametrize("case", list(FRAME_CASES))
def test_bad_frame_fails_only_that_frame(case, work):
    prepare, failed, needle = FRAME_CASES[case]
    argv = prepare(work)
    try:
        code, stderr = invoke(argv)
    finally:
        os.environ.pop("COLORFRAMES_MAX_PIXELS", None)
    check(work, code, stderr, EXIT_FRAMES_FAILED, needle, failed)


# Memory exhaustion anywhere in a frame's work is that frame's failure.
def _raise_memory_for_1003(original):
    def wrapper(*args, **kwargs):
        text = " ".join(str(a) for a in args)
        if "1003" in text or any(getattr(a, "number", None) == 1003 for a in args):
            raise MemoryError
        return original(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("where", ["decode", "colorize", "write"])
def test_memory_exhaustion_fails_the_frame(where, work, monkeypatch):
    import colorframes.io.images as images
    import colorframes.runner.render as render

    if where == "decode":
        monkeypatch.setattr(images, "_decode", _raise_memory_for_1003(images._decode))
    elif where == "write":
        monkeypatch.setattr(render, "write_png_atomic", _raise_memory_for_1003(render.write_png_atomic))
    else:
        from colorframes.backends import flat

        original = flat.create_colorizer

        def create(options):
            backend = original(options)
            colorize = backend.colorize

            def guarded(inputs):
                if any(i.number == 1003 for i in inputs):
                    raise MemoryError
                return colorize(inputs)

            backend.colorize = guarded
            return backend

        monkeypatch.setattr(flat, "create_colorizer", create)
    code, stderr = invoke(work.run())
    check(work, code, stderr, EXIT_FRAMES_FAILED, "out of memory", (1003,))
    assert "1003" in stderr


# --- input, reference and option errors: exit 2, nothing written ---------------------------------------------


def _ref(data: Callable[[Work], bytes], name: str = "ref.png") -> Prepare:
    return lambda w: w.run(ref=w.file(name, data(w)))


def _opt(*extra: object) -> Prepare:
    return lambda w: w.run(*extra)


def _keyframe(data: Callable[[Work], bytes]) -> Prepare:
    return lambda w: w.run("--keyframe", f"{w.file('key.png', data(w))}@1001")


def _plate(data: Callable[[Work], bytes]) -> Prepare:
    return lambda w: w.run("--background", w.file("plate.png", data(w)))


def _hints(text: str, name: str = "hints.json") -> Prepare:
    return lambda w: w.run("--hints", w.file(name, text))


def _hint_image(data: Callable[[Work], bytes]) -> Prepare:
    return lambda w: w.run("--hints", w.file("hints.png", data(w)))


def _sheet(w: Work) -> bytes:
    return w.sheet.read_bytes()


def _preset(text: str) -> Prepare:
    return lambda w: w.run("--preset", w.file("preset.toml", text))


def _env(name: str, value: str) -> Prepare:
    return lambda w: (os.environ.__setitem__(name, value), w.run())[-1]


def _prior_run(*first: object) -> Callable[[Work, tuple], list[str]]:
    def prepare(w: Work) -> list[str]:
        assert invoke(w.run(*first))[0] == 0
        for png in (w.out / bad.SHOT).glob("*.png"):  # the check below is about the refusal, not old frames
            png.unlink()
        return w.run()

    return prepare


def _hint(**item) -> str:
    base = {"frame": 1001, "x": 10, "y": 10, "color": "#ff0000"}
    base.update(item)
    return json.dumps([base])


USAGE_CASES: dict[str, tuple[Prepare, str]] = {
    # reference (--ref)
    "ref-missing": (lambda w: w.run(ref=w.tmp / "nope.png"), "nope.png"),
    "ref-empty": (_ref(lambda w: b""), "ref.png"),
    "ref-garbage": (_ref(lambda w: b"garbage" * 20), "ref.png"),
    "ref-cut-at-50pc": (_ref(lambda w: bad.truncated(_sheet(w), 0.5)), "ref.png"),
    "ref-without-iend": (_ref(lambda w: _sheet(w)[:-12]), "ref.png"),
    "ref-png-bomb": (_ref(lambda w: bad.png_bomb()), "ref.png"),
    "ref-bmp-bomb": (_ref(lambda w: bad.bmp_bomb(), "ref.bmp"), "ref.bmp"),
    "ref-jpeg-bomb": (_ref(lambda w: bad.jpeg_bomb(), "ref.jpg"), "ref.jpg"),
    "ref-over-max-pixels": (lambda w: w.run("--max-pixels", 5000), "sheet.png"),
    "ref-is-a-video": (_ref(lambda w: b"\x00" * 64, "ref.mp4"), "ref.mp4"),
    "ref-is-a-folder": (lambda w: w.run(ref=(w.tmp / "refdir.png").mkdir() or w.tmp / "refdir.png"), "refdir.png"),
    "shot-ref-garbage": (lambda w: (w.file("in/shot01/ref.png", b"junk"), w.run())[-1], "ref.png"),
    # keyframes
    "keyframe-missing": (_opt("--keyframe", "/nonexistent/key.png@1001"), "--keyframe"),
    "keyframe-garbage": (_keyframe(lambda w: b"junk"), "key.png"),
    "keyframe-bomb": (_keyframe(lambda w: bad.png_bomb()), "key.png"),
    "keyframe-truncated": (_keyframe(lambda w: bad.truncated(_sheet(w), 0.5)), "key.png"),
    # background plates
    "plate-missing": (_opt("--background", "/nonexistent/plate.png"), "plate.png"),
    "plate-garbage": (_plate(lambda w: b"junk" * 10), "plate.png"),
    "plate-bomb": (_plate(lambda w: bad.png_bomb()), "plate.png"),
    "plate-wrong-size": (_plate(_sheet), "plate.png"),
    "plate-folder-without-numbers": (lambda w: w.run("--background", w.file("plates/x.txt", "x").parent), "plates"),
    # hints
    "hints-missing": (_opt("--hints", "/nonexistent/hints.json"), "hints"),
    "hints-not-json": (_hints("{not json"), "hints.json"),
    "hints-empty-file": (_hints(""), "hints.json"),
    "hints-x-1e999": (_hints('[{"frame": 1001, "x": 1e999, "y": 5, "color": "#ff0000"}]'), "hints.json"),
    "hints-y-minus-1e999": (_hints('[{"frame": 1001, "x": 5, "y": -1e999, "color": "#ff0000"}]'), "hints.json"),
    "hints-nan": (_hints('[{"frame": 1001, "x": NaN, "y": 5, "color": "#ff0000"}]'), "hints.json"),
    "hints-infinity": (_hints('[{"frame": 1001, "x": Infinity, "y": 5, "color": "#ff0000"}]'), "hints.json"),
    "hints-frame-infinity": (_hints('[{"frame": -Infinity, "x": 5, "y": 5, "color": "#ff0000"}]'), "hints.json"),
    "hints-x-string": (_hints(_hint(x="12")), "hints.json"),
    "hints-x-bool": (_hints(_hint(x=True)), "hints.json"),
    "hints-missing-key": (_hints('[{"frame": 1001, "x": 5}]'), "hints.json"),
    "hints-bad-colour": (_hints(_hint(color="#zzzzzz")), "hints.json"),
    "hints-colour-out-of-range": (_hints(_hint(color=[300, 0, 0])), "hints.json"),
    "hints-not-a-list": (_hints('"hello"'), "hints.json"),
    "hints-image-bomb": (_hint_image(lambda w: bad.png_bomb()), "hints.png"),
    "hints-image-garbage": (_hint_image(lambda w: b"junk"), "hints.png"),
    # --frames
    "frames-empty": (_opt("--frames", ""), "--frames"),
    "frames-blank": (_opt("--frames", "  "), "--frames"),
    "frames-comma": (_opt("--frames", ","), "--frames"),
    "frames-word": (_opt("--frames", "abc"), "--frames"),
    "frames-three-dashes": (_opt("--frames", "1-2-3"), "--frames"),
    "frames-no-match": (_opt("--frames", "5000-5010"), "--frames"),
    "frames-step-zero": (_opt("--frames", "1001-1004x0"), "--frames"),
    "frames-inverted-y": (_opt("--frames", "1001-1004y2"), "--frames"),
    # --shard
    "shard-zero": (_opt("--shard", "0/2"), "--shard"),
    "shard-past-end": (_opt("--shard", "3/2"), "--shard"),
    "shard-word": (_opt("--shard", "x"), "--shard"),
    "shard-of-zero": (_opt("--shard", "1/0"), "--shard"),
    # --name-template
    "template-300-bytes": (_opt("--name-template", "x" * 300 + "{frame}.png"), "--name-template"),
    "template-long-unicode": (_opt("--name-template", "é" * 120 + "{frame}.png"), "--name-template"),
    "template-unknown-field": (_opt("--name-template", "{bogus}.png"), "--name-template"),
    "template-escapes": (_opt("--name-template", "../{frame}.png"), "--name-template"),
    "template-separator": (_opt("--name-template", "a/{frame}.png"), "--name-template"),
    "template-one-name": (_opt("--name-template", "{shot}.png"), "--name-template"),
    "template-bad-spec": (_opt("--name-template", "{frame:q}.png"), "--name-template"),
    "template-unbalanced": (_opt("--name-template", "{frame.png"), "--name-template"),
    "template-same-name": (_opt("--name-template", "{frame:.0e}.png"), "--name-template"),
    # numbers out of range
    "bit-depth-12": (_opt("--bit-depth", 12), "--bit-depth"),
    "crf-99": (_opt("--crf", 99), "--crf"),
    "fps-zero": (_opt("--fps", 0), "--fps"),
    "batch-size-zero": (_opt("--batch-size", 0), "--batch-size"),
    "gap-radius-negative": (_opt("--gap-radius", -1), "--gap-radius"),
    "max-pixels-zero": (_opt("--max-pixels", 0), "--max-pixels"),
    "resolution-tiny": (_opt("--resolution", 10), "--resolution"),
    "harmonize-two": (_opt("--harmonize", 2), "--harmonize"),
    "latent-strength-two": (_opt("--latent-strength", 2), "--latent-strength"),
    "steps-zero": (_opt("--steps", 0), "--num-inference-steps"),
    "seed-negative": (_opt("--seed", -1), "--seed"),
    "process-negative": (_opt("--process", -1), "--process"),
    "process-fps-zero": (_opt("--process-fps", 0), "--process-fps"),
    "sketch-threshold-two": (_opt("--sketch-threshold", 2), "--sketch-threshold"),
    # choices
    "format-gif": (_opt("--format", "gif"), "--format"),
    "backend-unknown": (_opt("--backend", "nope"), "--backend"),
    "mode-unknown": (_opt("--mode", "x"), "--mode"),
    "scheduler-unknown": (_opt("--scheduler", "x"), "--scheduler"),
    "dtype-unknown": (_opt("--dtype", "fp8"), "--dtype"),
    "attention-unknown": (_opt("--attention", "x"), "--attention"),
    "consistency-unknown": (_opt("--consistency", "x"), "--consistency"),
    "background-fit-unknown": (_opt("--background-fit", "stretch"), "--background-fit"),
    "vae-dtype-unknown": (_opt("--vae-dtype", "fp8"), "--vae-dtype"),
    "mask-model-unknown": (_opt("--mask-model", "nope"), "--mask-model"),
    # the command line itself (click reports these)
    "unknown-flag": (_opt("--nope"), "--nope"),
    "int-flag-not-a-number": (_opt("--bit-depth", "abc"), "--bit-depth"),
    "flag-without-value": (_opt("--frames"), "--frames"),
    # presets and environment
    "preset-unknown": (_opt("--preset", "no-such-preset"), "no-such-preset"),
    "preset-bad-toml": (_preset("[options\nbackend = "), "preset.toml"),
    "preset-unknown-key": (_preset("[options]\nfoo = 1\n"), "foo"),
    "preset-wrong-type": (_preset('[options]\ngap_radius = "wide"\n'), "gap_radius"),
    "env-bad-number": (_env("COLORFRAMES_GAP_RADIUS", "abc"), "COLORFRAMES_GAP_RADIUS"),
    "env-bad-choice": (_env("COLORFRAMES_BACKEND", "nope"), "--backend"),
    "env-frames-empty": (_env("COLORFRAMES_FRAMES", ""), "COLORFRAMES_FRAMES"),
    # inputs and outputs
    "input-missing": (lambda w: ["run", str(w.tmp / "nope"), "-o", str(w.out)], "nope"),
    "input-empty-folder": (lambda w: ["run", str(w.file("empty/x.txt", "").parent), "-o", str(w.out)], "empty"),
    "input-text-file": (lambda w: ["run", str(w.file("notes.txt", "hello")), "-o", str(w.out)], "notes.txt"),
    "input-garbage-video": (lambda w: ["run", str(w.file("clip.mp4", b"\x00" * 500)), "-o", str(w.out)], "clip.mp4"),
    "output-is-a-file": (lambda w: [*w.run()[:-2], "-o", str(w.file("outfile", "x"))], "outfile"),
    "sidecar-corrupt": (
        lambda w: (w.file("out/shot01/colorframes.json", "{broken"), w.run())[-1],
        "colorframes.json",
    ),
    "sidecar-not-utf8": (
        lambda w: (w.file("out/shot01/colorframes.json", b'{"x": "\xff"}'), w.run())[-1],
        "colorframes.json",
    ),
    "rerun-other-settings": (_prior_run("--gap-radius", 3), "gap_radius"),
}


@pytest.mark.parametrize("case", list(USAGE_CASES))
def test_bad_input_or_option_exits_2(case, work):
    prepare, needle = USAGE_CASES[case]
    argv = prepare(work)
    try:
        code, stderr = invoke(argv)
    finally:
        for name in ("COLORFRAMES_GAP_RADIUS", "COLORFRAMES_BACKEND", "COLORFRAMES_FRAMES"):
            os.environ.pop(name, None)
    if case == "rerun-other-settings":
        assert code == EXIT_USAGE and "Traceback" not in stderr and needle in stderr, stderr
        assert not list((work.out / bad.SHOT).glob("*.png")) and not temp_files(work.tmp)
        return
    check(work, code, stderr, EXIT_USAGE, needle)


# --- weights that are not usable: exit 3, one line, never a hint to disable safety ----------------------------

WEIGHTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "pickle-payload-ckpt": (lambda d: bad.pickle_payload_checkpoint(d / "evil.ckpt"), "evil.ckpt"),
    "pickle-payload-pt": (lambda d: bad.pickle_payload_checkpoint(d / "evil.pt"), "evil.pt"),
    "plain-pickle-pth": (lambda d: bad.plain_pickle(d / "evil.pth"), "evil.pth"),
    "absurd-safetensors-header": (lambda d: bad.absurd_safetensors(d / "absurd.safetensors"), "absurd.safetensors"),
    "garbage-safetensors": (lambda d: bad.written(d / "junk.safetensors", b"junk"), "junk.safetensors"),
    "tensorless-ckpt": (lambda d: bad.tensorless_checkpoint(d / "empty.ckpt"), "empty.ckpt"),
}


def _assert_weights_message(stderr: str, needle: str) -> None:
    assert "Traceback" not in stderr and needle in stderr, stderr
    assert "weights_only=False" not in stderr and "weights_only" not in stderr.replace("weights_only=True", ""), stderr
    assert ".safetensors" in stderr, stderr  # says which formats are accepted


@pytest.mark.parametrize("case", list(WEIGHTS))
def test_unusable_weights_exit_3_from_run(case, work):
    make, needle = WEIGHTS[case]
    path = make(work.tmp)
    code, stderr = invoke(work.run("--backend", "diffusion", "--model", path, "--device", "cpu"))
    assert code == EXIT_MODEL_UNAVAILABLE, stderr
    _assert_weights_message(stderr, needle)
    check(work, code, stderr, EXIT_MODEL_UNAVAILABLE, needle)


@pytest.mark.parametrize("command", ["verify", "convert"])
@pytest.mark.parametrize("case", ["pickle-payload-pt", "absurd-safetensors-header", "tensorless-ckpt"])
def test_unusable_weights_exit_3_from_models_commands(command, case, work):
    make, needle = WEIGHTS[case]
    path = make(work.tmp)
    argv = ["models", command, str(path)] + ([str(work.tmp / "converted")] if command == "convert" else [])
    code, stderr = invoke(argv)
    assert code == EXIT_MODEL_UNAVAILABLE, stderr
    _assert_weights_message(stderr, needle)
    assert not (work.tmp / "converted").exists()


# --- the same frames through other containers: exit 0 / 1 ----------------------------------------------------


def test_non_utf8_shot_folder_and_prefix_round_trip(work):
    """Names that are not UTF-8 are stored losslessly as valid JSON; reruns (and --overwrite) work."""
    raw_shot = os.fsencode(work.tmp / "in") + b"/sh\xff"
    os.mkdir(raw_shot)
    for number in bad.NUMBERS:
        data = (work.shot / bad.frame_file(number)).read_bytes()
        with open(raw_shot + f"/\xe9t\xff.{number}.png".encode("latin-1"), "wb") as fh:
            fh.write(data)
    shot = os.fsdecode(raw_shot)
    for extra in ((), (), ("--overwrite",)):
        code, stderr = invoke(["run", shot, "--ref", str(work.sheet), "-o", str(work.out), *extra])
        assert code == EXIT_OK and "Traceback" not in stderr, stderr
        record = json.loads((work.out / "sh_" / "colorframes.json").read_bytes().decode("utf-8"))
        assert os.fsencode(record["shot"]) == b"sh\xff"
        assert record["done"] == 4 and len(record["frames"]) == 4
    written = sorted((work.out / "sh_").glob("*.png"))
    assert len(written) == 4
    assert not temp_files(work.tmp)


def _video(folder: Path, frames: list[np.ndarray]) -> Path:
    from colorframes.io.video import write_mp4

    path = folder / "clip.mp4"
    write_mp4(path, frames, fps=24)
    return path


@pytest.fixture(scope="module")
def video(tmp_path_factory, base):
    """A 24-frame noisy video (so the index is small next to the data) and a clean run of it."""
    rng = np.random.default_rng(0)
    sketch = np.full((48, 64, 3), 255, np.uint8)
    frames = []
    for _ in range(24):
        frame = sketch.copy()
        frame[8:40, 8:56] = rng.integers(0, 255, (32, 48, 3), dtype=np.uint8)
        frames.append(frame)
    root = tmp_path_factory.mktemp("video")
    path = _video(root, frames)
    out = root / "clean"
    code, stderr = invoke(["run", str(path), "--ref", str(base.sheet), "-o", str(out)])
    assert code == 0, stderr
    return path, {p.name: p.read_bytes() for p in (out / "clip").glob("*.png")}


@pytest.mark.parametrize("fraction", [0.4, 0.7])
def test_truncated_video_reports_missing_frames_and_exits_1(fraction, video, tmp_path, base):
    path, _ = video
    cut = tmp_path / "clip.mp4"
    cut.write_bytes(bad.truncated(path.read_bytes(), fraction))
    out = tmp_path / "out"
    code, stderr = invoke(["run", str(cut), "--ref", str(base.sheet), "-o", str(out)])
    assert code == EXIT_FRAMES_FAILED, stderr
    assert "Traceback" not in stderr and "clip.mp4" in stderr and "declares 24 frames" in stderr, stderr
    written = {p.name: p.read_bytes() for p in (out / "clip").glob("*.png")}
    assert 0 < len(written) < 24
    record = json.loads((out / "clip" / "colorframes.json").read_text())
    assert record["done"] == len(written) and record["failed"] == 24 - len(written)
    numbers = sorted(int(n.split(".")[1]) for n in written)
    assert numbers == list(range(1, len(written) + 1))  # the decodable head; the tail fails
    assert not temp_files(tmp_path)


def test_truncated_video_good_frames_match_a_clean_run(video, tmp_path, base):
    path, _ = video
    clean_out = tmp_path / "clean"
    assert invoke(["run", str(path), "--ref", str(base.sheet), "-o", str(clean_out)])[0] == 0
    cut = tmp_path / "cut" / "clip.mp4"
    cut.parent.mkdir()
    cut.write_bytes(bad.truncated(path.read_bytes(), 0.6))
    out = tmp_path / "out"
    code, stderr = invoke(["run", str(cut), "--ref", str(base.sheet), "-o", str(out)])
    assert code == EXIT_FRAMES_FAILED, stderr
    written = sorted((out / "clip").glob("*.png"))
    assert written
    for png in written[:-1]:  # the last decodable frame of a cut stream may be partly decoded
        assert png.read_bytes() == (clean_out / "clip" / png.name).read_bytes(), png.name
