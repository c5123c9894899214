"""Tool implementation (offline backend): tools.py source from the blueprint, checked against the sandbox.

Each tool becomes a small function that states its table and how its arguments map onto columns, and
calls a handful of shared helpers (select, find, create, update, delete, act). The helpers enforce
the rules `rules.describe` states: missing rows and bad references are tool errors naming the tool
that finds the right id; rows in an ended state (cancelled, closed) cannot change; a row that others
still refer to cannot be deleted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from string import Template
from typing import Any

from autoforge.servers import SandboxError, Table
from autoforge.servers.sandbox import check_source

from .models import Blueprint, ToolPlan
from .naming import humanize, is_identifier, plural, singular
from .rules import LIST_LIMIT, children, status_column, terminal_values
from .seed import key_prefixes
from .semantics import is_creation_time

__all__ = ["column_defaults", "generate_tools", "tool_function"]


PRELUDE = Template('''
import json

from autoforge.servers.toolkit import ToolError

LIST_LIMIT = $limit
TABLES = $tables


def _out(table, row):
    """A stored row as tools return it: JSON columns decoded, booleans as true or false."""
    meta = TABLES[table]
    result = {}
    for name, value in row.items():
        if name in meta["json"] and isinstance(value, str):
            result[name] = json.loads(value)
        elif name in meta["bool"] and value is not None:
            result[name] = bool(value)
        else:
            result[name] = value
    return result


def _stored(table, column, value):
    """An argument as the database stores it."""
    meta = TABLES[table]
    if value is None:
        return None
    if column in meta["json"]:
        return json.dumps(value, sort_keys=True)
    if column in meta["bool"]:
        return 1 if value else 0
    return value


def _missing(table, key):
    meta = TABLES[table]
    hint = f" Use {meta['finder']} to find the right one." if meta["finder"] else ""
    return ToolError(f"No {meta['noun']} {key!r}.{hint}")


def _find(db, table, key):
    column = TABLES[table]["key"]
    row = db.one(f'SELECT * FROM "{table}" WHERE "{column}" = ?', key)
    if row is None:
        raise _missing(table, key)
    return row


def _row(db, table, key):
    """The row a tool names: by key, or the only row of a single-record table."""
    if TABLES[table]["single"]:
        row = db.one(f'SELECT * FROM "{table}" ORDER BY rowid LIMIT 1')
        if row is None:
            raise ToolError(f"There is no {TABLES[table]['noun']} yet.")
        return row
    return _find(db, table, key)


def _name(table, row):
    meta = TABLES[table]
    return f"{meta['noun'].capitalize()} {row[meta['key']]!r}"


def _in_scope(table, row, scope):
    """Parent arguments (the customer of an order) must match the row's own references."""
    for column, value in scope.items():
        if value is not None and str(row.get(column)) != str(value):
            raise ToolError(f"{_name(table, row)} does not belong to {value!r}.")


def _check_refs(db, table, values):
    """Every referenced row must exist; a parent in an ended state takes no new children."""
    meta = TABLES[table]
    for column, target in meta["refs"].items():
        value = values.get(column)
        if value is None:
            continue
        parent = db.one(f'SELECT * FROM "{target}" WHERE "{TABLES[target]["key"]}" = ?', value)
        if parent is None:
            raise _missing(target, value)
        status = TABLES[target]["status"]
        if column in meta["parents"] and status and parent[status] in TABLES[target]["ended"]:
            raise ToolError(f"{_name(target, parent)} is {parent[status]}; no {meta['noun']} can be added to it.")


def _select(db, table, conditions, limit=None, count=False):
    """Rows matching every given condition ([column, match, value]; a None value is no condition)."""
    meta = TABLES[table]
    clauses = []
    params = []
    for column, match, value in conditions:
        if value is None:
            continue
        if match == "search":
            parts = [f'lower(CAST("{c}" AS TEXT)) LIKE ?' for c in meta["search"]]
            if parts:
                clauses.append("(" + " OR ".join(parts) + ")")
                params.extend([f"%{str(value).lower()}%" for c in meta["search"]])
        elif match == "min":
            clauses.append(f'"{column}" >= ?')
            params.append(value)
        elif match == "max":
            clauses.append(f'"{column}" <= ?')
            params.append(value)
        elif isinstance(value, str):
            clauses.append(f'lower(CAST("{column}" AS TEXT)) = lower(?)')
            params.append(value)
        else:
            clauses.append(f'"{column}" = ?')
            params.append(_stored(table, column, value))
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    if count:
        return {"count": db.value(f'SELECT COUNT(*) FROM "{table}"{where}', *params)}
    cap = LIST_LIMIT if limit is None else max(0, min(int(limit), LIST_LIMIT))
    rows = db.query(f'SELECT * FROM "{table}"{where} ORDER BY rowid LIMIT {cap}', *params)
    return [_out(table, row) for row in rows]


