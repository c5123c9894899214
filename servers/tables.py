"""The spec's tables as SQLite tables, built with sqlite-utils: STRICT, keys, foreign keys, CHECK constraints.

Every constraint the document states that SQL can express becomes a CHECK (enum, minimum, maximum,
length, date formats), so even code that bypasses the records engine cannot store a value the document
forbids; the engine checks first and names the rule in words.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.create_table_parser import Check

from .spec import Column, EnvSpec, Table

__all__ = ["create_schema", "table_checks"]

_TYPES = {"TEXT": str, "INTEGER": int, "REAL": float}


def create_schema(conn: sqlite3.Connection, spec: EnvSpec) -> None:
    """Create the spec's tables (STRICT, with keys, foreign keys and checks) and index foreign keys.

    Tables are made after the tables they refer to; a reference that closes a cycle is left undeclared (the
    records engine still checks it).
    """
    db = Database(conn, recursive_triggers=False, execute_plugins=False)
    made: set[str] = set()
    for table in _parents_first(spec):
        references = [c for c in table.columns if c.references]
        declared = [c for c in references if c.references.split(".")[0] in made | {table.name}]  # type: ignore[union-attr]
        conn.execute(
            db.create_table_sql(
                table.name,
                {c.name: _TYPES[c.type] for c in table.columns},
                pk=table.primary_key,
                foreign_keys=[(c.name, *c.references.split(".")) for c in declared],  # type: ignore[misc, union-attr]
                not_null=[c.name for c in table.columns if not c.nullable and not c.primary_key],
                strict=True,
                _checks=table_checks(table),
            )
        )
        made.add(table.name)
        for column in references:
            conn.execute(f'CREATE INDEX "{table.name}__{column.name}" ON "{table.name}" ("{column.name}")')


def _parents_first(spec: EnvSpec) -> list[Table]:
    """The spec's tables, each after the ones it refers to where a cycle allows (spec order otherwise)."""
    order: list[Table] = []
    placed: set[str] = set()
    visiting: set[str] = set()
    tables = {t.name: t for t in spec.tables}

    def place(name: str) -> None:
        if name in placed or name in visiting:
            return
        visiting.add(name)
        for column in tables[name].columns:
            target = column.references.split(".")[0] if column.references else None
            if target in tables and target != name:
                place(target)
        visiting.discard(name)
        placed.add(name)
        order.append(tables[name])

    for table in spec.tables:
        place(table.name)
    return order


def table_checks(table: Table) -> list[Check]:
    """The CHECK constraints of a table's columns, from what the document states about each."""
    return [Check(check=expression, column=c.name) for c in table.columns for expression in _expressions(c)]


def _expressions(column: Column) -> list[str]:
    name = f'"{column.name}"'
    found: list[str] = []
    if column.enum:
        found.append(f"{name} IN ({', '.join(_quote(v) for v in column.enum)})")
    if column.type in ("INTEGER", "REAL"):
        if column.minimum is not None:
            found.append(f"{name} >= {_number(column.minimum)}")
        if column.maximum is not None:
            found.append(f"{name} <= {_number(column.maximum)}")
    if column.type == "TEXT":
        if column.min_length:
            found.append(f"length({name}) >= {column.min_length}")
        if column.max_length is not None:
            found.append(f"length({name}) <= {column.max_length}")
        if column.format == "date":
            found.append(f"{name} IS NULL OR date({name}) = {name}")
        elif column.format == "date-time":
            found.append(f"{name} IS NULL OR datetime({name}) IS NOT NULL")
    return found


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
