"""ERPO as veRL's `erpo` advantage estimator (`algorithm.adv_estimator=erpo`).

veRL calls an estimator with token-level rewards, the response mask, the prompt uids as `index` and
the algorithm config, but no per-sample metadata. Environment ids arrive either as `env_index` or
through `environment_ids(...)`, which the `erpo_sync` trainer wraps around veRL's own advantage step.
Without them each prompt group is its own environment and ERPO is exactly veRL's GRPO (same
epsilon, unbiased std and singleton rule). Options come from `algorithm.erpo` (see `ErpoConfig`);
`algorithm.norm_adv_by_std_in_grpo` sets `norm_by_std` unless `algorithm.erpo` says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import torch
from verl.trainer.ppo.core_algos import register_adv_est

from .erpo import erpo_advantages
from .settings import ErpoConfig

__all__ = ["ESTIMATOR_NAME", "compute_erpo_outcome_advantage", "environment_ids", "erpo_config"]

ESTIMATOR_NAME = "erpo"

_ENVIRONMENT_IDS: ContextVar[np.ndarray | None] = ContextVar("autoforge_environment_ids", default=None)


@contextmanager
def environment_ids(ids: Sequence[Any] | np.ndarray) -> Iterator[None]:
    """Make `ids` (one environment per row, in batch order) the environments of estimator calls inside."""
    token = _ENVIRONMENT_IDS.set(np.asarray(ids, dtype=object))
    try:
        yield
    finally:
        _ENVIRONMENT_IDS.reset(token)


def erpo_config(config: Any) -> ErpoConfig:
    """The ERPO options in veRL's algorithm config (a DictConfig or an AlgoConfig; None: the defaults)."""
    if config is None:
        return ErpoConfig()
    options = config.get("erpo", None) or {}
    if hasattr(options, "items"):
        options = {str(k): v for k, v in options.items()}
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
    environments = env_index if env_index is not None else _ENVIRONMENT_IDS.get()
    if environments is not None and len(environments) != len(index):
        raise ValueError(
            f"erpo got {len(environments)} environment ids for {len(index)} trajectories; "
            "environment_ids(...) must list one id per row of the batch, in batch order"
        )
    with torch.no_grad():
        advantages = erpo_advantages(
            token_level_rewards, response_mask, index, environments, config=erpo_config(config)
        )
    return advantages, advantages
