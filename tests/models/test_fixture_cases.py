"""Golden-fixture fidelity: our modules, loaded through the converter, reproduce the official outputs.

Tolerances from the fixture README: relative L2 <= 1e-5 on every output, allclose(rtol=1e-4, atol=1e-4)
on tokens, hints, eps and images; rtol=1e-4, atol=5e-4 on sampled latents.
"""

from __future__ import annotations

import pytest
import torch

from .helpers import rel_l2

MODES = {"vanilla": (False, False), "bg": (False, True), "fg": (True, False), "both": (True, True)}
TS_S, TS_R = 0.05, 0.5


def assert_close(ours: torch.Tensor, ref: torch.Tensor, atol: float = 1e-4) -> None:
    assert ours.shape == ref.shape
    assert rel_l2(ours, ref) <= 1e-5, f"relative L2 {rel_l2(ours, ref):.3g}"
    torch.testing.assert_close(ours.float(), ref, rtol=1e-4, atol=atol)


@pytest.fixture(scope="module")
def model(official_tiny):
    return official_tiny[0]


@pytest.fixture(scope="module")
def conditioning(model, cases):
    """Reference tokens and [cond, uncond] sketch hints, computed once like the official preamble."""
    with torch.no_grad():
        sketch = cases["in.sketch"]
        hints = model.encode_sketch(torch.cat([sketch, -torch.ones_like(sketch)]))  # batch 2
        tokens = model.encode_reference(cases["in.reference"])
    return tokens, [h[:1] for h in hints], [h[1:] for h in hints]


@torch.no_grad()
def test_a_reference_encoding(model, cases):
    assert_close(model.image_encoder.preprocess(cases["in.reference"]), cases["a.preprocessed"])
    assert_close(model.encode_reference(cases["in.reference"]), cases["a.tokens"])


@torch.no_grad()
def test_b_sketch_hints_and_sketch_null(model, cases):
    sketch = cases["in.sketch"]
    for i, hint in enumerate(model.encode_sketch(sketch)):
        assert_close(hint, cases[f"b.hint{i}"])
    for i, hint in enumerate(model.encode_sketch(-torch.ones_like(sketch))):
        assert_close(hint, cases[f"b.uncond_hint{i}"])


@torch.no_grad()
def test_c_threshold_embedder(model, cases):
    e_r, e_s = model.threshold_embeddings(TS_R, TS_S)
    assert_close(e_r, cases["c.E_ts_r"])
    assert_close(e_s, cases["c.E_ts_s"])
    assert_close(model.thresh_embedder(cases["c.thresholds"]), cases["c.embedding"])


@torch.no_grad()
def test_d_background_transformer_in_and_out(model, cases):
    cluster_in = model.background_input(ts_r=TS_R, reference=cases["in.reference"], ref_mask=cases["in.rmask"])
    assert_close(cluster_in, cases["d.cluster_in"])
    assert_close(model.bg_transformer(cases["d.cluster_in"]), cases["d.cluster_out"])


@pytest.mark.parametrize("mode", list(MODES))
@torch.no_grad()
def test_d_context_and_eps_per_mode(model, cases, conditioning, mode):
    fg, bg = MODES[mode]
    tokens, hints, _ = conditioning
    context = model.build_context(
        tokens, fg_lora=fg, bg_lora=bg, ts_s=TS_S, ts_r=TS_R,
        reference=cases["in.reference"], ref_mask=cases["in.rmask"],
    )  # fmt: skip
    assert_close(context, cases[f"d.{mode}.context"])
    eps = model.predict_noise(
        cases["in.x_t"], 500, context, hints, cases["in.smask"], fg_lora=fg, bg_lora=bg, ts_s=TS_S
    )
    assert_close(eps, cases[f"d.{mode}.eps"])


@pytest.mark.parametrize("mode", list(MODES))
@torch.no_grad()
def test_e_dual_cfg_one_unet_call(model, cases, conditioning, mode):
    """Batch [cond, uncond_ref, uncond_sketch] in ONE UNet call; both official CFG settings from it."""
    fg, bg = MODES[mode]
    _, hints, null_hints = conditioning
    ctx = cases[f"d.{mode}.context"]
    x = cases["in.x_t"]
    batched_hints = [torch.cat([h, h, u]) for h, u in zip(hints, null_hints, strict=True)]
    out = model.predict_noise(
        torch.cat([x, x, x]), 500, torch.cat([ctx, torch.zeros_like(ctx), ctx]), batched_hints,
        cases["in.smask"], fg_lora=fg, bg_lora=bg, ts_s=TS_S,
    )  # fmt: skip
    cond, u_ref, u_sketch = out.chunk(3)
    for setting in ("ref4_sk1", "ref4_sk2"):
        p = f"e.{mode}.{setting}."
        assert_close(cond, cases[p + "cond"])
        assert_close(u_ref, cases[p + "uncond_ref"])
    assert_close(u_sketch, cases[f"e.{mode}.ref4_sk2.uncond_sketch"])
    assert_close(u_ref + (cond - u_ref) * 4.0, cases[f"e.{mode}.ref4_sk1.eps"])
    guided = 0.5 * ((u_ref + (cond - u_ref) * 4.0) + (u_sketch + (cond - u_sketch) * 2.0))
    assert_close(guided, cases[f"e.{mode}.ref4_sk2.eps"])


@torch.no_grad()
def test_f_modules_drive_four_step_dpm_sampling(model, cases, conditioning):
    """Case f belongs to the pipeline; this only proves the model API carries it end to end."""
    from diffusers import DPMSolverMultistepScheduler

    mode = "both"  # the default fig2fig; the pipeline's own tests cover vanilla and bg
    fg, bg = MODES[mode]
    _, hints, _ = conditioning
    ctx = cases[f"d.{mode}.context"]
    scheduler = DPMSolverMultistepScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1,
        timestep_spacing="leading", prediction_type="epsilon",
    )  # fmt: skip
    scheduler.set_timesteps(4)
    assert scheduler.timesteps.tolist() == [801, 601, 401, 201]
    x = cases["in.noise"] * scheduler.init_noise_sigma
    for i, t in enumerate(scheduler.timesteps):
        torch.testing.assert_close(x, cases[f"f.{mode}.step{i}.x"], rtol=1e-4, atol=5e-4)
        out = model.predict_noise(
            torch.cat([x, x]), t, torch.cat([ctx, torch.zeros_like(ctx)]), [torch.cat([h, h]) for h in hints],
            cases["in.smask"], fg_lora=fg, bg_lora=bg, ts_s=TS_S,
        )  # fmt: skip
        cond, uncond = out.chunk(2)
        eps = uncond + (cond - uncond) * 4.0
        assert_close(eps, cases[f"f.{mode}.step{i}.eps_guided"])
        x = scheduler.step(eps, t, x).prev_sample
    torch.testing.assert_close(x, cases[f"f.{mode}.z0"], rtol=1e-4, atol=5e-4)
    assert rel_l2(x, cases[f"f.{mode}.z0"]) <= 1e-5
    assert_close(model.decode_latents(x), cases[f"f.{mode}.image"])
