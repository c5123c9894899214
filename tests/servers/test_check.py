"""Every bundled task replays to 1.0 through MCP, and an empty trajectory fails every task that writes."""

from __future__ import annotations

import pytest
from autoforge.servers import check_env, load_server

from .conftest import bundled_ids, bundled_path


@pytest.mark.parametrize("name", bundled_ids())
async def test_bundled_environment_passes_check_env(name: str) -> None:
    """Oracle replay (two orders) verifies 1.0, empty trajectories fail, replays are deterministic."""
    report = await check_env(load_server(bundled_path(name)))
    assert report.tasks, f"{name} has no tasks"
    assert report.passed, [(t.task_id, t.problems) for t in report.failures]
    for task in report.tasks:
        assert task.oracle_reward == 1.0 and task.empty_reward == 0.0


async def test_check_env_catches_a_task_whose_expectation_is_wrong() -> None:
    """A task whose expected changes do not follow from its solution is reported, not passed."""
    server = load_server(bundled_path("library-loans"))
    task = server.environment.tasks["update-email"]
    wrong = task.model_copy(update={"expected": task.expected.model_copy(update={"changes": ()})})
    server.environment.tasks = {task.id: wrong}
    server.episodes.tasks = server.environment.tasks
    report = await check_env(server)
    assert not report.passed
    assert "oracle replay does not verify 1.0" in report.failures[0].problems
