"""Tool lists to operations: MCP `tools/list` output, OpenAI (Chat Completions or Responses) and Anthropic tools,
and tools whose parameters are listed one by one (ToolBench, TaskBench, NESTFUL)."""

from __future__ import annotations

from typing import Any

from autoforge.servers import SynthesisError

from ..models import Operation, Skip, SourceDoc
from ..naming import identifier, is_identifier
from .schemas import clean_schema, json_type, merged_properties, object_schema, row_schema, schema_type

__all__ = ["is_tool_list", "parse_tool_list", "tool_identifier"]

MAX_DESCRIPTION = 600


_CONTAINERS = ("tools", "functions", "api_list", "nodes")
"""Keys a document keeps its tools under: MCP and OpenAI, ToolBench's `api_list`, TaskBench's tool graph `nodes`."""
_LISTED_PARAMS = ("parameters", "required_parameters", "optional_parameters", "arguments")
_LISTED_OUTPUTS = ("output_parameters", "outputs", "returns")
_NAMED_TYPES = {"date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"},
                "time": {"type": "string", "format": "time"}, "enum": {"type": "string"}}  # fmt: skip
"""Type names of parameter lists that are no JSON type."""


def is_tool_list(data: Any) -> bool:
    """Whether `data` looks like a list of tools in one of the supported shapes."""
    tools = _entries(data)
    return bool(tools) and all(isinstance(t, dict) and ("name" in t or "function" in t or _is_node(t)) for t in tools)


def _is_node(entry: dict[str, Any]) -> bool:
    """A TaskBench tool: `{"id", "desc", "parameters": [{"name", "type", "desc"}]}`."""
    return isinstance(entry.get("id"), str) and isinstance(entry.get("parameters"), list)


def _entries(data: Any) -> list[Any]:
    if isinstance(data, dict):
        if isinstance(data.get("result"), dict):  # a saved JSON-RPC response
            data = data["result"]
        if isinstance(data, dict):
            data = next((data[k] for k in _CONTAINERS if isinstance(data.get(k), list)), None)
    return data if isinstance(data, list) else []


def _listed(value: Any) -> list[Any] | None:
    """Parameters listed one by one: a list of `{name, ...}`, or a mapping `name -> {description, required, ...}`
    that is no JSON schema (NESTFUL's `arguments`)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or not value or not all(isinstance(v, dict) for v in value.values()):
        return None
    if isinstance(value.get("type"), (str, list)) or {"properties", "$ref"} & value.keys():
        return None  # a JSON schema (a parameter named `type` maps to an object, not a type name)
    return [{"name": key, **spec} for key, spec in value.items()]


def _listed_schema(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema of parameters given one by one as `{name, type, description, required}` (ToolBench's
    required and optional lists, TaskBench's `parameters`, NESTFUL's `arguments` mapping), or None when the entry
    has no such list. A parameter with no type is a string; `allowed_values` are its enum."""
    lists = {key: found for key in _LISTED_PARAMS if (found := _listed(entry.get(key))) is not None}
    if not lists or any(
        not isinstance(p, dict) or not isinstance(p.get("name"), str) for v in lists.values() for p in v
    ):
        return None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for key, params in lists.items():
        for param in params:
            properties[param["name"]] = _listed_property(param)
            if key == "required_parameters" or (
                key in ("parameters", "arguments") and param.get("required", True) is True
            ):
                required.append(param["name"])
    return {"type": "object", "properties": properties, "required": required}


def _listed_property(param: dict[str, Any]) -> dict[str, Any]:
    declared = str(param.get("type") or "string").lower()
    schema = dict(_NAMED_TYPES.get(declared) or {"type": json_type(declared) or "string"})
    text = param.get("description") or param.get("desc")
    if isinstance(text, str) and text.strip():
        schema["description"] = " ".join(text.split())
    default = param.get("default", param.get("default_value"))
    if isinstance(default, (str, int, float, bool)) and default != "":
        schema["default"] = default
    allowed = param.get("allowed_values", param.get("enum"))
    if isinstance(allowed, list) and allowed and all(isinstance(v, (str, int, float)) for v in allowed):
        schema["enum"] = list(dict.fromkeys(allowed))
    return schema


