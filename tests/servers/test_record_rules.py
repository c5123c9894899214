"""The records engine keeps a document's rules on every write: constraints, derived values, lifecycles."""

from __future__ import annotations

from typing import Any

import pytest
from autoforge.servers import Environment, EnvSpec, Episode, ToolError, build_environment

from .conftest import call

BASE = {"json": [], "bool": [], "search": [], "status": None, "ended": [], "refs": {}, "parents": [],
        "required": [], "defaults": {}, "children": []}  # fmt: skip
TABLES: dict[str, dict[str, Any]] = {
    "products": {**BASE, "key": "id", "prefix": "P-", "noun": "product", "nouns": "products", "finder": "",
                 "single": False, "columns": ["id", "name", "price", "stock"],
                 "children": [["items", "product_id"]]},
    "orders": {**BASE, "key": "id", "prefix": "O-", "noun": "order", "nouns": "orders", "finder": "",
               "single": False, "columns": ["id", "status", "total", "note"], "status": "status",
               "ended": ["delivered", "cancelled"], "void": ["cancelled"],
               "children": [["items", "order_id"], ["returns", "order_id"]],
               "transitions": {"cancelled": ["pending", "paid"]},
               "checks": {"note": {"type": "string", "max_length": 10}},
               "totals": {"total": {"lines": [{"table": "items", "via": "order_id", "amount": "unit_price",
                                               "quantity": "quantity"}]}},
               "defaults": {"status": "pending"}},
    "items": {**BASE, "key": "id", "prefix": "I-", "noun": "item", "nouns": "items", "finder": "", "single": False,
              "columns": ["id", "order_id", "product_id", "quantity", "unit_price"],
              "refs": {"order_id": "orders", "product_id": "products"}, "parents": ["order_id", "product_id"],
              "required": ["order_id", "product_id", "quantity"], "immutable": ["order_id"],
              "checks": {"quantity": {"type": "integer", "minimum": 1, "maximum": 20}},
              "copies": {"unit_price": ["product_id", "price"]},
              "stock": {"ref": "product_id", "column": "stock", "quantity": "quantity"}},
    "returns": {**BASE, "key": "id", "prefix": "R-", "noun": "return", "nouns": "returns", "finder": "",
                "single": False, "columns": ["id", "order_id", "created_at"], "refs": {"order_id": "orders"},
                "parents": ["order_id"], "requires": {"order_id": ["delivered"]}, "read_only": ["created_at"],
                "defaults": {"created_at": "@clock"}},
    "rooms": {**BASE, "key": "id", "prefix": "RM-", "noun": "room", "nouns": "rooms", "finder": "", "single": False,
              "columns": ["id", "capacity", "rate"], "children": [["stays", "room_id"]]},
    "stays": {**BASE, "key": "id", "prefix": "S-", "noun": "stay", "nouns": "stays", "finder": "", "single": False,
              "columns": ["id", "room_id", "check_in", "check_out", "guests", "status", "total"],
              "refs": {"room_id": "rooms"}, "parents": ["room_id"], "status": "status",
              "ended": ["checked_out", "cancelled"], "void": ["cancelled"], "defaults": {"status": "booked"},
              "pairs": [["check_in", "check_out"]], "upcoming": ["check_in", "check_out"],
              "capacity": {"guests": ["room_id", "capacity"]}, "overlap": ["room_id", "check_in", "check_out"],
              "transitions": {"checked_in": ["booked"], "checked_out": ["checked_in"], "cancelled": ["booked"]},
              "schedule": {"start": "check_in", "end": "check_out", "ongoing": ["checked_in"],
                           "past": ["checked_out"]},
              "checks": {"check_in": {"type": "string", "format": "date"},
                         "check_out": {"type": "string", "format": "date"}},
              "totals": {"total": {"nights": {"start": "check_in", "end": "check_out", "ref": "room_id",
                                              "rate": "rate"}}}},
}  # fmt: skip
TOOLS = f"""
from autoforge.servers.records import Records

TABLES = {TABLES!r}
records = Records(TABLES, list_limit=50)


def add_item(db, order_id, product_id, quantity, unit_price=None):
    return records.create(db, 'items', {{'order_id': order_id, 'product_id': product_id, 'quantity': quantity,
        'unit_price': unit_price}})


def change_item(db, item_id, quantity=None, order_id=None):
    return records.update(db, 'items', item_id, {{'quantity': quantity, 'order_id': order_id}})


def remove_item(db, item_id):
    return records.delete(db, 'items', item_id)


def note_order(db, order_id, note=None, total=None):
    return records.update(db, 'orders', order_id, {{'note': note, 'total': total}})


def cancel_order(db, order_id):
    return records.act(db, 'orders', order_id, {{'status': 'cancelled'}})


def request_return(db, order_id, created_at=None):
    return records.create(db, 'returns', {{'order_id': order_id, 'created_at': created_at}})


def book(db, room_id, check_in, check_out, guests):
    return records.create(db, 'stays', {{'room_id': room_id, 'check_in': check_in, 'check_out': check_out,
        'guests': guests}})


def move_stay(db, stay_id, check_in=None, check_out=None):
    return records.update(db, 'stays', stay_id, {{'check_in': check_in, 'check_out': check_out}})


def check_in(db, stay_id):
    return records.act(db, 'stays', stay_id, {{'status': 'checked_in'}})


def cancel_stay(db, stay_id):
    return records.act(db, 'stays', stay_id, {{'status': 'cancelled'}})
"""
NAMES = ["add_item", "change_item", "remove_item", "note_order", "cancel_order", "request_return", "book",
         "move_stay", "check_in", "cancel_stay"]  # fmt: skip
