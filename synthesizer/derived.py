"""Derived values and shared resources a document implies, found by the shape of its tables.

- a total: an order's `total` is the sum of its lines (quantity x unit price), a stay's is its nights
  times its room's rate plus its extra charges;
- a copied price: a line's `unit_price` comes from its product, a booking's `price` from its flight's fare;
- stock: a line takes its quantity from its product's `stock`, a booking a seat from `seats_available`;
- capacity: a stay's `guests` may not exceed its room's `capacity`;
- overlap: two live stays of one room may not overlap.

Each is a rule the records engine keeps on every write, an invariant checked after seeding and every
replay, and a relation the seed is built to satisfy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autoforge.servers import Column, Line, Nights, Stock, Table, Total

from .lifecycle import pairs_of
from .models import Blueprint
from .naming import singular, split_words
from .semantics import is_person_table

__all__ = ["Derived", "derive"]

_TOTALS = frozenset(["total", "subtotal", "grand_total", "total_price", "total_amount", "amount_due", "order_total"])
_PRICES = ("unit_price", "price", "fare", "rate", "nightly_rate", "unit_cost", "cost", "price_per_night", "daily_rate")
_LINE_NOUNS = frozenset(["item", "line", "charge", "fee", "extra", "addon", "entry", "part", "product", "service"])
_TAKERS = frozenset(["item", "line", "booking", "reservation", "order", "ticket", "rental", "loan", "enrollment",
                     "registration", "seat", "purchase"])  # fmt: skip
_STOCK = frozenset(["stock", "inventory", "quantity_available", "available", "seats_available", "seats_left",
                    "seats_remaining", "tickets_left", "tickets_available", "remaining", "units_available",
                    "in_stock", "available_seats", "spots_left"])  # fmt: skip
_QUANTITY = frozenset(["quantity", "qty", "count", "seats", "tickets", "units", "number_of_tickets"])
_PARTY = frozenset(["guests", "party_size", "passengers", "attendees", "people", "occupants", "persons", "adults"])
_CAPACITY = frozenset(["capacity", "max_guests", "max_occupancy", "max_capacity", "occupancy", "sleeps"])


@dataclass
class Derived:
    """Per table: totals, copied columns, stock, capacity and overlap rules."""

    totals: dict[str, dict[str, Total]] = field(default_factory=dict)
    copies: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    stock: dict[str, Stock] = field(default_factory=dict)
    capacity: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    overlap: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def computed(self, table: str) -> set[str]:
        """Columns of `table` the service works out (no caller sets them)."""
        return set(self.totals.get(table, {})) | set(self.copies.get(table, {}))


def _name(column: Column) -> str:
    return "_".join(split_words(column.name))


def _money(blueprint: Blueprint, table: Table, column: Column) -> bool:
    return column.type in ("REAL", "INTEGER") and blueprint.semantic(table.name, column.name) == "money"


def _find(table: Table, names: frozenset[str] | tuple[str, ...], kind: str | None = None) -> Column | None:
    for wanted in names:
        for column in table.columns:
            plain = not column.primary_key and not column.references
            if _name(column) == wanted and plain and (kind is None or column.type == kind):
                return column
    return None


def _price(blueprint: Blueprint, table: Table) -> Column | None:
    found = _find(table, _PRICES)
    return found if found is not None and _money(blueprint, table, found) else None


def _refs(table: Table) -> list[tuple[Column, str]]:
    return [(c, c.references.split(".")[0]) for c in table.columns if c.references]


def derive(blueprint: Blueprint) -> Derived:
    """Every derived value and shared resource the tables imply."""
    found = Derived()
    tables = {t.name: t for t in blueprint.tables}
    for table in blueprint.tables:
        noun = singular(table.name).split("_")[-1]
        price = _price(blueprint, table)
        quantity = _find(table, tuple(_QUANTITY), "INTEGER")
        for column, target in _refs(table):
            parent = tables[target]
            source = _price(blueprint, parent)
            if price is not None and source is not None and not _find(parent, _TOTALS) and target != table.name:
                found.copies.setdefault(table.name, {})[price.name] = (column.name, source.name)
            stock = _find(parent, _STOCK, "INTEGER")
            if stock is not None and (quantity is not None or noun in _TAKERS) and table.name not in found.stock:
                found.stock[table.name] = Stock(
                    ref=column.name, column=stock.name, quantity=quantity.name if quantity else None
                )
            party = _find(table, _PARTY, "INTEGER")
            limit = _find(parent, _CAPACITY, "INTEGER")
            if party is not None and limit is not None:
                found.capacity.setdefault(table.name, {})[party.name] = (column.name, limit.name)
            pairs = [
                p for p in pairs_of(blueprint, table) if blueprint.semantic(table.name, p[0]) in ("date", "datetime")
            ]
            if pairs and not is_person_table(target) and not column.nullable and _rate(blueprint, parent) is not None:
                found.overlap.setdefault(table.name, (column.name, *pairs[0]))
        total = _find(table, _TOTALS)
        if total is not None and _money(blueprint, table, total):
            rule = _total(blueprint, table, tables)
            if rule is not None:
                found.totals.setdefault(table.name, {})[total.name] = rule
    return found


def _rate(blueprint: Blueprint, table: Table) -> Column | None:
    """A per-night or per-day rate (what a stay multiplies by its nights)."""
    for column in table.columns:
        words = split_words(column.name)
        if _money(blueprint, table, column) and ("rate" in words or {"night", "nightly", "daily", "day"} & set(words)):
            return column
    return None


def _total(blueprint: Blueprint, table: Table, tables: dict[str, Table]) -> Total | None:
    """How `table`'s total adds up: its lines, and its nights times a referenced rate."""
    lines: list[Line] = []
    for child in blueprint.tables:
        noun = singular(child.name).split("_")[-1]
        via = next((c for c, target in _refs(child) if target == table.name and not c.nullable), None)
        if via is None or child.name == table.name or noun not in _LINE_NOUNS:
            continue
        price = _price(blueprint, child)
        amount = price or next(
            (
                c
                for c in child.columns
                if _name(c) in ("amount", "fee", "cost", "price") and _money(blueprint, child, c)
            ),
            None,
        )
        if amount is None:
            continue
        quantity = _find(child, tuple(_QUANTITY), "INTEGER")
        lines.append(
            Line(table=child.name, via=via.name, amount=amount.name, quantity=quantity.name if quantity else None)
        )
    nights = None
    pairs = [p for p in pairs_of(blueprint, table) if blueprint.semantic(table.name, p[0]) == "date"]
    if pairs:
        for column, target in _refs(table):
            rate = _rate(blueprint, tables[target])
            if rate is not None:
                nights = Nights(start=pairs[0][0], end=pairs[0][1], ref=column.name, rate=rate.name)
                break
    if not lines and nights is None:
        return None
    return Total(lines=tuple(lines), nights=nights)
