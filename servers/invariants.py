"""Checking an environment's invariants: each is a read-only query returning the rows that break it.

Run after seeding (every invariant) and after each replay (those whose scope is 'always'); an empty
result everywhere means the state is consistent. Queries go through sqlite-utils' `Database` over the
given connection, read-only: the connection is never written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

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


def violations(
    conn: sqlite3.Connection, invariants: Iterable[Invariant], *, seed: bool = False
) -> list[Violation]:
    """The invariants broken in `conn`'s state; `seed` also checks the seed-only ones."""
    db = Database(conn, recursive_triggers=False, execute_plugins=False)
    found: list[Violation] = []
    for invariant in invariants:
        if invariant.scope == "seed" and not seed:
            continue
        try:
            rows = tuple(dict(row) for _, row in zip(range(SAMPLE), db.query(invariant.sql), strict=False))
        except sqlite3.Error as exc:
            rows = ({"error": str(exc)},)
        if rows:
            found.append(Violation(invariant, rows))
    return found
