"""What an episode is made of: the messages, tool calls and results between user, agent and environment.

An episode's trajectory is a list of `Event`s in the order they happened. Agents read it to decide
their next turn (LLM agents convert it to their provider's wire format), the runner stores it in
results.jsonl, and the report shows it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

__all__ = ["AgentTurn", "Event", "ToolCall", "Usage", "transcript"]


class Usage(BaseModel):
    """Tokens spent by a model (zero for offline agents and users)."""

    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


def readable(value: Any) -> Any:
    """`value` with every string in it made valid Unicode: a model may send a lone surrogate (`"\\ud800"`), which
    no results file, transport or report can carry; it becomes '?'."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {readable(k): readable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [readable(v) for v in value]
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Readable(BaseModel):
    """A model whose strings are made valid Unicode as it is built (what a model's backend sends is untrusted)."""

    @model_validator(mode="before")
    @classmethod
    def _readable(cls, data: Any) -> Any:
        return readable(data) if isinstance(data, dict) else data


class ToolCall(_Readable):
    """A tool call as the agent made it; `arguments` is None when the model sent malformed arguments."""

    id: str
    name: str
    arguments: dict[str, Any] | None = Field(default_factory=dict)
    raw_arguments: str | None = Field(
        default=None, description="The model's argument text, kept when it did not parse."
    )


class AgentTurn(_Readable):
    """One agent action: tool calls to run, or a message to the user (or both; then the calls run first)."""

    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)


class Event(BaseModel):
    """One step of a trajectory: a user message, an agent turn, or a tool result."""

    role: Literal["user", "assistant", "tool"]
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = Field(default=None, description="The tool that produced a tool result.")
    is_error: bool = False
    at: float = Field(default=0.0, description="Seconds since the episode started.")
    seconds: float = Field(default=0.0, description="How long producing this event took.")
    usage: Usage | None = None


def transcript(events: list[Event]) -> list[str]:
    """The agent's messages to the user, in order (what verification reads for facts)."""
    return [e.text for e in events if e.role == "assistant" and not e.tool_calls and e.text]
