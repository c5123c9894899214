"""ERPO as veRL's `erpo` estimator: equal to veRL's GRPO with one prompt per environment, through veRL's own calls."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")
pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

import numpy as np
from autoforge.rl import ErpoConfig, compute_erpo_outcome_advantage, environment_ids, erpo_advantages
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
def test_environment_ids_reach_the_estimator_through_verl_dispatch(batch: Batch) -> None:
    """Inside `environment_ids(...)`, veRL's own advantage step pools the std per environment."""
    config = AlgoConfig(adv_estimator="erpo")
    with environment_ids(batch.envs):
        result = compute_advantage(verl_batch(batch), "erpo", config=config)
    rewards, mask = batch.tensors(torch)
    expected = erpo_advantages(rewards.float(), mask.float(), batch.uids, batch.envs)
    assert torch.allclose(result.batch["advantages"], expected, atol=1e-6)
    assert torch.equal(result.batch["returns"], result.batch["advantages"])


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
    """A list of env ids shorter than the batch is refused with both counts."""
    with environment_ids(["a"]), pytest.raises(ValueError, match="1 environment ids for 2 trajectories"):
        compute_erpo_outcome_advantage(torch.zeros(2, 3), torch.ones(2, 3), np.array(["u", "u"], dtype=object))
