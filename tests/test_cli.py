"""The `autoforge` command: every command teaches through --help, and bad input never shows a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from autoforge.cli import app

AUTOFORGE = str(Path(sys.executable).with_name("autoforge"))


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        path = (*prefix, name)
        found.append(path)
        if hasattr(command, "commands"):
            found += _commands(command, path)
    return found


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_help_with_a_description(path: tuple[str, ...]) -> None:
    """`autoforge ... --help` exits 0 and explains the command."""
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"{' '.join(path)} has no help text"


def test_leaf_commands_show_an_example() -> None:
    """Commands that do work carry an 'Example:' line in their help."""
    root = typer.main.get_command(app)
    missing = []
    for path in COMMANDS:
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        if not hasattr(command, "commands") and "Example" not in (command.help or ""):
            missing.append(" ".join(path))
    assert missing == []


def test_unknown_environment_is_a_clear_error_without_traceback() -> None:
    """A mistyped environment name gets a suggestion, exit code 1, and no traceback."""
    result = subprocess.run([AUTOFORGE, "check", "library-loan"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Did you mean library-loans" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_version() -> None:
    """`autoforge --version` prints the installed version."""
    result = subprocess.run([AUTOFORGE, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip()


def test_outside_text_in_a_problem_is_shown_as_written_never_as_markup_or_terminal_commands(tmp_path: Path) -> None:
    """A task id holding rich markup (`[/bogus]`) and an ANSI escape is printed as text by `autoforge validate`:
    no traceback from the markup, no escape sequence reaching the terminal."""
    import json
    import shutil

    from autoforge.servers.locate import bundled_environments

    folder = tmp_path / "library-loans"
    shutil.copytree(next(p for p in bundled_environments() if p.name == "library-loans"), folder)
    lines = (folder / "tasks.jsonl").read_text().splitlines()
    task = json.loads(lines[0])
    task["solution"]["nodes"][0]["tool"] = "no_such_tool[/bogus]\x1b[31m"
    lines[0] = json.dumps(task)
    (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n")
    result = subprocess.run([AUTOFORGE, "validate", str(folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "no_such_tool[/bogus]" in " ".join(result.stdout.split()) and "\x1b[31m" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
