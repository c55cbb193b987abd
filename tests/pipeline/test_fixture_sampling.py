"""Golden fixture case f: the official 4-step DPM++ 2M run, reproduced by ColorizePipeline.

Per-step latents, guided eps, z0 and the decoded image in the three sampled modes, within the fixture's
tolerances (allclose rtol 1e-4 / atol 5e-4 on latents, 1e-4 on eps and images; relative L2 <= 1e-5).
"""

from __future__ import annotations

import pytest
import torch
from cf_helpers import golden_fixture_dir

FIXTURE = golden_fixture_dir()
pytestmark = pytest.mark.skipif(not FIXTURE.is_dir(), reason=f"golden fixture not found at {FIXTURE}")

MODES = {"vanilla": (False, False), "bg": (False, True), "both": (True, True)}


@pytest.fixture(scope="module")
def fixture_model():
    from colorframes.models import registry

    return registry.load_official_file(FIXTURE / "weights.safetensors").eval()


@pytest.fixture(scope="module")
def cases():
    from safetensors.torch import load_file

    return load_file(str(FIXTURE / "cases.safetensors"))


def _rel_l2(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


@pytest.mark.parametrize("mode", list(MODES))
def test_case_f_sampling_matches_official(fixture_model, cases, mode):
    from colorframes.pipeline.conditioning import prepare_conditioning
    from colorframes.pipeline.pipeline import ColorizePipeline

    fg, bg = MODES[mode]
    cond = prepare_conditioning(
        fixture_model,
        reference=cases["in.reference"],
        ref_mask=cases["in.rmask"],
        fg_lora=fg,
        bg_lora=bg,
        ts_s=0.05,
        ts_r=0.5,
    )
    trace: list[tuple[int, torch.Tensor, torch.Tensor]] = []
    out = ColorizePipeline(fixture_model)(
        cases["in.sketch"],
        cond,
        cases["in.smask"],
        num_inference_steps=4,
        guidance_scale=4.0,
        sketch_guidance_scale=1.0,
        latents=cases["in.noise"],
        callback=lambda i, t, x, eps: trace.append((t, x.clone(), eps.clone())),
    )
    assert [t for t, _, _ in trace] == [801, 601, 401, 201]
    for i, (_, x, eps) in enumerate(trace):
        want_x, want_eps = cases[f"f.{mode}.step{i}.x"], cases[f"f.{mode}.step{i}.eps_guided"]
        torch.testing.assert_close(x, want_x, rtol=1e-4, atol=5e-4)
        torch.testing.assert_close(eps, want_eps, rtol=1e-4, atol=1e-4)
        assert _rel_l2(eps, want_eps) <= 1e-5
    torch.testing.assert_close(out.latents, cases[f"f.{mode}.z0"], rtol=1e-4, atol=5e-4)
    assert _rel_l2(out.latents, cases[f"f.{mode}.z0"]) <= 1e-5
    torch.testing.assert_close(out.images, cases[f"f.{mode}.image"], rtol=1e-4, atol=1e-4)
    assert _rel_l2(out.images, cases[f"f.{mode}.image"]) <= 1e-5
