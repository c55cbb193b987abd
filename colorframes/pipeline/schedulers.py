"""diffusers schedulers configured exactly as the official v1.5 sampler configures them.

Every scheduler shares the official noise schedule (scaled_linear 0.00085 -> 0.012 over 1000 steps,
"leading" spacing, steps_offset 1); the default `dpm++2m` is `DPMSolverMultistepScheduler` with library
defaults (dpmsolver++, order 2, lower_order_final), which is the official UI's `diffuser_dpm`.
"""

from __future__ import annotations

import inspect
from typing import Any

from ..errors import ConfigError, ModelUnavailableError

# The official schedule (configs/scheduler_cfgs/*.yaml of the official repository, as facts).
SCHEDULE: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "timestep_spacing": "leading",
    "steps_offset": 1,
}

# option name -> (diffusers class name, extra config). ddim, dpm++2m, lms and pndm are the official
# configs/scheduler_cfgs/{ddim,dpm,lms,pndm}.yaml: the schedule above plus library defaults, except ddim's
# `clip_sample: false`. pndm therefore keeps diffusers' default `skip_prk_steps=False`: 20 steps make 29 UNet
# calls (Runge-Kutta warm-up 951, 926, 926, 901, ...). euler, euler-a and unipc have no official config.
SCHEDULER_CLASSES: dict[str, tuple[str, dict[str, Any]]] = {
    "dpm++2m": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++", "solver_order": 2}),
    "ddim": ("DDIMScheduler", {"clip_sample": False}),
    "euler": ("EulerDiscreteScheduler", {}),
    "euler-a": ("EulerAncestralDiscreteScheduler", {}),
    "lms": ("LMSDiscreteScheduler", {}),
    "pndm": ("PNDMScheduler", {}),
    "unipc": ("UniPCMultistepScheduler", {}),
}

PREDICTION_TYPES = {
    "eps": "epsilon",
    "epsilon": "epsilon",
    "v": "v_prediction",
    "v_prediction": "v_prediction",
}


# Families whose diffusers class takes `use_karras_sigmas`.
KARRAS_CAPABLE = frozenset({"dpm++2m", "euler", "lms", "unipc"})


def supports_karras(name: str) -> bool:
    return name in KARRAS_CAPABLE


def make_scheduler(
    name: str = "dpm++2m",
    *,
    prediction_type: str = "epsilon",
    karras: bool = False,
    warnings: list[str] | None = None,
) -> Any:
    """Build a fresh diffusers scheduler for `name` (options.SCHEDULERS).

    `karras` is ignored with a message appended to `warnings` where the family has no Karras sigmas.
    """
    import diffusers

    if name not in SCHEDULER_CLASSES:
        raise ConfigError(f"--scheduler must be one of {', '.join(SCHEDULER_CLASSES)}; got {name!r}")
    if prediction_type not in PREDICTION_TYPES:
        raise ConfigError(f"prediction type must be eps or v; got {prediction_type!r}")
    class_name, extra = SCHEDULER_CLASSES[name]
    config = dict(SCHEDULE, prediction_type=PREDICTION_TYPES[prediction_type], **extra)
    if karras:
        if supports_karras(name):
            config["use_karras_sigmas"] = True
        elif warnings is not None:
            warnings.append(f"--karras is not supported by the {name} scheduler; using its default sigmas")
    try:
        return getattr(diffusers, class_name)(**config)
    except ImportError:  # LMS needs scipy, an optional runtime
        raise ModelUnavailableError(
            f"--scheduler {name} ({class_name}) needs scipy; pip install scipy, or pick another --scheduler"
        ) from None


def is_stochastic(scheduler: Any) -> bool:
    """Ancestral / SDE schedulers draw fresh noise every step (they take a `generator`)."""
    return "generator" in inspect.signature(scheduler.step).parameters and (
        type(scheduler).__name__ == "EulerAncestralDiscreteScheduler"
        or "sde" in str(getattr(scheduler.config, "algorithm_type", ""))
    )
