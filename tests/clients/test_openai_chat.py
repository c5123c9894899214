"""An OpenAI-compatible agent and user, end to end, against recorded Chat Completions exchanges."""

from __future__ import annotations

import openai
from autoforge.clients import ResultsFile, evaluate
from autoforge.clients.openai_chat import openai_tools
from autoforge.servers import EnvServer
from mcp import Client

TASK = "renew-one-of-two"


def _client(replay) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="test", http_client=replay.http_client(), max_retries=2)


async def test_agent_and_user_renew_a_loan_through_rate_limit_and_malformed_call(library, replay, tmp_path):
    """Tool calls, a malformed call and a 429 retried by the client still end in a verified renewal."""
    agent, user = replay("openai_agent_renew.json"), replay("openai_user_renew.json")
    summary = await evaluate(
        [library],
        agent="openai:gpt-4.1-mini",
        user="openai:gpt-4.1-mini",
        out=tmp_path,
        task_ids=[TASK],
        agent_options={"client": _client(agent)},
        user_options={"client": _client(user)},
    )
    record = summary_record(tmp_path)
    assert agent.problems == [] and user.problems == []
    assert agent.exchanges == [] and user.exchanges == []
    assert len(agent.requests) == 7  # the rate-limited request was sent again with the same messages
    assert agent.requests[0]["messages"] == agent.requests[1]["messages"]
    assert record.reward == 1.0 and record.label is None
    assert record.termination == "user_stop"
    assert record.tool_calls == 4 and record.malformed_calls == 1
    malformed = next(e for e in record.trajectory if e.role == "tool" and e.is_error)
    assert "not a JSON object" in malformed.text
    assert record.agent_tokens.input_tokens == 1491 + 1529 + 1601 + 1688 + 1873 + 1925
    assert record.user_tokens.output_tokens == 29 + 11 + 8
    assert summary.overall.pass_hat[1] == 1.0


async def test_tools_reach_the_model_exactly_as_the_server_lists_them(library, replay, tmp_path):
    """The `parameters` of each function tool are the server's listed input schema, unchanged."""
    agent, user = replay("openai_agent_renew.json"), replay("openai_user_renew.json")
    await evaluate(
        [library],
        agent="openai:gpt-4.1-mini",
        user="openai:gpt-4.1-mini",
        out=tmp_path,
        task_ids=[TASK],
        agent_options={"client": _client(agent)},
        user_options={"client": _client(user)},
    )
    async with Client(EnvServer(library)) as client:
        listed = (await client.list_tools()).tools
    assert agent.requests[-1]["tools"] == openai_tools(listed)
    assert [t["function"]["parameters"] for t in agent.requests[-1]["tools"]] == [t.input_schema for t in listed]
    assert "tools" not in user.requests[0]


async def test_user_that_invents_an_id_and_quits_is_labelled_user(library, replay, tmp_path):
    """A simulated user revealing an id it cannot know, then stopping, is a `user` failure, not the agent's."""
    agent, user = replay("openai_agent_user_error.json"), replay("openai_user_user_error.json")
    summary = await evaluate(
        [library],
        agent="openai:gpt-4.1-mini",
        user="openai:gpt-4.1-mini",
        out=tmp_path,
        task_ids=[TASK],
        agent_options={"client": _client(agent)},
        user_options={"client": _client(user)},
    )
    record = summary_record(tmp_path)
    assert agent.problems == [] and user.problems == []
    assert record.reward == 0.0 and record.label == "user"
    assert "M-1004" in (record.reason or "")
    assert summary.overall.labels["user"] == 1
    assert summary.overall.pass_hat[1] is None  # the only trial is excluded from pass^k


def summary_record(folder):
    """The single record of a one-episode run."""
    (record,) = ResultsFile(folder / "results.jsonl").records()
    return record
