"""ERPO advantages as a plain torch function: masking, pooling, invariances and the documented edge cases."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")

from autoforge.rl import ErpoConfig, erpo_advantages, trajectory_advantages, validity
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import REWARDS, Batch, batches

PROPERTY = settings(deadline=None, max_examples=60)


def advantages(batch: Batch, config: ErpoConfig | None = None) -> torch.Tensor:
    rewards, mask = batch.tensors(torch)
    return erpo_advantages(rewards, mask, batch.uids, batch.envs, torch.tensor(batch.valid), config)


@PROPERTY
@given(batches(), st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=64, max_size=64))
def test_invalid_rows_get_exactly_zero_and_their_rewards_change_nothing(batch: Batch, noise: list[float]) -> None:
    """Invalid trajectories get advantage 0.0 on every token, and rewriting their rewards (even NaN) changes nothing."""
    before = advantages(batch)
    changed = Batch(
        batch.envs,
        batch.uids,
        [r if ok else noise[i] for i, (r, ok) in enumerate(zip(batch.rewards, batch.valid, strict=True))],
        batch.valid,
        batch.lengths,
    )
    after = advantages(changed)
    invalid = ~torch.tensor(batch.valid)
    assert torch.equal(before[invalid], torch.zeros_like(before[invalid]))
    assert torch.equal(before, after)


@PROPERTY
@given(batches(), st.lists(REWARDS, min_size=3, max_size=3))
def test_shifting_an_environments_rewards_leaves_its_advantages_unchanged(batch: Batch, shifts: list[float]) -> None:
    """Adding a constant to each environment's rewards changes no advantage (GRPO's lone-rollout rule aside)."""
    shifted = Batch(
        batch.envs,
        batch.uids,
        [r + shifts[int(e.split("-")[1])] for r, e in zip(batch.rewards, batch.envs, strict=True)],
        batch.valid,
        batch.lengths,
    )
    zero = ErpoConfig(singleton="zero")
    assert torch.allclose(advantages(batch, zero), advantages(shifted, zero), atol=1e-6)
    lone = [sum(u == v and ok for v, ok in zip(batch.uids, batch.valid, strict=True)) == 1 for u in batch.uids]
    kept = ~torch.tensor(lone)  # GRPO's convention leaves a lone rollout its raw reward, which a shift moves
    assert torch.allclose(advantages(batch)[kept], advantages(shifted)[kept], atol=1e-6)


@PROPERTY
@given(batches(), st.integers(1, 6), REWARDS)
def test_padding_rows_never_shift_the_statistics(batch: Batch, pads: int, reward: float) -> None:
    """veRL's padding rows (copies of the first row with an all-zero mask) leave every real row's advantage as it was."""
    rewards, mask = batch.tensors(torch)
    valid = torch.tensor(batch.valid)
    before = erpo_advantages(rewards, mask, batch.uids, batch.envs, valid)
    pad_rewards = torch.cat([rewards, torch.full((pads, rewards.shape[1]), reward, dtype=rewards.dtype)])
    pad_mask = torch.cat([mask, torch.zeros(pads, mask.shape[1], dtype=mask.dtype)])
    uids = batch.uids + [f"pad{i}" for i in range(pads)]
    envs = batch.envs + [batch.envs[0]] * pads
    after = erpo_advantages(pad_rewards, pad_mask, uids, envs, torch.cat([valid, torch.ones(pads, dtype=torch.bool)]))
    assert torch.equal(after[: len(batch.uids)], before)
    assert torch.equal(after[len(batch.uids) :], torch.zeros(pads, mask.shape[1], dtype=mask.dtype))


@PROPERTY
@given(batches(invalid=False))
def test_identical_prompt_compositions_make_erpo_equal_grpo(batch: Batch) -> None:
    """When every prompt of an environment has the same multiset of rewards, ERPO equals per-prompt GRPO (unbiased std)."""
    template = {e: sorted(r for r, e2 in zip(batch.rewards, batch.envs, strict=True) if e2 == e) for e in batch.envs}
    per_env = {e: (template[e] * 2)[: max(2, min(3, len(template[e])))] for e in template}
    envs, uids, rewards = [], [], []
    for e, values in per_env.items():
        for p in range(2):
            for r in values:
                envs.append(e)
                uids.append(f"{e}:{p}")
                rewards.append(r)
    scores = torch.tensor(rewards, dtype=torch.float64)
    by_env = trajectory_advantages(scores, uids, envs, config=ErpoConfig(unbiased=False))
    by_prompt = trajectory_advantages(scores, uids, None, config=ErpoConfig(unbiased=False))
    assert torch.allclose(by_env, by_prompt, atol=1e-9)


def test_pooled_std_divides_the_prompt_centred_reward() -> None:
    """Two prompts of one environment: each centred on its own mean, both scaled by the std of all four rewards."""
    scores = torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    result = trajectory_advantages(scores, ["a", "a", "b", "b"], ["env", "env", "env", "env"])
    pooled = torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=torch.float64).std()
    expected = torch.tensor([0.5, -0.5, 0.0, 0.0], dtype=torch.float64) / (pooled + 1e-6)
    assert torch.allclose(result, expected, atol=1e-12)
    grpo = trajectory_advantages(scores, ["a", "a", "b", "b"])
    assert result[0] > grpo[0]  # prompt b never varies: the pooled std (0.50) is below prompt a's own (0.71)


def test_advantages_are_broadcast_over_response_tokens_only() -> None:
    """A trajectory's advantage sits on each of its response tokens and nowhere else."""
    rewards = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    result = erpo_advantages(rewards, mask, ["u", "u"], ["e", "e"])
    value = 0.5 / (math.sqrt(0.5) + 1e-6)
    assert torch.allclose(result, torch.tensor([[value, value, 0.0], [-value, -value, -value]]))


