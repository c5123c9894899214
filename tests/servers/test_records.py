"""The records engine: table-driven tools over real SQLite, with the rules and messages agents read."""

from __future__ import annotations

from typing import Any

import pytest
from autoforge.servers import (
    Environment,
    EnvServer,
    EnvSpec,
    Episode,
    Records,
    SandboxError,
    SpecError,
    ToolError,
    build_environment,
    check_source,
)
from mcp import Client

from .conftest import call

CUSTOMERS = {
    "key": "code",
    "prefix": "C-",
    "noun": "customer",
    "nouns": "customers",
    "finder": "list_customers",
    "single": False,
    "columns": ["code", "name", "active"],
    "json": [],
    "bool": ["active"],
    "search": ["name"],
    "status": None,
    "ended": [],
    "refs": {},
    "parents": [],
    "required": ["name"],
    "defaults": {"active": 1},
    "children": [["orders", "customer_code"]],
}
ORDERS = {
    "key": "id",
    "prefix": "ORD-",
    "noun": "order",
    "nouns": "orders",
    "finder": "list_orders",
    "single": False,
    "columns": ["id", "customer_code", "status", "note", "total", "tags", "gift", "placed_at", "placed_on"],
    "json": ["tags"],
    "bool": ["gift"],
    "search": ["note", "status"],
    "status": "status",
    "ended": ["cancelled", "delivered"],
    "refs": {"customer_code": "customers"},
    "parents": ["customer_code"],
    "required": ["customer_code"],
    "defaults": {"status": "pending", "placed_at": "@clock", "placed_on": "@date", "gift": 0},
    "children": [["notes", "order_id"]],
}
NOTES = {
    "key": "id",
    "prefix": "N-",
    "noun": "note",
    "nouns": "notes",
    "finder": "",
    "single": False,
    "columns": ["id", "order_id", "text"],
    "json": [],
    "bool": [],
    "search": ["text"],
    "status": None,
    "ended": [],
    "refs": {"order_id": "orders"},
    "parents": ["order_id"],
    "required": ["order_id", "text"],
    "defaults": {},
    "children": [],
}
SETTINGS = {
    "key": "id",
    "prefix": "S-",
    "noun": "settings",
    "nouns": "settings",
    "finder": "",
    "single": True,
    "columns": ["id", "currency"],
    "json": [],
    "bool": [],
    "search": [],
    "status": None,
    "ended": [],
    "refs": {},
    "parents": [],
    "required": [],
    "defaults": {},
    "children": [],
}
TABLES = {"customers": CUSTOMERS, "orders": ORDERS, "notes": NOTES, "settings": SETTINGS}

