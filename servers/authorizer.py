"""The SQLite authorizer of episode connections: tool code reads and writes rows, nothing else.

SQLite asks the authorizer about every statement when it is prepared. Tool code may read and
write rows; it may not touch the schema, attach files, run pragmas, call the random or extension
functions, or control transactions: BEGIN, COMMIT, ROLLBACK and RELEASE belong to the runtime,
whose one savepoint has a name tool code cannot know (so it can neither issue nor reuse from the
connection's statement cache the runtime's SAVEPOINT, ROLLBACK TO and RELEASE). The tables of the
change log (`changelog.py`) are open to its triggers only, and the virtual tables that show the
connection's prepared statements or the file's pages (where the name of that savepoint could be read) to no one.
"""

from __future__ import annotations

import secrets
import sqlite3

from .changelog import is_change_log

__all__ = ["Authorizer"]

_DENIED = {
    sqlite3.SQLITE_ATTACH: "ATTACH",
    sqlite3.SQLITE_DETACH: "DETACH",
    sqlite3.SQLITE_PRAGMA: "PRAGMA",
    sqlite3.SQLITE_TRANSACTION: "BEGIN / COMMIT / ROLLBACK",
    sqlite3.SQLITE_CREATE_TABLE: "CREATE TABLE",
    sqlite3.SQLITE_CREATE_TEMP_TABLE: "CREATE TABLE",
    sqlite3.SQLITE_CREATE_INDEX: "CREATE INDEX",
    sqlite3.SQLITE_CREATE_TEMP_INDEX: "CREATE INDEX",
    sqlite3.SQLITE_CREATE_TRIGGER: "CREATE TRIGGER",
    sqlite3.SQLITE_CREATE_TEMP_TRIGGER: "CREATE TRIGGER",
    sqlite3.SQLITE_CREATE_VIEW: "CREATE VIEW",
    sqlite3.SQLITE_CREATE_TEMP_VIEW: "CREATE VIEW",
    sqlite3.SQLITE_CREATE_VTABLE: "CREATE VIRTUAL TABLE",
    sqlite3.SQLITE_DROP_TABLE: "DROP TABLE",
    sqlite3.SQLITE_DROP_INDEX: "DROP INDEX",
    sqlite3.SQLITE_DROP_TRIGGER: "DROP TRIGGER",
    sqlite3.SQLITE_DROP_VIEW: "DROP VIEW",
    sqlite3.SQLITE_DROP_VTABLE: "DROP VIRTUAL TABLE",
    sqlite3.SQLITE_ALTER_TABLE: "ALTER TABLE",
    sqlite3.SQLITE_ANALYZE: "ANALYZE",
    sqlite3.SQLITE_REINDEX: "REINDEX",
}
_DENIED_FUNCTIONS = frozenset(
    {"random", "randomblob", "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "rtreenode"}
    | {"current_timestamp", "current_date", "current_time"}  # the wall clock; tool code reads db.now()
    | {"last_insert_rowid", "changes", "total_changes"}  # the connection's counters outlive its episode
)
_DENIED_TABLES = frozenset({"sqlite_stmt", "dbstat", "sqlite_dbpage"})
"""Virtual tables that show the connection's own workings: its prepared statements (the runtime's savepoint
among them), the file's pages."""
_ROWS = frozenset({sqlite3.SQLITE_READ, sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE})
_WRITES = frozenset({sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE})


class Authorizer:
    """The callable SQLite consults for each statement of one episode connection."""

    __slots__ = ("_secret", "written")

    def __init__(self) -> None:
        self._secret = f"autoforge_{secrets.token_hex(12)}"
        self.written: set[str] = set()
        """Every table a statement prepared on the connection inserts into or updates (its rows' ids are checked)."""

    def __call__(self, action: int, arg1: str | None, arg2: str | None, dbname: str | None, source: str | None) -> int:
        if action in _WRITES and arg1 is not None and not is_change_log(arg1):
            self.written.add(arg1)
        if action in _ROWS and (
            (is_change_log(arg1) and not is_change_log(source)) or (arg1 or "").lower() in _DENIED_TABLES
        ):
            return sqlite3.SQLITE_DENY
        elif action in _DENIED:
            return sqlite3.SQLITE_DENY
        elif action == sqlite3.SQLITE_SAVEPOINT and arg2 != self._secret:
            return sqlite3.SQLITE_DENY
        elif action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _DENIED_FUNCTIONS:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    @property
    def savepoint(self) -> str:
        """The name of the runtime's savepoint (tool code cannot name it, so cannot release it)."""
        return self._secret
