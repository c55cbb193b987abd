"""Pipeline starts: shared shot noise, img2img from given latents, stochastic schedulers per frame."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def tiny():
    from colorframes.pipeline.conditioning import prepare_conditioning
    from colorframes.pipeline.loading import build_tiny_random

    model = build_tiny_random()
    cond = prepare_conditioning(model, reference=None, ref_mask=None, fg_lora=False, bg_lora=False)
    sketch = -torch.ones(2, 3, 64, 64)
    sketch[:, :, 20:24] = 1.0
    return model, cond, sketch


def test_img2img_starts_part_way_from_noised_latents(tiny):
    from colorframes.pipeline.noise import shot_noise
    from colorframes.pipeline.pipeline import ColorizePipeline
    from colorframes.pipeline.schedulers import make_scheduler

    model, cond, sketch = tiny
    pipe = ColorizePipeline(model, frame_chunk=1)
    init = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(3))
    seen = []
    out = pipe(
        sketch[:1], cond, num_inference_steps=4, seed=9, init_latents=init, strength=0.5,
        output_type="latent", callback=lambda i, t, x, eps: seen.append((i, t, x.clone())),
    )  # fmt: skip
    assert out.timesteps == [401, 201] and [s[0] for s in seen] == [2, 3]
    fresh = make_scheduler()
    fresh.set_timesteps(4)
    expected = fresh.add_noise(init, shot_noise(9, (8, 8)), torch.tensor([401]))
    torch.testing.assert_close(seen[0][2], expected)
    untouched = pipe(sketch[:1], cond, num_inference_steps=4, init_latents=init, strength=0.0, output_type="latent")
    assert untouched.timesteps == [] and torch.equal(untouched.latents, init)


def test_stochastic_scheduler_noise_does_not_depend_on_batch_position(tiny):
    from colorframes.pipeline.pipeline import ColorizePipeline
    from colorframes.pipeline.schedulers import make_scheduler

    model, cond, sketch = tiny
    pipe = ColorizePipeline(model, make_scheduler("euler-a"), frame_chunk=1)
    pair = pipe(sketch, cond, num_inference_steps=2, seed=4, output_type="latent").latents
    single = pipe(sketch[:1], cond, num_inference_steps=2, seed=4, output_type="latent").latents
    assert torch.equal(pair[0], pair[1]) and torch.equal(pair[:1], single)