TOOLS = f"""
from autoforge.servers.records import Records

TABLES = {TABLES!r}
records = Records(TABLES, list_limit=3)


def list_orders(db, customer_code=None, status=None, low=None, high=None, q=None, gift=None, limit=None):
    return records.select(db, 'orders', [('customer_code', 'eq', customer_code), ('status', 'eq', status),
        ('total', 'min', low), ('total', 'max', high), (None, 'search', q), ('gift', 'eq', gift)], limit)


def count_orders(db, status=None):
    return records.count(db, 'orders', [('status', 'eq', status)])


def get_order(db, order_id, customer_code=None):
    return records.get(db, 'orders', order_id, scope={{'customer_code': customer_code}})


def get_note(db, note_id):
    return records.get(db, 'notes', note_id)


def get_settings(db):
    return records.get(db, 'settings', None)


def add_customer(db, code, name=None):
    return records.create(db, 'customers', {{'code': code, 'name': name}})


def add_order(db, customer_code=None, note=None, total=None, tags=None, gift=None):
    return records.create(db, 'orders', {{'customer_code': customer_code, 'note': note, 'total': total,
        'tags': tags, 'gift': gift}})


def add_note(db, order_id, text):
    return records.create(db, 'notes', {{'order_id': order_id, 'text': text}})


def change_order(db, order_id, note=None, customer_code=None, tags=None):
    return records.update(db, 'orders', order_id, {{'note': note, 'customer_code': customer_code, 'tags': tags}})


def cancel_order(db, order_id, note=None):
    return records.act(db, 'orders', order_id, {{'status': 'cancelled'}}, values={{'note': note}})


def reopen_order(db, order_id):
    return records.act(db, 'orders', order_id, {{'status': 'pending'}})


def delete_order(db, order_id, customer_code=None):
    return records.delete(db, 'orders', order_id, scope={{'customer_code': customer_code}})
"""
WRITES = {"add_customer", "add_order", "add_note", "change_order", "cancel_order", "reopen_order", "delete_order"}
NAMES = ["list_orders", "count_orders", "get_order", "get_note", "get_settings", *sorted(WRITES)]
SEED = """
INSERT INTO customers VALUES ('C-1', 'Ada Byron', 1), ('C-2', 'Alan Turing', 0);
INSERT INTO orders VALUES
  ('ORD-1', 'C-1', 'pending', 'red kettle', 12.5, '["home"]', 1, '2026-01-01T10:00:00', '2026-01-01'),
  ('ORD-2', 'C-1', 'shipped', 'blue lamp', 40.0, NULL, 0, '2026-01-02T10:00:00', '2026-01-02'),
  ('ORD-3', 'C-2', 'delivered', 'Red chair', 99.0, NULL, 0, '2026-01-03T10:00:00', '2026-01-03'),
  ('ORD-4', 'C-2', 'cancelled', 'green pen', 2.0, NULL, 0, '2026-01-04T10:00:00', '2026-01-04'),
  ('ORD-5', 'C-1', 'pending', NULL, 7.0, NULL, 0, '2026-01-05T10:00:00', '2026-01-05');
INSERT INTO notes VALUES ('N-1', 'ORD-2', 'leave at the door');
"""


def text(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "TEXT", **extra}


def records_spec() -> EnvSpec:
    """Customers, their orders (a status with ended states, JSON and boolean columns), notes, and settings."""
    return EnvSpec.model_validate(
        {
            "name": "records-test",
            "description": "The records engine under test.",
            "clock": "2026-02-03T04:05:06",
            "tables": [
                {
                    "name": "customers",
                    "columns": [
                        text("code", primary_key=True),
                        text("name", nullable=False),
                        {"name": "active", "type": "INTEGER", "nullable": False},
                    ],
                },
                {
                    "name": "orders",
                    "columns": [
                        text("id", primary_key=True, generated=True),
                        text("customer_code", nullable=False, references="customers.code"),
                        text("status", nullable=False, enum=["pending", "shipped", "delivered", "cancelled"]),
                        text("note"),
                        {"name": "total", "type": "REAL"},
                        text("tags"),
                        {"name": "gift", "type": "INTEGER", "nullable": False},
                        text("placed_at"),
                        text("placed_on"),
                    ],
                },
                {
                    "name": "notes",
                    "columns": [
                        text("id", primary_key=True, generated=True),
                        text("order_id", nullable=False, references="orders.id"),
                        text("text", nullable=False),
                    ],
                },
                {"name": "settings", "columns": [text("id", primary_key=True), text("currency")]},
            ],
            "tools": [
                {"name": n, "description": n, "writes": n in WRITES, "input_schema": {"type": "object"}} for n in NAMES
            ],
            "provenance": {"source": "tests"},
        }
    )


@pytest.fixture(scope="module")
def env() -> Environment:
    """The records test environment, built in memory from its spec, tools and seed."""
    return build_environment(records_spec(), TOOLS, SEED)


def refused(env: Environment, episode: Episode, tool: str, **arguments: Any) -> str:
    with pytest.raises(ToolError) as caught:
        env.tools[tool].run(episode, arguments)
    return str(caught.value)


def test_generated_style_tool_code_passes_the_sandbox() -> None:
    """Tool code may import the engine and call its public methods, but not reach its private state."""
    assert check_source(TOOLS) == []
    problems = check_source("from autoforge.servers.records import Records\n\ndef peek(db, r):\n    return r._tables\n")
    assert [p.message for p in problems] == ["private or dunder attribute '_tables' is not allowed"]


