"""Official single files in every container format: read safely, shapes read, and missing CLIP weights exit 3
for .ckpt/.pt/.pth exactly as for .safetensors (never a silently random CLIP tower)."""

from __future__ import annotations

import pytest
import torch

from colorframes.errors import ModelUnavailableError
from colorframes.models import registry


@pytest.fixture(scope="module")
def without_clip(golden_dir):
    """The fixture's weights minus the CLIP tower (like the released checkpoints)."""
    from safetensors.torch import load_file

    sd = load_file(str(golden_dir / "weights.safetensors"))
    assert any(k.startswith("cond_stage_model.visual.") for k in sd)
    return {k: v for k, v in sd.items() if not k.startswith("cond_stage_model.visual.")}


def _write(sd, path):
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file(sd, str(path))
    elif path.suffix == ".ckpt":
        torch.save({"state_dict": sd, "global_step": 3}, str(path))  # the Lightning layout
    else:
        torch.save(sd, str(path))
    return path


@pytest.mark.parametrize("suffix", [".safetensors", ".ckpt", ".pt", ".pth"])
def test_missing_clip_weights_exit_3_for_every_format(suffix, without_clip, tmp_path, monkeypatch):
    monkeypatch.setenv("COLORFRAMES_HOME", str(tmp_path / "empty-home"))
    path = _write(without_clip, tmp_path / f"switch{suffix}")
    with pytest.raises(ModelUnavailableError, match="clip-vit-h-14") as info:
        registry.load_official_file(path)
    assert info.value.exit_code == 3


@pytest.mark.parametrize("suffix", [".ckpt", ".pt"])
def test_pickled_official_file_with_clip_loads_like_the_safetensors_one(suffix, golden_dir, tmp_path):
    from safetensors.torch import load_file

    sd = load_file(str(golden_dir / "weights.safetensors"))
    path = _write(sd, tmp_path / f"switch{suffix}")
    assert registry.official_config(path) == registry.official_config(golden_dir / "weights.safetensors")
    ours = registry.load_official_file(path).state_dict()
    reference = registry.load_official_file(golden_dir / "weights.safetensors").state_dict()
    assert ours.keys() == reference.keys()
    assert all(torch.equal(ours[k], reference[k]) for k in ours)


def test_verify_checks_structure_of_local_files(golden_dir, tmp_path):
    good = registry.verify(str(golden_dir / "weights.safetensors"))
    assert [r["ok"] for r in good] == [True]
    torch.save({"w": torch.zeros(3)}, str(tmp_path / "ok.pt"))
    assert registry.verify(str(tmp_path / "ok.pt"))[0]["ok"]
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    result = registry.verify(str(tmp_path / "bad.pt"))[0]
    assert not result["ok"] and "not a usable weights file" in result["problems"][0]
