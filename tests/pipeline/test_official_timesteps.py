"""Every scheduler the official configs define (configs/scheduler_cfgs/{ddim,dpm,lms,pndm}.yaml) gives the
official timestep list: "leading" spacing with steps_offset 1 over 1000 training steps."""

import pytest

from colorframes.pipeline.schedulers import make_scheduler

STEPS = 20
RATIO = 1000 // STEPS  # 50


def leading(n: int = STEPS) -> list[int]:
    """diffusers' "leading" spacing: arange(n) * (1000 // n) + steps_offset, high to low."""
    return [i * (1000 // n) + 1 for i in range(n)][::-1]


def timesteps(name: str, n: int = STEPS) -> list[int]:
    scheduler = make_scheduler(name)
    scheduler.set_timesteps(n)
    return [int(t) for t in scheduler.timesteps]


@pytest.mark.parametrize("name", ["ddim", "lms"])
def test_ddim_and_lms_use_the_leading_schedule(name):
    assert timesteps(name) == leading()
    assert timesteps(name)[:3] == [951, 901, 851] and timesteps(name)[-1] == 1


def test_dpm_uses_its_leading_schedule_with_one_extra_interval():
    # DPMSolverMultistep's "leading": step = 1000 // (n + 1) = 47, the last (t=0) point dropped.
    expected = [i * (1000 // (STEPS + 1)) + 1 for i in range(1, STEPS + 1)][::-1]
    assert timesteps("dpm++2m") == expected
    assert expected[:2] == [941, 894] and expected[-1] == 48


def test_pndm_keeps_the_runge_kutta_warmup_like_the_official_config():
    """The official pndm.yaml leaves skip_prk_steps at its default (False): 20 steps are 29 UNet calls,
    starting 951, 926, 926, 901 (the official run's first calls)."""
    ts = timesteps("pndm")
    assert len(ts) == 29
    assert ts[:4] == [951, 926, 926, 901]
    # the Runge-Kutta warm-up is 12 calls (half steps between 951 and 801); PLMS then follows the leading
    # schedule from its fourth timestep to the end
    plms = ts[12:]
    assert plms == leading()[3:]
    assert make_scheduler("pndm").config.skip_prk_steps is False


def test_ddim_does_not_clip_the_sample():
    assert make_scheduler("ddim").config.clip_sample is False
