"""The `autoforge_agent` veRL agent loop: one rollout is one MCP episode of a task with a simulated user.

    reset(task) -> user.open() -> [generate -> tool calls over MCP -> results ...] -> message -> user.reply()
                -> ... the user stops (###STOP###), or a turn or length limit -> verify -> reward_score

The policy's tokens get response mask 1; tool results and user turns are appended as context tokens
with mask 0 (veRL's Continuous Token path: generated tokens are never decoded and re-encoded, so
earlier turns' reasoning stays in context as sampled). A rollout whose simulated user broke its
scenario (`user`, as the configured judge finds) or whose server failed (`infra`) gets an all-zero
response mask, so ERPO leaves it out of every statistic and the loss gives it no gradient. Rows come from `autoforge rl export`;
settings live under `autoforge:` in the trainer config (see `LoopSettings`).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Sequence
from typing import Any, Literal
from uuid import uuid4

from autoforge.clients import (
    ChatBackend,
    Connection,
    Event,
    InfraError,
    SimulatedUser,
    UserTurn,
    make_backend,
    make_user,
    read_token,
)
from autoforge.servers import Environment, Task
from autoforge.servers.errors import SpecError
from mcp.types import Tool
from omegaconf import OmegaConf
from verl.experimental.agent_loop.agent_loop import AgentLoopBase, AgentLoopMetrics, AgentLoopOutput, register
from verl.experimental.agent_loop.tool_parser import FunctionCall, ToolParser
from verl.utils.profiler import simple_timer

from .environments import environment, environment_pool
from .metrics import MASKED_LABELS
from .judge import UserErrorJudge, Verdict, make_judge
from .settings import LoopSettings

__all__ = ["AGENT_NAME", "AutoForgeAgentLoop", "openai_tool"]

AGENT_NAME = "autoforge_agent"

_BACKENDS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ChatBackend]] = weakref.WeakKeyDictionary()

Ending = Literal["user_stop", "transfer", "user_error", "max_turns", "max_steps", "length", "infra"]


def openai_tool(tool: Tool) -> dict[str, Any]:
    """An MCP tool as the chat template's function schema (the input schema passes through whole)."""
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description or "", "parameters": tool.input_schema},
    }


class _Trajectory:
    """The token state of one rollout: the running context, which response tokens are the policy's, the transcript."""

    def __init__(self, loop: AutoForgeAgentLoop) -> None:
        self.loop = loop
        self.tools: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.token_ids: list[int] = []
        self.response_mask: list[int] = []
        self.logprobs: list[float] = []
        self.request_id = uuid4().hex
        self.timings: dict[str, float] = {}
        self.agent_messages: list[str] = []
        self.heard: list[UserTurn] = []
        self.tool_errors = 0
        self.calls: list[dict[str, Any]] = []
        self.steps = 0

    @property
    def conversation(self) -> list[Event]:
        """What the user and the agent said to each other, in order (the user opens, then they alternate)."""
        events = []
        for i, turn in enumerate(self.heard):
            events.append(Event(role="user", text=turn.text))
            if i < len(self.agent_messages):
                events.append(Event(role="assistant", text=self.agent_messages[i]))
        return events

    @property
    def full(self) -> bool:
        return len(self.response_mask) >= int(self.loop.response_length)

    async def start(self, messages: list[dict[str, Any]]) -> None:
        self.messages = list(messages)
        self.token_ids = await self.loop.ct_build_initial_tokens(self.messages, tools=self.tools)

    async def generate(self, sampling_params: dict[str, Any]) -> list[int]:
        """The policy's next turn, appended with mask 1."""
        self.steps += 1
        with simple_timer("generate_sequences", self.timings):
            output = await self.loop.server_manager.generate(
                request_id=self.request_id, prompt_ids=self.token_ids, sampling_params=sampling_params
            )
        merged, self.response_mask, logprobs = await self.loop.ct_merge_assistant_token(
            self.token_ids,
            output.token_ids,
            self.response_mask,
            self.logprobs if (self.logprobs or output.log_probs) else None,
            assistant_logprobs=output.log_probs or None,
        )
        self.token_ids = merged.token_ids
        self.logprobs = logprobs or []
        return list(output.token_ids)

    async def add_context(self, messages: list[dict[str, Any]]) -> None:
        """Tool results or a user turn, appended with mask 0."""
        previous = list(self.messages)
        self.messages += messages
        merged, self.response_mask, logprobs = await self.loop.ct_merge_context_msg(
            previous, self.messages, self.token_ids, self.response_mask, self.logprobs or None, tools=self.tools
        )
        self.token_ids = merged.token_ids
        self.logprobs = logprobs or []

    def output(self, reward: float, masked: bool, extra: dict[str, Any]) -> AgentLoopOutput:
        """veRL's output: prompt and response split where the policy's first turn began, cut to the length limit."""
        length = self.loop.response_length
        mask = [0] * len(self.response_mask) if masked else list(self.response_mask)
        cut = len(self.token_ids) - len(mask)
        prompt_ids, response_ids = self.token_ids[:cut], self.token_ids[cut:]
        if not response_ids:  # the episode ended before the policy spoke: one masked filler token
            response_ids, mask = [int(self.loop.tokenizer.eos_token_id)], [0]
        return AgentLoopOutput(
            prompt_ids=prompt_ids,
            response_ids=response_ids[:length],
            response_mask=mask[:length],
            response_logprobs=self.logprobs[:length] if self.logprobs else None,
            reward_score=reward,
            num_turns=self.steps + len(self.heard),
            metrics=AgentLoopMetrics.model_validate(self.timings),
            extra_fields=extra,
        )


