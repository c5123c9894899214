"""The `erpo_sync` trainer mode: veRL's synchronous v1 trainer, reading each trajectory's environment id."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")
pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

import numpy as np
from autoforge.rl import ErpoTrainer
from autoforge.rl.trainer import PPOTrainerSync, environment_column
from verl.trainer.ppo.v1 import get_trainer_cls
from verl.utils.tensordict_utils import list_of_dict_to_tensordict


def test_erpo_sync_is_the_sync_trainer_with_its_own_advantage_step() -> None:
    """trainer.v1.trainer_mode=erpo_sync gives a PPOTrainerSync whose advantage step is ours."""
    assert get_trainer_cls("erpo_sync") is ErpoTrainer
    assert issubclass(ErpoTrainer, PPOTrainerSync)
    assert ErpoTrainer._compute_advantage is not PPOTrainerSync._compute_advantage


def test_environment_ids_are_read_from_rows_as_the_agent_loop_worker_stores_them() -> None:
    """Rows packed the way veRL's AgentLoopWorkerTQ puts them give their env_id column, in row order."""
    rows = [
        {"env_id": env, "uid": f"u{i}", "response_mask": torch.ones(i + 1)}
        for i, env in enumerate(["library-loans", "clinic-appointments", "library-loans"])
    ]
    ids = environment_column(list_of_dict_to_tensordict(rows))
    assert ids.tolist() == ["library-loans", "clinic-appointments", "library-loans"]
    assert ids.dtype == np.dtype(object)


def test_rows_without_environment_ids_are_refused_with_the_way_out() -> None:
    """A batch from data without an env_id column names the export command and the plain sync mode."""
    rows = [{"uid": "u0", "response_mask": torch.ones(2)}]
    with pytest.raises(KeyError, match="autoforge rl export"):
        environment_column(list_of_dict_to_tensordict(rows))
