"""Reading tool documentation: files (OpenAPI, Swagger, tool lists, markdown) and live MCP servers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from autoforge.servers import SynthesisError

from ..models import SourceDoc
from .endpoints import parse_endpoints
from .live import is_live, list_live_tools
from .openapi import parse_openapi
from .prose import parse_markdown
from .reference import parse_reference
from .restructured import rst_to_markdown
from .toolschemas import is_tool_list, parse_tool_list

__all__ = ["RawSource", "parse_structured", "read_source"]

_MARKDOWN = (".md", ".markdown", ".txt")
_RESTRUCTURED = (".rst", ".rest")


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML that keeps dates as the strings they were written as."""


_Loader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class RawSource:
    """Documentation as read: its name, hash and text, and the parsed data when it is structured."""

    name: str
    sha256: str
    text: str
    data: Any = None
    markdown: bool = False


async def read_source(reference: str | Path, max_bytes: int) -> RawSource:
    """Read a documentation file or list a live MCP server's tools; bad input raises SynthesisError."""
    reference = str(reference)
    if is_live(reference):
        tools = await list_live_tools(reference)
        text = json.dumps(tools, sort_keys=True)
        return RawSource(_live_name(reference), _sha256(text.encode()), text, {"tools": tools})
    path = Path(reference)
    if not path.is_file():
        hint = " (a live MCP server is named 'mcp:COMMAND ARGS' or an http(s) URL)" if not path.exists() else ""
        raise SynthesisError(f"{reference}: no such file{hint}")
    size = path.stat().st_size
    if size > max_bytes:
        raise SynthesisError(
            f"{path.name} is {size / 2**20:.1f} MiB, over the --max-bytes limit of {max_bytes / 2**20:.1f} MiB; "
            "pass a larger --max-bytes if this really is one API description"
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise SynthesisError(f"{path.name} is empty; give an OpenAPI document, a tool list or markdown documentation")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SynthesisError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    digest = _sha256(raw)
    if path.suffix.lower() in _MARKDOWN:
        return RawSource(path.name, digest, text, markdown=True)
    if path.suffix.lower() in _RESTRUCTURED:
        return RawSource(path.name, digest, rst_to_markdown(text), markdown=True)
    data = _parse_data(text, path.name, path.suffix.lower())
    if isinstance(data, str):
        return RawSource(path.name, digest, text, markdown=True)
    return RawSource(path.name, digest, text, data)


def parse_structured(raw: RawSource) -> SourceDoc | None:
    """The operations of structured documentation, or None for markdown that does not follow the convention."""
    if raw.markdown:
        convention = parse_markdown(raw.text, raw.name, raw.sha256)
        if convention is not None and any(op.input_schema.get("properties") for op in convention.operations):
            return convention
        read = (raw.text, raw.name, raw.sha256)
        readings = [d for d in (parse_reference(*read), parse_endpoints(*read)) if d is not None]
        return max(readings, key=lambda d: len(d.operations), default=convention)  # headings alone: a reference's
    data = raw.data
    if isinstance(data, dict) and ("openapi" in data or "swagger" in data):
        return parse_openapi(data, raw.name, raw.sha256)
    if is_tool_list(data):
        return parse_tool_list(data, raw.name, raw.sha256)
    if isinstance(data, dict) and "inputSchema" in data and "name" in data:
        return parse_tool_list([data], raw.name, raw.sha256)
    found = (
        f"a mapping with keys {', '.join(map(str, list(data)[:6]))}" if isinstance(data, dict) else type(data).__name__
    )
    raise SynthesisError(
        f"{raw.name}: not a recognised kind of tool documentation (found {found}); expected an OpenAPI 3.x or "
        "Swagger 2.0 document, an MCP tools/list result, OpenAI or Anthropic tool schemas, or markdown"
    )


def _parse_data(text: str, name: str, suffix: str) -> Any:
    try:
        data = _loaded(text, name, suffix)
    except RecursionError:
        raise SynthesisError(f"{name} is nested too deeply to read (more than {MAX_NESTING} levels)") from None
    _check_shape(data, name)
    return data


MAX_NESTING = 200
"""Levels of nesting a document may have (schemas in real documents stay within a few dozen)."""
MAX_NODES = 5_000_000
"""Values a document may hold once its YAML aliases are expanded (a kilobyte of nested aliases holds billions)."""


def _check_shape(data: Any, name: str) -> None:
    """Refuse data that refers to itself (a YAML alias inside its own anchor), nests deeper than `MAX_NESTING`, or
    expands past `MAX_NODES` values; each shared value is counted once per place it appears, in time linear in the
    distinct values."""
    sizes: dict[int, int] = {}
    path: set[int] = set()
    pending: list[tuple[Any, int, bool]] = [(data, 1, False)]
    while pending:
        node, depth, finished = pending.pop()
        if not isinstance(node, (dict, list)):
            continue
        key, children = id(node), list(node.values()) if isinstance(node, dict) else node
        if finished:
            path.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(child), 1) for child in children)
            if sizes[key] > MAX_NODES:
                raise SynthesisError(
                    f"{name} expands to more than {MAX_NODES:,} values (YAML aliases nested in aliases)"
                )
        elif key in path:
            raise SynthesisError(f"{name} refers to itself (a YAML alias inside its own anchor)")
        elif key not in sizes:
            if depth > MAX_NESTING:
                raise SynthesisError(f"{name} is nested more than {MAX_NESTING} levels deep")
            path.add(key)
            pending.append((node, depth, True))
            pending.extend((child, depth + 1, False) for child in children)


def _loaded(text: str, name: str, suffix: str) -> Any:
    stripped = text.lstrip()
    if suffix == ".json" or stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if suffix == ".json":
                raise SynthesisError(
                    f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
                ) from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SynthesisError(f"{name} is not valid YAML{where}: {problem}") from None
    if data is None:
        raise SynthesisError(f"{name} holds no data (only comments or blank lines)")
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _live_name(reference: str) -> str:
    from ..naming import identifier

    return identifier(reference.split("://", 1)[-1].split(":", 1)[-1])[:40] + ".live"
