"""`autoforge rl export` and `autoforge rl config`: one library call each, with a short report."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from autoforge.cli import app


def test_config_writes_erpo_yaml_with_the_options_given(tmp_path: Path) -> None:
    """The config command writes erpo.yaml with the chosen model, data folder, nodes and user."""
    result = CliRunner().invoke(
        app,
        ["rl", "config", "--out", str(tmp_path), "--data", "mydata", "--nnodes", "1", "--user", "openai:gpt-4.1"],
    )
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((tmp_path / "erpo.yaml").read_text(encoding="utf-8"))
    assert config["data"]["train_files"] == "mydata/train.parquet"
    assert config["trainer"]["nnodes"] == 1
    assert config["autoforge"]["user"] == "openai:gpt-4.1"
    assert "verl.trainer.main_ppo" in result.output


def test_export_writes_both_splits_and_reports_counts(tmp_path: Path) -> None:
    """The export command writes train and validation parquet and prints the task counts per environment."""
    pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[rl]')")
    result = CliRunner().invoke(app, ["rl", "export", "library-loans", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "train.parquet").is_file() and (tmp_path / "validation.parquet").is_file()
    assert "library-loans" in result.output


def test_export_of_an_unknown_environment_is_a_clear_error(tmp_path: Path) -> None:
    """A mistyped environment raises the spine's error with a suggestion (the main entry point prints it)."""
    result = CliRunner().invoke(app, ["rl", "export", "library-loan", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "Did you mean library-loans" in str(result.exception)
