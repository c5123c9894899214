"""The episode loop: reset, the user states its goal, the agent works over MCP and talks, verify, label.

    reset -> user.open() -> [agent.act() -> tool calls -> results ...] -> agent message -> user.reply() -> ...
          -> the user stops (###STOP### / ###TRANSFER###) or a turn limit is hit -> verify -> close

Every episode ends with a reward and, when it fails, a label: `agent`, `user` (the simulated user
broke its scenario) or `infra` (server, transport, provider, timeout), with the reason. The whole
trajectory is kept. Cancellation propagates; the server-side episode is closed on the way out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from autoforge.servers import Check, Environment, Task
from autoforge.servers.errors import BackendError
from pydantic import BaseModel, Field

from .agents import Agent, AgentContext
from .connections import Connection
from .errors import InfraError
from .trajectory import Event, ToolCall, Usage, transcript
from .user_errors import detect_user_errors
from .users import SimulatedUser, UserTurn

__all__ = ["LABELS", "Attempt", "Label", "Limits", "Termination", "replay_calls", "run_episode"]

Label = Literal["agent", "user", "infra"]
LABELS: tuple[Label, ...] = ("agent", "user", "infra")
Termination = Literal["user_stop", "transfer", "max_turns", "max_steps", "user_error", "infra"]
SUCCESS = 1.0 - 1e-6


MAX_RESULT_CHARS = 1 << 20
"""Most characters of a tool's result kept (seen by the agent, recorded, reported): an environment's own replies
stay far below it."""


class Limits(BaseModel):
    """Bounds on one episode."""

    max_turns: int = Field(default=20, ge=1, description="Agent messages to the user.")
    max_steps: int = Field(default=60, ge=1, description="Agent turns of any kind (tool calls or messages).")
    call_timeout: float = Field(default=30.0, gt=0, description="Seconds for one MCP request.")
    episode_timeout: float = Field(default=600.0, gt=0, description="Seconds for the whole episode.")
    attempts: int = Field(default=3, ge=1, description="Tries of an episode that fails with `infra`.")


class Attempt(BaseModel):
    """The outcome of one try at an episode, with its whole trajectory (a results line extends it)."""

    reward: float = 0.0
    label: Label | None = None
    reason: str | None = None
    termination: Termination = "infra"
    user_errors: list[str] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    diff: dict[str, Any] = Field(default_factory=dict)
    turns: int = 0
    tool_calls: int = 0
    malformed_calls: int = 0
    agent_tokens: Usage = Field(default_factory=Usage)
    user_tokens: Usage = Field(default_factory=Usage)
    seconds: float = 0.0
    trajectory: list[Event] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.label is None and self.reward >= SUCCESS


class _Run:
    """The state of one episode while it runs."""

    def __init__(self, connection: Connection, episode_id: str, task: Task, limits: Limits, start: float) -> None:
        self.connection = connection
        self.episode_id = episode_id
        self.task = task
        self.limits = limits
        self.start = start
        self.user_turns: list[UserTurn] = []
        self.attempt = Attempt()
        self.events = self.attempt.trajectory

    def record(self, event: Event, started: float) -> None:
        now = time.monotonic()
        event.at = round(started - self.start, 6)
        event.seconds = round(now - started, 6)
        self.events.append(event)

    def heard(self, turn: UserTurn, started: float) -> None:
        self.user_turns.append(turn)
        self.record(Event(role="user", text=turn.text), started)

    async def tool(self, call: ToolCall) -> None:
        started = time.monotonic()
        self.attempt.tool_calls += 1
        if call.arguments is None:
            self.attempt.malformed_calls += 1
            text = (
                f"Error: the arguments of {call.name} are not a JSON object ({(call.raw_arguments or '')[:200]!r}); "
                "send one that matches the tool's input schema"
            )
            self.record(Event(role="tool", tool_call_id=call.id, name=call.name, text=text, is_error=True), started)
            return
        result = await self.connection.call(self.episode_id, call.name, call.arguments)
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        if len(text) > MAX_RESULT_CHARS:  # a server's 100 MB reply would fill memory, results.jsonl and the report
            text = f"{text[:MAX_RESULT_CHARS]}\n[{len(text) - MAX_RESULT_CHARS:,} more characters left out]"
        self.record(
            Event(role="tool", tool_call_id=call.id, name=call.name, text=text, is_error=result.is_error), started
        )


async def run_episode(
    connection: Connection,
    task: Task,
    agent: Agent,
    user: SimulatedUser,
    *,
    limits: Limits | None = None,
    seed: int = 0,
) -> Attempt:
    """Run one episode of `task` on `connection` and return its labelled outcome (never raises InfraError)."""
    limits = limits or Limits()
    start = time.monotonic()
    run: _Run | None = None
    try:
        async with asyncio.timeout(limits.episode_timeout):
            episode_id = await connection.reset(task.id)
            run = _Run(connection, episode_id, task, limits, start)
            try:
                run.attempt.termination = await _converse(run, agent, user, seed)
                verdict = await connection.verify(episode_id, transcript(run.events))
            finally:
                await _close_quietly(connection, episode_id)
        attempt = run.attempt
        attempt.reward, attempt.checks, attempt.diff = verdict.reward, verdict.checks, verdict.diff
        _label(attempt, task, run.user_turns)
    except TimeoutError:
        attempt = _infra(run, f"the episode ran past its {limits.episode_timeout:g} s limit")
    except InfraError as exc:
        attempt = _infra(run, str(exc))
    except BackendError:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded, never lost: one broken episode must not end a long run
        attempt = _infra(run, f"unexpected {type(exc).__name__}: {exc}")
    attempt.user_tokens = user.usage
    attempt.seconds = round(time.monotonic() - start, 6)
    return attempt


async def replay_calls(
    connection: Connection,
    environment: Environment,
    task_id: str,
    calls: Sequence[Mapping[str, Any]],
    messages: list[str],
) -> float:
    """The verifier's reward for making recorded `calls` in order on a fresh episode of the task, then telling
    the user `messages` (calls the rollout never sent, to unknown tools or without object arguments, are skipped)."""
    episode = await connection.reset(task_id)
    try:
        for call in calls:
            if call["name"] in environment.tools and isinstance(call.get("arguments"), dict):
                await connection.call(episode, call["name"], call["arguments"])
        return float((await connection.verify(episode, messages)).reward)
    finally:
        await connection.close_episode(episode)


async def _converse(run: _Run, agent: Agent, user: SimulatedUser, seed: int) -> Termination:
    connection, limits = run.connection, run.limits
    context = AgentContext(task=run.task, tools=connection.tools, instructions=connection.instructions, seed=seed)
    started = time.monotonic()
    turn = await user.open()
    run.heard(turn, started)
    ended = turn.ending
    if ended:
        return ended
    steps = 0
    while steps < limits.max_steps:
        steps += 1
        started = time.monotonic()
        step = await agent.act(context, run.events)
        run.attempt.agent_tokens = run.attempt.agent_tokens + step.usage
        run.record(Event(role="assistant", text=step.text, tool_calls=step.tool_calls, usage=step.usage), started)
        if step.tool_calls:
            for call in step.tool_calls:
                await run.tool(call)
            continue
        run.attempt.turns += 1
        started = time.monotonic()
        turn = await user.reply(step.text)
        run.heard(turn, started)
        ended = turn.ending
        if ended:
            return ended
        if run.attempt.turns >= limits.max_turns:
            return "max_turns"
    return "max_steps"


def _label(attempt: Attempt, task: Task, user_turns: Sequence[UserTurn]) -> None:
    """Name why an episode failed: the simulated user's mistakes first, else the agent's."""
    errors = [t.error for t in user_turns if t.error]
    errors += detect_user_errors(task, [t.text for t in user_turns], transcript(attempt.trajectory))
    attempt.user_errors = errors
    if attempt.passed:
        return
    if errors:
        attempt.label, attempt.reason = "user", "; ".join(errors)
        return
    failed = [f"{c.name}: {c.detail}" for c in attempt.checks if not c.passed]
    ending = {
        "max_turns": "the turn limit was reached",
        "max_steps": "the step limit was reached",
    }.get(attempt.termination)
    attempt.label = "agent"
    attempt.reason = "; ".join(([ending] if ending else []) + failed) or "the episode did not verify"


def _infra(run: _Run | None, reason: str) -> Attempt:
    attempt = run.attempt if run is not None else Attempt()
    attempt.reward, attempt.label, attempt.reason, attempt.termination = 0.0, "infra", reason, "infra"
    return attempt


async def _close_quietly(connection: Connection, episode_id: str) -> None:
    """Free the server-side episode; a dead connection took it with it already."""
    try:
        await connection.close_episode(episode_id)
    except InfraError:
        pass