def _get(db, table, key, scope):
    row = _row(db, table, key)
    _in_scope(table, row, scope)
    return _out(table, row)


def _create(db, table, values):
    """Insert a row from the given values, the table's defaults and a new key."""
    meta = TABLES[table]
    _check_refs(db, table, values)
    missing = [c for c in meta["required"] if values.get(c) is None]
    if missing:
        raise ToolError(f"A new {meta['noun']} needs {', '.join(missing)}.")
    row = {}
    for column in meta["columns"]:
        value = values.get(column)
        default = meta["defaults"].get(column)
        if value is not None:
            row[column] = _stored(table, column, value)
        elif default == "@clock":
            row[column] = db.now()
        elif default == "@date":
            row[column] = db.today()
        elif default is not None:
            row[column] = default
    key = meta["key"]
    if row.get(key) is None:
        row[key] = db.new_id(table, meta["prefix"])
    elif db.one(f'SELECT 1 FROM "{table}" WHERE "{key}" = ?', row[key]) is not None:
        raise ToolError(f"A {meta['noun']} {row[key]!r} already exists.")
    db.insert(table, row)
    return _out(table, _find(db, table, row[key]))


def _write(db, table, row, changes):
    key = TABLES[table]["key"]
    sets = ", ".join(f'"{c}" = ?' for c in changes)
    db.execute(f'UPDATE "{table}" SET {sets} WHERE "{key}" = ?', *changes.values(), row[key])
    return _out(table, _find(db, table, row[key]))


def _guard(table, row, guard):
    status = TABLES[table]["status"]
    if guard and status and row[status] in TABLES[table]["ended"]:
        raise ToolError(f"{_name(table, row)} is {row[status]}; it can no longer be changed.")


def _update(db, table, key, values, scope, guard):
    """Change the given columns of one row; rows in an ended state are refused when `guard` is set."""
    row = _row(db, table, key)
    _in_scope(table, row, scope)
    _guard(table, row, guard)
    given = {c: v for c, v in values.items() if v is not None}
    if not given:
        raise ToolError(f"Nothing to change: give at least one of {', '.join(values)}.")
    _check_refs(db, table, given)
    return _write(db, table, row, {c: _stored(table, c, v) for c, v in given.items()})


def _act(db, table, key, target, values, scope, guard):
    """Move one row to the target state (cancel, close, approve...), with any extra fields."""
    row = _row(db, table, key)
    _in_scope(table, row, scope)
    for column, value in target.items():
        if row[column] == _stored(table, column, value):
            raise ToolError(f"{_name(table, row)} is already {value}.")
    _guard(table, row, guard)
    changes = {c: _stored(table, c, v) for c, v in values.items() if v is not None}
    for column, value in target.items():
        changes[column] = _stored(table, column, value)
    return _write(db, table, row, changes)


def _delete(db, table, key, scope):
    """Remove one row; refused while other rows still refer to it."""
    meta = TABLES[table]
    row = _row(db, table, key)
    _in_scope(table, row, scope)
    for child, column in meta["children"]:
        count = db.value(f'SELECT COUNT(*) FROM "{child}" WHERE "{column}" = ?', row[meta["key"]])
        if count:
            raise ToolError(f"{_name(table, row)} still has {count} {TABLES[child]['nouns']}; remove or move them first.")
    db.execute(f'DELETE FROM "{table}" WHERE "{meta["key"]}" = ?', row[meta["key"]])
    return {"deleted": row[meta["key"]]}
