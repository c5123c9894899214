"""The Anthropic Messages wire format on the `anthropic` client."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import anthropic
from autoforge.servers.errors import BackendError
from mcp.types import Tool

from .chat import ChatBackend
from .errors import InfraError
from .trajectory import AgentTurn, Event, ToolCall, Usage

__all__ = ["AnthropicChat", "anthropic_messages", "anthropic_tools"]


class AnthropicChat(ChatBackend):
    """Messages with tool use."""

    provider = "anthropic"
    max_tokens_param = "max_tokens"
    client: anthropic.AsyncAnthropic

    async def complete(self, system: str, history: Sequence[Event], tools: Sequence[Tool] | None = None) -> AgentTurn:
        request: dict[str, Any] = {
            "model": self.model,
            "system": system,
            "messages": anthropic_messages(history),
            **self.params,
        }
        if tools:
            request["tools"] = anthropic_tools(tools)
        try:
            response = await self.client.messages.create(**request)
        except (anthropic.AuthenticationError, anthropic.PermissionDeniedError, anthropic.NotFoundError) as exc:
            raise BackendError(
                f"anthropic:{self.model} refused the request ({exc}); check ANTHROPIC_API_KEY and the model name"
            ) from None
        except anthropic.APIError as exc:
            raise InfraError(f"anthropic:{self.model} failed after retries: {exc}") from None
        texts = [block.text for block in response.content if block.type == "text"]
        calls = [
            ToolCall(
                id=block.id,
                name=block.name,
                arguments=block.input if isinstance(block.input, dict) else None,
                raw_arguments=json.dumps(block.input),
            )
            for block in response.content
            if block.type == "tool_use"
        ]
        usage = Usage(input_tokens=response.usage.input_tokens, output_tokens=response.usage.output_tokens)
        return AgentTurn(text="\n".join(t for t in texts if t), tool_calls=calls, usage=usage)


def anthropic_tools(tools: Sequence[Tool]) -> list[dict[str, Any]]:
    """MCP tools as Anthropic tools; `input_schema` is exactly what the server lists."""
    return [{"name": t.name, "description": t.description or "", "input_schema": t.input_schema} for t in tools]


def anthropic_messages(history: Sequence[Event]) -> list[dict[str, Any]]:
    """A trajectory as alternating user / assistant messages of content blocks."""
    messages: list[dict[str, Any]] = []
    for event in history:
        role = "assistant" if event.role == "assistant" else "user"
        blocks: list[dict[str, Any]] = []
        if event.role == "tool":
            blocks.append(
                {
                    "type": "tool_result",
                    "tool_use_id": event.tool_call_id,
                    "content": event.text,
                    "is_error": event.is_error,
                }
            )
        elif event.text:
            blocks.append({"type": "text", "text": event.text})
        for call in event.tool_calls:
            blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments or {}})
        if not blocks:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    return messages
