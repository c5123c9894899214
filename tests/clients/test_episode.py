"""The episode loop: endings, limits, timeouts, cancellation and labels, on a real in-process server."""

from __future__ import annotations

import asyncio

import pytest
from autoforge.clients import (
    Agent,
    AgentTurn,
    Connection,
    Endpoint,
    Limits,
    OracleAgent,
    ScriptedUser,
    SimulatedUser,
    UserTurn,
    run_episode,
)

TASK = "renew-one-of-two"


class Chatterbox(Agent):
    """Never does the work: asks the user something unrelated every turn."""

    name = "chatterbox"

    async def act(self, context, history):
        return AgentTurn(text="Lovely weather today, isn't it?")


class Sleeper(Agent):
    """Takes far too long to answer."""

    name = "sleeper"

    async def act(self, context, history):
        await asyncio.sleep(30)
        return AgentTurn(text="done")


class Transferring(SimulatedUser):
    """States the goal, then asks for a human."""

    def __init__(self, task):
        self.task = task

    async def open(self):
        return UserTurn(text=self.task.instruction)

    async def reply(self, agent_message):
        return UserTurn(text="Please put me through to a person. ###TRANSFER###", transfer=True)


@pytest.fixture
async def connection(library):
    """A live in-process connection to library-loans."""
    endpoint = Endpoint(library, "inprocess")
    connection = Connection(endpoint)
    await connection.open()
    yield connection
    await connection.shutdown()


async def test_oracle_episode_passes_and_keeps_the_full_trajectory(library, connection):
    """The oracle's episode verifies 1.0, ends by the user's stop, and records every step with timing."""
    task = library.tasks[TASK]
    attempt = await run_episode(connection, task, OracleAgent(), ScriptedUser(task))
    assert attempt.reward == 1.0 and attempt.label is None and attempt.termination == "user_stop"
    roles = [e.role for e in attempt.trajectory]
    assert roles == ["user"] + ["assistant", "tool"] * len(task.solution.calls) + ["assistant", "user"]
    assert [e.name for e in attempt.trajectory if e.role == "tool"] == [c.tool for c in task.solution.calls]
    assert all(e.at >= 0 and e.seconds >= 0 for e in attempt.trajectory)
    assert attempt.tool_calls == len(task.solution.calls)
    assert len(connection.endpoint.server.episodes) == 0  # closed on the server


async def test_turn_limit_ends_the_episode_as_an_agent_failure(library, connection):
    """An agent that never gets to work hits the turn limit and is blamed, with the reason."""
    task = library.tasks[TASK]
    attempt = await run_episode(
        connection, task, Chatterbox(), ScriptedUser(task, patience=99), limits=Limits(max_turns=2)
    )
    assert attempt.termination == "max_turns" and attempt.turns == 2
    assert attempt.label == "agent" and "turn limit" in (attempt.reason or "")


async def test_scripted_user_gives_up_on_an_idle_agent(library, connection):
    """After a few turns without progress the scripted user stops; the agent failed."""
    task = library.tasks[TASK]
    attempt = await run_episode(connection, task, Chatterbox(), ScriptedUser(task, patience=3))
    assert attempt.termination == "user_stop" and attempt.turns == 3 and attempt.label == "agent"


async def test_transfer_ends_the_episode_and_is_verified(library, connection):
    """###TRANSFER### ends the conversation; verification still decides the reward."""
    task = library.tasks[TASK]
    attempt = await run_episode(connection, task, Chatterbox(), Transferring(task))
    assert attempt.termination == "transfer" and attempt.reward == 0.0 and attempt.label == "agent"


async def test_episode_timeout_is_an_infra_failure(library, connection):
    """An episode that runs past its time limit is labelled infra, and its server episode is closed."""
    task = library.tasks[TASK]
    attempt = await run_episode(connection, task, Sleeper(), ScriptedUser(task), limits=Limits(episode_timeout=0.3))
    assert attempt.label == "infra" and "0.3 s limit" in (attempt.reason or "")
    assert attempt.trajectory[0].role == "user"  # what happened before the timeout is kept
    assert len(connection.endpoint.server.episodes) == 0


async def test_cancelling_an_episode_propagates_and_closes_it_on_the_server(library, connection):
    """Cancellation is not swallowed as a failure, and the server-side episode does not linger."""
    task = library.tasks[TASK]
    running = asyncio.create_task(run_episode(connection, task, Sleeper(), ScriptedUser(task)))
    await asyncio.sleep(0.2)
    assert len(connection.endpoint.server.episodes) == 1
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert len(connection.endpoint.server.episodes) == 0


async def test_episode_on_a_closed_connection_is_an_infra_failure(library, connection):
    """A connection that is gone yields an `infra` label naming it, not an exception."""
    task = library.tasks[TASK]
    await connection.shutdown()
    attempt = await run_episode(connection, task, OracleAgent(), ScriptedUser(task))
    assert attempt.label == "infra" and "closed" in (attempt.reason or "")


BIG_TOOLS = """
def big(db):
    return "x" * 3000000
"""


async def test_a_tool_result_past_a_megabyte_is_cut_where_it_is_kept():
    """A server's reply of megabytes (a hostile one sent 100 MB, three times) would fill memory, results.jsonl and
    the report: past MAX_RESULT_CHARS the agent, the record and the report get its start and how much was left."""
    from autoforge.clients.episode import MAX_RESULT_CHARS
    from autoforge.servers import EnvServer, EnvSpec, Task, build_environment

    spec = EnvSpec.model_validate({
        "name": "big", "description": "One tool with a large answer.", "provenance": {"source": "tests"},
        "tables": [{"name": "items", "columns": [{"name": "id", "type": "TEXT", "primary_key": True}]}],
        "tools": [{"name": "big", "description": "A large answer.", "writes": False,
                   "input_schema": {"type": "object", "properties": {}}}],
    })  # fmt: skip
    task = Task.model_validate({"id": "ask", "instruction": "Show me everything.",
                                "solution": {"nodes": [{"id": "c1", "kind": "call", "tool": "big", "arguments": {}}]}})  # fmt: skip
    server = EnvServer(build_environment(spec, BIG_TOOLS, "INSERT INTO items VALUES ('a');"))
    server.environment.tasks[task.id] = task
    connection = Connection(Endpoint(server.environment, "inprocess"))
    await connection.open()
    try:
        attempt = await run_episode(connection, task, OracleAgent(), ScriptedUser(task))
    finally:
        await connection.shutdown()
    (result,) = [e for e in attempt.trajectory if e.role == "tool"]
    assert len(result.text) < MAX_RESULT_CHARS + 100 and result.text.endswith("more characters left out]")
    assert f"{3_000_002 - MAX_RESULT_CHARS:,} more characters" in result.text  # the JSON text: quotes too
