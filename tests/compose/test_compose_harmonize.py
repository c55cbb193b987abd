import cv2
import numpy as np
import pytest

from colorframes.compose.edges import line_weight
from colorframes.compose.harmonize import feather_alpha, harmonize
from colorframes.errors import FrameError
from colorframes.foundation.color import lab_to_srgb, srgb_to_lab


def cv_lab(rgb: np.ndarray) -> np.ndarray:
    """Independent Lab reference (OpenCV), accurate to ~0.2 units."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2Lab)


def paint_pixels(scene: dict) -> np.ndarray:
    return (scene["mask"] >= 0.5) & (line_weight(scene["sketch"]) == 0)


def test_lab_round_trip_and_reference_values():
    rng = np.random.default_rng(0)
    rgb = rng.random((500, 3))
    assert np.abs(lab_to_srgb(srgb_to_lab(rgb)) - rgb).max() < 1e-9
    np.testing.assert_allclose(srgb_to_lab(np.ones(3)), [100, 0, 0], atol=1e-9)
    np.testing.assert_allclose(srgb_to_lab(rgb[:50]), cv_lab(rgb[None, :50])[0], atol=0.3)


def test_strength_zero_leaves_figure_unchanged(scene):
    out = harmonize(scene["figure"], scene["plate"], scene["mask"], scene["sketch"], strength=0.0)
    assert np.array_equal(out.layer[..., :3], scene["figure"])


@pytest.mark.parametrize("strength", [0.5, 1.0])
def test_lab_mean_moves_toward_plate_by_strength(scene, strength):
    sel = paint_pixels(scene)
    out = harmonize(scene["figure"], scene["plate"], scene["mask"], scene["sketch"], strength=strength, region="plate")
    before = cv_lab(scene["figure"])[sel].mean(axis=0)
    target = cv_lab(scene["plate"]).reshape(-1, 3).mean(axis=0)
    after = cv_lab(out.layer[..., :3])[sel].mean(axis=0)
    expected = before + strength * (target - before)
    assert np.linalg.norm(target - before) > 15  # the scene really needs moving
    np.testing.assert_allclose(after, expected, atol=1.0)


def test_full_strength_matches_plate_std_within_the_clamp(scene):
    """Std is matched per Lab channel, except where the scale would pass 4x: there it stops at 1/4."""
    sel = paint_pixels(scene)
    out = harmonize(scene["figure"], scene["plate"], scene["mask"], scene["sketch"], strength=1.0, region="plate")
    before = cv_lab(scene["figure"])[sel].std(axis=0)
    target = cv_lab(scene["plate"]).reshape(-1, 3).std(axis=0)
    after = cv_lab(out.layer[..., :3])[sel].std(axis=0)
    ratio = target / before
    assert ratio[2] < 0.25 < ratio[0]  # b is bimodal (red and blue halves): the clamp must engage
    np.testing.assert_allclose(after, before * np.clip(ratio, 0.25, 4.0), rtol=0.1, atol=0.5)


def test_band_statistics_come_from_around_the_figure(scene):
    """A plate bright just around the figure and dark elsewhere: the band pulls the figure bright."""
    plate = np.full_like(scene["plate"], 0.1)
    ring = cv2.dilate((scene["mask"] > 0).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    plate[ring] = 0.9
    sel = paint_pixels(scene)
    kwargs = dict(sketch=scene["sketch"], strength=1.0)
    band = harmonize(scene["figure"], plate, scene["mask"], region="band", band=4, **kwargs)
    whole = harmonize(scene["figure"], plate, scene["mask"], region="plate", **kwargs)
    assert band.stats["region"] == "band"
    band_l = cv_lab(band.layer[..., :3])[sel][:, 0].mean()
    whole_l = cv_lab(whole.layer[..., :3])[sel][:, 0].mean()
    assert band_l > 90 and whole_l < 60


def test_line_pixels_untouched_exactly(scene):
    lines = scene["sketch"].min(axis=2) < 128
    out = harmonize(scene["figure"], scene["plate"], scene["mask"], scene["sketch"], strength=1.0)
    assert lines.sum() > 100
    assert np.array_equal(out.layer[..., :3][lines], scene["figure"][lines])
    inside = lines & (out.layer[..., 3] >= 1.0)
    assert np.array_equal(out.composite[inside], scene["figure"][inside])
    # paint pixels did move, so the equality above is not vacuous
    assert np.abs(out.layer[..., :3] - scene["figure"])[paint_pixels(scene)].mean() > 0.05


def test_composite_outside_mask_is_plate_and_alpha_is_mask(scene):
    soft = cv2.GaussianBlur(scene["mask"], (5, 5), 0)
    out = harmonize(scene["figure"], scene["plate"], soft, scene["sketch"], strength=0.7, edge_radius=0)
    assert np.array_equal(out.layer[..., 3], soft)
    outside = soft == 0
    assert np.array_equal(out.composite[outside], scene["plate"][outside])
    assert out.layer.shape == (*soft.shape, 4) and out.layer.dtype == np.float32
    inside = soft >= 1.0
    assert np.array_equal(out.composite[inside], out.layer[..., :3][inside])


def test_feathered_alpha_keeps_outline_opaque(scene):
    soft = cv2.GaussianBlur(scene["mask"], (9, 9), 0)
    alpha = feather_alpha(soft, scene["sketch"], radius=2)
    outline = (scene["sketch"].min(axis=2) < 128) & (soft > 0.05) & (soft < 0.95)
    assert outline.sum() > 20
    assert np.all(alpha[outline] == 1.0)
    far = cv2.dilate((soft > 0).astype(np.uint8), np.ones((7, 7), np.uint8)) == 0
    assert np.all(alpha[far] == 0)
    out = harmonize(scene["figure"], scene["plate"], soft, scene["sketch"], strength=0.5, edge_radius=2)
    zero = out.layer[..., 3] == 0
    assert np.array_equal(out.composite[zero], scene["plate"][zero])


def test_refiner_hook_only_changes_figure_paint(scene):
    class White:
        def refine_region(self, image, mask, strength):
            assert image.shape == scene["figure"].shape and 0 < strength <= 1
            return np.ones_like(image)

    out = harmonize(
        scene["figure"],
        scene["plate"],
        scene["mask"],
        scene["sketch"],
        strength=0.4,
        edge_radius=0,
        refiner=White(),
    )
    lines = scene["sketch"].min(axis=2) < 128
    assert np.array_equal(out.layer[..., :3][lines], scene["figure"][lines])
    np.testing.assert_allclose(out.layer[..., :3][paint_pixels(scene)], 1.0)
    outside = scene["mask"] == 0
    assert np.array_equal(out.composite[outside], scene["plate"][outside])


def test_tiny_figure_is_composited_without_transfer(scene):
    mask = np.zeros_like(scene["mask"])
    mask[30:32, 30:32] = 1.0
    out = harmonize(scene["figure"], scene["plate"], mask, strength=1.0, edge_radius=0)
    assert "skipped" in out.stats
    assert np.array_equal(out.layer[..., :3], scene["figure"])


def test_bad_inputs_raise_frame_errors(scene):
    with pytest.raises(FrameError, match="sizes differ"):
        harmonize(scene["figure"], scene["plate"][:-1], scene["mask"])
    with pytest.raises(FrameError, match="--harmonize"):
        harmonize(scene["figure"], scene["plate"], scene["mask"], strength=1.5)
