"""LLM chat backends: one interface over the `openai` and `anthropic` clients.

A backend takes a system prompt, a trajectory (see `trajectory.Event`) and optionally the MCP tools,
and returns the model's next `AgentTurn`. Both the LLM agent and the LLM user speak through it; the
user passes its conversation with roles flipped and no tools. Specs read `openai:MODEL` (any
OpenAI-compatible server: OpenAI, vLLM, SGLang, Ollama, via `base_url`) or `anthropic:MODEL`.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Sequence
from typing import Any

from autoforge.servers.errors import BackendError
from mcp.types import Tool

from .trajectory import AgentTurn, Event

__all__ = ["PROVIDERS", "ChatBackend", "make_backend", "parse_spec"]

PROVIDERS = ("openai", "anthropic")


class ChatBackend(abc.ABC):
    """A chat model that may call tools, on a provider's SDK client."""

    provider: str
    max_tokens_param: str
    """The request field that caps the reply's length."""

    def __init__(self, client: Any, model: str, *, temperature: float | None, max_tokens: int) -> None:
        self.client = client
        self.model = model
        self.params: dict[str, Any] = {self.max_tokens_param: max_tokens}
        if temperature is not None:
            self.params["temperature"] = temperature

    @property
    def spec(self) -> str:
        return f"{self.provider}:{self.model}"

    @abc.abstractmethod
    async def complete(self, system: str, history: Sequence[Event], tools: Sequence[Tool] | None = None) -> AgentTurn:
        """The model's next turn after `history` (raises InfraError when the provider keeps failing)."""


def parse_spec(spec: str, *, role: str) -> tuple[str, str]:
    """`openai:gpt-4.1` -> ("openai", "gpt-4.1"); a bad spec raises BackendError naming the choices."""
    provider, _, model = spec.partition(":")
    if provider not in PROVIDERS or not model:
        raise BackendError(
            f"{role} {spec!r} is not an LLM spec; write openai:MODEL or anthropic:MODEL "
            "(for example openai:gpt-4.1 or anthropic:claude-sonnet-4-6)"
        )
    return provider, model


def make_backend(
    spec: str,
    *,
    role: str = "agent",
    client: Any = None,
    base_url: str | None = None,
    api_key: str | None = None,
    max_retries: int = 4,
    timeout: float = 120.0,
    temperature: float | None = None,
    max_tokens: int = 2048,
) -> ChatBackend:
    """A backend for `spec`; `client` is a ready SDK client (tests pass one on a mock transport)."""
    provider, model = parse_spec(spec, role=role)
    _require(provider)
    if provider == "openai":
        import openai

        from .openai_chat import OpenAIChat

        if client is None:
            key = api_key or os.environ.get("OPENAI_API_KEY") or ("unused" if base_url else None)
            if key is None:
                raise BackendError(
                    f"no OPENAI_API_KEY set for {role} {spec!r}; export it, pass a base URL for an "
                    "OpenAI-compatible server (vLLM, SGLang, Ollama), or use the offline "
                    f"{'oracle agent' if role == 'agent' else 'scripted user'}"
                )
            client = openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout)
        return OpenAIChat(client, model, temperature=temperature, max_tokens=max_tokens)
    import anthropic

    from .anthropic_chat import AnthropicChat

    if client is None:
        key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if key is None:
            raise BackendError(
                f"no ANTHROPIC_API_KEY set for {role} {spec!r}; export it, or use the offline "
                f"{'oracle agent' if role == 'agent' else 'scripted user'}"
            )
        client = anthropic.AsyncAnthropic(api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout)
    return AnthropicChat(client, model, temperature=temperature, max_tokens=max_tokens)


def _require(provider: str) -> None:
    """LLM clients are an optional extra; say how to get them."""
    try:
        __import__(provider)
    except ImportError:
        raise BackendError(
            f"the {provider} client is not installed; pip install 'autoforge-rl[llm]', or use the offline agent and user"
        ) from None
