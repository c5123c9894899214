"""Environments for training: loaded once per process, pinned to the exported hash, pooled per event loop."""

from __future__ import annotations

import pytest
from autoforge.rl import agent_system_prompt, close_pools, environment, environment_pool
from autoforge.servers.errors import SpecError


def test_an_environment_loads_once_per_process_by_name_or_folder() -> None:
    """A bundled name and its folder give the same loaded environment object."""
    by_name = environment("library-loans")
    assert by_name.path is not None
    assert environment(str(by_name.path)) is by_name
    assert environment("library-loans", by_name.sha256) is by_name


def test_a_changed_environment_is_refused_with_the_way_out() -> None:
    """A hash other than the environment's says the data must be exported again."""
    with pytest.raises(SpecError, match="export the dataset again"):
        environment("library-loans", "0" * 64)


def test_the_system_prompt_carries_the_environment_policy() -> None:
    """The policy's system prompt holds the environment's policy text between policy tags."""
    env = environment("clinic-appointments")
    prompt = agent_system_prompt(env)
    assert f"<policy>\n{env.spec.policy}\n</policy>" in prompt


async def test_pools_are_shared_within_an_event_loop_and_serve_episodes() -> None:
    """One pool per environment per loop; a leased connection runs an episode of a task."""
    env = environment("library-loans")
    pool = environment_pool(env)
    assert environment_pool(env) is pool
    try:
        async with pool.lease() as connection:
            episode = await connection.reset(next(iter(env.tasks)))
            await connection.close_episode(episode)
        assert pool.opened == 1
    finally:
        await close_pools()
    assert environment_pool(env) is not pool
    await close_pools()
