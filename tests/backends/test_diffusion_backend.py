"""The diffusion backend on `tiny-random`: shapes, determinism, batch invariance, mask use, extras."""

from __future__ import annotations

import numpy as np
import pytest

from colorframes.backends.base import Colorizer, FrameInput, ShotSetup
from colorframes.errors import ModelUnavailableError
from colorframes.options import RunOptions

FRAME = (72, 100)  # (H, W): not a multiple of 64, not square


def _opts(**changes) -> RunOptions:
    base = dict(backend="tiny-random", num_inference_steps=2, resolution=64, device="cpu", seed=5)
    return RunOptions(**{**base, **changes})


def _frames(n: int = 3) -> list[FrameInput]:
    rng = np.random.default_rng(0)
    frames = []
    for i in range(n):
        sketch = np.full((*FRAME, 3), 255, np.uint8)
        sketch[10 + 5 * i : 14 + 5 * i, :] = 0  # a moving horizontal line
        sketch[:, 30 + 3 * i : 33 + 3 * i] = 0
        mask = np.zeros(FRAME, np.float32)
        mask[15:60, 20:80] = 1.0
        mask += rng.random(FRAME, dtype=np.float32) * 0.01
        frames.append(FrameInput(number=1001 + i, sketch=sketch, mask=mask))
    return frames


def _shot(seed: int = 5, uint8: bool = True) -> ShotSetup:
    rng = np.random.default_rng(1)
    reference = rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)
    ref_mask = np.zeros((48, 40), np.float32)
    ref_mask[8:40, 8:32] = 1.0
    return ShotSetup(
        name="shot01", seed=seed, frame_size=FRAME, reference=reference, reference_alpha=None,
        reference_mask=ref_mask, uint8_output=uint8,
    )  # fmt: skip


@pytest.fixture(scope="module")
def backends():
    """One backend per mode, built once (tiny-random builds in-process)."""
    from colorframes.backends.diffusion import create_colorizer

    return {mode: create_colorizer(_opts(mode=mode)) for mode in ("vanilla", "bg2fig", "fig2fig")}


def _run(backend, frames, seed=5, uint8=True):
    backend.setup_shot(_shot(seed, uint8))
    return backend.colorize(frames)


def test_outputs_are_frame_sized_rgb_uint8_for_8_bit_float_for_16_bit(backends):
    from colorframes.io.images import to_uint
    from colorframes.runner.stages import uint8_results

    backend = backends["fig2fig"]
    assert isinstance(backend, Colorizer)
    results = _run(backend, _frames())
    assert [r.number for r in results] == [1001, 1002, 1003]
    for r in results:
        assert r.image.shape == (*FRAME, 3) and r.image.dtype == np.uint8 and r.image.std() > 0
        assert tuple(r.extras["latent"].shape) == (4, 8, 8)  # canvas 64x64 -> latent 8x8
    # the runner asks for uint8 for 8-bit PNGs only: the diffusion colours are not 8-bit values
    assert uint8_results(backend.traits, _opts()) and not uint8_results(backend.traits, _opts(bit_depth=16))
    floats = _run(backend, _frames(), uint8=False)
    for f, q in zip(floats, results, strict=True):
        assert f.image.dtype == np.float32 and f.image.min() >= 0.0 and f.image.max() <= 1.0
        np.testing.assert_array_equal(to_uint(f.image, 8), q.image)  # device quantisation == the PNG writer's


def test_same_seed_same_pixels_and_seed_matters(backends):
    backend = backends["bg2fig"]
    a = _run(backend, _frames(1))[0].image
    b = _run(backend, _frames(1))[0].image
    c = _run(backend, _frames(1), seed=6)[0].image
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_frame_output_does_not_depend_on_batch_size(backends):
    backend = backends["fig2fig"]
    frames = _frames(3)
    together = _run(backend, frames)
    alone = [_run(backend, [f])[0] for f in frames]
    for x, y in zip(together, alone, strict=True):
        assert np.array_equal(x.image, y.image)


def test_vanilla_ignores_the_mask_and_lora_modes_use_it(backends):
    frames = _frames(1)
    other = [FrameInput(f.number, f.sketch, 1.0 - f.mask) for f in frames]
    for mode, uses_mask in (("vanilla", False), ("bg2fig", True), ("fig2fig", True)):
        a = _run(backends[mode], frames)[0].image
        b = _run(backends[mode], other)[0].image
        assert np.array_equal(a, b) is (not uses_mask), mode
    assert backends["vanilla"].traits.needs_masks is False and backends["fig2fig"].traits.needs_masks is True


