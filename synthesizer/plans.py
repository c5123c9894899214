"""A plan per tool: its kind (list, get, count, create, update, delete, action), its table, the role of each
argument, and the input schema agents get."""

from __future__ import annotations

from typing import Any

from autoforge.servers import Column, Table

from .batches import item_properties
from .models import Blueprint, Operation, ParamPlan, ToolPlan
from .naming import normal, singular, split_words
from .resources import LIMIT_ARGS, SEARCH_ARGS, Resource, column_for, ignorable, range_of
from .semantics import is_status_column
from .shapes import ACTION_TARGETS, Shape, id_entity, lookup_column, summary_of, unknown_verb
from .sources.schemas import schema_type, without_notes

__all__ = ["plan_of", "tool_schema"]

# ---- plans ---------------------------------------------------------------------------------------


def plan_of(shape: Shape, resources: dict[str, Resource], blueprint: Blueprint) -> ToolPlan | str:
    res = resources[shape.resource]
    table = blueprint.table(res.name)
    properties: dict[str, Any] = shape.op.input_schema.get("properties", {})
    parents = dict(shape.parents)
    if shape.many is not None:
        return _batch_plan(shape, res)
    params: list[ParamPlan] = []
    for name in properties:
        params.append(_param(name, shape, res, table, parents))
    kind = shape.kind
    target: dict[str, Any] = {}
    if kind == "action":
        found = _action_target(shape.verb, table)
        if found is None:
            if any(p.role == "field" for p in params):
                kind = "update"
            else:
                return f"cannot tell what {' '.join(shape.verb) or shape.op.name!r} changes: no status field with a matching value"
        else:
            target = found
    if kind == "update" and shape.verb and unknown_verb(shape.op, list(shape.verb)):
        found = _action_target(shape.verb, table)  # PUT /invoices/{id}/finalize -> status 'finalized'
        if found is None:
            return (
                f"{shape.op.name!r} does {shape.verb[0]!r} ({summary_of(shape.op)}), which no field of a record holds"
            )
        kind, target = "action", found
    if kind == "update" and not any(p.role == "field" for p in params):
        found = _action_target(shape.verb, table)  # POST /books/{id}:borrow -> status 'borrowed'
        if found is None:
            return f"{shape.op.name!r} updates a {singular(res.name).replace('_', ' ')} but names no field to change"
        kind, target = "action", found
    keyed = any(p.role in ("key", "lookup") for p in params)
    current = kind == "action" and bool(target) and res.created and not keyed and not res.singleton
    if kind in ("get", "update", "delete", "action") and not keyed and not res.singleton and not current:
        return f"{shape.op.name!r} names no single {singular(res.name).replace('_', ' ')} (no key argument)"
    if kind == "create" and res.singleton:
        return f"{shape.op.name!r} creates the one {singular(res.name).replace('_', ' ')} of a session; the twin keeps it seeded"
    return ToolPlan(
        name=shape.op.name,
        kind=kind,
        table=res.name,
        params=tuple(params),
        target=target,
        current=current,  # `stop_timer()`: the timer that is running now
        description=shape.op.description,
    )  # type: ignore[arg-type]


def _batch_plan(shape: Shape, res: Resource) -> ToolPlan | str:
    """A batch create (each item a row: its fields mapped onto columns) or a batch delete (an array of keys)."""
    assert shape.many is not None
    items = {}
    if shape.kind == "create":
        for field in item_properties(shape.op, shape.many):
            column = column_for(res, field)
            if column and not ignorable(field) and (column != res.key or res.client_key):
                items[field] = column
        if not items:
            return f"{shape.op.name!r} creates {res.name.replace('_', ' ')} but its items name no field"
    by = lookup_column(shape.many, singular(res.name), res.columns) if shape.kind == "delete" else None
    by = by if by != res.key and id_entity(shape.many) is None else None  # `chore_ids` are keys, `names` are not
    params = [
        ParamPlan(name=n, role="lookup", column=by) if by and n == shape.many else ParamPlan(name=n, role="ignored")
        for n in shape.op.input_schema.get("properties", {})
    ]
    return ToolPlan(
        name=shape.op.name,
        kind=shape.kind,  # type: ignore[arg-type]
        table=res.name,
        params=tuple(params),
        many=shape.many,
        items=items,
        description=shape.op.description,
    )


