"""Each episode's own record of what it wrote, kept by SQLite triggers, so verification costs what changed.

The template database of an environment gets, for every table, triggers that note each written
row in `_autoforge_changes` (table, key, and whether the row was new) and keep the row as it was
before its first change in a shadow table `_autoforge_before_<table>`. Every episode copies them
with the seed. Verification then reads only the rows an episode touched, however large its tables
are; and a closed episode's file is put back to the seed by rewriting only those rows (`revert`),
so it can serve the next episode. Tool code can neither read nor change these tables: the
authorizer admits them only to the triggers (`is_change_log`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .spec import Change, EnvSpec, Table
from .state import diff_rows

__all__ = ["PREFIX", "changes", "clear", "count", "install", "is_change_log", "revert", "touched"]

PREFIX = "_autoforge_"
_LOG = f"{PREFIX}changes"


def install(conn: sqlite3.Connection, spec: EnvSpec) -> None:
    """Create the change log, the shadow tables and the triggers that fill them (on the template).

    Their columns have no declared type, so SQLite stores keys and values exactly as it got them.
    """
    conn.execute(f'CREATE TABLE "{_LOG}" (tbl TEXT NOT NULL, key, fresh INTEGER NOT NULL, PRIMARY KEY (tbl, key))')
    for table in spec.tables:
        shadow, key = _shadow(table), table.primary_key
        columns = [c.name for c in table.columns]
        quoted = ", ".join(f'"{c}"' for c in columns)
        old = ", ".join(f'old."{c}"' for c in columns)
        name = table.name.replace("'", "''")
        conn.execute(f'CREATE TABLE "{shadow}" ({quoted}, PRIMARY KEY ("{key}"))')
        # Each note is made only where none is yet (never `OR IGNORE`: a statement's own conflict clause, such as
        # `UPDATE OR REPLACE`, overrides its triggers', and would overwrite the row as it was before).
        kept = f'SELECT 1 FROM "{shadow}" WHERE "{key}" = old."{key}"'
        conn.executescript(
            f"""
            CREATE TRIGGER "{PREFIX}log_{table.name}_insert" AFTER INSERT ON "{table.name}" BEGIN
                INSERT INTO "{_LOG}" SELECT '{name}', new."{key}", 1 WHERE NOT EXISTS ({_logged(name, key, "new")});
            END;
            CREATE TRIGGER "{PREFIX}log_{table.name}_update" AFTER UPDATE ON "{table.name}" BEGIN
                INSERT INTO "{_LOG}" SELECT '{name}', old."{key}", 0 WHERE NOT EXISTS ({_logged(name, key, "old")});
                INSERT INTO "{shadow}" SELECT {old} WHERE NOT EXISTS ({kept});
                INSERT INTO "{_LOG}" SELECT '{name}', new."{key}", 1 WHERE NOT EXISTS ({_logged(name, key, "new")});
            END;
            CREATE TRIGGER "{PREFIX}log_{table.name}_delete" AFTER DELETE ON "{table.name}" BEGIN
                INSERT INTO "{_LOG}" SELECT '{name}', old."{key}", 0 WHERE NOT EXISTS ({_logged(name, key, "old")});
                INSERT INTO "{shadow}" SELECT {old} WHERE NOT EXISTS ({kept});
            END;
            """
        )


def clear(conn: sqlite3.Connection, spec: EnvSpec) -> None:
    """Forget what was noted so far: the state now is the one verification compares with.

    Only the shadow tables of tables the log names hold rows, so only those are emptied.
    """
    written = {tbl for (tbl,) in conn.execute(f'SELECT DISTINCT tbl FROM "{_LOG}"')}
    for table in spec.tables:
        if table.name in written:
            conn.execute(f'DELETE FROM "{_shadow(table)}"')
    conn.execute(f'DELETE FROM "{_LOG}"')


def count(conn: sqlite3.Connection) -> int:
    """How many rows were written since the last `clear`."""
    (written,) = conn.execute(f'SELECT count(*) FROM "{_LOG}"').fetchone()
    return int(written)


def touched(conn: sqlite3.Connection) -> dict[str, set[Any]]:
    """The keys written since the last `clear`, by table."""
    keys: dict[str, set[Any]] = {}
    for tbl, key in conn.execute(f'SELECT tbl, key FROM "{_LOG}"'):
        keys.setdefault(tbl, set()).add(key)
    return keys


def revert(conn: sqlite3.Connection, template: sqlite3.Connection, spec: EnvSpec, also: Mapping[str, set[Any]]) -> None:
    """Make `conn`'s database equal to `template` again, rows and row ids, by rewriting only the rows the
    log names and those in `also` (written before the last `clear`); the log ends empty.

    One transaction that waits for no lock: if another connection holds the file, it raises
    `sqlite3.OperationalError` and nothing changed.
    """
    keys = touched(conn)
    for name, extra in also.items():
        keys.setdefault(name, set()).update(extra)
    (waited,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute("PRAGMA foreign_keys = OFF")  # rows come back in any order
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = [(table, list(keys[table.name])) for table in spec.tables if keys.get(table.name)]
            for table, wanted in tables:  # every row goes before any comes back: a new row may hold an old row id
                for chunk in _chunks(wanted):
                    marks = ", ".join("?" * len(chunk))
                    conn.execute(f'DELETE FROM "{table.name}" WHERE "{table.primary_key}" IN ({marks})', chunk)
            for table, wanted in tables:
                columns = ", ".join(f'"{c.name}"' for c in table.columns)
                values = ", ".join("?" * (len(table.columns) + 1))
                for chunk in _chunks(wanted):
                    marks = ", ".join("?" * len(chunk))
                    cursor = template.execute(
                        f'SELECT rowid, {columns} FROM "{table.name}" WHERE "{table.primary_key}" IN ({marks})', chunk
                    )
                    cursor.row_factory = None
                    conn.executemany(f'INSERT INTO "{table.name}" (rowid, {columns}) VALUES ({values})', cursor)
            clear(conn, spec)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(waited)}")
        conn.execute("PRAGMA foreign_keys = ON")


def changes(conn: sqlite3.Connection, spec: EnvSpec) -> list[Change]:
    """What was written since the last `clear`, table by table, reading only the rows it names."""
    touched: dict[str, list[tuple[Any, bool]]] = {}
    for tbl, key, fresh in conn.execute(f'SELECT tbl, key, fresh FROM "{_LOG}"'):
        touched.setdefault(tbl, []).append((key, bool(fresh)))
    result: list[Change] = []
    for table in spec.tables:
        keys = touched.get(table.name)
        if keys:
            existed = [key for key, fresh in keys if not fresh]
            before = _rows(conn, _shadow(table), table, existed)
            after = _rows(conn, table.name, table, [key for key, _ in keys])
            result += diff_rows(table, before, after)
    return result


def is_change_log(table: str | None) -> bool:
    """Whether `table` is one of the change log's own (hidden from tool code), however its letters are cased."""
    return table is not None and table.lower().startswith(PREFIX)


