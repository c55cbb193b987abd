"""Every `--help` (the root, each subcommand, each `models` / `presets` command) shows a placeholder only where
a value goes: no Python type labels such as `<list[str]>` or `<bool>`, arguments by their NAME."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from colorframes.cli import app

TYPE_LABEL = re.compile(r"<(list\[|bool>|str>|path>|int|float|text)")


def _command_paths(command=None, path=()):
    """Every command path of the CLI, groups included: (), ("run",), ("models", "pull"), ..."""
    command = command or get_command(app)
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


PATHS = list(_command_paths())


def test_the_walk_finds_every_subcommand():
    names = {" ".join(p) for p in PATHS}
    assert {"", "run", "inspect", "segment", "eval", "review", "doctor", "models pull", "presets show"} <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "root")
def test_help_rows_have_no_python_type_labels(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert not TYPE_LABEL.search(out), TYPE_LABEL.search(out)
    help_row = next(line for line in out.splitlines() if "--help" in line)
    assert help_row.split("--help", 1)[1].strip(" │").startswith("Show this message")  # no placeholder
    command = get_command(app)
    for name in path:
        command = command.commands[name]
    for param in command.params:
        if param.param_type_name == "argument":  # listed by its NAME, with its help
            name = (param.metavar or param.name).upper()
            row = next(line for line in out.splitlines() if f"│ *    {name} " in line)
            assert param.help.split(".")[0] in row and "[required]" in row


def test_run_lists_its_inputs_and_names_them_in_errors():
    help_text = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "200"}).output
    arguments = help_text[help_text.index("─ Arguments ─") : help_text.index("─ Options ─")]
    assert "INPUT" in arguments and "Folders of frames or shots" in arguments
    missing = CliRunner().invoke(app, ["run"], env={"COLUMNS": "200"})
    assert missing.exit_code == 2 and "Missing argument 'INPUT'" in missing.output
