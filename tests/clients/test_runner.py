"""The runner: oracle and random agents over every transport, resuming, and many episodes at once."""

from __future__ import annotations

import pytest
from autoforge.clients import ResultsFile, evaluate
from autoforge.servers.locate import bundled_environments

SAMPLE = 3
"""Tasks per environment over the process transports (every task runs in-process)."""


@pytest.mark.parametrize("transport", ["inprocess", "stdio", "http"])
async def test_oracle_with_scripted_user_scores_one_on_every_bundled_environment(bundled, transport, tmp_path):
    """Replaying each task's solution and telling the user its facts verifies 1.0 over every transport.

    In-process runs every task of every bundled environment; stdio and HTTP start one server per
    environment and run the first tasks of each (the whole set takes minutes on two cores).
    """
    sample = None if transport == "inprocess" else [t for e in bundled for t in list(e.tasks)[:SAMPLE]]
    summary = await evaluate(bundled, transport=transport, concurrency=8, pool_size=1, task_ids=sample, out=tmp_path)
    assert [t.environment for t in summary.environments] == [p.name for p in bundled_environments()]
    for totals in summary.environments:
        assert totals.pass_hat[1] == 1.0, totals
        tasks = len(next(e for e in bundled if e.name == totals.environment).tasks)
        assert totals.episodes == totals.tasks == (tasks if sample is None else min(tasks, SAMPLE))
    assert summary.overall.labels == {"agent": 0, "user": 0, "infra": 0}
    records = ResultsFile(tmp_path / "results.jsonl").records()
    assert {r.transport for r in records} == {transport}
    assert all(r.termination == "user_stop" and r.trajectory[0].role == "user" for r in records)


async def test_random_agent_scores_far_below_the_oracle(handmade, tmp_path):
    """Schema-valid random calls are a floor: nearly every episode fails, labelled `agent`."""
    summary = await evaluate(handmade, agent="random", trials=2, concurrency=16, out=tmp_path)
    assert summary.overall.pass_hat[1] is not None and summary.overall.pass_hat[1] <= 0.1
    assert summary.overall.labels["agent"] >= 0.9 * summary.overall.episodes
    assert summary.overall.tool_calls > 0


async def test_rerun_skips_what_is_done_and_finishes_the_rest(library, tmp_path):
    """A rerun with more trials runs only the new trials; every (task, trial) has exactly one line."""
    first = await evaluate([library], trials=1, out=tmp_path)
    second = await evaluate([library], trials=3, out=tmp_path)
    third = await evaluate([library], trials=3, out=tmp_path)
    tasks = len(library.tasks)
    assert (first.ran, second.ran, second.skipped, third.ran) == (tasks, 2 * tasks, tasks, 0)
    keys = [(r.task_id, r.trial) for r in ResultsFile(tmp_path / "results.jsonl").records()]
    assert len(keys) == len(set(keys)) == 3 * tasks
    assert third.overall.pass_hat == {1: 1.0, 2: 1.0, 3: 1.0}


async def test_another_agent_is_a_new_configuration_in_the_same_file(library, tmp_path):
    """Results are keyed by the agent and user, so a different agent runs afresh beside the first."""
    await evaluate([library], agent="oracle", out=tmp_path)
    random = await evaluate([library], agent="random", out=tmp_path)
    assert random.ran == len(library.tasks) and random.skipped == 0
    assert {r.agent for r in ResultsFile(tmp_path / "results.jsonl").records()} == {"oracle", "random"}


async def test_a_thousand_concurrent_oracle_episodes_do_not_leak_into_each_other(handmade, tmp_path):
    """1,000+ episodes at concurrency 64, dozens of the same task at once: each verify sees exactly its own writes."""
    tasks = sum(len(e.tasks) for e in handmade)
    trials = -(-1000 // tasks)
    summary = await evaluate(handmade, trials=trials, concurrency=64, out=tmp_path)
    records = ResultsFile(tmp_path / "results.jsonl").records()
    assert len(records) == summary.ran == tasks * trials >= 1000
    assert all(r.reward == 1.0 for r in records)
    assert all(r.diff["missing"] == [] and r.diff["unexpected"] == [] for r in records)
    assert summary.overall.pass_hat[trials] == 1.0
