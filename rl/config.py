"""The Hydra config that trains a policy with ERPO on veRL: rl/config/erpo.yaml.

    python -m verl.trainer.main_ppo --config-path=$PWD/rl/config --config-name=erpo

It extends veRL's own `ppo_trainer` config and sets what ERPO needs: the `erpo` estimator, the
`erpo_sync` trainer mode (environment ids reach the estimator), the `autoforge_agent` loop, the
exported parquet files (unshuffled, so batches stay environment-blocked) and DAPO's dynamic sampling.
Defaults are the paper's where it states them (Qwen3-30B-A3B-Thinking, 32 prompts x 8 rollouts,
64 GPUs, i.e. 8 nodes of 8); lengths and turn limits are ours (the paper does not give them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .settings import ErpoConfig, LoopSettings

__all__ = ["CONFIG_NAME", "TrainingSetup", "training_config", "write_config"]

CONFIG_NAME = "erpo"

_HEADER = """\
# ERPO on veRL, written by `autoforge rl config`; extends veRL's ppo_trainer config.
# Train: python -m verl.trainer.main_ppo --config-path=$PWD/{folder} --config-name={name}
# Override any key on that command line (Hydra syntax), e.g. trainer.nnodes=1 autoforge.user=openai:gpt-4.1
"""


class TrainingSetup(BaseModel):
    """What `autoforge rl config` asks for; the rest is fixed by ERPO or left to veRL's defaults."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="Qwen/Qwen3-30B-A3B-Thinking-2507", description="Policy checkpoint (HF id or path).")
    train_files: str = "data/train.parquet"
    val_files: str = "data/validation.parquet"
    prompts: int = Field(default=32, ge=1, description="Prompts per batch (the paper: 32).")
    rollouts: int = Field(default=8, ge=1, description="Rollouts per prompt (the paper: 8).")
    nnodes: int = Field(default=8, ge=1, description="Nodes (the paper: 64 GPUs).")
    gpus_per_node: int = Field(default=8, ge=1)
    engine: str = Field(default="vllm", description="Rollout engine: vllm or sglang.")
    max_prompt_length: int = 8192
    max_response_length: int = 24576
    user: str = Field(default="scripted", description="Simulated user (the paper: an LLM, GPT-4.1).")
    erpo: ErpoConfig = Field(default_factory=ErpoConfig)
    project: str = "autoforge"
    experiment: str = "erpo"


def training_config(setup: TrainingSetup) -> dict[str, Any]:
    """The config as a mapping, to be merged over veRL's ppo_trainer."""
    return {
        "hydra": {"searchpath": ["pkg://verl.trainer.config"]},
        "defaults": ["ppo_trainer", "_self_"],
        "algorithm": {
            "adv_estimator": "erpo",
            "norm_adv_by_std_in_grpo": setup.erpo.norm_by_std,
            "use_kl_in_reward": False,
            "erpo": setup.erpo.model_dump(),
            "filter_groups": {"enable": True, "metric": "reward"},
        },
        "data": {
            "train_files": setup.train_files,
            "val_files": setup.val_files,
            "train_batch_size": setup.prompts,
            "shuffle": False,
            "return_raw_chat": True,
            "max_prompt_length": setup.max_prompt_length,
            "max_response_length": setup.max_response_length,
            "filter_overlong_prompts": False,
            "truncation": "error",
        },
        "actor_rollout_ref": {
            "model": {"path": setup.model},
            "actor": {
                "ppo_mini_batch_size": setup.prompts,
                "use_dynamic_bsz": True,
                "loss_agg_mode": "token-mean",
                "use_kl_loss": False,
            },
            "rollout": {
                "name": setup.engine,
                "mode": "async",
                "n": setup.rollouts,
                "agent": {"default_agent_loop": "autoforge_agent"},
                "multi_turn": {"format": "hermes", "max_parallel_calls": 8, "max_tool_response_length": 8192},
            },
        },
        "trainer": {
            "use_v1": True,
            "v1": {"trainer_mode": "erpo_sync"},
            "nnodes": setup.nnodes,
            "n_gpus_per_node": setup.gpus_per_node,
            "project_name": setup.project,
            "experiment_name": setup.experiment,
            "logger": ["console"],
        },
        "autoforge": LoopSettings(user=setup.user).model_dump(),
    }


def write_config(folder: Path, setup: TrainingSetup | None = None) -> Path:
    """Write `<folder>/erpo.yaml` and return its path."""
    setup = setup or TrainingSetup()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{CONFIG_NAME}.yaml"
    body = yaml.safe_dump(training_config(setup), sort_keys=False, default_flow_style=False)
    path.write_text(_HEADER.format(folder=folder.as_posix(), name=CONFIG_NAME) + body, encoding="utf-8")
    return path
