"""Batch tools: one call that writes many rows, all or nothing (`create_entities(entities: [...])`,
`delete_tasks(ids: [...])`, `POST /tasks/bulk`). The array argument and the fields of its items are read here."""

from __future__ import annotations

from typing import Any

from .models import Operation
from .sources.schemas import merged_properties, schema_type

__all__ = ["BATCH_SEGMENTS", "batch_argument", "item_properties"]

BATCH_SEGMENTS = frozenset({"bulk", "batch"})
"""A last path segment that makes a collection's POST or DELETE a batch (`/tasks/bulk`)."""


def batch_argument(op: Operation, kind: str) -> str | None:
    """The argument holding the rows of a batch create (an array of objects) or the keys of a batch delete (an
    array of ids), when it is the tool's only required argument; None for a tool that writes one row."""
    properties: dict[str, Any] = op.input_schema.get("properties", {})
    required = [p for p in op.input_schema.get("required", []) if p in properties]
    candidates = required or list(properties)
    if len(candidates) != 1 or kind not in ("create", "delete"):
        return None
    name = candidates[0]
    schema = properties[name] if isinstance(properties[name], dict) else {}
    if schema_type(schema)[0] != "array":
        return None
    item_type = schema_type(schema.get("items"))[0]
    wanted = "object" if kind == "create" else ("string", "integer")
    return name if item_type in wanted else None


def item_properties(op: Operation, argument: str) -> dict[str, Any]:
    """The fields of one item of a batch create's array argument."""
    schema = op.input_schema.get("properties", {}).get(argument, {})
    return merged_properties(schema.get("items") if isinstance(schema, dict) else None)[0]
