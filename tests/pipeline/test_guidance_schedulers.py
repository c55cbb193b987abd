"""Dual CFG arithmetic and branch selection; scheduler configuration and determinism helpers."""

from __future__ import annotations

import pytest
import torch

from colorframes.errors import ConfigError
from colorframes.options import SCHEDULERS
from colorframes.pipeline.guidance import DualGuidance
from colorframes.pipeline.noise import shot_noise
from colorframes.pipeline.pipeline import intermediate_indices
from colorframes.pipeline.schedulers import make_scheduler


def test_branches_follow_the_scales():
    assert DualGuidance(4.0, 1.0).branches == ("cond", "uncond_ref")
    assert DualGuidance(1.0, 2.0).branches == ("cond", "uncond_sketch")
    assert DualGuidance(4.0, 2.0).branches == ("cond", "uncond_ref", "uncond_sketch")
    assert DualGuidance(1.0, 1.0).branches == ("cond",)


def test_dual_guidance_is_the_mean_of_the_single_guidances():
    c, u0, u1 = torch.tensor([1.0]), torch.tensor([0.5]), torch.tensor([-1.0])
    out = DualGuidance(4.0, 2.0).combine(torch.cat([c, u0, u1]))
    expected = 0.5 * ((0.5 + 4.0 * (1.0 - 0.5)) + (-1.0 + 2.0 * (1.0 + 1.0)))
    assert out.item() == pytest.approx(expected)
    assert DualGuidance(4.0, 1.0).combine(torch.cat([c, u0])).item() == pytest.approx(2.5)
    assert DualGuidance(1.0, 1.0).combine(c).item() == 1.0


def test_default_scheduler_is_official_dpm_leading():
    s = make_scheduler()
    assert type(s).__name__ == "DPMSolverMultistepScheduler"
    s.set_timesteps(4)
    assert s.timesteps.tolist() == [801, 601, 401, 201]
    s.set_timesteps(20)
    assert s.timesteps[0].item() == 941 and s.timesteps[-1].item() == 48
    assert make_scheduler(prediction_type="v").config.prediction_type == "v_prediction"


@pytest.mark.parametrize("name", [n for n in SCHEDULERS if n != "lms"])
def test_every_scheduler_option_builds(name):
    warnings: list[str] = []
    s = make_scheduler(name, karras=True, warnings=warnings)
    s.set_timesteps(4)
    assert len(s.timesteps) >= 4
    assert (warnings == []) == (name in ("dpm++2m", "euler", "unipc"))


def test_unknown_scheduler_is_a_config_error():
    with pytest.raises(ConfigError, match="--scheduler"):
        make_scheduler("heun")


def test_shot_noise_is_seeded_and_cpu():
    a, b = shot_noise(7, (4, 6)), shot_noise(7, (4, 6))
    assert a.shape == (1, 4, 4, 6) and a.device.type == "cpu"
    assert torch.equal(a, b) and not torch.equal(a, shot_noise(8, (4, 6)))


def test_intermediate_indices_are_spread_and_end_on_the_last_step():
    assert intermediate_indices(20, 4) == [0, 6, 13, 19]
    assert intermediate_indices(3, 10) == [0, 1, 2]
    assert intermediate_indices(5, 0) == []
