"""An Anthropic agent and user, end to end, against recorded Messages API exchanges."""

from __future__ import annotations

from itertools import pairwise

import anthropic
from autoforge.clients.anthropic_chat import anthropic_tools
from autoforge.servers import EnvServer
from mcp import Client

SPEC = "anthropic:claude-sonnet-4-6"
TASK = "return-late-book"


def client(replay) -> anthropic.AsyncAnthropic:
    """An Anthropic client whose transport replays a recording."""
    return anthropic.AsyncAnthropic(api_key="test", http_client=replay.http_client(), max_retries=2)


async def test_agent_and_user_return_a_late_book_through_rate_limit_and_schema_breaking_call(recorded_run):
    """tool_use turns, an input that breaks the schema and a 429 retried by the client end in a verified return."""
    run = await recorded_run(SPEC, client, TASK, "anthropic_agent_return.json", "anthropic_user_return.json")
    agent, user, record = run.agent, run.user, run.record
    assert agent.problems == [] and user.problems == []
    assert agent.exchanges == [] and user.exchanges == []
    assert len(agent.requests) == 7 and agent.requests[0]["messages"] == agent.requests[1]["messages"]
    assert record.reward == 1.0 and record.label is None
    assert record.tool_calls == 4
    rejected = next(e for e in record.trajectory if e.role == "tool" and e.is_error)
    assert "phone_number" in rejected.text
    assert record.agent_tokens.output_tokens == 24 + 61 + 55 + 71 + 78 + 44
    assert run.summary.overall.pass_hat[1] == 1.0


async def test_tool_results_go_back_as_tool_result_blocks_and_tools_are_listed_verbatim(library, recorded_run):
    """The agent's request carries each tool's input schema as listed and answers tool_use with tool_result."""
    run = await recorded_run(SPEC, client, TASK, "anthropic_agent_return.json", "anthropic_user_return.json")
    async with Client(EnvServer(library)) as mcp_client:
        listed = (await mcp_client.list_tools()).tools
    last = run.agent.requests[-1]
    assert last["tools"] == anthropic_tools(listed)
    roles = [m["role"] for m in last["messages"]]
    assert all(a != b for a, b in pairwise(roles))  # strictly alternating
    results = [b for m in last["messages"] for b in m["content"] if b["type"] == "tool_result"]
    assert [r["is_error"] for r in results] == [True, False, False, False]


async def test_user_sending_an_empty_turn_is_labelled_user(recorded_run):
    """An empty message from the simulated user ends the episode, labelled `user` with the reason."""
    run = await recorded_run(SPEC, client, TASK, "anthropic_agent_user_error.json", "anthropic_user_user_error.json")
    assert run.agent.problems == [] and run.user.problems == []
    assert run.record.label == "user" and run.record.termination == "user_error"
    assert "empty message" in (run.record.reason or "")
    assert run.summary.overall.labels == {"agent": 0, "user": 1, "infra": 0}
