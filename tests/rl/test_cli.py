"""`autoforge rl ...`: one library call each, with a short report; errors are one line, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from autoforge.cli import app

pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[rl]')")

AUTOFORGE = str(Path(sys.executable).with_name("autoforge"))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    result = CliRunner().invoke(app, ["rl", "export", "retail-orders", "flight-booking", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "retail-orders" in result.output and (out / "validation.parquet").is_file()
    return out


def test_config_writes_the_config_and_its_launch_script(tmp_path: Path, data: Path) -> None:
    """The config command writes erpo.yaml and train.sh with the options given and says how to check and train."""
    result = CliRunner().invoke(
        app,
        ["rl", "config", "--data", str(data), "--out", str(tmp_path), "--nnodes", "1", "--prompts", "16"]
        + ["--endpoint", "http://127.0.0.1:8000/v1", "--endpoint-model", "Qwen/Qwen3-8B", "--logger", "console"]
        + ["--logger", "wandb"],
    )
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((tmp_path / "erpo.yaml").read_text(encoding="utf-8"))
    assert config["data"]["train_files"] == f"{data.as_posix()}/train.parquet"
    assert config["trainer"]["nnodes"] == 1 and config["data"]["train_batch_size"] == 16
    assert config["trainer"]["logger"] == ["console", "wandb"]
    assert config["autoforge"]["user"] == config["autoforge"]["judge"] == "openai:Qwen/Qwen3-8B"
    assert (tmp_path / "train.sh").is_file()
    assert "autoforge rl check" in result.output and "train.sh" in result.output


def test_a_dataset_too_small_is_one_line_without_traceback(tmp_path: Path, data: Path) -> None:
    """Asking for more prompts per batch than the data holds exits 1 with the reason and no traceback."""
    command = [AUTOFORGE, "rl", "config", "--data", str(data), "--out", str(tmp_path / "cfg"), "--prompts", "5000"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1
    assert "fewer than one batch of 5000" in result.stderr and "Traceback" not in result.stderr


def test_check_runs_the_dry_run(tmp_path: Path, data: Path, toy_model: Path) -> None:
    """The check command reports veRL's sync trainer with ERPO's buffer and the mix of the first batch."""
    pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")
    runner = CliRunner()
    made = runner.invoke(
        app, ["rl", "config", "--data", str(data), "--out", str(tmp_path), "--model", str(toy_model), "--prompts", "8"]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["rl", "check", str(tmp_path), "trainer.total_epochs=2"])
    assert result.exit_code == 0, result.output
    assert "19 steps per epoch, 38 steps in all" in result.output
    assert "PPOTrainerSync (trainer mode sync) with ErpoReplayBuffer" in result.output
    assert "first batch: flight-booking 4, retail-orders 4" in result.output


def test_export_of_an_unknown_environment_is_a_clear_error(tmp_path: Path) -> None:
    """A mistyped environment raises the spine's error with a suggestion (the main entry point prints it)."""
    result = CliRunner().invoke(app, ["rl", "export", "library-loan", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "Did you mean library-loans" in str(result.exception)
