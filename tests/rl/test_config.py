"""The ERPO training config: written by `autoforge rl config`, accepted by veRL's own config validation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from autoforge.rl import TrainingSetup, training_config, write_config

RL = Path(__file__).resolve().parents[2] / "rl"


def test_the_committed_config_is_what_the_command_writes(tmp_path: Path) -> None:
    """rl/config/erpo.yaml equals a freshly written default config (regenerate it with `autoforge rl config`)."""
    written = write_config(tmp_path / "rl" / "config")
    committed = yaml.safe_load((RL / "config" / "erpo.yaml").read_text(encoding="utf-8"))
    assert committed == yaml.safe_load(written.read_text(encoding="utf-8"))


def test_the_defaults_are_the_papers_setup() -> None:
    """Qwen3-30B-A3B-Thinking, 32 prompts x 8 rollouts on 8 nodes of 8 GPUs, ERPO estimator and trainer mode."""
    config = training_config(TrainingSetup())
    assert config["actor_rollout_ref"]["model"]["path"] == "Qwen/Qwen3-30B-A3B-Thinking-2507"
    assert (config["data"]["train_batch_size"], config["actor_rollout_ref"]["rollout"]["n"]) == (32, 8)
    assert config["trainer"]["nnodes"] * config["trainer"]["n_gpus_per_node"] == 64
    assert config["algorithm"]["adv_estimator"] == "erpo"
    assert config["trainer"]["v1"]["trainer_mode"] == "erpo_sync"
    assert config["actor_rollout_ref"]["rollout"]["agent"]["default_agent_loop"] == "autoforge_agent"
    assert config["data"]["shuffle"] is False


def compose(folder: Path, overrides: list[str]):  # type: ignore[no-untyped-def]
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=str(folder.resolve()), version_base=None):
        return hydra_compose("erpo", overrides=overrides)


def script_overrides(name: str) -> list[str]:
    """The Hydra overrides a launch script passes, with shell variables given sample values."""
    text = (RL / "scripts" / name).read_text(encoding="utf-8").replace('"$NNODES"', "8")
    return re.findall(r"^\s+([a-z_][\w.]*=\S+?)\s*\\?$", text, flags=re.MULTILINE)


@pytest.mark.parametrize("script", [None, "train_single_node.sh", "train_multinode.sh"])
def test_verl_validation_accepts_the_config(script: str | None) -> None:
    """veRL composes rl/config/erpo.yaml over its ppo_trainer and validate_config accepts it, with each launch
    script's overrides too."""
    pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.trainer.ppo.v1 import get_trainer_cls
    from verl.utils.config import validate_config

    overrides = script_overrides(script) if script else []
    assert overrides or script is None
    config = compose(RL / "config", overrides)
    validate_config(config, use_reference_policy=need_reference_policy(config), use_critic=need_critic(config))
    assert config.algorithm.adv_estimator == "erpo"
    assert get_trainer_cls(config.trainer.v1.trainer_mode).__name__ == "ErpoTrainer"
    assert config.autoforge.user == "scripted"
    assert config.actor_rollout_ref.rollout.response_length == config.data.max_response_length
