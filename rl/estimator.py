"""ERPO as veRL's `erpo` advantage estimator (`algorithm.adv_estimator=erpo`).

veRL calls an estimator with token-level rewards, the response mask, the prompt uids as `index` and
the algorithm config, but no per-sample metadata. Environments arrive either as `env_index` or by
uid: veRL's synchronous trainer samples each batch through our replay buffer (autoforge.rl.replay),
which reads every trajectory's `env_id` from the data veRL stores and calls `publish_environments`
before veRL's own advantage step runs in the same process. A uid nobody published (veRL's padding
rows, or no replay buffer at all) is its own environment, so without published environments ERPO is
exactly veRL's GRPO (same epsilon, unbiased std and singleton rule).

Options come from `algorithm.erpo` (see `ErpoConfig`); veRL's `algorithm.norm_adv_by_std_in_grpo`
decides the division by the std (false: Dr. GRPO) unless `algorithm.erpo.norm_by_std` is set too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from verl.trainer.ppo.core_algos import register_adv_est

from .erpo import erpo_advantages
from .settings import ErpoConfig

__all__ = [
    "ESTIMATOR_NAME",
    "compute_erpo_outcome_advantage",
    "erpo_config",
    "publish_environments",
    "published_environments",
]

ESTIMATOR_NAME = "erpo"

_ENVIRONMENTS: dict[str, str] = {}
"""Prompt uid -> environment of the batch sampled last in this process."""


def publish_environments(environments: Mapping[str, str]) -> None:
    """Make `environments` (prompt uid -> environment id) the ones the estimator groups the next batches by."""
    _ENVIRONMENTS.clear()
    _ENVIRONMENTS.update(environments)


def published_environments(index: Sequence[Any] | np.ndarray) -> np.ndarray:
    """The environment of each uid in `index`; a uid nobody published stands for itself."""
    return np.array([_ENVIRONMENTS.get(str(uid), uid) for uid in index], dtype=object)


def erpo_config(config: Any) -> ErpoConfig:
    """The ERPO options in veRL's algorithm config (a DictConfig or an AlgoConfig; None: the defaults)."""
    if config is None:
        return ErpoConfig()
    options = config.get("erpo", None) or {}
    if hasattr(options, "items"):
        options = {str(k): v for k, v in options.items() if v is not None}
    return ErpoConfig.model_validate({"norm_by_std": config.get("norm_adv_by_std_in_grpo", True), **options})


@register_adv_est(ESTIMATOR_NAME)
def compute_erpo_outcome_advantage(
    token_level_rewards: torch.Tensor,
    response_mask: torch.Tensor,
    index: np.ndarray | None = None,
    config: Any = None,
    env_index: np.ndarray | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """veRL's estimator signature: `(advantages, returns)`, both `[batch, response_length]` and equal."""
    if index is None:
        raise ValueError("the erpo estimator needs the prompt uids (`index`); veRL passes them as data uid")
    environments = env_index if env_index is not None else published_environments(index)
    if len(environments) != len(index):
        raise ValueError(f"erpo got {len(environments)} environment ids for {len(index)} trajectories")
    with torch.no_grad():
        advantages = erpo_advantages(
            token_level_rewards, response_mask, index, environments, config=erpo_config(config)
        )
    return advantages, advantages
