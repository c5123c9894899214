"""Tool implementation (offline backend): tools.py source from the blueprint, checked against the sandbox.

A generated tools.py describes its tables once (`TABLES`, the engine's `TableRules`) and each tool is
one call on `autoforge.servers.records.Records`, saying which table it works on and how its arguments
map onto columns. The engine enforces the rules `rules.describe` states: missing rows and bad
references are tool errors naming the tool that finds the right id; rows in an ended state
(cancelled, closed) cannot change; a row that others still refer to cannot be deleted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from string import Template
from typing import Any

from autoforge.servers import SandboxError, Schedule, Table, TableRules, check_source
from autoforge.servers.constraints import column_rule

from .derived import derive
from .invariants import unique_columns
from .lifecycle import (
    current_states,
    pairs_of,
    required_states,
    schedule_of,
    superseded_state,
    transitions_of,
    void_values,
)
from .models import Blueprint, ToolPlan
from .naming import humanize, is_identifier, plural, singular, split_words
from .rules import LIST_LIMIT, children, status_column, terminal_values
from .seed import FUTURE_WORDS, key_prefixes
from .semantics import is_creation_time

__all__ = ["argument", "column_defaults", "docstring", "generate_tools", "signature", "table_rules", "tool_function"]


PRELUDE = Template("""
from autoforge.servers.records import Records

TABLES = $tables
records = Records(TABLES, list_limit=$limit)
""")
_RESERVED = frozenset({"db", "records", "Records", "TABLES"})
"""Names the generated module defines; an argument so named is read from **arguments instead."""


def column_defaults(table: Table, blueprint: Blueprint) -> dict[str, Any]:
    """Values a create fills in when not given: the first open state, the clock for creation times."""
    defaults: dict[str, Any] = {}
    status = status_column(table)
    ended = terminal_values(table)
    for column in table.columns:
        if column.primary_key or column.references:
            continue
        kind = blueprint.semantic(table.name, column.name)
        if status is not None and column.name == status.name and status.enum:
            defaults[column.name] = next((v for v in status.enum if v not in ended), status.enum[0])
        elif kind in ("datetime", "date") and is_creation_time(column.name):
            defaults[column.name] = "@clock" if kind == "datetime" else "@date"
        elif kind == "bool" and not column.nullable:
            defaults[column.name] = 0
    return defaults


def table_rules(blueprint: Blueprint) -> dict[str, TableRules]:
    """What the records engine needs to know of each table: keys, nouns, states, references, defaults, rules."""
    finders = _finders(blueprint)
    prefixes = key_prefixes(blueprint)
    derived = derive(blueprint)
    rules: dict[str, TableRules] = {}
    for table in blueprint.tables:
        defaults = column_defaults(table, blueprint)
        kinds = {c.name: blueprint.semantic(table.name, c.name) for c in table.columns}
        status = status_column(table)
        schedule = schedule_of(blueprint, table)
        rules[table.name] = TableRules(
            key=table.primary_key,
            prefix=prefixes[table.name],
            noun=humanize(singular(table.name)),
            nouns=humanize(plural(table.name)),
            finder=finders.get(table.name, ""),
            single=table.name in blueprint.singletons,
            columns=tuple(c.name for c in table.columns),
            json_columns=tuple(c for c, k in kinds.items() if k == "json"),
            bool_columns=tuple(c for c, k in kinds.items() if k == "bool"),
            search=tuple(
                c.name for c in table.columns if c.type == "TEXT" and kinds[c.name] not in ("json", "id", "ref")
            )[:6],
            status=status.name if status else None,
            ended=terminal_values(table),
            refs={c.name: c.references.split(".")[0] for c in table.columns if c.references},
            parents=tuple(c.name for c in table.columns if c.references and not c.nullable),
            required=tuple(
                c.name for c in table.columns if not c.nullable and not c.primary_key and c.name not in defaults
            ),
            defaults=defaults,
            children=tuple(children(blueprint, table.name)),
            checks=_checks(table, kinds),
            read_only=tuple(c.name for c in table.columns if c.read_only and not c.primary_key),
            immutable=tuple(c.name for c in table.columns if c.references and not c.nullable),
            pairs=tuple(pairs_of(blueprint, table)),
            upcoming=_upcoming(blueprint, table, schedule),
            totals=derived.totals.get(table.name, {}),
            copies=derived.copies.get(table.name, {}),
            stock=derived.stock.get(table.name),
            capacity=derived.capacity.get(table.name, {}),
            overlap=derived.overlap.get(table.name),
            void=void_values(table),
            current=current_states(blueprint, table),
            superseded=superseded_state(blueprint, table),
            transitions=_transitions(blueprint, table),
            schedule=schedule,
            requires=required_states(blueprint, table),
            unique=unique_columns(blueprint, table),
        )
    return rules


def _checks(table: Table, kinds: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each column's documented constraints (left out when the type alone is all there is to say)."""
    found: dict[str, dict[str, Any]] = {}
    for column in table.columns:
        if column.primary_key or column.references or kinds[column.name] == "json":
            continue
        rule = column_rule(column, boolean=kinds[column.name] == "bool")
        if len(rule) > 1 or rule["type"] == "integer":
            found[column.name] = rule
    return found


