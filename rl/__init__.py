"""ERPO on veRL: environment-level advantages with user-error masking, an MCP agent loop, dataset export.

Every name loads on first use: the veRL plugin (autoforge.rl.plugin) is imported in each Ray worker
and must stay cheap, and names that need torch or veRL must not break `autoforge` without the
training extra.
"""

from importlib import import_module
from typing import Any

_LAZY = {
    "CONFIG_NAME": ".paths",
    "TrainingSetup": ".config",
    "training_config": ".config",
    "write_config": ".config",
    "SPLIT_FILES": ".dataset",
    "ExportReport": ".dataset",
    "count_rows": ".dataset",
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
    "MASKED_LABELS": ".metrics",
    "validity": ".erpo",
    "erpo_policy_loss": ".objective",
    "compute_erpo_outcome_advantage": ".estimator",
    "publish_environments": ".estimator",
    "AutoForgeAgentLoop": ".agent_loop",
    "ErpoReplayBuffer": ".replay",
    "InterleavedDataset": ".sampling",
    "interleaved_order": ".sampling",
    "Rollout": ".metrics",
    "rollout_metrics": ".metrics",
    "DryRun": ".preflight",
    "check_config": ".preflight",
    "compose_config": ".preflight",
    "dry_run": ".preflight",
    "HeuristicJudge": ".judge",
    "LLMJudge": ".judge",
    "UserErrorJudge": ".judge",
    "Verdict": ".judge",
    "make_judge": ".judge",
    "LocalChat": ".local_model",
    "smollm2_folder": ".local_model",
    "export_sft": ".sft",
}

__all__ = [
    "AutoForgeAgentLoop",
    "CONFIG_NAME",
    "DryRun",
    "ErpoConfig",
    "ErpoReplayBuffer",
    "ExportReport",
    "HeuristicJudge",
    "InterleavedDataset",
    "LLMJudge",
    "LocalChat",
    "LoopSettings",
    "MASKED_LABELS",
    "Rollout",
    "SPLIT_FILES",
    "TrainingError",
    "TrainingSetup",
    "UserErrorJudge",
    "Verdict",
    "agent_system_prompt",
    "check_config",
    "close_pools",
    "compose_config",
    "compute_erpo_outcome_advantage",
    "compute_score",
    "count_rows",
    "dataset_rows",
    "dry_run",
    "environment",
    "environment_pool",
    "erpo_advantages",
    "erpo_policy_loss",
    "export_dataset",
    "export_sft",
    "group_codes",
    "interleaved_order",
    "make_judge",
    "publish_environments",
    "replay_reward",
    "rollout_metrics",
    "smollm2_folder",
    "training_config",
    "trajectory_advantages",
    "validity",
    "write_config",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_LAZY[name], __name__), name)
