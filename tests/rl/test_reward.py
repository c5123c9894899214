"""The reward function for veRL's reward manager: a rollout's recorded calls replayed on a fresh episode."""

from __future__ import annotations

import json

import pytest
from autoforge.rl import compute_score, environment, replay_reward
from autoforge.servers import oracle_transcript

TASK = "renew-one-of-two"


def oracle_calls() -> list[dict[str, object]]:
    task = environment("library-loans").tasks[TASK]
    return [{"name": n.tool, "arguments": dict(n.arguments)} for n in task.solution.calls]


async def test_replaying_the_oracle_verifies_and_a_wrong_call_does_not() -> None:
    """The oracle's calls and report score 1.0; the same with a different renewal length, or no report, score 0.0."""
    report = oracle_transcript(environment("library-loans").tasks[TASK])
    assert await replay_reward("library-loans", TASK, oracle_calls(), report) == 1.0
    assert await replay_reward("library-loans", TASK, oracle_calls(), []) == 0.0
    wrong = [*oracle_calls()[:-1], {"name": "renew_loan", "arguments": {"loan_id": "L-131", "days": 7}}]
    assert await replay_reward("library-loans", TASK, wrong, report) == 0.0


async def test_malformed_and_unknown_calls_are_skipped_as_in_the_rollout() -> None:
    """Calls the loop never sent (unknown tools, non-object arguments) are not replayed either."""
    report = oracle_transcript(environment("library-loans").tasks[TASK])
    noise = [{"name": "launch_rockets", "arguments": {}}, {"name": "renew_loan", "arguments": None}]
    assert await replay_reward("library-loans", TASK, noise + oracle_calls(), report) == 1.0


async def test_compute_score_reads_the_episode_the_loop_recorded() -> None:
    """veRL's compute_score contract: the score and the loop's label and mask, from extra_info."""
    env = environment("library-loans")
    episode = {"calls": oracle_calls(), "agent_messages": oracle_transcript(env.tasks[TASK])}
    info = {"env_ref": "library-loans", "env_sha256": env.sha256, "episode": json.dumps(episode), "label": ""}
    assert await compute_score("autoforge/library-loans", "", TASK, info) == {
        "score": 1.0,
        "masked": False,
        "label": "",
    }
    with pytest.raises(ValueError, match="no recorded episode"):
        await compute_score("autoforge/library-loans", "text", TASK, {"index": 0})