def test_modes_give_different_pictures(backends):
    images = {m: _run(b, _frames(1))[0].image for m, b in backends.items()}
    assert not np.allclose(images["vanilla"], images["bg2fig"])
    assert not np.allclose(images["bg2fig"], images["fig2fig"])


def test_process_intermediates_and_describe():
    from colorframes.backends.diffusion import create_colorizer

    backend = create_colorizer(_opts(mode="vanilla", process=2, num_inference_steps=3))
    (result,) = _run(backend, _frames(1))
    steps = result.extras["intermediates"]
    assert len(steps) == 2 and all(s.shape == (*FRAME, 3) and s.dtype == np.float32 for s in steps)
    assert result.extras["intermediate_steps"] == [0, 2]
    info = backend.describe()
    assert info["id"] == "tiny-random" and len(info["sha256"]) == 64
    assert info["sha256"] == create_colorizer(_opts()).describe()["sha256"]  # deterministic init


def test_missing_weights_exit_3_with_fetch_command(tmp_path, monkeypatch):
    from colorframes.backends.diffusion import create_colorizer

    monkeypatch.setenv("COLORFRAMES_HOME", str(tmp_path))
    with pytest.raises(ModelUnavailableError, match="colorframes models pull switch-eps") as info:
        create_colorizer(_opts(backend="diffusion", model="switch-eps"))
    assert info.value.exit_code == 3


def test_half_precision_on_cpu_falls_back_with_a_warning():
    from colorframes.foundation.device import resolve_device, resolve_dtype

    warnings: list[str] = []
    import torch

    assert resolve_dtype("fp16", resolve_device("cpu"), warnings) == torch.float32
    assert warnings and "fp32" in warnings[0]


def test_dual_guidance_changes_the_picture_and_keeps_batch_invariance():
    from colorframes.backends.diffusion import create_colorizer

    backend = create_colorizer(_opts(mode="bg2fig", sketch_guidance_scale=2.0))
    frames = _frames(2)
    pair = _run(backend, frames)
    alone = _run(backend, frames[1:])
    assert np.array_equal(pair[1].image, alone[0].image)
    single = _run(create_colorizer(_opts(mode="bg2fig")), frames[1:])
    assert not np.allclose(single[0].image, alone[0].image)


def test_cli_tiny_random_end_to_end_png_mp4_and_shard_invariant(cli, shot_factory, sheet, tmp_path):
    from cf_helpers import outputs

    shot = shot_factory(4, (128, 72), "tinyshot")
    common = ["--backend", "tiny-random", "--steps", "2", "--resolution", "64", "--seed", "7"]
    whole = tmp_path / "whole"
    code, _, err = cli("run", shot, "-r", sheet, *common, "-o", whole, "--format", "both")
    assert code == 0, err
    files = outputs(whole)
    assert len(files) == 4 and (whole / "tinyshot" / "tinyshot.mp4").stat().st_size > 0
    sharded = tmp_path / "sharded"
    for k in (1, 2, 3):
        code, _, err = cli("run", shot, "-r", sheet, *common, "-o", sharded, "--shard", f"{k}/3", "--batch-size", "3")
        assert code == 0, err
    assert outputs(sharded) == files  # bit-identical PNGs whatever the shard / batch size


def test_latent_consistency_chains_adjacent_frames_deterministically(backends):
    from colorframes.backends.diffusion import create_colorizer

    seed_mode = backends["bg2fig"]
    chained = create_colorizer(_opts(mode="bg2fig", consistency="latent", latent_strength=0.5))
    frames = _frames(3)
    together = _run(chained, frames)
    chained.setup_shot(_shot())
    one_by_one = [chained.colorize([f])[0] for f in frames]
    plain = _run(seed_mode, frames)
    assert "chained_from" not in together[0].extras and together[1].extras["chained_from"] == 1001
    assert np.array_equal(together[0].image, plain[0].image)  # a chain starts from the shot noise
    assert not np.allclose(together[1].image, plain[1].image)
    for x, y in zip(together, one_by_one, strict=True):
        assert np.array_equal(x.image, y.image)  # batch size does not matter
    gap = _run(chained, [frames[0], frames[2]])  # 1001 then 1003: no chain across a gap
    assert "chained_from" not in gap[1].extras and np.array_equal(gap[1].image, plain[2].image)
