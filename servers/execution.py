"""Running one tool call: validate the arguments, execute as a transaction under a step budget."""

from __future__ import annotations

import difflib
import inspect
import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import fastjsonschema

from .episodes import PROGRESS_INTERVAL, UNLIMITED_STEPS, Episode
from .spec import ToolSpec
from .toolkit import ToolError

__all__ = [
    "MAX_ARGUMENT_CHARS",
    "MAX_STEPS_PER_CALL",
    "CompiledTool",
    "ToolCrash",
    "ToolResult",
    "signature",
    "unknown_tool_message",
]

MAX_ARGUMENT_CHARS = 10_000
"""Longest string argument accepted unless the tool's schema sets a larger maxLength."""
MAX_STEPS_PER_CALL = 20_000_000
"""SQLite virtual-machine steps one call may take before it is interrupted."""


_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


class ToolCrash(ToolError):
    """A tool's own code failed (a bug in the environment, not the agent's mistake); the episode is unchanged."""


class ToolResult(NamedTuple):
    """What a call returned, and the same as JSON text (what MCP clients read)."""

    value: Any
    text: str


@dataclass(frozen=True)
class CompiledTool:
    """A tool ready to run: its spec, its checked function and compiled schema validators."""

    spec: ToolSpec
    function: Callable[..., Any]
    validate_input: Callable[[Any], Any]
    validate_output: Callable[[Any], Any] | None
    parameters: frozenset[str] | None
    """Keyword arguments the function accepts (None when it takes **kwargs)."""

    @classmethod
    def build(cls, spec: ToolSpec, function: Callable[..., Any]) -> CompiledTool:
        output = fastjsonschema.compile(spec.output_schema) if spec.output_schema is not None else None
        accepted = list(inspect.signature(function).parameters.values())[1:]  # after `db`
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted)
        names = None if takes_any else frozenset(p.name for p in accepted)
        return cls(spec, function, fastjsonschema.compile(spec.input_schema), output, names)

    def run(self, episode: Episode, arguments: Mapping[str, Any]) -> ToolResult:
        """Run the tool in `episode` as one transaction; on ToolError the episode is unchanged."""
        self._check(arguments)
        conn = episode.conn
        episode.steps_left[0] = MAX_STEPS_PER_CALL // PROGRESS_INTERVAL
        changes_before = conn.total_changes
        conn.execute("SAVEPOINT tool_call")
        try:
            value = self.function(episode.db, **arguments)
            if not self.spec.writes and conn.total_changes != changes_before:
                raise ToolCrash(f"internal error in {self.spec.name}: it is declared read-only but changed the database")
            if self.validate_output is not None:
                self.validate_output(value)
            text = _JSON.encode(value)
        except BaseException as exc:
            conn.execute("ROLLBACK TO tool_call")
            conn.execute("RELEASE tool_call")
            raise _as_tool_error(self.spec.name, exc) from exc
        finally:
            episode.steps_left[0] = UNLIMITED_STEPS
        conn.execute("RELEASE tool_call")
        return ToolResult(value, text)

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


def _as_tool_error(tool: str, exc: BaseException) -> BaseException:
    if isinstance(exc, ToolError):
        return exc
    if isinstance(exc, sqlite3.OperationalError) and "interrupted" in str(exc):
        return ToolError(f"{tool} exceeded its compute budget of {MAX_STEPS_PER_CALL:,} database steps")
    if isinstance(exc, sqlite3.IntegrityError):
        return ToolError(f"{tool} was refused by a database constraint: {exc}")
    if isinstance(exc, fastjsonschema.JsonSchemaValueException):
        return ToolCrash(f"internal error in {tool}: its output does not match its output schema: {exc.message}")
    if isinstance(exc, Exception):
        return ToolCrash(f"internal error in {tool} (a bug in the tool, not in your call): {type(exc).__name__}: {exc}")
    return exc  # KeyboardInterrupt, CancelledError: not the tool's to report


def _explain(exc: fastjsonschema.JsonSchemaValueException) -> str:
    message = exc.message
    if message.startswith("data."):
        return "argument " + message[len("data.") :]
    return message.replace("data ", "arguments ", 1)