SEED = """
INSERT INTO products VALUES ('P-1', 'Copper kettle', 40.0, 5), ('P-2', 'Linen towel', 12.5, 0);
INSERT INTO orders VALUES ('O-1', 'pending', 80.0, NULL), ('O-2', 'delivered', 12.5, NULL),
  ('O-3', 'shipped', 0, NULL);
INSERT INTO items VALUES ('I-1', 'O-1', 'P-1', 2, 40.0), ('I-2', 'O-2', 'P-2', 1, 12.5);
INSERT INTO rooms VALUES ('RM-1', 2, 100.0);
INSERT INTO stays VALUES ('S-1', 'RM-1', '2026-02-03', '2026-02-05', 2, 'booked', 200.0),
  ('S-2', 'RM-1', '2026-02-10', '2026-02-12', 1, 'booked', 200.0);
"""


def _text(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "TEXT", **extra}


def _number(name: str, kind: str = "REAL", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, **extra}


def _spec() -> EnvSpec:
    key = _text("id", primary_key=True, generated=True)
    tables = {
        "products": [key, _text("name"), _number("price"), _number("stock", "INTEGER")],
        "orders": [key, _text("status", enum=["pending", "paid", "shipped", "delivered", "cancelled"]),
                   _number("total"), _text("note")],
        "items": [key, _text("order_id", references="orders.id"), _text("product_id", references="products.id"),
                  _number("quantity", "INTEGER", minimum=1, maximum=20), _number("unit_price")],
        "returns": [key, _text("order_id", references="orders.id"), _text("created_at")],
        "rooms": [key, _number("capacity", "INTEGER"), _number("rate")],
        "stays": [key, _text("room_id", references="rooms.id"), _text("check_in"), _text("check_out"),
                  _number("guests", "INTEGER"), _text("status"), _number("total")],
    }  # fmt: skip
    return EnvSpec.model_validate(
        {
            "name": "rules-test",
            "description": "Rules the records engine keeps.",
            "clock": "2026-02-03T09:00:00",
            "tables": [{"name": n, "columns": c} for n, c in tables.items()],
            "tools": [{"name": n, "description": n, "writes": True, "input_schema": {"type": "object"}} for n in NAMES],
            "provenance": {"source": "tests"},
        }
    )


@pytest.fixture(scope="module")
def env() -> Environment:
    """Orders with lines, stock and returns; rooms with stays."""
    return build_environment(_spec(), TOOLS, SEED)


def refused(env: Environment, episode: Episode, tool: str, **arguments: Any) -> str:
    before = episode.db.query("SELECT * FROM products UNION ALL SELECT id, status, total, note FROM orders")
    with pytest.raises(ToolError) as caught:
        env.tools[tool].run(episode, arguments)
    assert episode.db.query("SELECT * FROM products UNION ALL SELECT id, status, total, note FROM orders") == before
    return str(caught.value)


def value(episode: Episode, sql: str) -> Any:
    return episode.db.value(sql)


def test_a_new_line_copies_its_price_takes_stock_and_updates_the_total(env: Environment, episode: Episode) -> None:
    """The line's price comes from the product, stock drops by its quantity and the order total follows."""
    line = call(env, episode, "add_item", order_id="O-1", product_id="P-1", quantity=3)
    assert line["unit_price"] == 40.0
    assert value(episode, "SELECT stock FROM products WHERE id = 'P-1'") == 2
    assert value(episode, "SELECT total FROM orders WHERE id = 'O-1'") == 200.0
    call(env, episode, "change_item", item_id=line["id"], quantity=1)
    assert value(episode, "SELECT stock FROM products WHERE id = 'P-1'") == 4
    assert value(episode, "SELECT total FROM orders WHERE id = 'O-1'") == 120.0
    call(env, episode, "remove_item", item_id=line["id"])
    assert value(episode, "SELECT stock FROM products WHERE id = 'P-1'") == 5
    assert value(episode, "SELECT total FROM orders WHERE id = 'O-1'") == 80.0


