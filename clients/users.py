"""Simulated users behind one interface: they state a task's goal, answer the agent, and end the conversation.

    scripted           offline: states the instruction, answers questions from its known facts, says yes to
                       confirmations, stops when the agent reports it is done (or after a few idle turns)
    openai:MODEL       an LLM playing the task's persona with its instruction and known facts
    anthropic:MODEL

A turn's text is what the user said, stop markers included; `stop` (###STOP###) and `transfer`
(###TRANSFER###) end the episode, and `error` says the user produced a malformed turn.
"""

from __future__ import annotations

import abc
import json
import re
from typing import Any, Literal

from autoforge.servers import Task
from autoforge.servers.errors import BackendError
from pydantic import BaseModel

from .chat import ChatBackend, make_backend
from .trajectory import Event, Usage

__all__ = [
    "GREETING",
    "STOP",
    "TRANSFER",
    "LLMUser",
    "ScriptedUser",
    "SimulatedUser",
    "UserTurn",
    "make_user",
    "mentions",
]

STOP = "###STOP###"
TRANSFER = "###TRANSFER###"
GREETING = "Hi! How can I help you today?"
"""What the LLM user hears first, before it states its goal."""

_ASKING = ("?", "please provide", "please confirm", "could you", "can you", "let me know", "please share", "need your")
_CONFIRMING = ("shall i", "should i", "would you like me", "do you want me", "proceed", "go ahead", "okay to")
_DONE = (
    "taken care",
    "all set",
    "is done",
    "been done",
    "completed",
    "successfully",
    "anything else",
    "done what",
    "i have done",
    "i've done",
)
_STOPWORDS = frozenset(
    {"the", "and", "for", "your", "you", "what", "with", "this", "that", "from", "are", "have", "not"}
)


class UserTurn(BaseModel):
    """One message of the simulated user."""

    text: str
    stop: bool = False
    transfer: bool = False
    error: str | None = None

    @property
    def ending(self) -> Literal["user_error", "transfer", "user_stop"] | None:
        """Why this turn ends the episode (a malformed turn first), or None when the talk goes on."""
        if self.error:
            return "user_error"
        if self.transfer:
            return "transfer"
        if self.stop:
            return "user_stop"
        return None


class SimulatedUser(abc.ABC):
    """A user with a goal, talking to the agent; one object per episode."""

    usage: Usage = Usage()

    @abc.abstractmethod
    async def open(self) -> UserTurn:
        """The first message: it states the goal."""

    @abc.abstractmethod
    async def reply(self, agent_message: str) -> UserTurn:
        """The answer to the agent's message."""


def mentions(text: str, phrase: str) -> bool:
    """Whether lower-cased `text` mentions a word of `phrase` ("renewal_days" -> renewal, days)."""
    words = [w for w in re.split(r"[\s_\-]+", phrase.lower()) if len(w) >= 3 and w not in _STOPWORDS]
    return any(re.search(rf"\b{re.escape(w)}", text) for w in words)


class ScriptedUser(SimulatedUser):
    """An offline user that keeps strictly to its scenario."""

    def __init__(self, task: Task, patience: int = 3) -> None:
        self.task = task
        self.patience = patience
        self.idle = 0

    async def open(self) -> UserTurn:
        return UserTurn(text=self.task.instruction)

    async def reply(self, agent_message: str) -> UserTurn:
        said = agent_message.lower()
        asking = any(cue in said for cue in _ASKING)
        confirming = asking and any(cue in said for cue in _CONFIRMING)
        facts = {k: v for k, v in self.task.user.known_facts.items() if mentions(said, k)} if asking else {}
        if facts:
            self.idle = 0
            answers = [f"My {k.replace('_', ' ')} is {_fact_text(v)}." for k, v in facts.items()]
            return UserTurn(text=" ".join((["Yes, please go ahead."] if confirming else []) + answers))
        if any(cue in said for cue in _DONE):
            return UserTurn(text=f"Thank you, that is everything I needed. {STOP}", stop=True)
        if confirming:
            self.idle = 0
            return UserTurn(text="Yes, please go ahead.")
        unknown = [u for u in self.task.user.unknown if mentions(said, u)]
        if asking and unknown:
            self.idle = 0
            return UserTurn(text=f"Sorry, I don't know my {unknown[0]}.")
        self.idle += 1
        if self.idle >= self.patience:
            return UserTurn(text=f"I will leave it there, thanks. {STOP}", stop=True)
        return UserTurn(text=f"Could you please go ahead? {self.task.instruction}")


def _fact_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


USER_GUIDELINES = f"""You are role-playing a customer who contacts an agent for help. Stay in character.
- Write one short message at a time, in plain text, as the customer.
- In your first message say what you want (your goal below) in your own words.
- Give the facts below only when the agent asks for them. Never make up ids, numbers or other facts
  you were not given; if asked for something you do not know, say you do not know it.
- Never act as the agent and never describe tool calls.
- When your goal has been fully handled, or the agent cannot help any further, write {STOP}.
- If the agent says it is transferring you to a human, write {TRANSFER}."""


def user_system_prompt(task: Task) -> str:
    """The LLM user's instructions: the guidelines and its scenario."""
    scenario = task.user
    lines = [USER_GUIDELINES, "", "<scenario>"]
    if scenario.persona:
        lines.append(f"Persona: {scenario.persona}")
    lines.append(f"Goal: {task.instruction}")
    lines.append(f"Facts you may give when asked: {json.dumps(scenario.known_facts, ensure_ascii=False)}")
    if scenario.unknown:
        lines.append(f"You do not know: {', '.join(scenario.unknown)}")
    if scenario.behavior:
        lines.append(f"Behaviour: {scenario.behavior}")
    lines.append("</scenario>")
    return "\n".join(lines)


class LLMUser(SimulatedUser):
    """A chat model playing the task's user; it sees the agent's messages, never its tool calls."""

    def __init__(self, backend: ChatBackend, task: Task) -> None:
        self.backend = backend
        self.task = task
        self.system = user_system_prompt(task)
        self.history: list[Event] = [Event(role="user", text=GREETING)]
        self.usage = Usage()

    async def open(self) -> UserTurn:
        return await self._next()

    async def reply(self, agent_message: str) -> UserTurn:
        self.history.append(Event(role="user", text=agent_message))
        return await self._next()

    async def _next(self) -> UserTurn:
        turn = await self.backend.complete(self.system, self.history)
        self.usage = self.usage + turn.usage
        text = turn.text.strip()
        self.history.append(Event(role="assistant", text=text))
        error = None
        if turn.tool_calls:
            error = "the simulated user tried to call tools"
        elif not text:
            error = "the simulated user sent an empty message"
        return UserTurn(text=text, stop=STOP in text, transfer=TRANSFER in text, error=error)


def make_user(spec: str, task: Task, **options: Any) -> SimulatedUser:
    """The simulated user for `spec` and `task`: scripted, openai:MODEL or anthropic:MODEL.

    LLM users take the backend options of `make_backend`, or a shared `backend=` (one per run).
    """
    if spec == "scripted":
        return ScriptedUser(task, **options)
    if ":" not in spec:
        raise BackendError(f"unknown user {spec!r}; choose scripted, openai:MODEL or anthropic:MODEL")
    backend = options.pop("backend", None) or make_backend(spec, role="user", **options)
    return LLMUser(backend, task)