def _upcoming(blueprint: Blueprint, table: Table, schedule: Schedule | None) -> tuple[str, ...]:
    """Date columns a write may not set before today: a schedule's dates, and dates named for what lies ahead."""
    found = [schedule.start, *([schedule.end] if schedule.end else [])] if schedule else []
    for column in table.columns:
        dated = blueprint.semantic(table.name, column.name) in ("date", "datetime") and column.type == "TEXT"
        if dated and any(w in FUTURE_WORDS for w in split_words(column.name)) and not is_creation_time(column.name):
            found.append(column.name)
    return tuple(dict.fromkeys(found))


def _transitions(blueprint: Blueprint, table: Table) -> dict[str, tuple[Any, ...]]:
    """Target state -> the states the document lets an action start from."""
    found: dict[str, tuple[Any, ...]] = {}
    for plan in blueprint.plans:
        if plan.table != table.name or plan.kind != "action":
            continue
        sources = transitions_of(plan, table, plan.description)
        status = status_column(table)
        target = plan.target.get(status.name) if status else None
        if sources is not None and target is not None:
            found[str(target)] = tuple(dict.fromkeys([*found.get(str(target), ()), *sources]))
    return found


def _tables_literal(blueprint: Blueprint) -> str:
    """`TABLES` as a Python literal, one table and one rule a line."""
    entries = [
        f"    {name!r}: {_literal(rules.model_dump(mode='json', by_alias=True, exclude_defaults=True), 4)},"
        for name, rules in table_rules(blueprint).items()
    ]
    return "{\n" + "\n".join(entries) + "\n}"


def _finders(blueprint: Blueprint) -> dict[str, str]:
    """For each table, a tool that lists or finds its rows (named in error messages)."""
    found: dict[str, str] = {}
    for plan in blueprint.plans:
        if plan.kind == "list" and (plan.table not in found or not plan.roles("parent")):
            found[plan.table] = plan.name
    return found


def _literal(value: Any, indent: int) -> str:
    """A Python literal for plain data, laid out one key a line (stable across runs)."""
    if isinstance(value, dict) and value:
        pad = " " * indent
        inner = ",\n".join(f"{pad}    {k!r}: {_literal(v, indent + 4)}" for k, v in value.items())
        return "{\n" + inner + f",\n{pad}}}"
    return repr(value)


@lru_cache(maxsize=4096)
def _usable(name: str) -> bool:
    """Whether an argument can be a plain parameter (some names, like `id` or `type`, the sandbox refuses)."""
    return (
        is_identifier(name)
        and name not in _RESERVED
        and not check_source(f"def probe(db, {name}=None):\n    return {name}\n")
    )