''')


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


def _tables_literal(blueprint: Blueprint) -> str:
    finders = _finders(blueprint)
    prefixes = key_prefixes(blueprint)
    entries: list[str] = []
    for table in blueprint.tables:
        defaults = column_defaults(table, blueprint)
        kinds = {c.name: blueprint.semantic(table.name, c.name) for c in table.columns}
        status = status_column(table)
        meta = {
            "key": table.primary_key,
            "prefix": prefixes[table.name],
            "noun": humanize(singular(table.name)),
            "nouns": humanize(plural(table.name)),
            "finder": finders.get(table.name, ""),
            "single": table.name in blueprint.singletons,
            "columns": [c.name for c in table.columns],
            "json": [c for c, k in kinds.items() if k == "json"],
            "bool": [c for c, k in kinds.items() if k == "bool"],
            "search": [
                c.name for c in table.columns if c.type == "TEXT" and kinds[c.name] not in ("json", "id", "ref")
            ][:6],
            "status": status.name if status else None,
            "ended": list(terminal_values(table)),
            "refs": {c.name: c.references.split(".")[0] for c in table.columns if c.references},
            "parents": [c.name for c in table.columns if c.references and not c.nullable],
            "required": [
                c.name for c in table.columns if not c.nullable and not c.primary_key and c.name not in defaults
            ],
            "defaults": defaults,
            "children": [list(pair) for pair in children(blueprint, table.name)],
        }
        entries.append(f"    {table.name!r}: {_literal(meta, 8)},")
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
    return is_identifier(name) and not check_source(f"def probe(db, {name}=None):\n    return {name}\n")


def tool_function(plan: ToolPlan, blueprint: Blueprint, schema: dict[str, Any]) -> str:
    """The source of one tool function for `plan`, with parameters matching its input schema."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = [n for n in schema.get("required", []) if n in properties]
    named = [n for n in properties if _usable(n)]
    params = ["db", *[n for n in named if n in required]]
    for name in named:
        if name not in required:
            default = properties[name].get("default") if isinstance(properties[name], dict) else None
            params.append(f"{name}={default!r}" if isinstance(default, (str, int, float, bool)) else f"{name}=None")
    extra = [n for n in properties if not _usable(n)]
    if extra:
        params.append("**arguments")

    def arg(name: str) -> str:
        return name if _usable(name) else f"arguments.get({name!r})"

    table = blueprint.table(plan.table)
    ended = terminal_values(table)
    scope = "{" + ", ".join(f"{p.column!r}: {arg(p.name)}" for p in plan.roles("parent") if p.column) + "}"
    key = next((arg(p.name) for p in plan.roles("key")), "None")
    fields = (
        "{"
        + ", ".join(f"{p.column!r}: {arg(p.name)}" for p in plan.params if p.role in ("field", "parent") and p.column)
        + "}"
    )
    t = repr(plan.table)
    if plan.kind in ("list", "count"):
        conditions = [
            f"[{p.column!r}, {p.match!r}, {arg(p.name)}]"
            for p in plan.params
            if p.role in ("filter", "parent") and p.column
        ]
        conditions += [f"[None, 'search', {arg(p.name)}]" for p in plan.roles("search")]
        limit = next((arg(p.name) for p in plan.roles("limit")), "None")
        count = ", count=True" if plan.kind == "count" else ""
        body = f"return _select(db, {t}, [{', '.join(conditions)}], {limit}{count})"
    elif plan.kind == "get":
        body = f"return _get(db, {t}, {key}, {scope})"
    elif plan.kind == "create":
        body = f"return _create(db, {t}, {fields})"
    elif plan.kind == "update":
        body = f"return _update(db, {t}, {key}, {fields}, {scope}, {bool(ended)})"
    elif plan.kind == "delete":
        body = f"return _delete(db, {t}, {key}, {scope})"
    else:
        reopens = any(v not in ended for v in plan.target.values())
        values = "{" + ", ".join(f"{p.column!r}: {arg(p.name)}" for p in plan.roles("field") if p.column) + "}"
        body = f"return _act(db, {t}, {key}, {plan.target!r}, {values}, {scope}, {bool(ended) and not reopens})"
    doc = _docstring(plan.description)
    return f"def {plan.name}({', '.join(params)}):\n    {doc}\n    {body}\n"


def _docstring(text: str) -> str:
    first = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0][:100].replace("\\", "/").replace('"', "'")
    return f'"""{first or "A tool."}"""'


def generate_tools(blueprint: Blueprint, schemas: dict[str, dict[str, Any]], env_name: str, source: str) -> str:
    """The complete tools.py for a blueprint; raises SandboxError if it ever left the allow-list."""
    header = f'"""Tools of the {env_name} environment, generated by AutoForge from {source} (offline backend)."""\n'
    prelude = PRELUDE.substitute(limit=LIST_LIMIT, tables=_tables_literal(blueprint))
    functions = "\n\n".join(tool_function(p, blueprint, schemas[p.name]) for p in blueprint.plans)
    code = f"{header}{prelude}\n\n# ---- tools ----\n\n\n{functions}"
    problems = check_source(code)
    if problems:
        raise SandboxError("generated tools.py left the sandbox allow-list (a synthesizer bug)", problems)
    return code