def test_values_that_break_the_document_are_refused_naming_the_rule(env: Environment, episode: Episode) -> None:
    """Out of range, beyond the stock, a wrong copied price, a set-by-the-service total, a fixed reference."""
    assert refused(env, episode, "add_item", order_id="O-1", product_id="P-1", quantity=21) == (
        "quantity must be at most 20."
    )
    assert refused(env, episode, "add_item", order_id="O-1", product_id="P-1", quantity=6) == (
        "Only 5 left of the product 'P-1'; 6 asked for."
    )
    assert refused(env, episode, "add_item", order_id="O-1", product_id="P-1", quantity=1, unit_price=1.0) == (
        "unit_price comes from the product: it is 40.0."
    )
    assert refused(env, episode, "note_order", order_id="O-1", total=1.0) == (
        "total is set by the service; it cannot be given."
    )
    assert refused(env, episode, "note_order", order_id="O-1", note="far too long a note") == (
        "note must be at most 10 characters long."
    )
    assert refused(env, episode, "change_item", item_id="I-1", order_id="O-3") == (
        "order_id cannot change once the item exists."
    )


def test_cancelling_follows_the_lifecycle_and_gives_stock_back(env: Environment, episode: Episode) -> None:
    """Only pending or paid orders cancel; a cancelled order's lines return to stock and then stay as they are."""
    assert refused(env, episode, "cancel_order", order_id="O-3") == (
        "Order 'O-3' is shipped; only pending or paid orders can be cancelled."
    )
    call(env, episode, "cancel_order", order_id="O-1")
    assert value(episode, "SELECT stock FROM products WHERE id = 'P-1'") == 7
    assert refused(env, episode, "change_item", item_id="I-1", quantity=1) == (
        "Order 'O-1' is cancelled; its items can no longer change."
    )
    assert refused(env, episode, "add_item", order_id="O-1", product_id="P-1", quantity=1) == (
        "Order 'O-1' is cancelled; no item can be added to it."
    )


def test_a_return_needs_a_delivered_order_and_takes_the_clock(env: Environment, episode: Episode) -> None:
    """A return on an undelivered order is refused; on a delivered one it is made at the frozen time."""
    assert refused(env, episode, "request_return", order_id="O-1") == (
        "Order 'O-1' is pending; a return needs an order that is delivered."
    )
    assert refused(env, episode, "request_return", order_id="O-2", created_at="2020-01-01T00:00:00") == (
        "created_at is set by the service; it cannot be given."
    )
    assert call(env, episode, "request_return", order_id="O-2")["created_at"] == "2026-02-03T09:00:00"


def test_stays_keep_dates_in_order_capacity_and_no_double_booking(env: Environment, episode: Episode) -> None:
    """Check-out after check-in, nothing in the past, no more guests than beds, no overlap; the total is nights x rate."""
    assert refused(env, episode, "book", room_id="RM-1", check_in="2026-03-05", check_out="2026-03-02", guests=1) == (
        "check_out must be after check_in (2026-03-05)."
    )
    assert refused(env, episode, "book", room_id="RM-1", check_in="2026-01-05", check_out="2026-01-07", guests=1) == (
        "check_in cannot be in the past (today is 2026-02-03)."
    )
    assert refused(env, episode, "book", room_id="RM-1", check_in="2026-03-01", check_out="2026-03-03", guests=3) == (
        "guests is 3, more than the room's capacity of 2."
    )
    assert refused(env, episode, "book", room_id="RM-1", check_in="2026-02-11", check_out="2026-02-14", guests=1) == (
        "The room 'RM-1' is already taken for part of 2026-02-11 to 2026-02-14."
    )
    assert refused(env, episode, "book", room_id="RM-1", check_in="2026-03-01", check_out="2026-03", guests=1) == (
        "check_out must be a date like 2026-03-02."
    )
    stay = call(env, episode, "book", room_id="RM-1", check_in="2026-03-01", check_out="2026-03-04", guests=2)
    assert stay["total"] == 300.0
    assert call(env, episode, "move_stay", stay_id=stay["id"], check_out="2026-03-02")["total"] == 100.0
    call(env, episode, "cancel_stay", stay_id="S-2")
    assert call(env, episode, "book", room_id="RM-1", check_in="2026-02-11", check_out="2026-02-13", guests=1)


def test_the_clock_decides_when_a_stay_can_start(env: Environment, episode: Episode) -> None:
    """A stay checks in from its check-in date on, not before; a checked-in stay no longer cancels."""
    assert refused(env, episode, "check_in", stay_id="S-2") == (
        "Stay 'S-2' starts on 2026-02-10; it cannot be checked in before then."
    )
    assert call(env, episode, "check_in", stay_id="S-1")["status"] == "checked_in"
    assert refused(env, episode, "cancel_stay", stay_id="S-1") == (
        "Stay 'S-1' is checked in; only booked stays can be cancelled."
    )
    with pytest.raises(ToolError):
        call(env, episode, "check_in", stay_id="S-1")
