"""What tool code sees: `Db`, a small facade over the episode's SQLite connection, and `ToolError`.

A tool in `tools.py` is a plain function whose first parameter is `db` and whose other parameters
are the tool's arguments; it returns JSON-serialisable data and raises `ToolError` with a message
the agent can act on when a domain rule is broken:

    def renew_loan(db, loan_id, days=14):
        loan = db.one("SELECT status, due FROM loans WHERE id = ?", loan_id)
        if loan is None:
            raise ToolError(f"No loan {loan_id!r}. Call find_loans to list a member's loans.")
        ...

Ids come from per-episode counters (`db.new_id`) and time from the environment's frozen clock
(`db.now`), so the same calls always give the same database.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

__all__ = ["Db", "ToolError"]


class ToolError(Exception):
    """A broken domain rule or a bad call: the agent reads the message as a tool error and can act on it."""

MAX_SQL_CHARS = 100_000
"""The longest statement tool code may run."""
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRAILING_NUMBER = re.compile(r"(\d+)$")


class Db:
    """The episode database as tool code may use it: parameterised SQL, rows as dicts."""

    __slots__ = ("_conn", "_clock", "_keys", "_counters")

    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: str,
        keys: Mapping[str, tuple[str, str]],
        counters: dict[str, int] | None = None,
    ) -> None:
        self._conn = conn
        self._clock = clock
        self._keys = keys  # table -> (primary-key column, SQL type)
        self._counters = {} if counters is None else counters  # the episode's, updated in place

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """All rows of a SELECT, as dicts."""
        return [dict(row) for row in self._run(sql, params)]

    def one(self, sql: str, *params: Any) -> dict[str, Any] | None:
        """The first row of a SELECT as a dict, or None."""
        row = self._run(sql, params).fetchone()
        return None if row is None else dict(row)

    def value(self, sql: str, *params: Any) -> Any:
        """The first column of the first row, or None."""
        row = self._run(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, *params: Any) -> int:
        """Run an INSERT, UPDATE or DELETE; returns the number of rows changed."""
        return self._run(sql, params).rowcount

    def _run(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        # The connection keeps its last statements prepared, text and all, from one episode to the next: a
        # statement's size is capped so that what they hold stays small.
        if isinstance(sql, str) and len(sql) > MAX_SQL_CHARS:
            raise ValueError(
                f"a statement of {len(sql):,} characters; tool code's SQL may have {MAX_SQL_CHARS:,} at most "
                "(values go in as parameters)"
            )
        return self._conn.execute(sql, params)

    def insert(self, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """Insert `row` into `table` and return it as stored."""
        key = self._key(table)[0]
        columns = list(row)
        for column in columns:
            if not _IDENTIFIER.match(column):
                raise ToolError(f"invalid column name {column!r}")
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self._run(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(row.values()))
        stored = self.one(f'SELECT * FROM "{table}" WHERE "{key}" = ?', row[key]) if key in row else None
        return stored if stored is not None else dict(row)

    def new_id(self, table: str, prefix: str = "") -> Any:
        """The next free primary key of `table`: an int for INTEGER keys, else `prefix` + number."""
        key, sql_type = self._key(table)
        if table not in self._counters:
            highest = 0
            for (value,) in self._conn.execute(f'SELECT "{key}" FROM "{table}"'):
                match = _TRAILING_NUMBER.search(str(value))
                if match:
                    highest = max(highest, int(match.group(1)))
            self._counters[table] = highest
        self._counters[table] += 1
        number = self._counters[table]
        return number if sql_type == "INTEGER" else f"{prefix}{number}"

    def now(self) -> str:
        """The environment's frozen clock, 'YYYY-MM-DDTHH:MM:SS'."""
        return self._clock

    def today(self) -> str:
        """The frozen clock's date, 'YYYY-MM-DD'."""
        return self._clock[:10]

    def _key(self, table: str) -> tuple[str, str]:
        try:
            return self._keys[table]
        except KeyError:
            raise ToolError(f"unknown table {table!r}") from None
