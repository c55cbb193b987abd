"""The core install (no extras) runs the flat path end to end, and never imports torch.

Each command runs in a fresh interpreter where the extras' packages cannot be imported (their
`sys.modules` entries are None, so `import torch` raises ImportError and `find_spec` reports them
missing), exactly as on a render node that ran `pip install colorframes` alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = (
    "torch",
    "torchvision",
    "diffusers",
    "open_clip",
    "onnxruntime",
    "huggingface_hub",
    "transformers",
    "peft",
    "imageio_ffmpeg",
)
BLOCKED = (
    "import sys\n"
    f"for name in {EXTRAS!r}:\n"
    "    sys.modules[name] = None\n"
    "sys.argv = ['colorframes', *sys.argv[1:]]\n"
    "from colorframes.cli import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    leaked = [m for m in sys.modules if m.split('.')[0] in {EXTRAS!r} and sys.modules[m] is not None]\n"
    "    assert not leaked, leaked\n"
).replace("{EXTRAS!r}", repr(EXTRAS))


def core(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCKED, *[str(a) for a in args]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=300,
    )


@pytest.fixture
def empty_home(tmp_path):
    home = tmp_path / "cfhome"
    home.mkdir()
    return {"COLORFRAMES_HOME": str(home), "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"}


def test_flat_run_review_inspect_eval_segment_without_torch(tmp_path, empty_home):
    out = tmp_path / "out"
    shot = ROOT / "examples" / "shot01"
    sheet = ROOT / "examples" / "sheet.png"
    run = core("run", shot, "--ref", sheet, "--preset", "preview", "--frames", "1001-1003", "-o", out,
               "--review", "--report", env=empty_home)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (out / "shot01").glob("*.png")) == [f"shot01.{n}.png" for n in (1001, 1002, 1003)]
    assert (out / "shot01" / "review" / "index.html").is_file()
    inspect = core("inspect", shot, "--ref", sheet, "--preset", "preview", "--frames", "1001-1003", "-o", out,
                   "--json", env=empty_home)  # fmt: skip
    assert inspect.returncode == 0, inspect.stderr
    assert json.loads(inspect.stdout)["shots"][0]["skip"] == "1001-1003"
    review = core("review", out, env=empty_home)
    assert review.returncode == 0, review.stderr
    evaluation = core("eval", out / "shot01", "--gt", out / "shot01", "--sketch", shot, "--json", env=empty_home)
    assert evaluation.returncode == 0, evaluation.stderr
    assert json.loads(evaluation.stdout)["count"] == 3
    masks = core("segment", shot, "-o", tmp_path / "masks", "--frames", "1001", "--json", env=empty_home)
    assert masks.returncode == 0, masks.stderr
    assert json.loads(masks.stdout)["masks"] == {"sketch": "classical", "reference": "classical"}


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["--backend", "diffusion"], "diffusion"),
        (["--backend", "tiny-random"], "diffusion"),
        (["--mask-model", "isnet"], "diffusion"),
        (["--mask-model", "isnet-onnx"], "masks"),
        (["--format", "mp4"], "video"),
        (["--format", "both"], "video"),
    ],
)
def test_features_of_an_extra_exit_3_naming_the_pip_install(tmp_path, empty_home, args, extra):
    out = tmp_path / "out"
    result = core("run", ROOT / "examples" / "shot01", "--ref", ROOT / "examples" / "sheet.png", "-o", out, *args,
                  env=empty_home)  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert f'pip install "colorframes[{extra}]"' in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_video_input_without_the_extra_exits_3_naming_the_pip_install(tmp_path, empty_home):
    import numpy as np

    from colorframes.io.video import write_mp4

    clip = tmp_path / "clip.mp4"
    write_mp4(clip, (np.full((32, 48, 3), 255 - 40 * i, np.uint8) for i in range(3)), fps=24.0)
    result = core("run", clip, "--ref", ROOT / "examples" / "sheet.png", "-o", tmp_path / "out", env=empty_home)
    assert result.returncode == 3, result.stderr
    assert 'pip install "colorframes[video]"' in result.stderr and "Traceback" not in result.stderr


def test_models_pull_without_the_extra_exits_3_naming_the_pip_install(empty_home):
    result = core("models", "pull", "isnetis-onnx", env=empty_home)
    assert result.returncode == 3, result.stderr
    assert 'pip install "colorframes[masks]"' in result.stderr
    assert "$COLORFRAMES_HOME/isnetis-onnx/isnetis.onnx" in result.stderr


def test_pyproject_core_dependencies_exclude_the_extras():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core_names = {d.split(">")[0].split("=")[0].split("[")[0].strip().lower() for d in project["dependencies"]}
    assert not core_names & {"torch", "torchvision", "diffusers", "open_clip_torch", "onnxruntime", "peft", "tqdm",
                             "transformers", "huggingface_hub", "imageio-ffmpeg"}  # fmt: skip
    assert {"scipy", "filelock", "numpy", "opencv-python-headless"} <= core_names
    extras = project["optional-dependencies"]
    assert any(d.startswith("torch") for d in extras["diffusion"])
    assert "colorframes[diffusion,masks,video]" in extras["dev"]
    assert any(d.startswith("imageio-ffmpeg") for d in extras["video"])