@register(AGENT_NAME)
class AutoForgeAgentLoop(AgentLoopBase):
    """Rollouts of AutoForge tasks: the policy serves a simulated user through the environment's MCP tools."""

    def __init__(self, *args: Any, tools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        section = self.config.get("autoforge", None)
        options = OmegaConf.to_container(section, resolve=True) if section is not None else {}
        self.settings = LoopSettings.model_validate(options)
        multi_turn = self.rollout_config.multi_turn
        self.max_steps = multi_turn.max_assistant_turns or self.settings.max_steps
        self.max_turns = multi_turn.max_user_turns or self.settings.max_turns
        self.max_parallel_calls = multi_turn.max_parallel_calls
        self.max_tool_response_length = multi_turn.max_tool_response_length
        self.response_length = self.rollout_config.response_length
        self.tool_parser = ToolParser.get_tool_parser(multi_turn.format, self.tokenizer)
        self.judge: UserErrorJudge | None = None
        """The user-error judge; None: the one `autoforge.judge` names, shared by this worker's rollouts."""

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> AgentLoopOutput:
        """One episode of the row's task; its reward is the verifier's."""
        env, task = _row_task(kwargs)
        system = [m for m in kwargs.get("raw_prompt", []) if m["role"] == "system"]
        settings = self.settings
        token = read_token(settings.token_env) if settings.token_env else None
        pool = environment_pool(
            env, settings.transport, settings.url, settings.connections, settings.call_timeout, token
        )
        reward, ending, failure = 0.0, "infra", ""
        trajectory = _Trajectory(self)
        try:
            async with pool.lease() as connection:
                trajectory.tools = [openai_tool(t) for t in connection.tools]
                episode = await connection.reset(task.id)
                try:
                    ending = await self._converse(connection, episode, task, system, trajectory, sampling_params)
                    with simple_timer("tool_calls", trajectory.timings):
                        checked = await connection.verify(episode, trajectory.agent_messages)
                    reward = checked.reward
                finally:
                    await _close_quietly(connection, episode)
        except InfraError as exc:
            reward, ending, failure = 0.0, "infra", str(exc)
            if not trajectory.token_ids:
                await trajectory.start(list(kwargs.get("raw_prompt", [])))
        verdict: Verdict | None = None
        judge = self.judge or _judge(self.settings)
        if ending != "infra":
            try:
                verdict = await judge.judge(task, trajectory.conversation)
            except InfraError as exc:
                ending, failure = "infra", f"the user-error judge {judge.name} failed: {exc}"
        return self._finish(env, task, trajectory, reward, ending, failure, judge.name, verdict)

    async def _converse(
        self,
        connection: Connection,
        episode: str,
        task: Task,
        system: list[dict[str, Any]],
        trajectory: _Trajectory,
        sampling_params: dict[str, Any],
    ) -> Ending:
        spec, options = self.settings.user, self.settings.user_options
        shared = {} if spec == "scripted" else {"backend": _backend("user", spec, options)}
        user: SimulatedUser = make_user(spec, task, **(shared or options))
        opening = await user.open()
        trajectory.heard.append(opening)
        await trajectory.start([*system, {"role": "user", "content": opening.text}])
        ending = opening.ending
        while ending is None:
            if trajectory.steps >= self.max_steps:
                return "max_steps"
            if trajectory.full:
                return "length"
            generated = await trajectory.generate(sampling_params)
            content, calls = await self.tool_parser.extract_tool_calls(generated)
            text = self._visible(content)
            calls = calls[: self.max_parallel_calls]
            trajectory.messages.append(_assistant_message(text, calls))
            if calls:
                with simple_timer("tool_calls", trajectory.timings):
                    results = [await self._call(connection, episode, call, trajectory) for call in calls]
                await trajectory.add_context([{"role": "tool", "content": r} for r in results])
                continue
            trajectory.agent_messages.append(text)
            turn = await user.reply(text)
            trajectory.heard.append(turn)
            ending = turn.ending
            if ending is None and len(trajectory.agent_messages) >= self.max_turns:
                ending = "max_turns"
            if ending is None:
                await trajectory.add_context([{"role": "user", "content": turn.text}])
        return ending

    async def _call(self, connection: Connection, episode: str, call: FunctionCall, trajectory: _Trajectory) -> str:
        """Run one tool call over MCP; a malformed or unknown call comes back as an error the model can read."""
        names = [t.name for t in connection.tools]
        try:
            arguments = json.loads(call.arguments)
        except json.JSONDecodeError:
            arguments = None
        trajectory.calls.append({"name": call.name, "arguments": arguments})
        if call.name not in names:
            trajectory.tool_errors += 1
            return f"Error: there is no tool {call.name!r}; the tools are: {', '.join(names)}"
        if not isinstance(arguments, dict):
            trajectory.tool_errors += 1
            return f"Error: the arguments of {call.name} are not a JSON object; send one matching its input schema"
        result = await connection.call(episode, call.name, arguments)
        trajectory.tool_errors += int(bool(result.is_error))
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        return _truncate(text, self.max_tool_response_length)

    def _visible(self, content: str) -> str:
        """What the user reads of a model turn: no reasoning, no special tokens."""
        text = content.rsplit("</think>", 1)[-1]
        for token in self.tokenizer.all_special_tokens:
            text = text.replace(token, "")
        return text.strip()

    def _finish(
        self,
        env: Environment,
        task: Task,
        trajectory: _Trajectory,
        reward: float,
        ending: str,
        failure: str,
        judge: str,
        verdict: Verdict | None,
    ) -> AgentLoopOutput:
        errors = [t.error for t in trajectory.heard if t.error] + (verdict.errors if verdict else [])
        label = "infra" if ending == "infra" else "user" if errors else "" if reward >= 1.0 else "agent"
        episode = {
            "calls": trajectory.calls,
            "agent_messages": trajectory.agent_messages,
            "user_errors": errors,
            "judge": judge,
            "judge_answer": verdict.answer if verdict else "",
            "ending": ending,
            "failure": failure,
        }
        extra = {
            "env_id": env.name,
            "task_id": task.id,
            "reward": reward,
            "label": label,
            "masked": label in MASKED_LABELS,
            "turns": len(trajectory.agent_messages),
            "tool_calls": len(trajectory.calls),
            "tool_errors": trajectory.tool_errors,
            "episode": json.dumps(episode, ensure_ascii=False),
        }
        return trajectory.output(reward, label in MASKED_LABELS, extra)


def _backend(role: str, spec: str, options: dict[str, Any]) -> ChatBackend:
    """This event loop's chat backend for `spec` and `options`: one client per worker, not one per rollout."""
    backends = _BACKENDS.setdefault(asyncio.get_running_loop(), {})
    key = json.dumps([role, spec, options], sort_keys=True, default=repr)
    if key not in backends:
        backends[key] = make_backend(spec, role=role, **options)
    return backends[key]


def _judge(settings: LoopSettings) -> UserErrorJudge:
    """The judge `settings` name, on this event loop's shared backend."""
    if settings.judge == "heuristic":
        return make_judge("heuristic")
    return make_judge(settings.judge, backend=_backend("judge", settings.judge, settings.judge_options))


def _row_task(row: dict[str, Any]) -> tuple[Environment, Task]:
    info = row.get("extra_info") or {}
    if "env_ref" not in info or "task_id" not in info:
        raise SpecError(
            f"{AGENT_NAME} needs rows from `autoforge rl export` (extra_info.env_ref and extra_info.task_id); "
            f"this row has extra_info keys {sorted(info)}"
        )
    env = environment(info["env_ref"], info.get("env_sha256"))
    if info["task_id"] not in env.tasks:
        raise SpecError(f"environment {env.name} has no task {info['task_id']!r}; export the dataset again")
    return env, env.tasks[info["task_id"]]


def _assistant_message(text: str, calls: Sequence[FunctionCall]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = [
            {"type": "function", "function": {"name": c.name, "arguments": _arguments(c.arguments)}} for c in calls
        ]
    return message


def _arguments(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}...(truncated)...{text[-half:]}"


async def _close_quietly(connection: Connection, episode: str) -> None:
    try:
        await connection.close_episode(episode)
    except InfraError:
        pass
