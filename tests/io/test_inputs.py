"""Discovery, frame specs, shards, names, options and image decoding: the input side of the foundation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from colorframes.errors import ConfigError, FrameError, InputError
from colorframes.io.discover import discover_shots
from colorframes.io.framespec import find_gaps, format_ranges, parse_frame_spec, parse_shard, select_shard
from colorframes.io.images import decode_image, read_image, write_bytes_atomic, write_png_atomic
from colorframes.io.naming import render_name, safe_join, validate_template
from colorframes.options import RunOptions, load_preset, resolve_options


def _frames(folder: Path, names: list[str], size=(24, 32)) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        img = np.full((*size, 3), 255, np.uint8)
        cv2.line(img, (2, 2), (20, 20), (0, 0, 0), 2)
        cv2.imwrite(str(folder / name), img)


# --- frame specs and shards -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "frames"),
    [
        ("1001", [1001]),
        ("1001-1005", [1001, 1002, 1003, 1004, 1005]),
        ("1001-1009x4", [1001, 1005, 1009]),
        ("1001-1009:4", [1001, 1005, 1009]),
        ("1001:1004", [1001, 1002, 1003, 1004]),
        ("1001:1009:4", [1001, 1005, 1009]),
        ("5-1", [1, 2, 3, 4, 5]),
        ("1,3,2-3", [1, 2, 3]),
    ],
)
def test_frame_specs(spec, frames):
    assert parse_frame_spec(spec) == frames


@pytest.mark.parametrize("spec", ["", "a-b", "1-10y2", "1-10x0", "1-2-3"])
def test_bad_frame_specs_name_the_item(spec):
    with pytest.raises(InputError, match="--frames"):
        parse_frame_spec(spec)


def test_shards_are_contiguous_balanced_and_cover_everything():
    items = list(range(10))
    parts = [select_shard(items, k, 3) for k in (1, 2, 3)]
    assert parts == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert parse_shard("2/3") == (2, 3)
    env = {
        "SLURM_ARRAY_TASK_ID": "7",
        "SLURM_ARRAY_TASK_MIN": "1",
        "SLURM_ARRAY_TASK_MAX": "9",
        "SLURM_ARRAY_TASK_STEP": "2",
    }
    assert parse_shard("auto", env) == (4, 5)
    for bad in ("3", "0/1", "2/1", "a/b"):
        with pytest.raises(InputError):
            parse_shard(bad)


def test_ranges_and_gaps():
    assert format_ranges([1, 2, 3, 5, 7, 8]) == "1-3,5,7-8"
    assert find_gaps([1001, 1002, 1005]) == [1003, 1004]


# --- discovery --------------------------------------------------------------------------------------


def test_nested_shots_natural_sort_notes_and_reference_override(tmp_path):
    _frames(tmp_path / "seq" / "sh10", ["sh10.0001.png", "sh10.0002.png", "sh10.0004.png"])
    _frames(tmp_path / "seq" / "sh9", ["a_1.png", "a_2.png", "ref.png"])
    (tmp_path / "seq" / "sh9" / "notes.txt").write_text("x")
    _frames(tmp_path / "seq" / "sh9", [".hidden.0001.png"])
    _frames(tmp_path / "seq" / ".cache", ["x.0001.png"])
    shots = discover_shots([str(tmp_path / "seq")])
    assert [s.name for s in shots] == ["sh9", "sh10"]
    sh9, sh10 = shots
    assert sh9.reference == tmp_path / "seq" / "sh9" / "ref.png"
    assert sh9.numbers == [1, 2]
    assert any("notes.txt" in n for n in sh9.notes) and any(".hidden" in n for n in sh9.notes)
    assert sh10.gaps == [3] and sh10.reference is None


def test_output_folders_are_not_inputs(tmp_path):
    _frames(tmp_path / "in" / "a", ["a.0001.png"])
    _frames(tmp_path / "in" / "out" / "a", ["a.0001.png"])
    (tmp_path / "in" / "out" / "a" / "colorframes.json").write_text("{}")
    assert [s.name for s in discover_shots([str(tmp_path / "in")])] == ["a"]


def test_one_folder_with_two_sequences_gives_two_shots(tmp_path):
    _frames(tmp_path / "f", ["bg.0001.png", "bg.0002.png", "char.0001.png"])
    assert [(s.name, len(s.frames)) for s in discover_shots([str(tmp_path / "f")])] == [("f/bg", 2), ("f/char", 1)]


@pytest.mark.parametrize("pattern", ["shot.####.png", "shot.%04d.png", "shot.@@@@.png", "shot.2-3#.png"])
def test_sequence_patterns(tmp_path, pattern):
    _frames(tmp_path, ["shot.0001.png", "shot.0002.png", "shot.0003.png", "other.0001.png"])
    shots = discover_shots([str(tmp_path / pattern)])
    assert len(shots) == 1 and shots[0].name == "shot"
    expected = [2, 3] if "2-3" in pattern else [1, 2, 3]
    assert shots[0].numbers == expected


def test_single_image_and_unnumbered_folder(tmp_path):
    _frames(tmp_path / "one", ["pose.png"])
    _frames(tmp_path / "many", ["b.png", "a.png", "c10.png"])
    (single,) = discover_shots([str(tmp_path / "one" / "pose.png")])
    assert single.kind == "image" and single.numbers == [1]
    (many,) = discover_shots([str(tmp_path / "many")])
    assert [f.stem for f in many.frames] == ["c10"]  # numbered files win; the others are noted
    assert any("no frame number" in n for n in many.notes)


@pytest.mark.parametrize("bad", ["missing_folder", "empty", "notes.txt"])
def test_inputs_that_give_nothing_exit_2(tmp_path, bad):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError) as info:
        discover_shots([str(tmp_path / bad)])
    assert info.value.exit_code == 2 and bad in str(info.value)


def test_unreadable_video_is_an_input_error(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"not a video at all")
    with pytest.raises(InputError, match="unreadable video"):
        discover_shots([str(tmp_path / "clip.mp4")])


def test_non_utf8_file_names(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    name = os.fsencode(str(folder)) + b"/caf\xe9.0001.png"
    img = np.full((8, 8, 3), 255, np.uint8)
    ok, buf = cv2.imencode(".png", img)
    with open(name, "wb") as fh:
        fh.write(buf.tobytes())
    (shot,) = discover_shots([str(folder)])
    assert shot.numbers == [1]
    assert read_image(shot.frames[0].path).rgb.shape == (8, 8, 3)
    out = render_name(None, stem=shot.frames[0].stem, shot="f", frame=1)
    out.encode("utf-8")  # printable, no surrogates
    assert out.endswith(".0001.png")


# --- images -----------------------------------------------------------------------------------------


def _encode(array: np.ndarray, ext: str = ".png") -> bytes:
    ok, buf = cv2.imencode(ext, array)
    assert ok
    return buf.tobytes()


def test_decoding_16bit_gray_rgba_and_palette():
    gray16 = np.full((4, 5), 65535, np.uint16)
    gray16[0, 0] = 0
    img = decode_image(_encode(gray16), "g16.png")
    assert img.rgb.shape == (4, 5, 3) and img.rgb[0, 0, 0] == 0 and img.rgb[1, 1, 0] == 255 and img.bit_depth == 16
    bgra = np.zeros((4, 5, 4), np.uint8)
    bgra[..., 3] = 0  # fully transparent → white paper
    bgra[0, 0] = (0, 0, 255, 255)  # opaque red
    img = decode_image(_encode(bgra), "rgba.png")
    assert tuple(img.rgb[0, 0]) == (255, 0, 0) and tuple(img.rgb[1, 1]) == (255, 255, 255)
    assert img.alpha is not None and img.alpha[1, 1] == 0.0
    from PIL import Image

    pal = Image.new("P", (5, 4))
    pal.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    pal.putpixel((0, 0), 1)
    import io

    buf = io.BytesIO()
    pal.save(buf, format="PNG")
    img = decode_image(buf.getvalue(), "pal.png")
    assert tuple(img.rgb[0, 0]) == (0, 0, 0) and tuple(img.rgb[1, 1]) == (255, 255, 255)
    jpg = decode_image(_encode(np.full((6, 6, 3), 200, np.uint8), ".jpg"), "x.jpg")
    assert jpg.rgb.shape == (6, 6, 3)


@pytest.mark.parametrize(("data", "message"), [(b"", "0 bytes"), (b"\x89PNG\r\n\x1a\nxxxx", "cannot decode")])
def test_broken_images_raise_frame_errors(data, message):
    with pytest.raises(FrameError, match=message):
        decode_image(data, "bad.png")


def test_truncated_png_is_detected():
    data = _encode(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    with pytest.raises(FrameError, match="truncated|cannot decode"):
        decode_image(data[: len(data) // 2], "half.png")


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize(("channels", "bits"), [(3, 8), (4, 8), (3, 16)])
def test_png_round_trip_keeps_channel_order_and_values(tmp_path, flat, channels, bits):
    """What the writer stores reads back as the same pixels, RGB(A) in order, filtered rows or not (`flat`)."""
    rng = np.random.default_rng(channels)
    image = np.zeros((40, 64, channels), np.uint8)
    image[:, :32] = rng.integers(0, 256, channels, dtype=np.uint8)  # flat areas...
    image[20:, :, 0] = rng.integers(0, 256, (20, 64), dtype=np.uint8)  # ...and noise
    if channels == 4:
        image[..., 3] = 255  # opaque: the reader composites transparency onto paper
    write_png_atomic(tmp_path / "x.png", image, bits, flat=flat)
    back = cv2.imread(str(tmp_path / "x.png"), cv2.IMREAD_UNCHANGED)
    swap = cv2.COLOR_BGR2RGB if channels == 3 else cv2.COLOR_BGRA2RGBA
    stored = image if bits == 8 else image.astype(np.uint16) * 257
    assert np.array_equal(cv2.cvtColor(back, swap), stored) and back.dtype == stored.dtype
    loaded = read_image(tmp_path / "x.png")
    assert loaded.bit_depth == bits and loaded.alpha is None
    assert np.array_equal(loaded.rgb, image[..., :3]) and loaded.rgb.flags.c_contiguous


def test_flat_png_is_smaller_on_flat_colour(tmp_path):
    """A paint-bucket frame (flat colour areas, dark lines) stored unfiltered is smaller than filtered."""
    frame = np.full((270, 480, 3), (230, 200, 170), np.uint8)
    for k in range(12):
        colour = tuple(int(v) for v in np.random.default_rng(k).integers(0, 256, 3))
        cv2.circle(frame, (40 * k + 20, 135), 30 + 5 * k, colour, -1)
        cv2.circle(frame, (40 * k + 20, 135), 30 + 5 * k, (0, 0, 0), 3, cv2.LINE_AA)
    write_png_atomic(tmp_path / "flat.png", frame, flat=True)
    write_png_atomic(tmp_path / "filtered.png", frame)
    assert (tmp_path / "flat.png").stat().st_size < (tmp_path / "filtered.png").stat().st_size
    assert np.array_equal(read_image(tmp_path / "flat.png").rgb, frame)


def test_atomic_write_leaves_no_temp_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "x.png"
    write_png_atomic(target, np.zeros((4, 4, 3), np.float32))
    good = target.read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(FrameError, match="No space left"):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]


# --- names ------------------------------------------------------------------------------------------


def test_name_templates():
    assert render_name(None, stem="sh.1001", shot="sh", frame=1001) == "sh.1001.png"
    assert render_name("{shot}_{frame:05d}", stem="x", shot="sh", frame=7) == "sh_00007.png"
    for bad in ("{shot}.png", "{nope}{frame}", "../{stem}", "a/{stem}", "{frame:q}"):
        with pytest.raises(ConfigError):
            validate_template(bad)


def test_safe_join_cannot_escape(tmp_path):
    assert safe_join(tmp_path, "a/b") == tmp_path / "a" / "b"
    assert safe_join(tmp_path, "../../etc").is_relative_to(tmp_path)


# --- options and presets ----------------------------------------------------------------------------


def test_precedence_flag_env_preset_default(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text("[options]\nbatch_size = 2\ncrf = 30\nmode = 'bg2fig'\n")
    env = {"COLORFRAMES_CRF": "25", "COLORFRAMES_ALPHA": "yes"}
    opts = resolve_options({"mode": "vanilla"}, preset=str(preset), environ=env)
    assert (opts.mode, opts.crf, opts.batch_size, opts.alpha, opts.bit_depth) == ("vanilla", 25, 2, True, 8)
    opts = resolve_options({}, environ={"COLORFRAMES_PRESET": "preview"})
    assert opts.backend == "flat"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[options]\nsteps_typo = 3\n", "unknown key `steps_typo`"),
        ("[options\n", "malformed preset"),
        ("[options]\nbatch_size = 'many'\n", "must be int"),
    ],
)
def test_bad_presets(tmp_path, text, message):
    preset = tmp_path / "bad.toml"
    preset.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_preset(str(preset))


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="COLORFRAMES_BATCH_SIZE"):
        resolve_options({}, environ={"COLORFRAMES_BATCH_SIZE": "lots"})


def test_validation_of_choices_and_ranges():
    for bad in ({"mode": "x"}, {"bit_depth": 12}, {"batch_size": 0}, {"sketch_threshold": 2.0}):
        with pytest.raises(ConfigError):
            resolve_options(bad, environ={})


def test_shipped_presets_all_load():
    from colorframes.options import available_presets

    names = available_presets()
    assert {"fig2fig", "bg2fig", "vanilla", "draft", "preview"} <= set(names)
    for name in names:
        assert isinstance(resolve_options({}, preset=name, environ={}), RunOptions)
    assert json.loads(json.dumps(RunOptions().to_dict()))["keyframe"] == []
