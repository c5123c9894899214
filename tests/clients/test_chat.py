"""Trajectories become each provider's wire format; backend specs are checked."""

from __future__ import annotations

import json

import pytest
from autoforge.clients import Event, ToolCall, make_backend
from autoforge.clients.anthropic_chat import anthropic_messages
from autoforge.clients.openai_chat import openai_messages
from autoforge.servers import BackendError

HISTORY = [
    Event(role="user", text="Renew my book."),
    Event(
        role="assistant",
        text="Looking it up.",
        tool_calls=[
            ToolCall(id="c1", name="find_member", arguments={"email": "a@b.test"}),
            ToolCall(id="c2", name="find_member", arguments=None, raw_arguments='{"email": '),
        ],
    ),
    Event(role="tool", tool_call_id="c1", name="find_member", text='[{"id": "M-1"}]'),
    Event(role="tool", tool_call_id="c2", name="find_member", text="Error: bad JSON", is_error=True),
    Event(role="assistant", text="Done."),
]


def test_openai_messages_keep_the_model_s_own_argument_text():
    """Tool calls echo the arguments as the model sent them (malformed ones too); results are tool messages."""
    messages = openai_messages("policy", HISTORY)
    assert messages[0] == {"role": "system", "content": "policy"}
    calls = messages[2]["tool_calls"]
    assert json.loads(calls[0]["function"]["arguments"]) == {"email": "a@b.test"}
    assert calls[1]["function"]["arguments"] == '{"email": '
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "tool", "assistant"]
    assert messages[3]["tool_call_id"] == "c1"


def test_anthropic_messages_alternate_and_group_tool_results():
    """Consecutive tool results share one user message of tool_result blocks, after the tool_use turn."""
    messages = anthropic_messages(HISTORY)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert [b["type"] for b in messages[1]["content"]] == ["text", "tool_use", "tool_use"]
    results = messages[2]["content"]
    assert [(b["tool_use_id"], b["is_error"]) for b in results] == [("c1", False), ("c2", True)]


def test_backend_specs_are_checked(monkeypatch):
    """A spec needs a known provider and a model; a local base URL needs no key."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert make_backend("openai:qwen3-8b", base_url="http://127.0.0.1:8000/v1").spec == "openai:qwen3-8b"
    with pytest.raises(BackendError, match="openai:MODEL or anthropic:MODEL"):
        make_backend("openai:")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(BackendError, match="ANTHROPIC_API_KEY"):
        make_backend("anthropic:claude-haiku-4-5")
