"""The `erpo_sync` trainer mode: veRL's synchronous v1 trainer, passing each trajectory's environment to ERPO.

veRL's advantage step reads only uids, masks and scores from TransferQueue. This trainer also reads
the `env_id` column that every exported row carries (v1 stores every dataset column with each
trajectory, padding rows included) and makes it the environment of the `erpo` estimator for the
duration of veRL's own advantage step. Select it with `trainer.v1.trainer_mode=erpo_sync`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import transfer_queue as tq
from transfer_queue import KVBatchMeta
from verl.trainer.ppo.v1 import PPOTrainerSync, register_trainer

from .estimator import environment_ids

__all__ = ["ENV_FIELD", "TRAINER_MODE", "ErpoTrainer", "environment_column"]

TRAINER_MODE = "erpo_sync"
ENV_FIELD = "env_id"


def environment_column(fields: Any) -> np.ndarray:
    """The `env_id` of each row of a TransferQueue batch, in row order."""
    try:
        values = fields.get(ENV_FIELD)
    except KeyError:
        values = None
    if values is None:
        raise KeyError(
            f"the batch has no {ENV_FIELD!r} field; train on data from `autoforge rl export`, "
            "or use trainer.v1.trainer_mode=sync (ERPO then treats each prompt as its own environment)"
        )
    return np.array(values.tolist() if hasattr(values, "tolist") else list(values), dtype=object)


@register_trainer(TRAINER_MODE)
class ErpoTrainer(PPOTrainerSync):
    """Synchronous PPO whose advantage step groups trajectories by environment for ERPO."""

    def _compute_advantage(self, batch: KVBatchMeta, metrics: dict[str, Any]) -> KVBatchMeta:
        fields = tq.kv_batch_get(keys=batch.keys, partition_id=batch.partition_id, select_fields=[ENV_FIELD])
        with environment_ids(environment_column(fields)):
            return super()._compute_advantage(batch, metrics)
