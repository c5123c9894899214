"""Rollout metrics per environment and overall: rewards and pass rates of valid rollouts, masked and filtered fractions."""

from __future__ import annotations

import pytest
from autoforge.rl import Rollout, rollout_metrics


def test_metrics_per_environment_and_overall() -> None:
    """Reward and pass rate count valid rollouts only; masked fractions count all rollouts by label; the filtered
    fraction is DAPO-dropped groups over all groups generated; the rest are means per rollout."""
    rollouts = [
        Rollout("retail", "g1", 1.0, True, "", turns=2, tool_calls=4, tool_errors=1, response_length=100),
        Rollout("retail", "g1", 0.0, True, "agent", turns=4, tool_calls=2, tool_errors=0, response_length=300),
        Rollout("retail", "g1", 1.0, False, "user", turns=1, tool_calls=0, tool_errors=0, response_length=20),
        Rollout("flights", "g2", 0.0, False, "infra", turns=0, tool_calls=1, tool_errors=1, response_length=10),
    ]
    metrics = rollout_metrics(rollouts, {"flights": 1, "hotels": 2})
    assert metrics["autoforge/retail/reward_mean"] == 0.5
    assert metrics["autoforge/retail/pass_rate"] == 0.5
    assert metrics["autoforge/retail/masked_fraction/user"] == pytest.approx(1 / 3)
    assert metrics["autoforge/retail/masked_fraction/infra"] == 0.0
    assert metrics["autoforge/retail/turns_mean"] == pytest.approx(7 / 3)
    assert metrics["autoforge/retail/tool_errors_mean"] == pytest.approx(1 / 3)
    assert metrics["autoforge/retail/response_length_mean"] == 140
    assert metrics["autoforge/flights/filtered_fraction"] == 0.5
    assert metrics["autoforge/flights/reward_mean"] == 0.0  # no valid rollout
    assert metrics["autoforge/hotels/filtered_fraction"] == 1.0 and metrics["autoforge/hotels/rollouts"] == 0
    assert metrics["autoforge/overall/filtered_fraction"] == 0.6  # 3 dropped of 5 groups
    assert metrics["autoforge/overall/masked_fraction/infra"] == 0.25
    assert metrics["autoforge/overall/rollouts"] == 4
