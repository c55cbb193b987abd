import cv2
import numpy as np
import pytest

from colorframes.compose.process import fill_order, filled_fraction, process_frames
from colorframes.errors import FrameError


def composited(scene: dict) -> np.ndarray:
    """The figure over the plate: a final frame whose background is painted too."""
    return np.where(scene["mask"][:, :, None] > 0, scene["figure"], scene["plate"]).astype(np.float32)


def regions_of(sketch: np.ndarray) -> np.ndarray:
    free = (sketch.min(axis=2) >= 128).astype(np.uint8)
    return cv2.connectedComponents(free, connectivity=4, ltype=cv2.CV_32S)[1]


@pytest.mark.parametrize("n", [2, 3, 8, 11])
def test_starts_at_sketch_and_ends_at_final_exactly(scene, n):
    frames = process_frames(scene["sketch"], scene["mask"], scene["figure"], n=n)
    assert len(frames) == n
    assert np.array_equal(frames[0], scene["sketch"].astype(np.float32) / 255.0)
    assert np.array_equal(frames[-1], scene["figure"])
    assert all(f.dtype == np.float32 and f.shape == scene["figure"].shape for f in frames)


def test_filled_area_grows_monotonically(scene):
    frames = process_frames(scene["sketch"], scene["mask"], composited(scene), n=12)  # 5 flat images
    filled = [filled_fraction(f, scene["sketch"]) for f in frames[:6]]
    assert filled[0] == 0.0
    assert all(b >= a for a, b in zip(filled, filled[1:], strict=False))
    assert 0 < filled[1] < filled[5]  # the flat stage really progresses
    paper = scene["sketch"].min(axis=2) == 255
    assert filled[5] >= 0.95 * paper.mean()  # by the end of the flats all the paper is painted


def test_figure_regions_are_filled_before_background(scene):
    labels = regions_of(scene["sketch"])
    order = fill_order(labels, scene["mask"])
    figure_ids = {i for i in order if scene["mask"][labels == i].mean() >= 0.5}
    assert len(figure_ids) == 2 and len(order) > 3
    assert set(order[: len(figure_ids)].tolist()) == figure_ids
    # one region per flat step: n - 2 = 2 * len(order) gives len(order) flat images
    frames = process_frames(scene["sketch"], scene["mask"], composited(scene), labels=labels, n=2 + 2 * len(order))
    painted = [np.abs(f - frames[0]).max(axis=2) > 1e-6 for f in frames[1 : 1 + len(figure_ids)]]
    for p in painted:
        assert p.any() and scene["mask"][p].min() > 0  # only figure pixels so far
    after = np.abs(frames[1 + len(order) - 1] - frames[0]).max(axis=2) > 1e-6
    assert (scene["mask"][after] == 0).any()  # by the end of the flats the background is painted


def test_region_colors_from_the_flat_backend_are_used(scene):
    labels = regions_of(scene["sketch"])
    count = labels.max() + 1
    colours = np.zeros((count, 3), np.uint8)
    colours[:, 1] = 200  # every region green, given in 0..255
    frames = process_frames(scene["sketch"], scene["mask"], scene["figure"], labels=labels, region_colors=colours, n=4)
    flats = frames[1]  # n=4: one flat image (all regions) and one shading image
    paper = (scene["sketch"].min(axis=2) == 255) & (labels > 0)
    np.testing.assert_allclose(flats[paper], np.broadcast_to([0, 200 / 255, 0], flats[paper].shape), atol=1e-6)
    lines = labels == 0
    assert np.array_equal(flats[lines], frames[0][lines])  # lines stay on top of the flats


def test_shading_follows_the_sampler_intermediates(scene):
    blue = np.zeros_like(scene["figure"])
    blue[..., 2] = 1.0
    inter = [blue] * 5
    with_x0 = process_frames(scene["sketch"], scene["mask"], scene["figure"], intermediates=inter, n=4)
    plain = process_frames(scene["sketch"], scene["mask"], scene["figure"], n=4)
    flats, shade = with_x0[1], with_x0[2]
    np.testing.assert_allclose(shade, np.clip(0.5 * flats + 0.5 * blue, 0, 1), atol=1e-6)
    np.testing.assert_allclose(plain[2], 0.5 * plain[1] + 0.5 * scene["figure"], atol=1e-6)
    assert np.array_equal(with_x0[-1], scene["figure"])


def test_working_resolution_intermediates_are_accepted(scene):
    small = [np.full((32, 36, 3), 0.5, np.float32)]
    frames = process_frames(scene["sketch"], scene["mask"], scene["figure"], intermediates=small, n=4)
    assert frames[2].shape == scene["figure"].shape


def test_too_few_steps_and_size_mismatch(scene):
    with pytest.raises(FrameError, match="at least 2"):
        process_frames(scene["sketch"], scene["mask"], scene["figure"], n=1)
    with pytest.raises(FrameError, match="sizes differ"):
        process_frames(scene["sketch"], scene["mask"][:-1], scene["figure"], n=4)


def test_dark_uint8_palette_is_read_as_0_255(scene):
    """The flat backend's palette is (R+1, 3) uint8; values <= 1 must still be scaled by 1/255."""
    labels = regions_of(scene["sketch"])
    colours = np.ones((labels.max() + 1, 3), np.uint8)
    frames = process_frames(scene["sketch"], scene["mask"], scene["figure"], labels=labels, region_colors=colours, n=3)
    paper = (scene["sketch"].min(axis=2) == 255) & (labels > 0)
    np.testing.assert_allclose(frames[1][paper], 1 / 255, atol=1e-7)


def test_channels_first_intermediates_are_accepted(scene):
    blue = np.zeros((1, 3, *scene["mask"].shape), np.float32)
    blue[:, 2] = 1.0
    frames = process_frames(scene["sketch"], scene["mask"], scene["figure"], intermediates=[blue], n=4)
    np.testing.assert_allclose(frames[2], np.clip(0.5 * frames[1] + 0.5 * blue[0].transpose(1, 2, 0), 0, 1))


def test_many_regions_fall_back_to_mean_colours(scene, monkeypatch):
    import colorframes.compose.process as process

    monkeypatch.setattr(process, "MAX_HISTOGRAM_BINS", 256)  # force the bounded-memory path
    labels = regions_of(scene["sketch"])
    frames = process_frames(scene["sketch"], scene["mask"], scene["figure"], labels=labels, n=3)
    region = labels == labels[32, 28]  # the figure's left half
    paper = region & (scene["sketch"].min(axis=2) == 255)
    assert labels[32, 28] > 0 and paper.sum() > 100
    mean = scene["figure"][region].mean(axis=0)
    np.testing.assert_allclose(frames[1][paper], np.broadcast_to(mean, frames[1][paper].shape), atol=1e-5)
