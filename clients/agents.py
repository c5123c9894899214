"""Agent policies behind one small interface: given the episode so far, the next turn.

    oracle             replays the task's ground-truth calls, then tells the user the expected facts (scores 1.0)
    random             schema-valid random calls to random tools, then says it is done (a floor)
    openai:MODEL       chat-with-tools on the `openai` client (any OpenAI-compatible base URL)
    anthropic:MODEL    tool use on the `anthropic` client

An agent object serves many episodes at once: everything particular to one episode arrives in
`AgentContext` and the trajectory. LLM agents never read the task, only the tools, the server's
instructions (the policy) and the conversation.
"""

from __future__ import annotations

import abc
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autoforge.servers import Task, oracle_transcript
from autoforge.servers.errors import BackendError
from mcp.types import Tool

from .chat import ChatBackend, make_backend
from .schema_values import random_arguments
from .trajectory import AgentTurn, Event, ToolCall

__all__ = [
    "AGENT_GUIDELINES",
    "Agent",
    "AgentContext",
    "LLMAgent",
    "OracleAgent",
    "RandomAgent",
    "make_agent",
    "system_prompt",
]

AGENT_GUIDELINES = """You are an agent serving a user through the tools of this environment.
Follow the policy below. Ask the user for any information you need and do not have; never invent
ids or values. Use the tools to look things up and to make changes. When the request is handled,
tell the user the outcome, including any figures, dates or ids they asked about."""


def system_prompt(policy: str) -> str:
    """A chat agent's system prompt: the harness's agent guidelines, then the environment's policy."""
    return f"{AGENT_GUIDELINES}\n\n<policy>\n{policy}\n</policy>"


@dataclass(frozen=True)
class AgentContext:
    """What an agent may know about the episode it is in."""

    task: Task
    tools: Sequence[Tool]
    instructions: str
    seed: int


class Agent(abc.ABC):
    """A policy: the next turn of an episode."""

    name: str

    @abc.abstractmethod
    async def act(self, context: AgentContext, history: Sequence[Event]) -> AgentTurn:
        """Tool calls to make, or a message to the user."""


class OracleAgent(Agent):
    """Replays the ground-truth calls one per turn in file order, then reports the expected facts."""

    name = "oracle"

    async def act(self, context: AgentContext, history: Sequence[Event]) -> AgentTurn:
        calls = context.task.solution.calls
        done = sum(1 for e in history if e.role == "tool")
        if done < len(calls):
            node = calls[done]
            return AgentTurn(tool_calls=[ToolCall(id=f"call-{done}", name=node.tool, arguments=dict(node.arguments))])
        return AgentTurn(text=oracle_transcript(context.task)[0])


class RandomAgent(Agent):
    """Calls random tools with random schema-valid arguments, then says it is done: the floor to beat."""

    name = "random"

    def __init__(self, max_calls: int = 6) -> None:
        self.max_calls = max_calls

    async def act(self, context: AgentContext, history: Sequence[Event]) -> AgentTurn:
        made = sum(1 for e in history if e.role == "tool")
        rng = random.Random(f"{context.seed}:{made}")
        budget = random.Random(context.seed).randint(1, self.max_calls)
        if made >= budget or not context.tools:
            return AgentTurn(text="I have done what I can. Is there anything else?")
        tool = rng.choice(list(context.tools))
        return AgentTurn(
            tool_calls=[ToolCall(id=f"call-{made}", name=tool.name, arguments=random_arguments(tool.input_schema, rng))]
        )


class LLMAgent(Agent):
    """A chat model with the environment's tools; its system prompt is the server's instructions."""

    def __init__(self, backend: ChatBackend) -> None:
        self.backend = backend
        self.name = backend.spec

    async def act(self, context: AgentContext, history: Sequence[Event]) -> AgentTurn:
        return await self.backend.complete(system_prompt(context.instructions), history, context.tools)


def make_agent(spec: str, **options: Any) -> Agent:
    """The agent for `spec`: oracle, random, openai:MODEL or anthropic:MODEL (options go to the LLM backend)."""
    if spec == "oracle":
        return OracleAgent()
    if spec == "random":
        return RandomAgent(**options)
    if ":" not in spec:
        raise BackendError(f"unknown agent {spec!r}; choose oracle, random, openai:MODEL or anthropic:MODEL")
    return LLMAgent(make_backend(spec, role="agent", **options))
