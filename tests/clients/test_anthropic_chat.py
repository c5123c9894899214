"""An Anthropic agent and user, end to end, against recorded Messages API exchanges."""

from __future__ import annotations

from itertools import pairwise

import anthropic
from autoforge.clients import ResultsFile, evaluate
from autoforge.clients.anthropic_chat import anthropic_tools
from autoforge.servers import EnvServer
from mcp import Client

TASK = "return-late-book"


def _client(replay) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key="test", http_client=replay.http_client(), max_retries=2)


async def _run(library, replay, tmp_path, agent_file: str, user_file: str):
    agent, user = replay(agent_file), replay(user_file)
    summary = await evaluate(
        [library],
        agent="anthropic:claude-sonnet-4-6",
        user="anthropic:claude-sonnet-4-6",
        out=tmp_path,
        task_ids=[TASK],
        agent_options={"client": _client(agent)},
        user_options={"client": _client(user)},
    )
    (record,) = ResultsFile(tmp_path / "results.jsonl").records()
    return agent, user, summary, record


async def test_agent_and_user_return_a_late_book_through_rate_limit_and_schema_breaking_call(library, replay, tmp_path):
    """tool_use turns, an input that breaks the schema and a 429 retried by the client end in a verified return."""
    agent, user, summary, record = await _run(
        library, replay, tmp_path, "anthropic_agent_return.json", "anthropic_user_return.json"
    )
    assert agent.problems == [] and user.problems == []
    assert agent.exchanges == [] and user.exchanges == []
    assert len(agent.requests) == 7 and agent.requests[0]["messages"] == agent.requests[1]["messages"]
    assert record.reward == 1.0 and record.label is None
    assert record.tool_calls == 4
    rejected = next(e for e in record.trajectory if e.role == "tool" and e.is_error)
    assert "phone_number" in rejected.text
    assert record.agent_tokens.output_tokens == 24 + 61 + 55 + 71 + 78 + 44
    assert summary.overall.pass_hat[1] == 1.0


async def test_tool_results_go_back_as_tool_result_blocks_and_tools_are_listed_verbatim(library, replay, tmp_path):
    """The agent's request carries each tool's input schema as listed and answers tool_use with tool_result."""
    agent, _, _, _ = await _run(library, replay, tmp_path, "anthropic_agent_return.json", "anthropic_user_return.json")
    async with Client(EnvServer(library)) as client:
        listed = (await client.list_tools()).tools
    last = agent.requests[-1]
    assert last["tools"] == anthropic_tools(listed)
    roles = [m["role"] for m in last["messages"]]
    assert all(a != b for a, b in pairwise(roles))  # strictly alternating
    results = [b for m in last["messages"] for b in m["content"] if b["type"] == "tool_result"]
    assert [r["is_error"] for r in results] == [True, False, False, False]


async def test_user_sending_an_empty_turn_is_labelled_user(library, replay, tmp_path):
    """An empty message from the simulated user ends the episode, labelled `user` with the reason."""
    agent, user, summary, record = await _run(
        library, replay, tmp_path, "anthropic_agent_user_error.json", "anthropic_user_user_error.json"
    )
    assert agent.problems == [] and user.problems == []
    assert record.label == "user" and record.termination == "user_error"
    assert "empty message" in (record.reason or "")
    assert summary.overall.labels == {"agent": 0, "user": 1, "infra": 0}
