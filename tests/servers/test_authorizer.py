"""The authorizer of tool code's connections: rows only; no files, schema, pragmas, transactions or change log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from autoforge.servers import EnvServer
from autoforge.servers.authorizer import Authorizer
from autoforge.servers.storage import configure

REFUSED = [
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "DROP TABLE members",
    "CREATE TABLE stash (x)",
    "CREATE TEMP TRIGGER t AFTER INSERT ON members BEGIN SELECT 1; END",
    "PRAGMA foreign_keys = OFF",
    "PRAGMA query_only = 0",
    "SELECT random()",
    "SELECT load_extension('x')",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT mine",
    "RELEASE mine",
    "SELECT tbl FROM _autoforge_changes",
    "DELETE FROM _autoforge_changes",
    "INSERT INTO _autoforge_changes VALUES ('members', 'M-1', 1)",
    "UPDATE _autoforge_before_members SET name = 'x'",
    "SELECT count(*) FROM _AUTOFORGE_CHANGES",  # however the letters are cased
    "SELECT count(*) FROM SQLITE_STMT",
    "SELECT count(*) FROM DbStat",
]


@pytest.fixture
def guarded(library: EnvServer) -> Iterator[sqlite3.Connection]:
    """A connection to an episode file set up as a worker sets up its own."""
    episode = library.episodes.reset(episode_id="authorized")
    conn = sqlite3.connect(episode.path, isolation_level=None)
    configure(conn)
    conn.set_authorizer(Authorizer())
    yield conn
    conn.close()


@pytest.mark.parametrize("statement", REFUSED)
def test_statements_beyond_rows_are_refused(guarded: sqlite3.Connection, statement: str) -> None:
    """Files, schema, pragmas, randomness, transaction control and the change log are out of reach."""
    with pytest.raises(sqlite3.DatabaseError, match="not authorized|prohibited"):
        guarded.execute(statement)


def test_rows_can_be_read_and_written_and_the_change_log_notes_them(guarded: sqlite3.Connection) -> None:
    """Ordinary reads and writes pass; the triggers, and only they, write the change log."""
    guarded.execute("UPDATE members SET phone = '555-0000' WHERE id = 'M-1001'")
    assert guarded.execute("SELECT phone FROM members WHERE id = 'M-1001'").fetchone() == ("555-0000",)
    guarded.set_authorizer(None)
    assert guarded.execute("SELECT tbl, key, fresh FROM _autoforge_changes").fetchall() == [("members", "M-1001", 0)]


def test_the_runtime_savepoint_is_the_only_one(guarded: sqlite3.Connection) -> None:
    """The runtime's own savepoint, named by a secret, opens and releases."""
    secret = Authorizer()
    guarded.set_authorizer(secret)
    guarded.execute(f"SAVEPOINT {secret.savepoint}")
    guarded.execute(f"RELEASE {secret.savepoint}")
