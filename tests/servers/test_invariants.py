"""Invariants: read-only queries returning the rows that break a rule; the DDL carries the document's checks."""

from __future__ import annotations

import sqlite3

import pytest
from autoforge.servers import EnvSpec, Invariant
from autoforge.servers.invariants import violations
from autoforge.servers.tables import create_schema

SPEC = EnvSpec.model_validate(
    {
        "name": "invariants-test",
        "description": "Orders with a total and lines.",
        "tables": [
            {"name": "orders", "columns": [{"name": "id", "type": "TEXT", "primary_key": True},
                                           {"name": "total", "type": "REAL", "minimum": 0}]},
            {"name": "lines", "columns": [{"name": "id", "type": "TEXT", "primary_key": True},
                                          {"name": "order_id", "type": "TEXT", "references": "orders.id"},
                                          {"name": "amount", "type": "REAL"},
                                          {"name": "kind", "type": "TEXT", "enum": ["a", "b"], "max_length": 1}]},
        ],
        "tools": [{"name": "noop", "description": "noop", "writes": False, "input_schema": {"type": "object"}}],
        "provenance": {"source": "tests"},
        "invariants": [
            {"name": "orders.total", "description": "an order's total is the sum of its lines",
             "sql": "SELECT o.id FROM orders o WHERE abs(o.total - (SELECT coalesce(sum(amount), 0) FROM lines "
                    "WHERE order_id = o.id)) > 0.005"},
            {"name": "lines.seed", "description": "the seed has lines", "scope": "seed",
             "sql": "SELECT 1 AS empty WHERE NOT EXISTS (SELECT 1 FROM lines)"},
        ],
    }
)  # fmt: skip


@pytest.fixture
def conn() -> sqlite3.Connection:
    """The spec's tables in memory."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    create_schema(connection, SPEC)
    return connection


def test_a_broken_invariant_names_its_rows_and_seed_rules_wait_for_the_seed(conn: sqlite3.Connection) -> None:
    """A total off its lines is reported with the row; a seed-only rule is checked only when asked."""
    conn.execute("INSERT INTO orders VALUES ('O-1', 10.0), ('O-2', 0)")
    conn.execute("INSERT INTO lines VALUES ('L-1', 'O-1', 4.0, 'a')")
    found = violations(conn, SPEC.invariants)
    assert [(v.invariant.name, v.rows) for v in found] == [("orders.total", ({"id": "O-1"},))]
    assert "an order's total is the sum of its lines (broken by id='O-1')" in str(found[0])
    conn.execute("UPDATE orders SET total = 4.0 WHERE id = 'O-1'")
    assert violations(conn, SPEC.invariants) == []
    conn.execute("DELETE FROM lines")
    conn.execute("UPDATE orders SET total = 0")
    assert [v.invariant.name for v in violations(conn, SPEC.invariants, seed=True)] == ["lines.seed"]


def test_an_invariant_only_reads_and_one_that_would_not_finish_is_broken(conn: sqlite3.Connection) -> None:
    """An invariant whose SQL writes (`WITH ... UPDATE ... RETURNING`) changes nothing and is reported broken, and
    so is one that counts forever (a recursive CTE with no end): the check neither writes nor hangs."""
    conn.execute("INSERT INTO orders VALUES ('O-1', 10.0)")
    writes = Invariant(name="writes", description="rewrites totals",
                       sql="WITH t AS (SELECT 1) UPDATE orders SET total = 0 RETURNING id")  # fmt: skip
    endless = Invariant(name="endless", description="counts forever",
                        sql="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                            "SELECT i FROM n WHERE i < 0")  # fmt: skip
    found = violations(conn, [writes, endless])
    assert [v.invariant.name for v in found] == ["writes", "endless"]
    assert found[1].rows == ({"error": "it takes too long to run"},)
    assert conn.execute("SELECT total FROM orders").fetchone() == (10.0,)


def test_the_tables_refuse_what_the_document_forbids(conn: sqlite3.Connection) -> None:
    """Enum, minimum and length become CHECK constraints; foreign keys are declared."""
    conn.execute("INSERT INTO orders VALUES ('O-1', 1.0)")
    for bad in ("INSERT INTO orders VALUES ('O-2', -1)", "INSERT INTO lines VALUES ('L-1', 'O-1', 1, 'c')",
                "INSERT INTO lines VALUES ('L-2', 'O-1', 1, 'ab')"):  # fmt: skip
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(bad)
    assert conn.execute("PRAGMA foreign_key_list(lines)").fetchone()[2] == "orders"


def test_an_invariant_must_be_one_select() -> None:
    """Anything but one SELECT (or WITH) statement is refused when the spec is read."""
    with pytest.raises(ValueError, match="one SELECT"):
        Invariant(name="bad", description="bad", sql="DELETE FROM orders")
    with pytest.raises(ValueError, match="one SELECT"):
        Invariant(name="bad", description="bad", sql="SELECT 1; DROP TABLE orders")
