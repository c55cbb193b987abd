import cv2
import numpy as np
import pytest

from colorframes.compose.plates import PlateSource, read_plate
from colorframes.errors import FrameError, InputError


def write_rgb(path, rgb: np.ndarray) -> None:
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]))


def solid(value, size=(6, 8)) -> np.ndarray:
    return np.full((*size, 3), value, np.uint8)


def test_trailing_number():
    from colorframes.io.discover import frame_number

    assert frame_number("sh01_bg.1001") == 1001
    assert frame_number("bg_0012") == 12
    assert frame_number("plate") is None


def test_plate_sequence_uses_the_run_grammar_with_a_range(tmp_path):
    for number, value in ((1001, 10), (1002, 20), (1003, 30)):
        write_rgb(tmp_path / f"bg.{number}.png", solid(value))
    source = PlateSource(tmp_path / "bg.1001-1002#.png")
    assert source.frame_numbers == [1001, 1002]
    assert source.for_frame(1002, (6, 8))[0, 0, 0] == pytest.approx(20 / 255)


def test_single_image_is_held_for_every_frame(tmp_path):
    rgb = np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3)
    write_rgb(tmp_path / "plate.png", rgb)
    source = PlateSource(tmp_path / "plate.png")
    assert not source.is_sequence
    for number in (1, 1001, 5000):
        plate = source.for_frame(number, (6, 8))
        assert plate.dtype == np.float32 and plate.shape == (6, 8, 3)
        assert np.array_equal(np.round(plate * 255).astype(np.uint8), rgb)  # RGB order kept
    assert np.array_equal(source.for_tokens(1, (6, 8)), rgb)


def test_sixteen_bit_plate_keeps_precision(tmp_path):
    rgb16 = np.full((4, 4, 3), 40000, np.uint16)
    assert cv2.imwrite(str(tmp_path / "deep.png"), rgb16)
    np.testing.assert_allclose(read_plate(tmp_path / "deep.png"), 40000 / 65535, atol=1e-6)


def test_transparent_plate_pixels_become_white_paper(tmp_path):
    bgra = np.zeros((2, 2, 4), np.uint8)
    bgra[..., 2] = 255  # red
    bgra[0, 0, 3], bgra[0, 1, 3], bgra[1, :, 3] = 0, 255, 128
    assert cv2.imwrite(str(tmp_path / "a.png"), bgra)
    plate = read_plate(tmp_path / "a.png")
    np.testing.assert_allclose(plate[0, 0], [1, 1, 1])
    np.testing.assert_allclose(plate[0, 1], [1, 0, 0])
    np.testing.assert_allclose(plate[1, 0], [1, 127 / 255, 127 / 255], atol=1e-6)


def test_folder_matched_by_frame_number(tmp_path):
    for number, value in ((1001, 10), (1002, 20), (1004, 40)):
        write_rgb(tmp_path / f"bg.{number}.png", solid(value))
    (tmp_path / "notes.txt").write_text("not a plate")
    source = PlateSource(tmp_path)
    assert source.frame_numbers == [1001, 1002, 1004]
    assert source.for_frame(1002, (6, 8))[0, 0, 0] == pytest.approx(20 / 255)
    assert source.for_frame(1004, (6, 8))[0, 0, 0] == pytest.approx(40 / 255)
    with pytest.raises(FrameError, match="no plate for frame 1003"):
        source.for_frame(1003, (6, 8))


@pytest.mark.parametrize("pattern", ["bg.####.png", "bg.%04d.png"])
def test_sequence_pattern(tmp_path, pattern):
    write_rgb(tmp_path / "bg.0007.png", solid(70))
    write_rgb(tmp_path / "other.0008.png", solid(80))
    source = PlateSource(tmp_path / pattern)
    assert source.frame_numbers == [7]
    assert source.for_frame(7, (6, 8))[0, 0, 1] == pytest.approx(70 / 255)


def test_size_mismatch_is_refused_with_both_sizes(tmp_path):
    write_rgb(tmp_path / "plate.png", solid(50, (6, 8)))
    source = PlateSource(tmp_path / "plate.png")
    with pytest.raises(InputError, match=r"8x6 but the frames are 10x5.*never rescaled"):
        source.for_frame(1, (5, 10))
    with pytest.raises(InputError):
        source.check((5, 10))


def test_pad_letterboxes_and_crops_without_resampling(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    write_rgb(tmp_path / "plate.png", rgb)
    source = PlateSource(tmp_path / "plate.png", fit="pad")
    big = np.round(source.for_frame(1, (10, 12)) * 255).astype(np.uint8)
    assert big.shape == (10, 12, 3)
    assert np.array_equal(big[2:8, 2:10], rgb)  # centred, pixel for pixel
    assert np.array_equal(big[0, 2:10], rgb[0])  # edge rows replicated
    small = np.round(source.for_frame(1, (4, 4)) * 255).astype(np.uint8)
    assert np.array_equal(small, rgb[1:5, 2:6])


def test_bad_sources(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        PlateSource(tmp_path / "missing.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no numbered images"):
        PlateSource(tmp_path / "empty")
    dup = tmp_path / "dup"
    dup.mkdir()
    write_rgb(dup / "a.0001.png", solid(1))
    write_rgb(dup / "b.1.png", solid(2))
    with pytest.raises(InputError, match="two plates for frame 1"):
        PlateSource(dup)
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(InputError, match="background plate .*junk.png: cannot decode image"):
        PlateSource(tmp_path / "junk.png").for_frame(1, (6, 8))
    with pytest.raises(InputError, match="fit"):
        PlateSource(tmp_path / "junk.png", fit="stretch")