def test_select_filters_decodes_and_caps(env: Environment, episode: Episode) -> None:
    """Conditions combine; None is no condition; text matches ignore case; JSON and booleans are decoded."""
    first = call(env, episode, "list_orders", customer_code="c-1", status="PENDING")
    assert [o["id"] for o in first] == ["ORD-1", "ORD-5"]
    assert (first[0]["tags"], first[0]["gift"], first[1]["gift"]) == (["home"], True, False)
    assert [o["id"] for o in call(env, episode, "list_orders", low=10, high=50)] == ["ORD-1", "ORD-2"]
    assert [o["id"] for o in call(env, episode, "list_orders", q="RED")] == ["ORD-1", "ORD-3"]
    assert [o["id"] for o in call(env, episode, "list_orders", gift=True)] == ["ORD-1"]


def test_select_returns_at_most_the_list_limit(env: Environment, episode: Episode) -> None:
    """Without a limit a list gives the list limit, oldest first; a larger limit is capped, a smaller one kept."""
    assert [o["id"] for o in call(env, episode, "list_orders")] == ["ORD-1", "ORD-2", "ORD-3"]
    assert len(call(env, episode, "list_orders", limit=100)) == 3
    assert [o["id"] for o in call(env, episode, "list_orders", limit=1)] == ["ORD-1"]
    assert call(env, episode, "list_orders", limit=-4) == []


def test_count_counts_every_match(env: Environment, episode: Episode) -> None:
    """Counting is not capped by the list limit."""
    assert call(env, episode, "count_orders") == {"count": 5}
    assert call(env, episode, "count_orders", status="pending") == {"count": 2}


def test_get_names_the_finder_and_checks_scope(env: Environment, episode: Episode) -> None:
    """A missing row names the tool that lists its kind; a row of another parent is refused."""
    assert call(env, episode, "get_order", order_id="ORD-2", customer_code="C-1")["note"] == "blue lamp"
    assert (
        refused(env, episode, "get_order", order_id="ORD-9")
        == "No order 'ORD-9'. Use list_orders to find the right one."
    )
    assert refused(env, episode, "get_note", note_id="N-9") == "No note 'N-9'."
    assert (
        refused(env, episode, "get_order", order_id="ORD-2", customer_code="C-2")
        == "Order 'ORD-2' does not belong to 'C-2'."
    )


def test_a_single_record_table_needs_no_key(env: Environment, episode: Episode) -> None:
    """The only row of a single-record table comes back without a key; an empty one is named as such."""
    assert refused(env, episode, "get_settings") == "There is no settings yet."
    episode.conn.execute("INSERT INTO settings VALUES ('S-1', 'EUR')")
    assert call(env, episode, "get_settings") == {"id": "S-1", "currency": "EUR"}


def test_create_fills_defaults_and_a_new_key(env: Environment, episode: Episode) -> None:
    """A new row takes the next key with its prefix, the default state, the frozen clock and stored JSON."""
    made = call(env, episode, "add_order", customer_code="C-1", tags={"b": 1, "a": [2]}, gift=True, total=3)
    assert made == {
        "id": "ORD-6",
        "customer_code": "C-1",
        "status": "pending",
        "note": None,
        "total": 3.0,
        "tags": {"a": [2], "b": 1},
        "gift": True,
        "placed_at": "2026-02-03T04:05:06",
        "placed_on": "2026-02-03",
    }
    assert episode.db.value("SELECT tags FROM orders WHERE id = 'ORD-6'") == '{"a": [2], "b": 1}'
    assert call(env, episode, "add_customer", code="C-7", name="Grace")["active"] is True


def test_create_checks_required_values_keys_and_parents(env: Environment, episode: Episode) -> None:
    """Missing values, a taken key, a missing parent and an ended parent are refused, and nothing is written."""
    assert refused(env, episode, "add_order") == "A new order needs customer_code."
    assert refused(env, episode, "add_customer", code="C-1", name="Ada") == "A customer 'C-1' already exists."
    assert (
        refused(env, episode, "add_order", customer_code="C-9")
        == "No customer 'C-9'. Use list_customers to find the right one."
    )
    assert call(env, episode, "add_note", order_id="ORD-1", text="gift wrap")["id"] == "N-2"
    assert refused(env, episode, "add_note", order_id="ORD-3", text="late") == (
        "Order 'ORD-3' is delivered; no note can be added to it."
    )
    assert episode.db.value("SELECT COUNT(*) FROM orders") == 5
    assert episode.db.value("SELECT COUNT(*) FROM notes") == 2


