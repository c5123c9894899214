"""Database states as data: read tables into rows, diff two states, apply changes, hash a state."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from .spec import Change, EnvSpec, Table

__all__ = ["Rows", "apply_changes", "diff_rows", "read_rows", "read_state", "state_hash"]

Rows = dict[Any, tuple[Any, ...]]
"""One table's rows, keyed by primary key; values in the table's column order."""


def read_rows(conn: sqlite3.Connection, table: Table) -> Rows:
    """Every row of `table`, keyed by its primary key."""
    names = [c.name for c in table.columns]
    key_index = names.index(table.primary_key)
    columns = ", ".join(f'"{n}"' for n in names)
    cursor = conn.execute(f'SELECT {columns} FROM "{table.name}"')
    cursor.row_factory = None  # plain tuples, whatever the connection's factory
    return {row[key_index]: row for row in cursor}


def read_state(conn: sqlite3.Connection, spec: EnvSpec) -> dict[str, Rows]:
    """Every table's rows."""
    return {t.name: read_rows(conn, t) for t in spec.tables}


def diff_rows(table: Table, before: Rows, after: Rows) -> list[Change]:
    """The changes that turn `before` into `after`, in primary-key order within each kind."""
    names = [c.name for c in table.columns]
    changes: list[Change] = []
    for key in sorted(after.keys() - before.keys(), key=_sort_key):
        changes.append(Change(table=table.name, op="insert", key=key, values=dict(zip(names, after[key]))))
    updated = [key for key, row in after.items() if key in before and before[key] != row]
    for key in sorted(updated, key=_sort_key):
        old, new = before[key], after[key]
        changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
        changes.append(
            Change(
                table=table.name,
                op="update",
                key=key,
                values={names[i]: new[i] for i in changed},
                before={names[i]: old[i] for i in changed},
            )
        )
    for key in sorted(before.keys() - after.keys(), key=_sort_key):
        changes.append(Change(table=table.name, op="delete", key=key, before=dict(zip(names, before[key]))))
    return changes


def _sort_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def apply_changes(conn: sqlite3.Connection, spec: EnvSpec, changes: Iterable[Change]) -> None:
    """Apply `changes` to `conn` (a task's initial state), in one transaction: all of them, or, when one cannot be
    applied (ValueError, sqlite3.Error), none."""
    conn.execute("SAVEPOINT autoforge_initial_state")
    try:
        _apply(conn, spec, changes)
    except BaseException:
        conn.execute("ROLLBACK TO autoforge_initial_state")
        raise
    finally:
        conn.execute("RELEASE autoforge_initial_state")


def _apply(conn: sqlite3.Connection, spec: EnvSpec, changes: Iterable[Change]) -> None:
    for change in changes:
        table = spec.table(change.table)
        if table is None:
            raise ValueError(f"change names unknown table {change.table!r}")
        _check_columns(table, change.values)
        key = table.primary_key
        if change.op == "insert":
            columns = ", ".join(f'"{c}"' for c in change.values)
            marks = ", ".join("?" for _ in change.values)
            conn.execute(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', tuple(change.values.values()))
        elif change.op == "update":
            assignments = ", ".join(f'"{c}" = ?' for c in change.values)
            cursor = conn.execute(
                f'UPDATE "{table.name}" SET {assignments} WHERE "{key}" = ?', (*change.values.values(), change.key)
            )
            if cursor.rowcount != 1:
                raise ValueError(f"update of {table.name} {change.key!r}: no such row")
        else:
            cursor = conn.execute(f'DELETE FROM "{table.name}" WHERE "{key}" = ?', (change.key,))
            if cursor.rowcount != 1:
                raise ValueError(f"delete of {table.name} {change.key!r}: no such row")


def _check_columns(table: Table, values: Mapping[str, Any]) -> None:
    unknown = [c for c in values if table.column(c) is None]
    if unknown:
        raise ValueError(f"table {table.name!r} has no column(s) {unknown}")


def state_hash(conn: sqlite3.Connection, spec: EnvSpec) -> str:
    """SHA-256 of every table's rows in key order: equal states give equal hashes."""
    digest = hashlib.sha256()
    for name, rows in read_state(conn, spec).items():
        digest.update(name.encode())
        for key in sorted(rows, key=_sort_key):
            digest.update(json.dumps(rows[key], default=str).encode())
    return digest.hexdigest()
