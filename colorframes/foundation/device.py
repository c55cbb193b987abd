"""Device and dtype resolution for every torch user (the diffusion pipeline and the ISNet masks).

One rule set, one place: `--device auto|cpu|cuda|cuda:N` and `--dtype auto|fp32|fp16|bf16`. Nothing falls
back silently: a dtype that cannot be honoured appends one line to the caller's `warnings` list (the
runner prints each once). torch is imported inside the functions so importing this module stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ..errors import ConfigError, ModelUnavailableError

if TYPE_CHECKING:
    import torch

DTYPE_NAMES = ("fp32", "fp16", "bf16")


def first_device(spec: str | None) -> str:
    """The first entry of a device list (`cuda:0,cuda:1` runs one colorizer worker per device; shared models
    such as the mask network run on the first)."""
    return next((d.strip() for d in (spec or "auto").split(",") if d.strip()), "auto")


def resolve_device(name: str | None) -> torch.device:
    """auto | cpu | cuda | cuda:N -> torch.device; a missing GPU is exit 3 naming the fix."""
    import torch

    name = (name or "auto").strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ModelUnavailableError(
                f"--device {name}: no CUDA device is visible to torch {torch.__version__}; "
                "use --device cpu or install a CUDA build of torch"
            )
        suffix = name.split(":", 1)[1] if ":" in name else "0"
        if not suffix.isdigit():
            raise ConfigError(f"--device must be auto, cpu, cuda or cuda:N; got {name!r}")
        index = int(suffix)
        if index >= torch.cuda.device_count():
            raise ModelUnavailableError(
                f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) visible; pick cuda:0.."
                f"{torch.cuda.device_count() - 1}"
            )
        return torch.device("cuda", index)
    raise ConfigError(f"--device must be auto, cpu, cuda or cuda:N; got {name!r}")


def resolve_dtype(
    name: str | None,
    device: torch.device,
    warnings: list[str],
    *,
    auto_cuda: Literal["best", "fp16"] = "best",
) -> torch.dtype:
    """The compute dtype for `--dtype name` on `device`; every fallback is announced in `warnings`.

    auto = fp32 on the CPU; on CUDA bf16 where the device has it in hardware, else fp16 (`auto_cuda="fp16"`
    asks for fp16 on every CUDA device: the ISNet mask network is trained and exported in fp16). fp16 or bf16
    on the CPU runs fp32, and bf16 where it is only emulated runs fp16, each with one warning line.
    """
    import torch

    table = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
    name = (name or "auto").lower()
    if name != "auto" and name not in table:
        raise ConfigError(f"--dtype must be auto, fp32, fp16 or bf16; got {name!r}")
    if device.type != "cuda":
        if name in ("fp16", "bf16"):
            warnings.append(f"--dtype {name} is not used on the CPU; running fp32")
        return torch.float32
    if name == "auto":
        if auto_cuda == "fp16":
            return torch.float16
        return torch.bfloat16 if bf16_native(device) else torch.float16
    if name == "bf16" and not bf16_native(device):
        warnings.append(f"--dtype bf16 is not native on {device} (only emulated, slower than fp32); running fp16")
        return torch.float16
    return table[name]


def bf16_native(device: torch.device) -> bool:
    """bf16 in hardware on this very device (NVIDIA compute capability 8.0+). `torch.cuda.is_bf16_supported()`
    also says yes where bf16 is only emulated (T4, V100), and asks the current device, not `device`."""
    import torch

    if torch.version.hip:
        return torch.cuda.is_bf16_supported()
    return torch.cuda.get_device_capability(device) >= (8, 0)
