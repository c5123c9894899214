"""ERPO as veRL's `erpo` estimator: equal to veRL's GRPO with one prompt per environment, through veRL's own calls."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")
pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

import numpy as np
from autoforge.rl import ErpoConfig, compute_erpo_outcome_advantage, erpo_advantages, publish_environments
from autoforge.rl.estimator import erpo_config
from hypothesis import given, settings
from omegaconf import OmegaConf
from verl import DataProto
from verl.trainer.config import AlgoConfig
from verl.trainer.ppo.core_algos import ADV_ESTIMATOR_REGISTRY, compute_grpo_outcome_advantage
from verl.trainer.ppo.ray_trainer import compute_advantage
from verl.trainer.ppo.v1.utils import compute_advantage_for_multi_trajectories

from .conftest import Batch, batches

PROPERTY = settings(deadline=None, max_examples=60)


def one_prompt_per_env(batch: Batch) -> list[str]:
    return [f"env-of-{uid}" for uid in batch.uids]


def verl_batch(batch: Batch) -> DataProto:
    rewards, mask = batch.tensors(torch)
    return DataProto.from_dict(
        tensors={"token_level_rewards": rewards.float(), "response_mask": mask.float()},
        non_tensors={"uid": np.array(batch.uids, dtype=object)},
    )


@PROPERTY
@given(batches(invalid=False))
def test_one_prompt_per_environment_equals_verl_grpo(batch: Batch) -> None:
    """With each prompt its own environment, ERPO's advantages are veRL GRPO's on the same batch."""
    rewards, mask = (t.float() for t in batch.tensors(torch))
    grpo, _ = compute_grpo_outcome_advantage(rewards, mask, np.array(batch.uids, dtype=object))
    erpo = erpo_advantages(rewards, mask, batch.uids, one_prompt_per_env(batch))
    assert torch.allclose(erpo, grpo, atol=1e-5)


@PROPERTY
@given(batches())
def test_masked_rows_are_left_out_as_if_absent(batch: Batch) -> None:
    """With invalid rows, ERPO (one prompt per environment) is veRL GRPO on the valid rows alone, and 0 elsewhere."""
    rewards, mask = (t.float() for t in batch.tensors(torch))
    valid = torch.tensor(batch.valid)
    erpo = erpo_advantages(rewards, mask, batch.uids, one_prompt_per_env(batch), valid)
    assert torch.equal(erpo[~valid], torch.zeros_like(erpo[~valid]))
    if valid.any():
        kept = np.array(batch.uids, dtype=object)[valid.numpy()]
        grpo, _ = compute_grpo_outcome_advantage(rewards[valid], mask[valid], kept)
        assert torch.allclose(erpo[valid], grpo, atol=1e-5)


@PROPERTY
@given(batches(invalid=False))
def test_without_environment_ids_verl_dispatch_gives_grpo(batch: Batch) -> None:
    """Through veRL's compute_advantage (legacy and v1), `erpo` without env ids equals `grpo`, Dr. GRPO too."""
    keys = [f"{uid}_{i}_0" for i, uid in enumerate(batch.uids)]
    for norm in (True, False):
        config = AlgoConfig(adv_estimator="erpo", norm_adv_by_std_in_grpo=norm)
        ours = compute_advantage(verl_batch(batch), "erpo", norm_adv_by_std_in_grpo=norm, config=config)
        grpo = compute_advantage(verl_batch(batch), "grpo", norm_adv_by_std_in_grpo=norm, config=config)
        assert torch.allclose(ours.batch["advantages"], grpo.batch["advantages"], atol=1e-5)
        v1 = compute_advantage_for_multi_trajectories(
            verl_batch(batch), keys, "erpo", norm_adv_by_std_in_grpo=norm, config=config
        )
        v1_grpo = compute_advantage_for_multi_trajectories(
            verl_batch(batch), keys, "grpo", norm_adv_by_std_in_grpo=norm, config=config
        )
        assert torch.allclose(v1.batch["advantages"], v1_grpo.batch["advantages"], atol=1e-5)


