"""An OpenAI-compatible agent and user, end to end, against recorded Chat Completions exchanges."""

from __future__ import annotations

import openai
from autoforge.clients.openai_chat import openai_tools
from autoforge.servers import EnvServer
from mcp import Client

SPEC = "openai:gpt-4.1-mini"
TASK = "renew-one-of-two"


def client(replay) -> openai.AsyncOpenAI:
    """An OpenAI client whose transport replays a recording."""
    return openai.AsyncOpenAI(api_key="test", http_client=replay.http_client(), max_retries=2)


async def test_agent_and_user_renew_a_loan_through_rate_limit_and_malformed_call(recorded_run):
    """Tool calls, a malformed call and a 429 retried by the client still end in a verified renewal."""
    run = await recorded_run(SPEC, client, TASK, "openai_agent_renew.json", "openai_user_renew.json")
    agent, user, record = run.agent, run.user, run.record
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
    assert run.summary.overall.pass_hat[1] == 1.0


async def test_tools_reach_the_model_exactly_as_the_server_lists_them(library, recorded_run):
    """The `parameters` of each function tool are the server's listed input schema, unchanged."""
    run = await recorded_run(SPEC, client, TASK, "openai_agent_renew.json", "openai_user_renew.json")
    async with Client(EnvServer(library)) as mcp_client:
        listed = (await mcp_client.list_tools()).tools
    tools = run.agent.requests[-1]["tools"]
    assert tools == openai_tools(listed)
    assert [t["function"]["parameters"] for t in tools] == [t.input_schema for t in listed]
    assert "tools" not in run.user.requests[0]


async def test_user_that_invents_an_id_and_quits_is_labelled_user(recorded_run):
    """A simulated user revealing an id it cannot know, then stopping, is a `user` failure, not the agent's."""
    run = await recorded_run(SPEC, client, TASK, "openai_agent_user_error.json", "openai_user_user_error.json")
    assert run.agent.problems == [] and run.user.problems == []
    assert run.record.reward == 0.0 and run.record.label == "user"
    assert "M-1004" in (run.record.reason or "")
    assert run.summary.overall.labels["user"] == 1
    assert run.summary.overall.pass_hat[1] is None  # the only trial is excluded from pass^k


async def test_a_lone_surrogate_from_the_model_becomes_readable_text() -> None:
    """A reply whose text, tool name or arguments hold a lone surrogate (`\\ud800`, which no results file can carry)
    is read with '?' in its place: the episode goes on and is recorded, instead of the whole eval stopping."""
    import json

    import httpx2
    from autoforge.clients.openai_chat import OpenAIChat
    from autoforge.clients.trajectory import Event

    arguments = '{"member_id": "\\ud800M-1001"}'
    body = {
        "id": "c1", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": "Let me look \ud800",
            "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "list_loans\udfff", "arguments": arguments}}],
        }}],
    }  # fmt: skip
    wire = json.dumps(body).encode()  # JSON escapes the surrogate (`"\\ud800"`), as a server's reply may
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(200, content=wire, headers={"content-type": "application/json"})
    )
    model = openai.AsyncOpenAI(api_key="test", http_client=httpx2.AsyncClient(transport=transport), max_retries=0)
    turn = await OpenAIChat(model, "m", temperature=None, max_tokens=64).complete(
        "sys", [Event(role="user", text="hi")]
    )
    assert turn.text == "Let me look ?" and turn.tool_calls[0].name == "list_loans?"
    assert turn.tool_calls[0].arguments == {"member_id": "?M-1001"}
    turn.model_dump_json()  # what a results file writes: no lone surrogate is left to refuse