def test_update_changes_given_columns_of_open_rows(env: Environment, episode: Episode) -> None:
    """Only the columns given change; a row in an ended state, an empty change and a bad reference are refused."""
    changed = call(env, episode, "change_order", order_id="ORD-2", note="by the gate", tags=["x"])
    assert (changed["note"], changed["tags"], changed["total"]) == ("by the gate", ["x"], 40.0)
    assert (
        refused(env, episode, "change_order", order_id="ORD-2")
        == "Nothing to change: give at least one of note, customer_code, tags."
    )
    assert (
        refused(env, episode, "change_order", order_id="ORD-3", note="x")
        == "Order 'ORD-3' is delivered; it can no longer be changed."
    )
    assert (
        refused(env, episode, "change_order", order_id="ORD-2", customer_code="C-9")
        == "No customer 'C-9'. Use list_customers to find the right one."
    )


def test_act_moves_a_row_to_its_target_state(env: Environment, episode: Episode) -> None:
    """An action sets its state and extra values once; a move into an ended state cannot start from one."""
    cancelled = call(env, episode, "cancel_order", order_id="ORD-1", note="changed my mind")
    assert (cancelled["status"], cancelled["note"]) == ("cancelled", "changed my mind")
    assert refused(env, episode, "cancel_order", order_id="ORD-1") == "Order 'ORD-1' is already cancelled."
    assert (
        refused(env, episode, "cancel_order", order_id="ORD-3")
        == "Order 'ORD-3' is delivered; it can no longer be changed."
    )
    assert call(env, episode, "reopen_order", order_id="ORD-1")["status"] == "pending"
    assert refused(env, episode, "reopen_order", order_id="ORD-1") == "Order 'ORD-1' is already pending."


def test_delete_is_refused_while_others_refer_to_the_row(env: Environment, episode: Episode) -> None:
    """A row with children stays; a free one is removed and its key returned."""
    assert (
        refused(env, episode, "delete_order", order_id="ORD-2")
        == "Order 'ORD-2' still has 1 notes; remove or move them first."
    )
    assert (
        refused(env, episode, "delete_order", order_id="ORD-1", customer_code="C-2")
        == "Order 'ORD-1' does not belong to 'C-2'."
    )
    assert call(env, episode, "delete_order", order_id="ORD-1") == {"deleted": "ORD-1"}
    assert episode.db.one("SELECT * FROM orders WHERE id = 'ORD-1'") is None


async def test_rule_errors_reach_an_agent_as_error_results(env: Environment) -> None:
    """Over MCP a broken rule comes back as an error result the agent reads."""
    async with Client(EnvServer(env)) as client:
        result = await client.call_tool("cancel_order", {"order_id": "ORD-4"})
    assert result.is_error
    assert result.content[0].text == "Error: Order 'ORD-4' is already cancelled."


def test_a_malformed_description_is_refused_with_every_problem() -> None:
    """Missing fields and unknown tables are listed; tools.py using it does not load."""
    broken = {"orders": {k: v for k, v in ORDERS.items() if k != "noun"}}
    with pytest.raises(SpecError) as caught:
        Records(broken, list_limit=3)
    assert [str(p) for p in caught.value.problems] == [
        "TABLES['orders']: noun: Field required",
    ]
    with pytest.raises(SpecError) as caught:
        Records({"orders": ORDERS}, list_limit=3)
    assert {str(p) for p in caught.value.problems} == {
        "TABLES['orders']: names unknown table 'customers'",
        "TABLES['orders']: names unknown table 'notes'",
    }
    with pytest.raises(SandboxError, match="failed while loading: SpecError"):
        build_environment(records_spec(), TOOLS.replace("'noun': 'order', ", ""), SEED)