@PROPERTY
@given(batches(invalid=False))
def test_published_environments_reach_the_estimator_through_verl_dispatch(batch: Batch) -> None:
    """Once each prompt's environment is published (as the replay buffer does), veRL's own advantage step pools
    the std per environment; uids nobody published (veRL's padding rows) stay their own group."""
    config = AlgoConfig(adv_estimator="erpo")
    publish_environments(dict(zip(batch.uids, batch.envs, strict=True)))
    try:
        result = compute_advantage(verl_batch(batch), "erpo", config=config)
    finally:
        publish_environments({})
    rewards, mask = batch.tensors(torch)
    expected = erpo_advantages(rewards.float(), mask.float(), batch.uids, batch.envs)
    assert torch.allclose(result.batch["advantages"], expected, atol=1e-6)
    assert torch.equal(result.batch["returns"], result.batch["advantages"])


def test_dr_grpo_is_verls_own_switch(tmp_path: Path) -> None:
    """algorithm.norm_adv_by_std_in_grpo=false in the written config makes the erpo estimator, called by veRL's
    advantage step with that algorithm config, give reward minus group mean (no division by the std)."""
    from autoforge.rl import TrainingSetup, compose_config, export_dataset, write_config

    export_dataset(["library-loans"], tmp_path / "data")
    setup = TrainingSetup(
        train_files=str(tmp_path / "data/train.parquet"), val_files=str(tmp_path / "data/validation.parquet"), prompts=4
    )
    write_config(tmp_path / "cfg", setup)
    rewards = torch.tensor([[0.0, 1.0], [0.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    mask = torch.ones(4, 2)
    uids = np.array(["a", "a", "b", "b"], dtype=object)
    results = {}
    for norm in ("true", "false"):
        algorithm = compose_config(tmp_path / "cfg", [f"algorithm.norm_adv_by_std_in_grpo={norm}"]).algorithm
        data = DataProto.from_dict(
            tensors={"token_level_rewards": rewards, "response_mask": mask}, non_tensors={"uid": uids}
        )
        results[norm] = compute_advantage(data, "erpo", config=algorithm).batch["advantages"][:, -1]
    assert torch.allclose(results["false"], torch.tensor([0.5, -0.5, 0.0, 0.0]))
    assert torch.allclose(results["true"], torch.tensor([0.5, -0.5, 0.0, 0.0]) / (0.5**0.5 + 1e-6), atol=1e-5)


def test_erpo_is_a_registered_estimator() -> None:
    """`algorithm.adv_estimator=erpo` resolves to our function."""
    assert ADV_ESTIMATOR_REGISTRY["erpo"] is compute_erpo_outcome_advantage


def test_options_come_from_the_algorithm_config() -> None:
    """algorithm.erpo sets ERPO's options; norm_adv_by_std_in_grpo sets norm_by_std unless erpo overrides it."""
    config = OmegaConf.create({"norm_adv_by_std_in_grpo": False, "erpo": {"singleton": "zero", "epsilon": 1e-4}})
    assert erpo_config(config) == ErpoConfig(norm_by_std=False, singleton="zero", epsilon=1e-4)
    assert erpo_config(AlgoConfig()) == ErpoConfig()
    with pytest.raises(ValueError, match="singleton"):
        erpo_config(OmegaConf.create({"erpo": {"singleton": "sometimes"}}))


def test_environment_ids_must_cover_the_batch() -> None:
    """Explicit env ids shorter than the batch are refused with both counts."""
    with pytest.raises(ValueError, match="1 environment ids for 2 trajectories"):
        compute_erpo_outcome_advantage(
            torch.zeros(2, 3), torch.ones(2, 3), np.array(["u", "u"], dtype=object), env_index=np.array(["e"])
        )
