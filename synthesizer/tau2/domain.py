"""What the importer knows about one tau2 domain: its relational layout, its tools and their code."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from autoforge.servers import ToolSpec

from .layout import Many

__all__ = ["Domain", "Param", "ToolDecl", "array_of", "obj", "string"]


def string(*choices: str) -> dict[str, Any]:
    """A string argument, optionally one of `choices`."""
    return {"type": "string", "enum": list(choices)} if choices else {"type": "string"}


def array_of(items: dict[str, Any]) -> dict[str, Any]:
    """An array argument."""
    return {"type": "array", "items": items}


def obj(**properties: dict[str, Any]) -> dict[str, Any]:
    """An object argument whose properties are all required."""
    return {"type": "object", "properties": properties, "required": list(properties)}


def set_constant(source: str, name: str, value: Any) -> str:
    """`source` with its one-line module-level assignment `name = ...` set to `value`."""
    pattern = re.compile(rf"^{re.escape(name)} = .*$", re.MULTILINE)
    if not pattern.search(source):
        raise ValueError(f"the tool code has no constant {name}")
    return pattern.sub(lambda _: f"{name} = {value!r}", source, count=1)


@dataclass(frozen=True)
class Param:
    """One argument of a tool, with our own description (used when the checkout has none)."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class ToolDecl:
    """A tool as tau2 declares it: name, arguments in signature order, whether it mutates the database."""

    name: str
    summary: str
    params: tuple[Param, ...] = ()
    writes: bool = False
    tables: tuple[str, ...] = ()

    def spec(self, description: str | None = None, arguments: dict[str, str] | None = None) -> ToolSpec:
        """The ToolSpec, with the checkout's own description texts where it has them."""
        arguments = arguments or {}
        properties = {p.name: {**p.schema, "description": arguments.get(p.name) or p.description} for p in self.params}
        return ToolSpec(
            name=self.name,
            description=description or self.summary,
            input_schema={"type": "object", "properties": properties, "required": [p.name for p in self.params]},
            writes=self.writes,
            tables=self.tables,
        )


@dataclass(frozen=True)
class Domain:
    """One importable domain."""

    name: str
    description: str
    layout: tuple[Many, ...]
    tools: tuple[ToolDecl, ...]
    tools_file: str
    """The module of this package whose source becomes the environment's tools.py."""
    clock: str = "2024-05-15T15:00:00"
    notes: tuple[str, ...] = field(default=())
    constants: Mapping[str, Any] = field(default_factory=dict)
    """Values for module-level constants of the tool code (TAU_BENCH switches to the original tau-bench's rules)."""

    def tools_source(self, constants: Mapping[str, Any] | None = None) -> str:
        """The tool code written into the imported environment, its constants set (from the checkout: `constants`)."""
        source = resources.files(__package__).joinpath(self.tools_file).read_text(encoding="utf-8")
        for name, value in {**self.constants, **(constants or {})}.items():
            source = set_constant(source, name, value)
        return source

    def tool(self, name: str) -> ToolDecl | None:
        return next((t for t in self.tools if t.name == name), None)