def _logged(name: str, key: str, row: str) -> str:
    """SQL that finds the log's note of the `row` (`new` or `old`) of table `name` (quotes doubled), keyed by `key`."""
    return f'SELECT 1 FROM "{_LOG}" WHERE tbl = \'{name}\' AND key = {row}."{key}"'


def _shadow(table: Table) -> str:
    return f"{PREFIX}before_{table.name}"


def _chunks(keys: list[Any], size: int = 500) -> list[list[Any]]:
    """`keys` in pieces small enough for one statement's parameters."""
    return [keys[start : start + size] for start in range(0, len(keys), size)]


def _rows(conn: sqlite3.Connection, source: str, table: Table, keys: list[Any]) -> dict[Any, tuple[Any, ...]]:
    """Rows of `source` (a table, or its shadow) with the given keys, in `table`'s column order."""
    names = [c.name for c in table.columns]
    key_index = names.index(table.primary_key)
    columns = ", ".join(f'"{n}"' for n in names)
    rows: dict[Any, tuple[Any, ...]] = {}
    for chunk in _chunks(keys):
        marks = ", ".join("?" for _ in chunk)
        cursor = conn.execute(f'SELECT {columns} FROM "{source}" WHERE "{table.primary_key}" IN ({marks})', chunk)
        cursor.row_factory = None
        rows.update((row[key_index], row) for row in cursor)
    return rows
