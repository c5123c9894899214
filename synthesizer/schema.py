"""State schema inference (offline): resources, tables, keys and relations from the operations, and a plan per tool.

An HTTP operation's path says which resource it touches (`/customers/{id}/orders` lists orders of one
customer); a tool list's names and arguments say it (`cancel_order(order_id)`). Each resource becomes
a table whose columns come from response records, request bodies and filters; a path parameter or an
`<entity>_id` argument becomes a key or a foreign key. Operations whose effect cannot be told are left
out, each with its reason. Reading shapes is `shapes.py`, building tables `resources.py`, plans `plans.py`.
"""

from __future__ import annotations

import copy
from typing import Any

from autoforge.servers import Column, Table

from .bugs import internal_error
from .models import Blueprint, Skip, SourceDoc, ToolPlan
from .naming import singular
from .plans import plan_of, tool_schema
from .resources import Resource, labels_of, resources_of, semantic_of, structure_in, tables_of
from .rules import describe
from .shapes import ACTION_TARGETS, Shape, entities_of, http_shape, item_segments, name_shape, vendor_prefix
from .sources.openapi import common_prefix
from .sources.schemas import DOC_KEY

__all__ = ["ACTION_TARGETS", "infer_blueprint", "tool_schema"]


def infer_blueprint(source: SourceDoc) -> Blueprint:
    """Tables and tool plans for `source`; operations whose effect cannot be told are skipped with a reason."""
    skipped: list[Skip] = list(source.skipped)
    shapes: list[Shape] = []
    http = any(op.path for op in source.operations)
    items = item_segments(source.operations) if http else set()
    skip = common_prefix([op.path for op in source.operations if op.path])
    entities = entities_of(source) if not http else set()
    read = entities_of(source, frozenset({"get", "list"})) if not http else set()
    prefix = vendor_prefix(source.operations) if not http else ()
    for op in source.operations:
        try:
            shape = http_shape(op, items, skip) if op.path else name_shape(op, entities, prefix, read)
        except Exception as exc:  # noqa: BLE001 - one operation that trips a synthesizer bug is left out, not the rest
            shape = internal_error(exc)
        if isinstance(shape, str):
            skipped.append(Skip(name=op.source_name if op.branch else op.name, reason=shape))
        else:
            shapes.append(shape)
    resources, tables, outcomes = _planned(shapes, http)
    refused = {
        index: outcome for index, (shape, outcome) in enumerate(zip(shapes, outcomes, strict=True))
        if isinstance(outcome, str) and (shape.kind == "update" or (
            shape.kind in ("get", "delete") and not shape.key and not shape.lookup))
    }  # fmt: skip
    if refused:  # a tool that names no row, or changes no field it names, leaves out its arguments too
        kept = [s for index, s in enumerate(shapes) if index not in refused]
        resources, tables, outcomes = _planned(kept, http)
        shapes = kept + [shapes[index] for index in refused]
        outcomes += list(refused.values())
    plans: list[ToolPlan] = []
    for shape, outcome in zip(shapes, outcomes, strict=True):
        if isinstance(outcome, str):
            skipped.append(Skip(name=shape.op.source_name if shape.op.branch else shape.op.name, reason=outcome))
        else:
            plans.append(outcome)
    tables = _uuid_keys(tables, plans, source)
    labels = {t.name: labels_of(t) for t in tables}
    semantics = {f"{t.name}.{c.name}": semantic_of(t, c, resources[t.name]) for t in tables for c in t.columns}
    semantics.update(_record_numbers(tables, semantics))
    structures = {
        f"{t.name}.{c.name}": structure for t in tables for c in t.columns
        if semantics[f"{t.name}.{c.name}"] == "json" and (structure := structure_in(c, resources[t.name])) is not None
    }  # fmt: skip
    blueprint = Blueprint(
        tables=tables,
        plans=(),
        labels={k: v for k, v in labels.items() if v},
        semantics=semantics,
        structures=structures,
        singletons=tuple(r.name for r in resources.values() if r.singleton),
        skipped=tuple(skipped),
    )
    described = tuple(p.model_copy(update={"description": describe(p, blueprint, p.description)}) for p in plans)
    return blueprint.model_copy(update={"plans": described})


def _planned(shapes: list[Shape], http: bool) -> tuple[dict[str, Resource], tuple[Table, ...], list[ToolPlan | str]]:
    """Resources and tables of `shapes` (copies: building resources renames their records), and each one's plan
    or the reason it has none."""
    shapes = [copy.copy(shape) for shape in shapes]
    resources = resources_of(shapes, http)
    tables = tables_of(resources)
    blueprint = Blueprint(tables=tables, plans=(), skipped=())
    outcomes: list[ToolPlan | str] = []
    for shape in shapes:
        try:
            outcomes.append(plan_of(shape, resources, blueprint))
        except Exception as exc:  # noqa: BLE001 - one operation that trips a synthesizer bug is left out, not the rest
            outcomes.append(internal_error(exc))
    return resources, tables, outcomes


def _record_numbers(tables: tuple[Table, ...], semantics: dict[str, str]) -> dict[str, str]:
    """Integer fields named after another table's record (an attendance's `employee`) as references: they hold
    that record's number, no amount to sum or rank."""
    records = {singular(t.name) for t in tables}
    return {
        f"{t.name}.{c.name}": "ref" for t in tables for c in t.columns
        if not c.primary_key and c.type == "INTEGER" and c.name in records and c.name != singular(t.name)
        and semantics[f"{t.name}.{c.name}"] in ("quantity", "number")
    }  # fmt: skip


def _uuid_keys(tables: tuple[Table, ...], plans: list[ToolPlan], source: SourceDoc) -> tuple[Table, ...]:
    """Tables whose rows an argument documented as a UUID names (`/organization/{id}/domain/{domain}` with `id` of
    format uuid), or whose key is documented as longer than a record number (`minLength: 36`), get keys that are
    UUIDs, so that every id a task passes keeps the documented format and the seed loads."""
    schemas = {op.name: op.input_schema.get("properties") or {} for op in source.operations}
    named = {
        param.table
        for plan in plans
        for param in plan.params
        if param.role in ("key", "parent") and param.table
        and _format(schemas.get(plan.name, {}).get(param.name) or {}) == "uuid"
    }  # fmt: skip
    return tuple(
        table.model_copy(update={"columns": tuple(
            c.model_copy(update={"format": "uuid"})
            if c.primary_key and c.type == "TEXT" and not c.format and (table.name in named or _uuid_long(c)) else c
            for c in table.columns
        )})
        for table in tables
    )  # fmt: skip


def _uuid_long(column: Column) -> bool:
    """Whether a text key's documented length leaves out a record number (`ORD-1001`) and admits a UUID."""
    low, high = column.min_length or 0, column.max_length
    return RECORD_NUMBER_LENGTH < low <= UUID_LENGTH and (high is None or high >= UUID_LENGTH)


RECORD_NUMBER_LENGTH = 12
"""The longest record number the seed gives a text key (a prefix and a number)."""
UUID_LENGTH = 36


def _format(schema: dict[str, Any]) -> str | None:
    """The format an argument's schema documents (kept in its notes when the tool's schema leaves it out)."""
    return schema.get("format") or (schema.get(DOC_KEY) or {}).get("format")