def _listed_output(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The record a tool returns when its fields are listed one by one (`output_parameters`), else None."""
    for key in _LISTED_OUTPUTS:
        fields = _listed(entry.get(key))
        if fields and all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields):
            return {"type": "object", "properties": {f["name"]: _listed_property(f) for f in fields}}
    return None


def tool_identifier(name: str, used: set[str]) -> str:
    """The tool's own name when it is a usable Python identifier, else a snake_case one; unique in `used`."""
    base = name if is_identifier(name) else identifier(name, "tool")
    candidate, number = base[:60], 2
    while candidate in used:
        candidate = f"{base[:56]}_{number}"
        number += 1
    return candidate


def parse_tool_list(data: Any, name: str, sha256: str) -> SourceDoc:
    """The operations of a tool list; a tool without an input schema (where the format requires one) is an error."""
    entries = _entries(data)
    if not entries:
        raise SynthesisError(f"{name}: the tool list is empty; there is nothing to synthesize")
    operations: list[Operation] = []
    skipped: list[Skip] = []
    missing: list[str] = []
    formats: set[str] = set()
    used: set[str] = set()
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise SynthesisError(f"{name}: entry {position} of the tool list is not an object")
        fmt, tool = _normalise(entry)
        label = str(tool.get("name") or f"#{position}")
        if fmt is None:
            skipped.append(Skip(name=label, reason=f"a hosted tool of type {entry.get('type')!r}, not a function"))
            continue
        formats.add(fmt)
        schema = tool.get("schema")
        if schema is None and fmt != "openai-tools":
            missing.append(label)
            continue
        if not isinstance(tool.get("name"), str) or not tool["name"].strip():
            raise SynthesisError(f"{name}: tool #{position} has no name")
        schema = schema if isinstance(schema, dict) else {"type": "object", "properties": {}}
        if schema_type(schema)[0] not in ("object", None):
            raise SynthesisError(f"{name}: the input schema of {label!r} is not an object schema")
        properties, required = merged_properties(schema)
        tool_name = tool_identifier(tool["name"], used)
        used.add(tool_name)
        record = row_schema(tool.get("output")) if isinstance(tool.get("output"), dict) else None
        operations.append(
            Operation(
                name=tool_name,
                source_name=tool["name"],
                description=" ".join(str(tool.get("description") or "").split())[:MAX_DESCRIPTION] or tool["name"],
                input_schema=object_schema({k: clean_schema(v) for k, v in properties.items()}, required),
                locations={k: "argument" for k in properties},
                output_schema=clean_schema(record, formats=True) if record else None,
            )
        )
    if missing:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        raise SynthesisError(
            f"{name}: {len(missing)} tool(s) have no input schema ({shown}); an MCP tools/list entry needs "
            "`inputSchema` and an Anthropic tool `input_schema`. Add the schemas (even an empty "
            '{"type": "object"}) and run again'
        )
    if not operations:
        raise SynthesisError(f"{name}: the list holds no function tools to synthesize")
    fmt = formats.pop() if len(formats) == 1 else "mixed-tools"
    return SourceDoc(
        name=name,
        title=name.rsplit(".", 1)[0],
        format=fmt,
        sha256=sha256,
        operations=tuple(operations),
        skipped=tuple(skipped),
    )


def _normalise(entry: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(format, {name, description, schema, output}) for one entry in any supported shape."""
    if isinstance(entry.get("function"), dict):
        function = entry["function"]
        return "openai-tools", {
            "name": function.get("name"),
            "description": function.get("description"),
            "schema": function.get("parameters"),
        }
    if entry.get("type") not in (None, "function", "custom"):
        return None, {"name": entry.get("name") or entry.get("type")}
    if "inputSchema" in entry or "outputSchema" in entry or "annotations" in entry:
        return "mcp-tools", {
            "name": entry.get("name"),
            "description": entry.get("description"),
            "schema": entry.get("inputSchema"),
            "output": entry.get("outputSchema"),
        }
    if "input_schema" in entry:
        return "anthropic-tools", {
            "name": entry.get("name"),
            "description": entry.get("description"),
            "schema": entry.get("input_schema"),
        }
    listed = _listed_schema(entry)
    if listed is not None:
        return "parameter-lists", {
            "name": entry.get("name") or entry.get("id"),
            "description": entry.get("description") or entry.get("desc"),
            "schema": listed,
            "output": _listed_output(entry),
        }
    if "parameters" in entry or entry.get("type") == "function":
        return "openai-tools", {
            "name": entry.get("name"),
            "description": entry.get("description"),
            "schema": entry.get("parameters"),
        }
    return "mcp-tools", {"name": entry.get("name"), "description": entry.get("description"), "schema": None}
