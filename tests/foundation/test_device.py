"""foundation.device: the one device/dtype resolver of the pipeline and the mask networks."""

from __future__ import annotations

import pytest

from colorframes.errors import ConfigError

torch = pytest.importorskip("torch")

from colorframes.foundation.device import first_device, resolve_device, resolve_dtype  # noqa: E402


def test_half_precision_on_the_cpu_runs_fp32_and_says_so():
    cpu = torch.device("cpu")
    for name in ("fp16", "bf16"):
        warnings: list[str] = []
        assert resolve_dtype(name, cpu, warnings) == torch.float32
        assert warnings == [f"--dtype {name} is not used on the CPU; running fp32"]
    quiet: list[str] = []
    assert resolve_dtype("auto", cpu, quiet) == torch.float32 and resolve_dtype("fp32", cpu, quiet) == torch.float32
    assert quiet == []


def test_mask_networks_announce_the_fp16_fallback_instead_of_dropping_it():
    from colorframes.masks.runners import pick_torch_device

    warnings: list[str] = []
    device, dtype = pick_torch_device("cpu", "fp16", warnings)
    assert (device.type, dtype) == ("cpu", torch.float32)
    assert warnings == ["--dtype fp16 is not used on the CPU; running fp32"]


def test_auto_on_cuda_is_bf16_where_native_but_fp16_for_the_mask_networks(monkeypatch):
    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))
    gpu = torch.device("cuda", 0)
    assert resolve_dtype("auto", gpu, []) == torch.bfloat16
    assert resolve_dtype("auto", gpu, [], auto_cuda="fp16") == torch.float16
    assert resolve_dtype("bf16", gpu, [], auto_cuda="fp16") == torch.bfloat16  # an explicit request wins


def test_bad_names_are_config_errors_and_lists_run_on_their_first_device():
    with pytest.raises(ConfigError, match="--dtype must be"):
        resolve_dtype("fp8", torch.device("cpu"), [])
    with pytest.raises(ConfigError, match="--device must be"):
        resolve_device("gpu0")
    assert first_device(" cpu , cuda:1") == "cpu" and first_device("") == "auto"
    assert resolve_device("cpu").type == "cpu"
