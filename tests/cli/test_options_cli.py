"""RunOptions' field metadata is the one source of the CLI: flags, help, groups, placeholders, defaults,
environment variables, presets and the settings hash; `run --help` shows the groups as panels."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields

import pytest
import typer.main
from cf_helpers import ROOT

from colorframes.cli import app
from colorframes.cli.flags import default_text, flag_names
from colorframes.options import (
    FIELD_NAMES,
    GROUPS,
    SETTINGS_THAT_CHANGE_PIXELS,
    RunOptions,
    env_var,
    option_info,
    resolve_options,
)

COMMAND = typer.main.get_command(app)

# The flag contract before the options were generated from metadata: every name still parses.
RUN_FLAGS = """
--alpha --attention --backend --background --background-fit --background-tokens --batch-size --bg-lora --bit-depth
--compile --consistency --crf --device --dtype --fg-lora --flatten --format --fps --frames --gap-radius
--guidance-scale --harmonize --hints --json --karras --keep-lines --keyframe --latent-chain --latent-strength
--lines-layer --mask-model --max-pixels --mode --model --name-template --no-alpha --no-background-tokens
--no-bg-lora --no-compile --no-fg-lora --no-flatten --no-karras --no-keep-lines --no-lines-layer --no-offload
--no-overwrite --no-report --no-review --no-save-masks --no-vae-slicing --num-inference-steps --offload --output
--overwrite --preset --process --process-fps --process-frames --quiet --ref --ref-threshold --report --resolution
--review --save-masks --scheduler --seed --shard --sketch-guidance-scale --sketch-strength --sketch-threshold
--start-frame --steps --vae-dtype --vae-slicing -o -q -r
"""
SEGMENT_FLAGS = (
    "--device --frames --json --mask-model --output --preset --quiet --ref --start-frame --threshold -o -q -r"
)
DOCTOR_FLAGS = "--backend --device --json --mask-model --model --preset"


def _flags(command: str) -> set[str]:
    params = COMMAND.commands[command].params
    return {o for p in params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}


def _parse(command: str, *args: str) -> dict:
    """What typer hands the command for `args` (the RunOptions fields among them)."""
    head = ["shot"] if command in ("run", "inspect") else []
    ctx = COMMAND.commands[command].make_context(command, [*head, *args])
    return {k: v for k, v in ctx.params.items() if k in FIELD_NAMES}


def test_every_field_has_a_flag_env_var_group_and_help():
    run_flags = _flags("run")
    for f in fields(RunOptions):
        info = option_info(f.name)
        assert info.group in GROUPS, f.name
        assert info.help.strip().endswith((".", ")")), f.name  # a sentence, not a stub
        assert set(flag_names(f.name)[0].split("/")) <= run_flags, f.name
        assert env_var(f.name) == "COLORFRAMES_" + f.name.upper()
        assert info.changes_pixels is (f.name in SETTINGS_THAT_CHANGE_PIXELS), f.name
    assert {option_info(n).group for n in FIELD_NAMES} == set(GROUPS)  # every panel has options


def test_flag_names_aliases_and_commands_are_kept():
    assert set(RUN_FLAGS.split()) == _flags("run") == _flags("inspect")
    assert set(SEGMENT_FLAGS.split()) == _flags("segment")
    assert set(DOCTOR_FLAGS.split()) == _flags("doctor")


def test_cli_defaults_are_the_dataclass_defaults():
    given = _parse("run")
    assert set(given) == set(FIELD_NAMES)
    assert all(v is None for k, v in given.items() if k != "keyframe") and not given["keyframe"]
    assert resolve_options({**given, "keyframe": None}, environ={}) == RunOptions()
    doctor = COMMAND.commands["doctor"].make_context("doctor", []).params
    assert resolve_options({k: v for k, v in doctor.items() if k in FIELD_NAMES}, environ={}) == RunOptions()
    # --help states the dataclass default
    help_text = {p.name: p.help for p in COMMAND.commands["run"].params if p.name in FIELD_NAMES}
    for f in fields(RunOptions):
        shown = default_text(f.name)
        if shown is None:
            assert "default:" not in help_text[f.name] or "(default:" in help_text[f.name], f.name
        else:
            assert help_text[f.name].endswith(f"[default: {shown}]"), (f.name, help_text[f.name])


def test_flags_parse_to_field_values():
    given = _parse(
        "run", "--steps", "7", "-o", "out", "--no-vae-slicing", "--keyframe", "a.png", "--keyframe", "b.png@3"
    )
    opts = resolve_options(given, environ={})
    assert opts.num_inference_steps == 7 and opts.output == "out" and opts.vae_slicing is False
    assert opts.keyframe == ("a.png", "b.png@3")


@pytest.mark.parametrize(
    ("name", "flag", "env", "preset", "values"),
    [  # values: (default, preset, env, flag)
        ("gap_radius", ("--gap-radius", "1"), "5", "3", (2, 3, 5, 1)),
        ("format", ("--format", "both"), "mp4", '"mp4"', ("png", "mp4", "mp4", "both")),
        ("alpha", ("--no-alpha",), "yes", "true", (False, True, True, False)),
        ("harmonize", ("--harmonize", "0.25"), "0.75", "1.0", (0.5, 1.0, 0.75, 0.25)),
        ("keyframe", ("--keyframe", "k.png"), "a,b@3", '["p.png"]', ((), ("p.png",), ("a", "b@3"), ("k.png",))),
    ],
)  # fmt: skip
def test_precedence_flag_env_preset_default(tmp_path, name, flag, env, preset, values):
    toml = tmp_path / "p.toml"
    toml.write_text(f"[options]\n{name} = {preset}\n")
    environ = {env_var(name): env}
    got = (
        getattr(resolve_options({}, environ={}), name),
        getattr(resolve_options({}, preset=str(toml), environ={}), name),
        getattr(resolve_options({}, preset=str(toml), environ=environ), name),
        getattr(resolve_options(_parse("run", *flag), preset=str(toml), environ=environ), name),
    )
    assert got == values


def test_a_repeatable_option_not_given_leaves_the_environment_in_charge(tmp_path):
    from typer.testing import CliRunner

    shot = str(ROOT / "examples" / "shot01")
    env = {"COLORFRAMES_KEYFRAME": str(tmp_path / "missing.png")}
    result = CliRunner().invoke(app, ["inspect", shot, "-o", str(tmp_path)], env=env)
    assert result.exit_code == 2 and "missing.png: not found" in result.output  # the variable was read
    given = CliRunner().invoke(app, ["inspect", shot, "-o", str(tmp_path), "--keyframe", "nope.png"], env=env)
    assert given.exit_code == 2 and "nope.png: not found" in given.output  # the flag wins


def test_run_help_shows_the_option_panels_and_typed_placeholders_without_heavy_imports():
    code = (
        "import sys\n"
        "from colorframes.cli import app\n"
        "try:\n    app(['run', '--help'])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = [m for m in ('torch', 'diffusers', 'open_clip', 'cv2', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = {**os.environ, "COLUMNS": "160", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "HEAVY []" in out
    for group in GROUPS:
        assert f"─ {group} ─" in out, group  # a panel per option group
    options = out[out.index("─ Input ─") :]  # the option panels
    for placeholder in ("PATH", "INT", "FLOAT", "SPEC", "DIR", "[png|mp4|both]", "[flat|diffusion|tiny-random]"):
        assert placeholder in options, placeholder
    assert "<str>" not in out and "<list[str]>" not in out and "<bool>" not in out  # arguments and --help too
    assert "[default: colorframes_out]" in options and "PATH[@FRAME]" in options  # brackets survive rich markup
