"""Checking an environment's invariants: each is a read-only query returning the rows that break it.

Run after seeding (every invariant) and after each replay (those whose scope is 'always'); an empty
result everywhere means the state is consistent. Queries go through sqlite-utils' `Database` over the
given connection, read-only (an authorizer refuses anything but reads) and within a budget of SQLite
steps: the connection is never written, and an invariant that would not finish is reported broken.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .limits import StepBudget
from .spec import Invariant

__all__ = ["Violation", "violations"]

SAMPLE = 3
"""Violating rows kept per invariant (enough to show what is wrong)."""


@dataclass(frozen=True)
class Violation:
    """An invariant that does not hold, with a few of the rows that break it."""

    invariant: Invariant
    rows: tuple[dict[str, Any], ...]

    def __str__(self) -> str:
        shown = "; ".join(", ".join(f"{k}={v!r}" for k, v in row.items()) for row in self.rows)
        return f"{self.invariant.name}: {self.invariant.description} (broken by {shown})"


def violations(conn: sqlite3.Connection, invariants: Iterable[Invariant], *, seed: bool = False) -> list[Violation]:
    """The invariants broken in `conn`'s state; `seed` also checks the seed-only ones."""
    db = Database(conn, recursive_triggers=False, execute_plugins=False)
    found: list[Violation] = []
    for invariant in invariants:
        if invariant.scope == "seed" and not seed:
            continue
        budget = StepBudget(conn, INVARIANT_STEPS)
        conn.set_authorizer(_reads_only)
        try:
            with budget:
                rows = tuple(dict(row) for _, row in zip(range(SAMPLE), db.query(invariant.sql), strict=False))
        except sqlite3.Error as exc:
            rows = ({"error": "it takes too long to run" if budget.spent else str(exc)},)
        finally:
            conn.set_authorizer(None)
        if rows:
            found.append(Violation(invariant, rows))
    return found


INVARIANT_STEPS = 50_000_000
"""SQLite steps one invariant may take (an invariant that does not finish is broken, not waited for)."""
_READS = frozenset({
    sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE,
    sqlite3.SQLITE_SAVEPOINT,  # sqlite-utils' own around each query
})  # fmt: skip


def _reads_only(action: int, *_: Any) -> int:
    """An invariant reads: whatever else its SQL does (a `WITH ... UPDATE`) is refused."""
    return sqlite3.SQLITE_OK if action in _READS else sqlite3.SQLITE_DENY