def _param(name: str, shape: Shape, res: Resource, table: Table, parents: dict[str, str]) -> ParamPlan:
    if name == shape.lookup:
        return ParamPlan(name=name, role="lookup", column=lookup_column(name, singular(res.name), res.columns))
    if name == shape.key and shape.toggle and shape.kind == "create":  # switched on: a row keyed by what it links
        return ParamPlan(name=name, role="parent", column=res.key, table=parents[name])
    if name == shape.key:
        return ParamPlan(name=name, role="key", column=res.key, table=res.name)
    if name in parents and not (shape.kind in ("update", "action") and shape.op.locations.get(name) != "path"):
        parent = parents[name]
        column = next((c for c, p in res.parents.items() if p == parent), None)
        return ParamPlan(name=name, role="parent", column=column, table=parent)
    column = column_for(res, name)
    key = normal(name)
    if shape.kind in ("list", "count"):
        if key in LIMIT_ARGS:
            return ParamPlan(name=name, role="limit")
        if key in SEARCH_ARGS:
            return ParamPlan(name=name, role="search")
        bounded = range_of(name, res)
        if bounded and not column:
            return ParamPlan(name=name, role="filter", column=bounded[0], match=bounded[1])  # type: ignore[arg-type]
        if column and res.columns[column].json_type in ("string", "integer", "number", "boolean"):
            return ParamPlan(name=name, role="filter", column=column)
        return ParamPlan(name=name, role="ignored")
    if shape.kind in ("create", "update", "action") and column and column != res.key and not ignorable(name):
        referenced = res.parents.get(column) or res.refs.get(column)
        if referenced and shape.kind == "create":
            return ParamPlan(name=name, role="parent", column=column, table=referenced)
        return ParamPlan(name=name, role="field", column=column)
    if shape.kind == "create" and column == res.key and res.client_key:
        return ParamPlan(name=name, role="field", column=column)
    return ParamPlan(name=name, role="ignored")


_IRREGULAR = {"lend": "lent", "send": "sent", "hold": "held", "buy": "bought", "sell": "sold", "pay": "paid",
              "lose": "lost", "find": "found", "begin": "begun", "write": "written", "hide": "hidden",
              "give": "given", "take": "taken", "freeze": "frozen", "break": "broken", "keep": "kept"}  # fmt: skip


def _participles(verb: str) -> tuple[str, ...]:
    """The states a verb the vocabulary does not know may leave a row in: borrow -> borrowed, ship -> shipped."""
    if verb in _IRREGULAR:
        return (_IRREGULAR[verb],)
    forms = [f"{verb}d" if verb.endswith("e") else f"{verb}ed"]
    if verb.endswith("y") and len(verb) > 2 and verb[-2] not in "aeiou":
        forms.append(f"{verb[:-1]}ied")
    if len(verb) > 2 and verb[-1] not in "aeiouwxy" and verb[-2] in "aeiou" and verb[-3] not in "aeiou":
        forms.append(f"{verb}{verb[-1]}ed")
    return tuple(forms)


def _action_target(verb: tuple[str, ...], table: Table) -> dict[str, Any] | None:
    if not verb:
        return None
    wanted = ACTION_TARGETS.get(verb[0]) or _participles(verb[0])
    if verb[0] == "mark":
        wanted = tuple("_".join(verb[i:]) for i in range(1, len(verb)))
    status = next((c for c in table.columns if c.enum and is_status_column(c.name)), None)
    if status is not None and status.enum:
        by_normal = {normal(v): v for v in status.enum}
        for candidate in wanted:
            if normal(candidate) in by_normal:
                return {status.name: by_normal[normal(candidate)]}
    for column in table.columns:
        if column.type != "INTEGER" or column.primary_key or column.references:
            continue
        words = [w for w in split_words(column.name) if w not in ("is", "has")]
        if len(words) == 1 and words[0] in wanted:
            return {column.name: True}
        base = verb[0][2:] if verb[0].startswith("un") else None
        if base and len(words) == 1 and words[0] in ACTION_TARGETS.get(base, ()):
            return {column.name: False}
    return None


def tool_schema(op: Operation, plan: ToolPlan, blueprint: Blueprint) -> tuple[dict[str, Any], list[str]]:
    """The tool's input schema, with key and reference arguments typed like the keys they hold.

    Real documents disagree with themselves (an id that is a string in the record and an integer in the
    path); the twin follows the record, and says so.
    """
    schema = without_notes(op.input_schema)
    properties = dict(schema.get("properties", {}))
    notes: list[str] = []
    for param in plan.params:
        target = _key_target(param, plan, blueprint)
        if target is None or param.name not in properties:
            continue
        wanted = "integer" if target.type == "INTEGER" else "string"
        current = properties[param.name] if isinstance(properties[param.name], dict) else {}
        declared, nullable = schema_type(current)
        if declared != wanted:
            fixed = {k: v for k, v in current.items() if k in ("description",)}
            fixed["type"] = [wanted, "null"] if nullable else wanted
            properties[param.name] = fixed
            notes.append(
                f"{op.name}.{param.name}: documented as {declared or 'untyped'}, typed {wanted} like {target.name}"
            )
    schema["properties"] = properties
    return schema, notes


def _key_target(param: ParamPlan, plan: ToolPlan, blueprint: Blueprint) -> Column | None:
    """The key column an argument holds a value of (its own table's key, or a referenced one)."""
    table = blueprint.table(plan.table)
    if param.role == "key":
        return table.column(table.primary_key)
    column = table.column(param.column) if param.column else None
    if column is None or not column.references or param.role not in ("parent", "filter", "field"):
        return None
    ref_table, ref_column = column.references.split(".")
    return blueprint.table(ref_table).column(ref_column)
