"""Seed data: realistic rows for every table (faker, seeded), consistent keys and references, as seed.sql."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

import networkx as nx
from autoforge.servers import Column, Table
from faker import Faker

from .models import Blueprint
from .naming import singular, split_words
from .rules import status_column, terminal_values
from .semantics import BIRTH, is_person_table

__all__ = ["DEFAULT_CLOCK", "SeedData", "ValueFactory", "build_seed", "key_prefixes", "to_sql"]

DEFAULT_CLOCK = "2026-03-02T09:00:00"
SeedData = dict[str, list[dict[str, Any]]]
_COMPANY_TABLES = frozenset(
    [
        "company",
        "organization",
        "organisation",
        "vendor",
        "supplier",
        "merchant",
        "store",
        "shop",
        "hotel",
        "restaurant",
        "venue",
        "airline",
        "bank",
        "brand",
        "team",
        "department",
        "branch",
        "clinic",
        "office",
        "agency",
        "carrier",
        "partner",
        "publisher",
    ]
)
_AIRPORTS = ("SEA", "DEN", "SFO", "BOS", "ORD", "AUS", "JFK", "MIA")
_FUTURE = ("due", "departure", "arrival", "check_in", "checkin", "check_out", "start", "end", "expires", "expiry",
           "scheduled", "event", "deadline", "until", "appointment", "travel", "flight", "show", "performance")  # fmt: skip


def key_prefixes(blueprint: Blueprint) -> dict[str, str]:
    """A short, unique id prefix per table: 'orders' -> 'ORD-', 'order_items' -> 'OI-'."""
    taken: set[str] = set()
    prefixes: dict[str, str] = {}
    for table in blueprint.tables:
        words = singular(table.name).split("_")
        base = (words[0][:3] if len(words) == 1 else "".join(w[0] for w in words if w)[:4]).upper() or "ROW"
        candidate, number = base, 2
        while candidate in taken:
            candidate = f"{base}{number}"
            number += 1
        taken.add(candidate)
        prefixes[table.name] = f"{candidate}-"
    return prefixes


def build_seed(blueprint: Blueprint, seed: int, rows: int, clock: str = DEFAULT_CLOCK) -> SeedData:
    """Rows for every table, parents before children; the same blueprint and seed give the same rows."""
    maker = ValueFactory(seed, clock)
    tables = {t.name: t for t in blueprint.tables}
    prefixes = key_prefixes(blueprint)
    data: SeedData = {}
    for name in _order(blueprint):
        table = tables[name]
        count = _row_count(table, data, rows, name in blueprint.singletons)
        data[name] = maker.rows(table, count, blueprint, data, prefixes[name])
    return {t.name: data[t.name] for t in blueprint.tables}


def _order(blueprint: Blueprint) -> list[str]:
    """Tables in an order where every referenced table comes first (cycles broken at nullable references)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(t.name for t in blueprint.tables)
    for table in blueprint.tables:
        for column in table.columns:
            if column.references:
                target = column.references.split(".")[0]
                if target != table.name:
                    graph.add_edge(target, table.name, nullable=column.nullable)
    while not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        loose = next(((a, b) for a, b in cycle if graph.edges[a, b]["nullable"]), cycle[0][:2])
        graph.remove_edge(*loose)
    position = {t.name: i for i, t in enumerate(blueprint.tables)}
    return list(nx.lexicographical_topological_sort(graph, key=lambda n: position[n]))


