"""Markdown documentation written in the simple convention the offline backend reads (docs/synthesizer.md).

    # Title                      the environment's name, then a paragraph describing it
    ## create_ticket             one level-2 heading per tool: a name, or `METHOD /path`
    Open a new ticket.           a paragraph: the tool's description
    - `title` (string, required): what the ticket is about
    - `priority` (string, optional, one of low|normal|high, default normal): how urgent
    - `requester_id` (string, required): the customer's id

Anything else in the file is ignored. Prose that does not follow it needs an LLM backend.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt

from ..models import Operation, SourceDoc
from .schemas import json_type, object_schema
from .toolschemas import tool_identifier

__all__ = ["parse_markdown", "parse_param_item"]

_PARAM = re.compile(
    r"^`?(?P<name>[A-Za-z_][\w.-]*)`?\s*\((?P<spec>[^)]*)\)\s*[:\u2013\u2014-]?\s*(?P<text>.*)$", re.DOTALL
)
_DASHED = re.compile(
    r"^[`*_]{0,2}(?P<name>[A-Za-z_][\w.-]*)[`*_]{0,2}\s+[-\u2013\u2014]\s+(?P<type>[A-Za-z][\w ]*?)\s*;\s*"
    r"(?:\((?P<mods>[^)]*)\)\s*)?(?P<text>.*)$",
    re.DOTALL,
)
"""`*name* - unsigned int; (Optional; Default: 0) text`: an argument listed by name, type and modifiers."""
_TOOL_NAME = re.compile(r"[a-z_][\w-]{0,63}|[A-Za-z][A-Za-z0-9]*[_-][\w-]{0,62}")
"""A heading that names a tool (`create_ticket`, `listNotes`, `Get-Item`), not a README section (`Installation`)."""
_HTTP = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)$", re.IGNORECASE)


def parse_markdown(text: str, name: str, sha256: str) -> SourceDoc | None:
    """The tools of a markdown document in the convention, or None when it does not follow it."""
    tokens = MarkdownIt().parse(text)
    title, description = name.rsplit(".", 1)[0], ""
    sections: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        opener = tokens[index - 1]
        content = token.content.strip()
        if opener.type == "heading_open" and opener.tag == "h1":
            title = content.strip("`")
        elif opener.type == "heading_open" and opener.tag == "h2":
            current = {"heading": content.strip("`").strip(), "description": [], "params": []}
            sections.append(current)
        elif opener.type == "heading_open":
            current = None
        elif opener.type == "paragraph_open" and _in_list(tokens, index):
            if current is not None:
                current["params"].append(content)
        elif opener.type == "paragraph_open":
            if current is not None:
                current["description"].append(content)
            elif not description:
                description = " ".join(content.split())
    operations: list[Operation] = []
    used: set[str] = set()
    for section in sections:
        operation = _operation(section, used)
        if operation is not None:
            used.add(operation.name)
            operations.append(operation)
    if not operations:
        return None
    return SourceDoc(
        name=name, title=title, description=description, format="markdown", sha256=sha256, operations=tuple(operations)
    )


def _in_list(tokens: list[Any], index: int) -> bool:
    return index >= 2 and tokens[index - 2].type == "list_item_open"


def _operation(section: dict[str, Any], used: set[str]) -> Operation | None:
    heading = section["heading"]
    http = _HTTP.match(heading)
    if http is None and not _TOOL_NAME.fullmatch(heading):
        return None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for item in section["params"]:
        param = parse_param_item(item)
        if param is None:
            continue
        key, schema, needed = param
        properties[key] = schema
        if needed:
            required.append(key)
    description = " ".join(" ".join(section["description"]).split())
    if not description and not properties:
        return None
    method, path = (http.group(1).upper(), http.group(2)) if http else (None, None)
    base = f"{method.lower()}_{path}" if http else heading
    name = tool_identifier(base, used)
    return Operation(
        name=name,
        source_name=heading,
        description=description or heading,
        method=method,
        path=path,
        input_schema=object_schema(properties, required),
        locations={k: "argument" for k in properties},
    )


def parse_param_item(text: str) -> tuple[str, dict[str, Any], bool] | None:
    """`name` (type, required): text, or `*name* - type; (Optional; Default: x) text` -> the argument's name, its
    JSON schema and whether it is required."""
    match = _PARAM.match(text)
    if match is not None:
        schema, needed = _param_schema(match.group("spec"), match.group("text"))
    elif (match := _DASHED.match(text)) is not None:
        schema, needed = _dashed_schema(match.group("type"), match.group("mods") or "", match.group("text"))
    else:
        return None
    return None if schema is None else (match.group("name"), schema, needed)


def _dashed_schema(spoken: str, modifiers: str, text: str) -> tuple[dict[str, Any] | None, bool]:
    """`array of unsigned int` with `Optional; Default: 0; Accepts: a, b` -> a JSON schema and whether required."""
    words = [w for w in spoken.lower().split() if w not in ("unsigned", "signed")]
    many = words[:2] == ["array", "of"]
    kind = json_type(words[-1]) if words else None
    if kind is None and not many:
        return None, False
    schema: dict[str, Any] = {"type": "array", "items": {"type": kind or "object"}} if many else {"type": kind}
    optional = False
    for part in (p.strip() for p in modifiers.split(";")):
        lowered = part.lower()
        optional = optional or lowered.startswith(("optional", "default"))
        if (default := re.match(r"defaults?(?:\s+to|\s*:)\s*(.+)", part, re.IGNORECASE)) and not many:
            schema["default"] = _typed(default.group(1).strip().strip('"`'), schema["type"])
        elif lowered.startswith("accepts:") and not many:
            schema["enum"] = [v.strip().strip('"`') for v in part[8:].split(",") if v.strip()]
    if schema.get("type") == "boolean" and "default" in schema:
        schema["default"] = str(schema["default"]).lower() == "true"
    if text.strip():
        schema["description"] = " ".join(text.split())
    return schema, not optional


def _param_schema(spec: str, text: str) -> tuple[dict[str, Any] | None, bool]:
    """`string, required, one of a|b, default a` -> a JSON schema and whether the argument is required."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    kind = json_type(parts[0].lower()) if parts else None
    if kind is None:
        return None, False
    schema: dict[str, Any] = {"type": kind}
    required = False
    default: str | None = None
    for part in parts[1:]:
        lowered = part.lower()
        if lowered == "required":
            required = True
        elif lowered.startswith("one of"):
            schema["enum"] = [v.strip().strip("`") for v in part[6:].split("|") if v.strip()]
        elif lowered.startswith("default"):
            default = part[7:].strip(" =:`")
    if default is not None:
        schema["default"] = _typed(default, kind)
    if text.strip():
        schema["description"] = " ".join(text.split())
    return schema, required


def _typed(value: str, kind: str) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return value.lower() in ("true", "yes", "1")
    return value
