"""Offline agents behave as specified, and agent specs are parsed or refused with the choices."""

from __future__ import annotations

import jsonschema
import pytest
from autoforge.clients import AgentContext, Event, LLMAgent, OracleAgent, RandomAgent, make_agent
from autoforge.servers import BackendError, EnvServer
from mcp import Client


@pytest.fixture
async def tools(library):
    """The library-loans tools as the server lists them."""
    async with Client(EnvServer(library)) as client:
        return (await client.list_tools()).tools


async def test_oracle_replays_the_solution_then_tells_the_facts(library, tools):
    """One ground-truth call per turn in file order, then a message holding every expected fact."""
    task = library.tasks["renew-one-of-two"]
    context = AgentContext(task=task, tools=tools, instructions="", seed=0)
    agent, history = OracleAgent(), [Event(role="user", text=task.instruction)]
    for node in task.solution.calls:
        turn = await agent.act(context, history)
        assert [(c.name, c.arguments) for c in turn.tool_calls] == [(node.tool, dict(node.arguments))]
        history += [Event(role="assistant", tool_calls=turn.tool_calls), Event(role="tool", text="ok")]
    final = await agent.act(context, history)
    assert not final.tool_calls and all(fact in final.text for fact in task.expected.facts)


async def test_random_agent_makes_valid_calls_then_finishes_and_is_reproducible(library, tools):
    """Calls are schema-valid, the episode ends with a message, and the same seed gives the same calls."""
    task = library.tasks["renew-one-of-two"]
    schemas = {t.name: t.input_schema for t in tools}

    async def play(seed: int) -> list[tuple[str, dict]]:
        context = AgentContext(task=task, tools=tools, instructions="", seed=seed)
        history: list[Event] = []
        calls = []
        for _ in range(20):
            turn = await RandomAgent().act(context, history)
            if not turn.tool_calls:
                assert turn.text
                return calls
            call = turn.tool_calls[0]
            jsonschema.validate(call.arguments, schemas[call.name])
            calls.append((call.name, call.arguments))
            history += [Event(role="assistant", tool_calls=turn.tool_calls), Event(role="tool", text="x")]
        raise AssertionError("the random agent never finished")

    assert await play(7) == await play(7)
    assert len(await play(7)) >= 1


def test_make_agent_parses_specs_and_refuses_unknown_ones(monkeypatch):
    """oracle, random and provider:MODEL build agents; anything else names the choices."""
    assert isinstance(make_agent("oracle"), OracleAgent)
    assert isinstance(make_agent("random"), RandomAgent)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    agent = make_agent("openai:gpt-4.1-mini", base_url="http://127.0.0.1:9/v1")
    assert isinstance(agent, LLMAgent) and agent.name == "openai:gpt-4.1-mini"
    with pytest.raises(BackendError, match="oracle, random, openai:MODEL or anthropic:MODEL"):
        make_agent("smart")
    with pytest.raises(BackendError, match="openai:MODEL or anthropic:MODEL"):
        make_agent("mistral:large")
