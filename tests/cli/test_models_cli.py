"""The weights registry and `colorframes models`: offline lookups, exit 3 with fetch instructions."""

from __future__ import annotations

import hashlib
import json

import pytest
from cf_helpers import golden_fixture_dir
from typer.testing import CliRunner

from colorframes.errors import ModelUnavailableError
from colorframes.models import registry


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORFRAMES_HOME", str(tmp_path))
    return tmp_path


def _invoke(*args: str):
    from colorframes.cli import app

    return CliRunner().invoke(app, ["models", *args])


def test_missing_weights_name_files_source_and_command(home):
    with pytest.raises(ModelUnavailableError) as info:
        registry.model_path("switch-eps")
    message = str(info.value)
    assert "switch-eps.safetensors" in message
    assert "tellurion/ColorizeDiffusion" in message
    assert "colorframes models pull switch-eps" in message
    assert str(home) in message and "\n" not in message
    assert info.value.exit_code == 3


def test_a_file_gone_after_the_presence_check_is_exit_3(home, monkeypatch):
    """model_path / verify look a file up twice; one deleted in between is exit 3, not an AssertionError."""
    monkeypatch.setattr(registry, "missing_files", lambda name: [])  # it was there when checked
    for call in (registry.model_path, registry.verify):
        with pytest.raises(ModelUnavailableError) as info:
            call("isnetis-onnx")
        assert info.value.exit_code == 3
        assert "isnetis.onnx" in str(info.value) and "colorframes models pull isnetis-onnx" in str(info.value)


def test_a_builtin_model_has_no_hub_repository():
    assert registry.entry("isnetis").hub_repo == "tellurion/line_extractor"
    with pytest.raises(ModelUnavailableError, match="tiny-random is built in-process"):
        registry.entry("tiny-random").hub_repo  # noqa: B018 - the property raises


def test_models_path_exits_3_when_missing(home):
    result = _invoke("path", "switch-eps")
    assert result.exit_code == 3, result.output
    assert "colorframes models pull switch-eps" in result.output


def test_present_file_is_found_and_verified(home):
    folder = home / "isnetis-onnx"
    folder.mkdir()
    (folder / "isnetis.onnx").write_bytes(b"not really onnx")
    assert registry.model_path("isnetis-onnx") == folder / "isnetis.onnx"
    result = _invoke("path", "isnetis-onnx")
    assert result.exit_code == 0 and result.output.strip().endswith("isnetis.onnx")
    (row,) = registry.verify("isnetis-onnx")
    assert row["size"] == 15 and row["sha256"] == hashlib.sha256(b"not really onnx").hexdigest()
    assert not row["ok"] and any("176069933" in p for p in row["problems"])  # the registry knows the size


def test_verify_flags_a_broken_safetensors_file(home):
    folder = home / "isnetis"
    folder.mkdir()
    (folder / "isnetis.safetensors").write_bytes(b"\xff" * 16)
    (row,) = registry.verify("isnetis")
    assert not row["ok"] and "safetensors" in row["problems"][0]
    result = _invoke("verify", "isnetis")
    assert result.exit_code == 3


def test_list_json_parses_and_marks_presence(home):
    result = _invoke("list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rows = {row["name"]: row for row in data["models"]}
    assert {"switch-eps", "clip-vit-h-14", "isnetis", "sketch-segment", "isnetis-onnx", "tiny-random"} <= set(rows)
    assert rows["switch-eps"]["licence"] == "CC BY-NC-SA 4.0" and rows["switch-eps"]["present"] is False
    assert rows["tiny-random"]["present"] is True
    assert rows["isnetis-onnx"]["repo"] == "skytnt/anime-seg"


def test_licence_note_is_returned_once_per_process(monkeypatch):
    monkeypatch.setattr(registry, "_NOTICES_SHOWN", set())
    first = registry.licence_notice("switch-eps")
    assert first is not None and "CC BY-NC-SA 4.0" in first
    assert registry.licence_notice("switch-eps") is None
    assert registry.licence_notice("clip-vit-h-14") is None


def test_local_paths_are_accepted_and_unknown_paths_exit_3(tmp_path):
    weights = tmp_path / "my.safetensors"
    weights.write_bytes(b"x")
    assert registry.model_path(str(weights)) == weights
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        registry.model_path(str(tmp_path / "nope.safetensors"))


FIXTURE = golden_fixture_dir()


@pytest.mark.skipif(not FIXTURE.is_dir(), reason=f"golden fixture not found at {FIXTURE}")
def test_convert_round_trip_gives_the_same_eps(tmp_path):
    import torch

    from colorframes.models.convert import from_pretrained

    src = FIXTURE / "weights.safetensors"
    dst = tmp_path / "converted"
    result = _invoke("convert", str(src), str(dst))
    assert result.exit_code == 0, result.output
    assert (dst / "config.json").is_file() and (dst / "unet.safetensors").is_file()
    official = registry.load_official_file(src)
    converted = from_pretrained(dst)
    torch.manual_seed(0)
    sample = torch.randn(1, 4, 16, 16)
    hints = official.encode_sketch(torch.rand(1, 3, 128, 128) * 2 - 1)
    context = torch.randn(1, 512, 128)
    mask = torch.rand(1, 1, 16, 16)
    kwargs = dict(fg_lora=False, bg_lora=True, ts_s=0.05)
    want = official.predict_noise(sample, torch.tensor([500]), context, hints, mask, **kwargs)
    got = converted.predict_noise(sample, torch.tensor([500]), context, hints, mask, **kwargs)
    assert torch.equal(want, got)
    again = _invoke("convert", str(src), str(dst))  # refuses to overwrite a non-empty folder
    assert again.exit_code == 2 and "not empty" in again.output


def test_official_file_needs_the_separate_clip_weights(home):
    import torch
    from safetensors.torch import save_file

    full = home / "full.safetensors"
    save_file({"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(320, 4, 3, 3)}, str(full))
    tiny = home / "tiny.safetensors"
    save_file({"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(32, 4, 3, 3)}, str(tiny))
    assert registry.official_config(full).unet_channels[0] == 320
    assert registry.official_config(tiny).unet_channels[0] == 32
    with pytest.raises(ModelUnavailableError, match="colorframes models pull clip-vit-h-14"):
        registry.load_official_file(full)  # released files carry no CLIP tower
