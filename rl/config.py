"""The Hydra config that trains a policy with ERPO on veRL, and the launch script beside it.

    autoforge rl config --data data/ --out runs/rl-config      # writes erpo.yaml and train.sh
    runs/rl-config/train.sh trainer.total_epochs=5              # checks, then python -m verl.trainer.main_ppo

The config extends veRL's own `ppo_trainer` and keeps veRL's synchronous trainer
(`trainer.v1.trainer_mode=sync`); ERPO's pieces plug into veRL's hooks: the `erpo` estimator, the
replay buffer `autoforge.rl.replay.ErpoReplayBuffer` as the custom sampler (environments for the
estimator, DAPO on valid rollouts, per-environment metrics), the interleaving dataset
`autoforge.rl.sampling.InterleavedDataset`, and the `autoforge_agent` loop. It is written from the
exported data: a training set smaller than one batch is refused, and the token budgets follow the
lengths. Defaults are the paper's where it states them (Qwen3-30B-A3B-Thinking, 32 prompts x 8
rollouts, 64 GPUs, DAPO's dynamic sampling); lengths and turn limits are ours.
"""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from .errors import TrainingError
from .paths import CONFIG_NAME, DEFAULT_FOLDER, LAUNCH_SCRIPT
from .settings import ErpoConfig, LoopSettings

__all__ = ["TrainingSetup", "training_config", "write_config"]

SAMPLER = {"path": "pkg://autoforge.rl.replay", "name": "ErpoReplayBuffer"}
DATASET = {"path": "pkg://autoforge.rl.sampling", "name": "InterleavedDataset"}

_HEADER = """\
# ERPO on veRL, written by `autoforge rl config`; extends veRL's ppo_trainer config.
# Check:  autoforge rl check {folder}
# Train:  {folder}/{script}   (or python -m verl.trainer.main_ppo --config-path=$PWD/{folder} --config-name={name})
# Override any key on those command lines (Hydra syntax), e.g. trainer.nnodes=1 autoforge.user=openai:gpt-4.1
"""

_SCRIPT = """\
#!/usr/bin/env bash
# ERPO on veRL with the config beside this script (written by `autoforge rl config`).
# Arguments are Hydra overrides, e.g. trainer.total_epochs=5 trainer.logger='[console,wandb]'
# On a Ray cluster: `ray start` on every node, keep the data and environment folders at the same
# path everywhere, and run this on the head node with RAY_ADDRESS=auto.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
autoforge rl check "$here" "$@"
exec python -m verl.trainer.main_ppo --config-path="$here" --config-name={name} "$@"
"""


