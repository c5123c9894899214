"""The OpenAI Chat Completions wire format (also spoken by vLLM, SGLang and Ollama) on the `openai` client."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import openai
from autoforge.servers.errors import BackendError
from mcp.types import Tool

from .chat import ChatBackend
from .errors import InfraError
from .trajectory import AgentTurn, Event, ToolCall, Usage

__all__ = ["OpenAIChat", "openai_messages", "openai_tools"]


class OpenAIChat(ChatBackend):
    """Chat completions with function tools."""

    provider = "openai"
    max_tokens_param = "max_completion_tokens"
    client: openai.AsyncOpenAI

    async def complete(self, system: str, history: Sequence[Event], tools: Sequence[Tool] | None = None) -> AgentTurn:
        request: dict[str, Any] = {"model": self.model, "messages": openai_messages(system, history), **self.params}
        if tools:
            request["tools"] = openai_tools(tools)
        try:
            response = await self.client.chat.completions.create(**request)
        except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as exc:
            raise BackendError(
                f"openai:{self.model} refused the request ({exc}); check the API key, base URL and model name"
            ) from None
        except openai.APIError as exc:
            raise InfraError(f"openai:{self.model} failed after retries: {exc}") from None
        if not response.choices:
            raise InfraError(f"openai:{self.model} returned no choices")
        message = response.choices[0].message
        calls = [_tool_call(c) for c in message.tool_calls or [] if getattr(c, "function", None) is not None]
        usage = response.usage
        return AgentTurn(
            text=message.content or "",
            tool_calls=calls,
            usage=Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens) if usage else Usage(),
        )


def openai_tools(tools: Sequence[Tool]) -> list[dict[str, Any]]:
    """MCP tools as function tools; the parameters are the input schema exactly as the server lists it."""
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description or "", "parameters": t.input_schema},
        }
        for t in tools
    ]


def openai_messages(system: str, history: Sequence[Event]) -> list[dict[str, Any]]:
    """A trajectory as chat messages."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for event in history:
        if event.role == "user":
            messages.append({"role": "user", "content": event.text})
        elif event.role == "tool":
            messages.append({"role": "tool", "tool_call_id": event.tool_call_id, "content": event.text})
        else:
            message: dict[str, Any] = {"role": "assistant", "content": event.text or None}
            if event.tool_calls:
                message["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.raw_arguments or json.dumps(c.arguments or {})},
                    }
                    for c in event.tool_calls
                ]
            messages.append(message)
    return messages


def _tool_call(call: Any) -> ToolCall:
    raw = call.function.arguments or ""
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        arguments = None
    if arguments is not None and not isinstance(arguments, dict):
        arguments = None
    return ToolCall(id=call.id, name=call.function.name, arguments=arguments, raw_arguments=raw)
