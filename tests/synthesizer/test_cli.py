"""`autoforge synth`: a thin doorway to the library with a progress display and a summary table."""

from __future__ import annotations

from pathlib import Path

from autoforge.servers import validate_folder
from typer.testing import CliRunner

from autoforge.cli import app

from .conftest import SMALL_API, write


def test_help_documents_the_options_and_an_example() -> None:
    """--help shows an example and every knob of the issue."""
    result = CliRunner().invoke(app, ["synth", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in ("--out", "--backend", "--model", "--base-url", "--tasks", "--seed", "--min-calls", "--max-bytes"):
        assert option in result.output
    assert "autoforge synth petstore.yaml" in result.output


def test_synth_writes_the_folder_and_prints_a_summary(tmp_path: Path) -> None:
    """A run writes a valid folder and ends with the task statistics."""
    source = write(tmp_path, "shop.yaml", SMALL_API)
    out = tmp_path / "corner-shop"
    result = CliRunner().invoke(
        app,
        [
            "synth",
            str(source),
            "--out",
            str(out),
            "--tasks",
            "5",
            "--min-calls",
            "2",
            "--work-dir",
            str(tmp_path / "w"),
        ],
        terminal_width=160,
    )
    assert result.exit_code == 0, result.output
    assert validate_folder(out) == []
    assert "median calls" in result.output and "branch or merge" in result.output