class TrainingSetup(BaseModel):
    """What `autoforge rl config` asks for; the rest is fixed by ERPO or left to veRL's defaults."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="Qwen/Qwen3-30B-A3B-Thinking-2507", description="Policy checkpoint (HF id or path).")
    train_files: str = "data/train.parquet"
    val_files: str = "data/validation.parquet"
    prompts: int = Field(default=32, ge=1, description="Prompts per batch (the paper: 32).")
    rollouts: int = Field(default=8, ge=1, description="Rollouts per prompt (the paper: 8).")
    prompts_per_environment: int | None = Field(
        default=None, ge=1, description="Prompts of one environment kept together in a batch (None: batch / envs)."
    )
    nnodes: int = Field(default=8, ge=1, description="Nodes (the paper: 64 GPUs).")
    gpus_per_node: int = Field(default=8, ge=1)
    engine: str = Field(default="vllm", description="Rollout engine: vllm or sglang.")
    max_prompt_length: int = Field(default=8192, ge=1)
    max_response_length: int = Field(default=24576, ge=1)
    endpoint: str | None = Field(
        default=None, description="An OpenAI-compatible server for the simulated user and the judge."
    )
    endpoint_model: str | None = Field(default=None, description="The model name to ask `endpoint` for.")
    user: str | None = Field(default=None, description="Simulated user (None: the endpoint's model, else scripted).")
    judge: str | None = Field(
        default=None, description="User-error judge (None: the endpoint's model, else heuristic)."
    )
    erpo: ErpoConfig = Field(default_factory=ErpoConfig)
    logger: list[str] = Field(default_factory=lambda: ["console"], description="veRL trackers: console, wandb, ...")
    project: str = "autoforge"
    experiment: str = "erpo"

    def loop_settings(self) -> LoopSettings:
        """The `autoforge:` section: an LLM user and judge on the endpoint when one is given."""
        llm = f"openai:{self.endpoint_model}" if self.endpoint else None
        if self.endpoint and not self.endpoint_model:
            raise TrainingError("--endpoint needs --endpoint-model, the model name that server serves")
        options = {"base_url": self.endpoint} if self.endpoint else {}
        user = self.user or llm or "scripted"
        judge = self.judge or llm or "heuristic"
        return LoopSettings(
            user=user,
            user_options=options if user.startswith("openai:") else {},
            judge=judge,
            judge_options=options if judge.startswith("openai:") else {},
        )


def training_config(setup: TrainingSetup, train_rows: dict[str, int], validation_rows: int) -> dict[str, Any]:
    """The config as a mapping, to be merged over veRL's ppo_trainer; row counts come from the exported data."""
    total = sum(train_rows.values())
    if total < setup.prompts:
        raise TrainingError(
            f"{setup.train_files} holds {total} training prompts, fewer than one batch of {setup.prompts}: "
            "veRL would run 0 steps per epoch. Export more environments (autoforge rl export ...) "
            f"or pass --prompts {max(1, total)} or less"
        )
    tokens = setup.max_prompt_length + setup.max_response_length
    per_environment = setup.prompts_per_environment or max(1, setup.prompts // max(1, len(train_rows)))
    return {
        "hydra": {"searchpath": ["pkg://verl.trainer.config"]},
        "defaults": ["ppo_trainer", "_self_"],
        "algorithm": {
            "adv_estimator": "erpo",
            "norm_adv_by_std_in_grpo": setup.erpo.norm_by_std,
            "use_kl_in_reward": False,
            "erpo": setup.erpo.model_dump(exclude={"norm_by_std"}),
            "filter_groups": {"enable": True, "metric": "reward"},
        },
        "data": {
            "train_files": setup.train_files,
            "val_files": setup.val_files,
            "train_batch_size": setup.prompts,
            "shuffle": False,
            "custom_cls": DATASET,
            "prompts_per_environment": per_environment,
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
                "ppo_max_token_len_per_gpu": tokens,
                "loss_agg_mode": "token-mean",
                "use_kl_loss": False,
            },
            "rollout": {
                "name": setup.engine,
                "mode": "async",
                "n": setup.rollouts,
                "max_model_len": tokens,
                "agent": {"default_agent_loop": "autoforge_agent"},
                "multi_turn": {"format": "hermes", "max_parallel_calls": 8, "max_tool_response_length": 8192},
            },
        },
        "trainer": {
            "use_v1": True,
            "v1": {
                "trainer_mode": "sync",
                "sampler": {
                    "custom_sampler": SAMPLER,
                    "sampler_kwargs": {
                        "train_batch_size": "${data.train_batch_size}",
                        "gen_batch_size": "${data.gen_batch_size}",
                        "filter_groups": "${algorithm.filter_groups}",
                        "sync_refill_failed_groups": "${trainer.v1.sampler.sync_refill_failed_groups}",
                    },
                },
            },
            "nnodes": setup.nnodes,
            "n_gpus_per_node": setup.gpus_per_node,
            "project_name": setup.project,
            "experiment_name": setup.experiment,
            "logger": list(setup.logger),
            "val_before_train": validation_rows > 0,
        },
        "autoforge": setup.loop_settings().model_dump(),
    }


def write_config(folder: Path, setup: TrainingSetup | None = None) -> list[Path]:
    """Write `<folder>/erpo.yaml` and `<folder>/train.sh` from the exported data; return their paths.

    Refuses to write over a file that git tracks (the project's own files) and a dataset smaller
    than one batch.
    """
    from .dataset import count_rows  # loads the environments' modules: only when a config is written

    setup = setup or TrainingSetup()
    train = count_rows(Path(setup.train_files))
    validation = sum(count_rows(Path(setup.val_files)).values())
    body = yaml.safe_dump(training_config(setup, train, validation), sort_keys=False, default_flow_style=False)
    config, script = folder / f"{CONFIG_NAME}.yaml", folder / LAUNCH_SCRIPT
    for path in (config, script):
        if _tracked(path):
            raise TrainingError(
                f"{path} is a file the project tracks in git; write the config elsewhere, e.g. --out {DEFAULT_FOLDER}"
            )
    folder.mkdir(parents=True, exist_ok=True)
    shown = folder.as_posix()
    config.write_text(_HEADER.format(folder=shown, script=LAUNCH_SCRIPT, name=CONFIG_NAME) + body, encoding="utf-8")
    script.write_text(_SCRIPT.replace("{name}", CONFIG_NAME), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return [config, script]


def _tracked(path: Path) -> bool:
    """Whether git tracks `path` (False outside a repository or without git)."""
    parent = path.resolve().parent
    while not parent.exists():
        parent = parent.parent
    try:
        result = subprocess.run(
            ["git", "-C", str(parent), "ls-files", "--error-unmatch", str(path.resolve())],
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return result.returncode == 0
