"""ERPO on veRL: environment-level advantages with user-error masking, an MCP agent loop, dataset export.

Every name loads on first use: the veRL plugin (autoforge.rl.plugin) is imported in each Ray worker
and must stay cheap, and names that need torch or veRL must not break `autoforge` without the
training extra.
"""

from importlib import import_module
from typing import Any

_LAZY = {
    "CONFIG_NAME": ".config",
    "TrainingSetup": ".config",
    "training_config": ".config",
    "write_config": ".config",
    "SPLIT_FILES": ".dataset",
    "ExportReport": ".dataset",
    "dataset_rows": ".dataset",
    "export_dataset": ".dataset",
    "agent_system_prompt": ".environments",
    "close_pools": ".environments",
    "environment": ".environments",
    "environment_pool": ".environments",
    "TrainingError": ".errors",
    "compute_score": ".reward",
    "replay_reward": ".reward",
    "ErpoConfig": ".settings",
    "LoopSettings": ".settings",
    "erpo_advantages": ".erpo",
    "trajectory_advantages": ".erpo",
    "group_codes": ".erpo",
    "MASKED_LABELS": ".erpo",
    "validity": ".erpo",
    "erpo_policy_loss": ".objective",
    "compute_erpo_outcome_advantage": ".estimator",
    "environment_ids": ".estimator",
    "ErpoTrainer": ".trainer",
    "AutoForgeAgentLoop": ".agent_loop",
}

__all__ = [
    "CONFIG_NAME",
    "MASKED_LABELS",
    "SPLIT_FILES",
    "AutoForgeAgentLoop",
    "ErpoConfig",
    "ErpoTrainer",
    "ExportReport",
    "LoopSettings",
    "TrainingError",
    "TrainingSetup",
    "agent_system_prompt",
    "close_pools",
    "compute_erpo_outcome_advantage",
    "compute_score",
    "dataset_rows",
    "environment",
    "environment_ids",
    "environment_pool",
    "erpo_advantages",
    "erpo_policy_loss",
    "export_dataset",
    "group_codes",
    "replay_reward",
    "training_config",
    "trajectory_advantages",
    "validity",
    "write_config",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_LAZY[name], __name__), name)
