"""Comparing an imported environment's database with tau2's own: the same records, table by table.

tau2 grades a run by hashing its database (`json.dumps(db.model_dump(), sort_keys=True)`, SHA-256);
`tau2_hash` computes that hash for a database dict, and `table_differences` says, per table, which
rows differ between a tau2 database dict (mapped through the layout) and the rows of an episode.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from autoforge.servers import EnvSpec

from .layout import Many, Rows, flatten, unflatten

__all__ = ["database_of", "rows_of", "table_differences", "tau2_hash"]


def rows_of(conn: sqlite3.Connection, spec: EnvSpec) -> Rows:
    """Every table's rows, as dicts."""
    rows: Rows = {}
    for table in spec.tables:
        names = [c.name for c in table.columns]
        cursor = conn.execute(f'SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{table.name}"')
        cursor.row_factory = None
        rows[table.name] = [dict(zip(names, row)) for row in cursor]
    return rows


def database_of(conn: sqlite3.Connection, spec: EnvSpec, layout: tuple[Many, ...]) -> dict[str, Any]:
    """The tau2 database dict an episode's tables hold."""
    return unflatten(layout, rows_of(conn, spec))


def tau2_hash(database: Mapping[str, Any]) -> str:
    """The hash tau2 compares to grade a run (sorted-key JSON of the dumped database, SHA-256)."""
    return hashlib.sha256(json.dumps(database, sort_keys=True, default=str).encode()).hexdigest()


def table_differences(layout: tuple[Many, ...], expected: Mapping[str, Any], rows: Rows) -> dict[str, list[str]]:
    """Per table, the rows that differ between `expected` (a tau2 database dict) and `rows`; empty when equal."""
    wanted = flatten(layout, expected)
    problems: dict[str, list[str]] = {}
    for table in sorted(set(wanted) | set(rows)):
        mine = {_key(r): r for r in rows.get(table, [])}
        theirs = {_key(r): r for r in wanted.get(table, [])}
        found = [f"missing {k}" for k in sorted(theirs.keys() - mine.keys())]
        found += [f"unexpected {k}" for k in sorted(mine.keys() - theirs.keys())]
        found += [
            f"{k}: {_delta(theirs[k], mine[k])}" for k in sorted(theirs.keys() & mine.keys()) if theirs[k] != mine[k]
        ]
        if found:
            problems[table] = found
    return problems


def _key(row: Mapping[str, Any]) -> str:
    return str(row.get("key", next(iter(row.values()))))


def _delta(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{c}: tau2 {expected.get(c)!r}, ours {actual.get(c)!r}" for c in expected if expected.get(c) != actual.get(c)
    )
