"""The registry commands, run as a user runs them: publish, list, install, verify, card, and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoforge.cli import app

AUTOFORGE = str(Path(sys.executable).with_name("autoforge"))


def test_list_install_verify_and_card_from_the_command_line(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """list shows the entries, install writes folder and lock, verify passes, card takes NAME@VERSION, verify flags edits."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(app, ["registry", "list", "--registry", str(published)])
    assert listed.exit_code == 0 and "library-loans" in listed.output
    installed = runner.invoke(
        app, ["registry", "install", "library-loans", "--registry", str(published), "--to", "envs"]
    )
    assert installed.exit_code == 0, installed.output
    assert (tmp_path / "envs" / "library-loans" / "env.json").is_file() and (tmp_path / "autoforge.lock").is_file()
    assert runner.invoke(app, ["registry", "verify"]).exit_code == 0
    card = runner.invoke(app, ["card", "library-loans@1.0.0", "--out", "card.html"])
    assert card.exit_code == 0 and (tmp_path / "card.html").read_text().startswith("<!doctype html>")
    (tmp_path / "envs" / "library-loans" / "tools.py").write_text("# changed\n")
    failed = runner.invoke(app, ["registry", "verify"])
    assert failed.exit_code == 1 and "modified" in failed.output


def test_a_bad_registry_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    """Installing from a folder with no registry.json exits 1 with the next step, no traceback."""
    result = subprocess.run(
        [AUTOFORGE, "registry", "install", "library-loans", "--registry", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "registry.json does not exist; name a folder or URL" in message and "Traceback" not in message
    assert not (tmp_path / "servers").exists()