def signature(schema: dict[str, Any]) -> list[str]:
    """The parameters of a tool function taking the arguments of `schema`: `db`, the required arguments, the
    optional ones with their documented defaults, and `**arguments` for names that cannot be parameters."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = [n for n in schema.get("required", []) if n in properties]
    named = [n for n in properties if _usable(n)]
    params = ["db", *[n for n in named if n in required]]
    for name in named:
        if name not in required:
            default = properties[name].get("default") if isinstance(properties[name], dict) else None
            params.append(f"{name}={default!r}" if isinstance(default, (str, int, float, bool)) else f"{name}=None")
    if any(not _usable(n) for n in properties):
        params.append("**arguments")
    return params


def argument(name: str) -> str:
    """How a tool function reads its argument `name`: as a parameter, or from `**arguments`."""
    return name if _usable(name) else f"arguments.get({name!r})"


def tool_function(plan: ToolPlan, blueprint: Blueprint, schema: dict[str, Any]) -> str:
    """The source of one tool function for `plan`, with parameters matching its input schema."""
    params = signature(schema)

    def columns(roles: tuple[str, ...]) -> str:
        return (
            "{"
            + ", ".join(f"{p.column!r}: {argument(p.name)}" for p in plan.params if p.role in roles and p.column)
            + "}"
        )

    scope = columns(("parent",))
    scoped = f", scope={scope}" if scope != "{}" else ""
    key = next((argument(p.name) for p in plan.roles("key")), "None")
    lookup = plan.param("lookup")
    if lookup is not None:  # the row named by a query that must match exactly one
        key = f"records.lookup(db, {plan.table!r}, {lookup.column!r}, {argument(lookup.name)})"
    head = f"db, {plan.table!r}"
    if plan.many is not None and plan.kind == "create":
        call = f"create_many({head}, {argument(plan.many)}, {plan.items!r})"
    elif plan.many is not None:
        by = next((f", by={p.column!r}" for p in plan.roles("lookup") if p.column), "")
        call = f"delete_many({head}, {argument(plan.many)}{by})"
    elif plan.kind in ("list", "count"):
        conditions = [
            f"({p.column!r}, {p.match!r}, {argument(p.name)})"
            for p in plan.params
            if p.role in ("filter", "parent") and p.column
        ]
        conditions += [f"(None, 'search', {argument(p.name)})" for p in plan.roles("search")]
        limit = next((f", {argument(p.name)}" for p in plan.roles("limit")), "")
        if plan.kind == "count":
            call = f"count({head}, [{', '.join(conditions)}])"
        else:
            call = f"select({head}, [{', '.join(conditions)}]{limit})"
    elif plan.kind == "get":
        call = f"get({head}, {key}{scoped})"
    elif plan.kind == "create":
        call = f"create({head}, {columns(('field', 'parent'))})"
    elif plan.kind == "update":
        call = f"update({head}, {key}, {columns(('field', 'parent'))}{scoped})"
    elif plan.kind == "delete":
        call = f"delete({head}, {key}{scoped})"
    else:
        values = columns(("field",))
        given = f", values={values}" if values != "{}" else ""
        call = f"act({head}, {key}, {plan.target!r}{given}{scoped})"
    return f"def {plan.name}({', '.join(params)}):\n    {docstring(plan.description)}\n    return records.{call}\n"


def docstring(text: str) -> str:
    """A tool function's one-line docstring: the first sentence of its description."""
    first = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0][:100].replace("\\", "/").replace('"', "'")
    return f'"""{first or "A tool."}"""'


def generate_tools(blueprint: Blueprint, schemas: dict[str, dict[str, Any]], env_name: str, source: str) -> str:
    """The complete tools.py for a blueprint; raises SandboxError if it ever left the allow-list."""
    header = f'"""Tools of the {env_name} environment, generated by AutoForge from {source} (offline backend)."""\n'
    prelude = PRELUDE.substitute(tables=_tables_literal(blueprint), limit=LIST_LIMIT)
    functions = "\n\n".join(tool_function(p, blueprint, schemas[p.name]) for p in blueprint.plans)
    code = f"{header}{prelude}\n\n# ---- tools ----\n\n\n{functions}"
    problems = check_source(code)
    if problems:
        raise SandboxError("generated tools.py left the sandbox allow-list (a synthesizer bug)", problems)
    return code