def test_a_lone_valid_trajectory_follows_grpo_or_gets_zero() -> None:
    """One valid trajectory in its group and environment: GRPO's rule (mean 0, std 1) by default, 0 with singleton=zero."""
    scores = torch.tensor([1.0, 0.25, 7.0])
    valid = torch.tensor([True, True, False])
    groups, envs = ["a", "b", "b"], ["e1", "e2", "e2"]
    default = trajectory_advantages(scores, groups, envs, valid)
    assert torch.allclose(default, torch.tensor([1.0 / (1 + 1e-6), 0.25 / (1 + 1e-6), 0.0]))
    assert torch.equal(trajectory_advantages(scores, groups, envs, valid, ErpoConfig(singleton="zero")), torch.zeros(3))


def test_a_lone_trajectory_of_its_prompt_keeps_the_environment_scale() -> None:
    """A prompt with one valid rollout in a larger environment: GRPO's mean 0, divided by the environment's std."""
    scores = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    result = trajectory_advantages(scores, ["a", "b", "b"], ["e", "e", "e"])
    std = scores.std()
    assert torch.allclose(result, torch.tensor([1.0, -0.5, 0.5], dtype=torch.float64) / (std + 1e-6))
    zero = trajectory_advantages(scores, ["a", "b", "b"], ["e", "e", "e"], config=ErpoConfig(singleton="zero"))
    assert zero[0] == 0.0 and torch.allclose(zero[1:], result[1:])


def test_zero_variance_environment_gives_zero_advantages() -> None:
    """All valid rewards of an environment equal: every advantage is 0 and nothing is NaN."""
    scores = torch.tensor([0.5, 0.5, 0.5, 0.5, 3.0])
    valid = torch.tensor([True, True, True, True, False])
    result = trajectory_advantages(scores, ["a", "a", "b", "b", "b"], ["e"] * 5, valid)
    assert torch.equal(result, torch.zeros(5))


def test_all_masked_batch_is_all_zero_without_nan() -> None:
    """A batch where every trajectory is masked gives zeros, not NaN."""
    rewards = torch.ones(3, 2)
    result = erpo_advantages(rewards, torch.zeros(3, 2), ["a", "a", "b"], ["e", "e", "e"])
    assert torch.equal(result, torch.zeros(3, 2))


def test_without_std_normalisation_the_advantage_is_the_centred_reward() -> None:
    """norm_by_std=False (Dr. GRPO) gives reward minus the prompt group's mean of valid rewards."""
    scores = torch.tensor([1.0, 0.0, 0.0, 9.0])
    valid = torch.tensor([True, True, True, False])
    result = trajectory_advantages(scores, ["a"] * 4, ["e"] * 4, valid, ErpoConfig(norm_by_std=False))
    assert torch.allclose(result, torch.tensor([2 / 3, -1 / 3, -1 / 3, 0.0]))


def test_mismatched_lengths_are_refused() -> None:
    """One environment id per trajectory is required; a short list is an error naming the counts."""
    with pytest.raises(ValueError, match="3 rewards, 3 groups, 2 environments"):
        trajectory_advantages(torch.zeros(3), ["a", "b", "c"], ["e", "e"])


def test_orchestrator_labels_give_the_validity_mask() -> None:
    """Trajectories labelled user or infra are invalid; agent failures and passes are valid."""
    assert validity(["agent", None, "user", "infra", ""]).tolist() == [True, True, False, False, True]
