"""ERPO advantages: a rollout's reward minus its prompt group's mean, over its environment's reward spread.

    A_i = (r_i - mean{r_j : j valid, group(j) = group(i)}) / (std{r_j : j valid, env(j) = env(i)} + eps)

`r_i` is a trajectory's outcome reward (the sum of its token-level rewards, as in veRL). A trajectory
is *valid* unless the orchestrator labelled it `user` or `infra` or it is a padding row (an all-zero
response mask). Invalid trajectories take no part in any mean or standard deviation and get an
advantage of exactly 0, whatever their reward (NaN included).

The standard deviation pools every valid trajectory of the environment in the batch, all its prompts
together (the paper's Eq. 4); with one prompt per environment ERPO is GRPO. Edge cases follow veRL's
GRPO unless `singleton="zero"`:

    a group with one valid trajectory        its mean counts as 0          ("zero": advantage 0)
    an environment with one valid trajectory its std counts as 1           ("zero": advantage 0)
    zero variance in an environment          every reward equals its group mean, so the advantage is 0
                                             (up to float rounding, divided by `epsilon`)

`norm_by_std=False` drops the division (Dr. GRPO), leaving the reward minus the group mean.
Shifting all rewards of an environment by a constant changes no advantage, except that GRPO's rule
leaves a lone trajectory its raw reward (use `singleton="zero"` for exact shift invariance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .metrics import MASKED_LABELS
from .settings import ErpoConfig

__all__ = ["erpo_advantages", "group_codes", "trajectory_advantages", "validity"]


def validity(labels: Sequence[str | None]) -> torch.Tensor:
    """The validity mask for trajectories labelled by the orchestrator (`agent`, `user`, `infra` or none)."""
    return torch.tensor([label not in MASKED_LABELS for label in labels], dtype=torch.bool)


def group_codes(ids: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Dense integer codes for per-trajectory ids (prompt uids, environment names), in first-seen order."""
    codes: dict[Any, int] = {}
    values = np.asarray(ids, dtype=object).tolist()
    return np.fromiter((codes.setdefault(i, len(codes)) for i in values), dtype=np.int64, count=len(values))


def trajectory_advantages(
    scores: torch.Tensor,
    groups: Sequence[Any] | np.ndarray,
    environments: Sequence[Any] | np.ndarray | None = None,
    valid: torch.Tensor | None = None,
    config: ErpoConfig | None = None,
) -> torch.Tensor:
    """One advantage per trajectory from its reward, prompt group, environment and validity.

    `environments=None` treats each prompt group as its own environment (then ERPO is GRPO). The
    statistics run in float64 numpy: a few thousand values, where torch's per-operation overhead
    would cost more than the arithmetic.
    """
    config = config or ErpoConfig()
    size = scores.shape[0]
    ok = np.ones(size, dtype=bool) if valid is None else valid.detach().to(torch.bool).cpu().numpy()
    group = group_codes(groups)
    env = group if environments is None else group_codes(environments)
    if len(group) != size or len(env) != size or len(ok) != size:
        raise ValueError(
            f"ERPO needs one prompt group, environment and validity flag per trajectory: {size} rewards, "
            f"{len(group)} groups, {len(env)} environments, {len(ok)} flags"
        )
    raw = scores.detach().cpu().to(torch.float64).numpy()
    reward = np.where(ok, raw, 0.0)
    weight = ok.astype(np.float64)

    group_count = np.bincount(group, weights=weight, minlength=int(group.max(initial=-1)) + 1)
    group_mean = np.bincount(group, weights=reward, minlength=len(group_count)) / np.maximum(group_count, 1)
    env_count = np.bincount(env, weights=weight, minlength=int(env.max(initial=-1)) + 1)
    env_mean = np.bincount(env, weights=reward, minlength=len(env_count)) / np.maximum(env_count, 1)
    deviation = np.where(ok, reward - env_mean[env], 0.0)
    env_squares = np.bincount(env, weights=deviation * deviation, minlength=len(env_count))
    env_std = np.sqrt(env_squares / np.maximum(env_count - int(config.unbiased), 1))

    lone_in_group = group_count[group] == 1
    lone_in_env = env_count[env] == 1
    advantage = reward - np.where(lone_in_group, 0.0, group_mean[group])
    if config.norm_by_std:
        advantage = advantage / (np.where(lone_in_env, 1.0, env_std[env]) + config.epsilon)
    if config.singleton == "zero":
        advantage = np.where(lone_in_group, 0.0, advantage)
    result = torch.from_numpy(np.where(ok, advantage, 0.0))
    return result.to(device=scores.device, dtype=scores.dtype)


def nonempty_rows(response_mask: torch.Tensor) -> torch.Tensor:
    """Which rows of a `[batch, length]` mask hold a non-zero entry.

    A response usually opens with a policy token, so the first column settles most rows; only rows
    that open with 0 (padding, masked rollouts, responses opening with context tokens) are scanned.
    """
    if response_mask.shape[-1] == 0:
        return torch.zeros(response_mask.shape[0], dtype=torch.bool, device=response_mask.device)
    found = response_mask[:, 0] != 0
    rest = (~found).nonzero().squeeze(-1)
    if len(rest):
        found[rest] = (response_mask[rest] != 0).any(dim=-1)
    return found


def erpo_advantages(
    token_level_rewards: torch.Tensor,
    response_mask: torch.Tensor,
    groups: Sequence[Any] | np.ndarray,
    environments: Sequence[Any] | np.ndarray | None = None,
    valid: torch.Tensor | None = None,
    config: ErpoConfig | None = None,
) -> torch.Tensor:
    """Token-level ERPO advantages `[batch, response_length]`: each trajectory's advantage on its response tokens.

    Rows whose response mask is all zero (padding, user-error rollouts) are invalid on top of `valid`.
    """
    rows_valid = nonempty_rows(response_mask)
    if valid is not None:
        rows_valid = rows_valid & valid.to(device=rows_valid.device, dtype=torch.bool)
    scores = token_level_rewards.sum(dim=-1)
    advantages = trajectory_advantages(scores, groups, environments, rows_valid, config)
    return advantages.unsqueeze(-1) * response_mask.to(advantages.dtype)
