"""Rollout metrics of one training step, per environment and overall, as veRL's tracking logs them.

    autoforge/<env>/reward_mean            mean reward of the valid rollouts (the ones ERPO trains on)
    autoforge/<env>/pass_rate              fraction of valid rollouts with reward 1
    autoforge/<env>/masked_fraction/user   fraction of all rollouts masked because the simulated user erred
    autoforge/<env>/masked_fraction/infra  ... because the server, transport or judge failed
    autoforge/<env>/filtered_fraction      prompt groups DAPO dropped (no learning signal) over groups generated
    autoforge/<env>/turns_mean             agent messages to the user per rollout
    autoforge/<env>/tool_calls_mean        tool calls per rollout
    autoforge/<env>/tool_errors_mean       tool calls that came back as errors, per rollout
    autoforge/<env>/response_length_mean   response tokens per rollout (policy, tool and user tokens)
    autoforge/<env>/rollouts               rollouts in the batch

`autoforge/overall/...` holds the same over the whole batch. A group is counted in
`filtered_fraction` once, in the step whose sampling dropped it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

__all__ = ["MASKED_LABELS", "OVERALL", "Rollout", "rollout_metrics"]

MASKED_LABELS = ("user", "infra")
"""Orchestrator labels whose trajectories ERPO leaves out (the simulated user broke its scenario; infrastructure).
Kept here, beside the metrics that count them, so that neither needs torch."""
OVERALL = "overall"
PREFIX = "autoforge"


@dataclass(frozen=True)
class Rollout:
    """What the metrics need of one trajectory."""

    environment: str
    group: str
    reward: float
    valid: bool
    label: str = ""
    turns: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    response_length: int = 0


def rollout_metrics(rollouts: Sequence[Rollout], filtered: Mapping[str, int] | None = None) -> dict[str, float]:
    """The step's metrics from its sampled rollouts and the groups DAPO filtered per environment."""
    filtered = filtered or {}
    environments = sorted({r.environment for r in rollouts} | set(filtered))
    metrics: dict[str, float] = {}
    for name in [*environments, OVERALL]:
        chosen = [r for r in rollouts if name in (OVERALL, r.environment)]
        dropped = sum(filtered.values()) if name == OVERALL else filtered.get(name, 0)
        metrics.update({f"{PREFIX}/{name}/{key}": value for key, value in _summary(chosen, dropped).items()})
    return metrics


def _summary(rollouts: Sequence[Rollout], dropped: int) -> dict[str, float]:
    valid = [r for r in rollouts if r.valid]
    groups = len({r.group for r in rollouts})
    summary = {
        "rollouts": float(len(rollouts)),
        "filtered_fraction": dropped / (dropped + groups) if dropped + groups else 0.0,
    }
    if not rollouts:
        return summary
    summary.update(
        {
            "reward_mean": fmean(r.reward for r in valid) if valid else 0.0,
            "pass_rate": fmean(float(r.reward >= 1.0) for r in valid) if valid else 0.0,
            **{f"masked_fraction/{label}": fmean(float(r.label == label) for r in rollouts) for label in MASKED_LABELS},
            "turns_mean": fmean(r.turns for r in rollouts),
            "tool_calls_mean": fmean(r.tool_calls for r in rollouts),
            "tool_errors_mean": fmean(r.tool_errors for r in rollouts),
            "response_length_mean": fmean(r.response_length for r in rollouts),
        }
    )
    return summary
