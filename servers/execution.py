"""Running one tool call: validate the arguments here, execute in a worker process as a transaction."""

from __future__ import annotations

import ast
import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import fastjsonschema

from .episodes import Episode
from .errors import SpecError
from .pool import ToolPool
from .schemas import compiled_schema
from .spec import ToolSpec
from .toolkit import ToolError
from .worker import CallJob, Reply, ToolProgram, ToolRunner

__all__ = [
    "MAX_ARGUMENT_CHARS",
    "CompiledTool",
    "ToolCrash",
    "ToolResult",
    "signature",
    "tool_parameters",
    "unknown_tool_message",
]

MAX_ARGUMENT_CHARS = 10_000
"""Longest string argument accepted unless the tool's schema sets a larger maxLength."""


class ToolCrash(ToolError):
    """A tool's own code failed (a bug in the environment, not the agent's mistake); the episode is unchanged."""


class ToolResult(NamedTuple):
    """What a call returned, and the same as JSON text (what MCP clients read)."""

    value: Any
    text: str


@dataclass(frozen=True)
class CompiledTool:
    """A tool ready to run: its spec, its compiled input validator, and where its code runs."""

    spec: ToolSpec
    program: ToolProgram
    pool: ToolPool
    validate_input: Callable[[Any], Any]
    parameters: frozenset[str] | None
    """Keyword arguments the function accepts (None when it takes **kwargs)."""

    @classmethod
    def build(
        cls, spec: ToolSpec, program: ToolProgram, pool: ToolPool, parameters: frozenset[str] | None
    ) -> CompiledTool:
        try:
            validator = compiled_schema(spec.input_schema)
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            raise SpecError(
                f"tool {spec.name!r}: its input_schema is no JSON schema this server can use: {exc}"
            ) from None
        return cls(spec, program, pool, validator, parameters)

    def run(self, episode: Episode, arguments: Mapping[str, Any], runner: ToolRunner | None = None) -> ToolResult:
        """Run the tool in `episode` as one transaction and wait; on ToolError the episode is unchanged.

        `runner` runs it in this process instead of a worker: only for code this process trusts (the
        synthesizer's own templates), which its runner has loaded.
        """
        self._check(arguments)
        job = self._job(episode, arguments)
        reply = self.pool.call(self.program, job) if runner is None else runner.run(self.program.key, job, [])
        text = self._outcome(episode, job, reply)
        return ToolResult(json.loads(text), text)

    async def arun(self, episode: Episode, arguments: Mapping[str, Any]) -> str:
        """`run` for the event loop: the JSON text of the result, the loop free meanwhile."""
        self._check(arguments)
        job = self._job(episode, arguments)
        return self._outcome(episode, job, await self.pool.acall(self.program, job))

    def _job(self, episode: Episode, arguments: Mapping[str, Any]) -> CallJob:
        mark = episode.mark + 1 if self.spec.writes else 0
        return CallJob(self.spec.name, dict(arguments), str(episode.path), episode.counters, episode.limit_bytes, mark)

    def _outcome(self, episode: Episode, job: CallJob, reply: Reply) -> str:
        if reply.ended and self.spec.writes and episode.kept(job.mark):  # it ended between keeping and replying
            reply = Reply("crash", f"{reply.text.removesuffix('; the call was undone')}, after the call was carried "
                          "out: its changes were kept, its result was lost")  # fmt: skip
        if reply.status == "ok":
            if reply.counters is not None:
                episode.counters.update(reply.counters)
            if self.spec.writes:
                episode.mark = job.mark
            return reply.text
        raise ToolCrash(reply.text) if reply.status == "crash" else ToolError(reply.text)

    def _check(self, arguments: Mapping[str, Any]) -> None:
        properties = self.spec.input_schema.get("properties", {})
        for name, value in arguments.items():
            if isinstance(value, str) and len(value) > MAX_ARGUMENT_CHARS:
                limit = properties.get(name, {}).get("maxLength") if isinstance(properties, dict) else None
                if limit is None or len(value) > limit:
                    raise ToolError(
                        f"argument {name!r} is {len(value):,} characters long; the limit is {MAX_ARGUMENT_CHARS:,}"
                    )
        try:
            self.validate_input(arguments)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise ToolError(f"invalid arguments: {_explain(exc)}. {signature(self.spec)}") from None
        if self.parameters is not None and not self.parameters.issuperset(arguments):
            unexpected = sorted(set(arguments) - self.parameters)
            raise ToolError(f"invalid arguments: unexpected {', '.join(map(repr, unexpected))}. {signature(self.spec)}")


def tool_parameters(source: str) -> dict[str, frozenset[str] | None]:
    """For each module-level function of checked tool code: the keyword arguments it takes after `db`.

    Read from the syntax tree, so the code is never executed in this process; None means **kwargs.
    """
    parameters: dict[str, frozenset[str] | None] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            args = node.args
            named = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)][1:]
            parameters[node.name] = None if args.kwarg is not None else frozenset(named)
    return parameters


def unknown_tool_message(name: str, known: list[str]) -> str:
    """An error for a tool name the environment lacks, with the closest match."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Unknown tool {name!r}.{hint} Available tools: {', '.join(known)}."


def signature(spec: ToolSpec) -> str:
    """`renew_loan takes {loan_id: string, days: integer (optional)}.`"""
    properties: dict[str, Any] = spec.input_schema.get("properties", {})
    required = set(spec.input_schema.get("required", []))
    parts = [
        f"{name}: {schema.get('type', 'any') if isinstance(schema, dict) else 'any'}"
        f"{'' if name in required else ' (optional)'}"
        for name, schema in properties.items()
    ]
    return f"{spec.name} takes {{{', '.join(parts)}}}." if parts else f"{spec.name} takes no arguments."


def _explain(exc: fastjsonschema.JsonSchemaValueException) -> str:
    message = exc.message
    if message.startswith("data."):
        return "argument " + message[len("data.") :]
    return message.replace("data ", "arguments ", 1)