def _row_count(table: Table, data: SeedData, rows: int, singleton: bool) -> int:
    if singleton:
        return 1
    parents = [c for c in table.columns if c.references and not c.nullable]
    if parents:
        base = max(len(data.get(p.references.split(".")[0], [])) for p in parents)  # type: ignore[union-attr]
        return max(8, min(base * 2, rows * 3))
    if len(table.columns) <= 2:
        return max(3, rows // 6)
    return rows


class ValueFactory:
    """Value generators by kind of column, sharing one seeded faker and random source."""

    def __init__(self, seed: int, clock: str) -> None:
        self.random = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.today = dt.datetime.fromisoformat(clock)
        self.used: dict[tuple[str, str], set[Any]] = {}

    def rows(self, table: Table, count: int, blueprint: Blueprint, data: SeedData, prefix: str) -> list[dict[str, Any]]:
        labels = set(blueprint.labels.get(table.name, ()))
        status = status_column(table)
        ended = set(terminal_values(table))
        out: list[dict[str, Any]] = []
        for number in range(1, count + 1):
            person = self._person()
            row: dict[str, Any] = {}
            for column in table.columns:
                kind = blueprint.semantic(table.name, column.name)
                if column.primary_key:
                    value = self._key(table, column, kind, number, prefix, person)
                elif column.references:
                    value = self._reference(column, data)
                elif status is not None and column.name == status.name:
                    value = self._status(column, ended)
                else:
                    value = self._value(table, column, kind, person)
                    if column.name in labels:
                        value = self._unique(
                            table.name,
                            column.name,
                            value,
                            lambda k=kind, c=column: self._value(table, c, k, self._person()),
                        )
                row[column.name] = value
            out.append(row)
        return out

    def _key(self, table: Table, column: Column, kind: str, number: int, prefix: str, person: dict[str, str]) -> Any:
        if column.type == "INTEGER":
            return number
        if kind == "id":
            return f"{prefix}{1000 + number}"
        return self._unique(
            table.name,
            column.name,
            self._value(table, column, kind, person),
            lambda: self._value(table, column, kind, self._person()),
        )

    def _reference(self, column: Column, data: SeedData) -> Any:
        target, key = column.references.split(".")  # type: ignore[union-attr]
        rows = data.get(target) or []
        if not rows or (column.nullable and self.random.random() < 0.1):
            return None
        return self.random.choice(rows)[key]

    def _status(self, column: Column, ended: set[str]) -> str | None:
        values = list(column.enum or ())
        open_values = [v for v in values if v not in ended] or values
        pool = open_values if self.random.random() < 0.75 else values
        return self.random.choice(pool) if pool else None

    def _unique(self, table: str, column: str, value: Any, again: Callable[[], Any]) -> Any:
        seen = self.used.setdefault((table, column), set())
        for _ in range(30):
            if value not in seen:
                break
            value = again()
        if value in seen:
            value = f"{value} {len(seen) + 1}"
        seen.add(value)
        return value

    def _person(self) -> dict[str, str]:
        first, last = self.fake.first_name(), self.fake.last_name()
        return {"first": first, "last": last, "middle": self.fake.first_name()}

    def value(self, table: Table, column: Column, kind: str) -> Any:
        """A fresh, realistic value for `column` (what a user might ask to set it to)."""
        return self._value(table, column, kind, self._person())

    def _value(self, table: Table, column: Column, kind: str, person: dict[str, str]) -> Any:
        if column.enum:
            return self.random.choice(column.enum)
        value = self._by_kind(table, column, kind, person)
        if column.type == "INTEGER" and not isinstance(value, int):
            return self.random.randint(1, 100)
        if column.type == "REAL" and not isinstance(value, (int, float)):
            return round(self.random.uniform(1, 500), 2)
        if column.type == "TEXT" and value is not None and not isinstance(value, str):
            return str(value)
        return value

    def _by_kind(self, table: Table, column: Column, kind: str, person: dict[str, str]) -> Any:
        fake, rnd = self.fake, self.random
        words = split_words(column.name)
        people = is_person_table(table.name)
        if kind == "email":
            if people:
                return f"{person['first']}.{person['last']}@{rnd.choice(['mail', 'inbox', 'post'])}.test".lower()
            return f"{fake.user_name()}@{fake.domain_word()}.test"
        if kind == "phone":
            return f"555-{rnd.randint(1000, 9999)}"
        if kind in ("first_name", "last_name", "middle_name"):
            return person[{"first_name": "first", "last_name": "last", "middle_name": "middle"}[kind]]
        if kind == "person":
            return f"{person['first']} {person['last']}"
        if kind == "username":
            return f"{person['first'].lower()}{rnd.randint(10, 99)}"
        if kind == "name":
            noun = singular(table.name).split("_")[-1]
            if noun in _COMPANY_TABLES or people:
                return fake.company() if not people else f"{person['first']} {person['last']}"
            return " ".join(w.capitalize() for w in fake.catch_phrase().split()[:3])
        if kind == "title":
            return fake.sentence(nb_words=rnd.randint(3, 6)).rstrip(".")
        if kind == "text":
            return fake.sentence(nb_words=rnd.randint(6, 12))
        if kind == "url":
            return f"https://{fake.domain_word()}.example/{fake.slug()}"
        if kind == "path":
            return f"{rnd.choice(['notes', 'projects', 'journal', 'archive'])}/{fake.slug()}.md"
        if kind == "street":
            return fake.street_address()
        if kind == "city":
            return fake.city()
        if kind == "country":
            return fake.country_code() if "code" in words else fake.country()
        if kind == "zip":
            return fake.postcode()
        if kind == "airport":
            return rnd.choice(_AIRPORTS)
        if kind == "seat":
            return f"{rnd.randint(1, 38)}{rnd.choice('ABCDEF')}"
        if kind == "currency":
            return rnd.choice(["USD", "EUR", "GBP"])
        if kind == "color":
            return fake.color_name()
        if kind == "latitude":
            return round(rnd.uniform(-60, 60), 5)
        if kind == "longitude":
            return round(rnd.uniform(-150, 150), 5)
        if kind in ("date", "datetime"):
            return self._moment(column, kind)
        if kind == "money":
            high = 5000 if {"balance", "salary", "limit", "budget"} & set(words) else 500
            return round(rnd.uniform(5, high), 2)
        if kind == "quantity":
            return self._quantity(words)
        if kind == "rating":
            return rnd.randint(1, 5)
        if kind == "number":
            return round(rnd.uniform(0, 100), 2)
        if kind == "bool":
            return rnd.randint(0, 1)
        if kind == "uuid":
            return str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        if kind in ("code", "ref"):
            letters = "".join(rnd.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
            return f"{letters}{rnd.randint(1000, 9999)}"
        if kind == "json":
            return None if column.nullable else "{}"
        return fake.word()

    def _moment(self, column: Column, kind: str) -> str:
        name = column.name.lower()
        future = any(word in name for word in _FUTURE)
        days = self.random.randint(1, 90) if future else -self.random.randint(1, 365)
        if BIRTH.search("_".join(split_words(column.name))):
            days = -self.random.randint(18 * 365, 80 * 365)
        moment = self.today + dt.timedelta(days=days, hours=self.random.randint(-8, 8) if kind == "datetime" else 0)
        if kind == "date":
            return moment.date().isoformat()
        return moment.replace(minute=self.random.choice([0, 15, 30, 45]), second=0).isoformat(timespec="seconds")

    def _quantity(self, words: list[str]) -> int:
        rnd = self.random
        if {"capacity", "seats", "stock", "inventory"} & set(words):
            return rnd.randint(10, 300)
        if "year" in words:
            return rnd.randint(1990, 2025)
        if "age" in words:
            return rnd.randint(18, 80)
        return rnd.randint(1, 10)


def to_sql(blueprint: Blueprint, data: SeedData) -> str:
    """seed.sql: one multi-row INSERT per table (parents first), inside one transaction."""
    lines = ["-- Seed data (rows only; the schema comes from env.json).", "BEGIN;"]
    for name in _order(blueprint):
        table = blueprint.table(name)
        rows = data.get(name) or []
        names = [c.name for c in table.columns]
        header = ", ".join(f'"{n}"' for n in names)
        for start in range(0, len(rows), 200):
            chunk = rows[start : start + 200]
            values = ",\n".join("  (" + ", ".join(_literal(row.get(n)) for n in names) + ")" for row in chunk)
            lines.append(f'INSERT INTO "{name}" ({header}) VALUES\n{values};')
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True)
    return "'" + value.replace("'", "''") + "'"
