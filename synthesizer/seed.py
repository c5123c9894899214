"""Seed data: realistic, consistent rows for every table, as seed.sql.

Rows are made parents first, so every reference is valid, and each row is built in steps that keep the
document's rules: its references (a customer's orders spread evenly, so each has a few; a return only
on a delivered order), its state, its dates (created after its parent and before now; a booked stay
starts after today, a checked-in one around it, a finished one before it; check-out after check-in),
its other values (documented examples, then realistic ones that keep every constraint), capacity (no
more guests than beds), no double booking, and copied prices. Totals are added up last. People have
unique emails that match their names, and some share a last name (a lookup by name meets a look-alike).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

import networkx as nx
from autoforge.servers import Column, Table
from autoforge.servers.constraints import compiles

from .derived import Derived
from .lifecycle import (
    allowed_states,
    current_states,
    pairs_of,
    schedule_of,
    start_column,
    state_class,
    superseded_state,
    void_values,
)
from .models import Blueprint
from .moments import day_of, epoch_seconds, moment_of
from .naming import singular, split_words
from .rules import status_column, terminal_values, within_totals
from .semantics import ADULT_AGE_DAYS, is_birth_date, is_creation_time, is_person_table
from .structured import structured_value
from .values import (
    Person,
    Values,
    documented_prefix,
    fits,
    key_shaped,
    pattern_value,
    shaped_like,
    split_extension,
    written_moment,
)

__all__ = ["DEFAULT_CLOCK", "FUTURE_WORDS", "SeedData", "build_seed", "key_prefixes", "order_tables", "to_sql"]

DEFAULT_CLOCK = "2026-03-02T09:00:00"
SeedData = dict[str, list[dict[str, Any]]]
FUTURE_WORDS = frozenset(["due", "departure", "arrival", "check_in", "checkin", "check_out", "checkout", "start",
                          "starts", "end", "ends", "expires", "expiry", "scheduled", "event", "deadline", "until",
                          "appointment", "travel", "flight", "show", "performance", "begins", "valid_until"])  # fmt: skip
SIMILAR_NAMES = 0.2
"""Share of people who share a last name with someone seeded before them."""


def key_prefixes(blueprint: Blueprint) -> dict[str, str]:
    """A short, unique id prefix per table: the one its documented keys have ('usr_' of 'usr_42'), else one made
    from its name: 'orders' -> 'ORD-', 'order_items' -> 'OI-'."""
    taken: set[str] = set()
    prefixes: dict[str, str] = {}
    for table in blueprint.tables:
        key = table.column(table.primary_key)
        documented = next((p for p in map(documented_prefix, key.examples if key else ()) if p), None)
        if documented is not None and documented.rstrip("-_:").upper() not in taken:
            taken.add(documented.rstrip("-_:").upper())
            prefixes[table.name] = documented
            continue
        words = singular(table.name).split("_")
        base = (words[0][:3] if len(words) == 1 else "".join(w[0] for w in words if w)[:4]).upper() or "ROW"
        candidate, number = base, 2
        while candidate in taken:
            candidate = f"{base}{number}"
            number += 1
        taken.add(candidate)
        prefixes[table.name] = f"{candidate}-"
    return prefixes


def order_tables(blueprint: Blueprint) -> list[str]:
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


def build_seed(blueprint: Blueprint, seed: int, rows: int, derived: Derived | None = None,
               clock: str = DEFAULT_CLOCK, brand: str = "") -> SeedData:  # fmt: skip
    """Rows for every table, parents before children; the same blueprint and seed give the same rows."""
    builder = _Builder(blueprint, derived or Derived(), Values(seed, clock, brand), clock)
    for name in order_tables(blueprint):
        table = blueprint.table(name)
        count = _row_count(table, builder.data, rows, name in blueprint.singletons)
        builder.fill(table, count)
    builder.add_totals()
    return {t.name: builder.data[t.name] for t in blueprint.tables}


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


class _Builder:
    """Makes the rows of each table in turn, with what earlier tables hold."""

    def __init__(self, blueprint: Blueprint, derived: Derived, values: Values, clock: str) -> None:
        self.bp = blueprint
        self.derived = derived
        self.values = values
        self.rng = values.random
        self.now = dt.datetime.fromisoformat(clock)
        self.data: SeedData = {}
        self.used: dict[tuple[str, str], set[Any]] = {}
        self.born: dict[tuple[str, Any], dt.datetime] = {}
        self.prefixes = key_prefixes(blueprint)
        self.last_names: list[str] = []
        self.full_names: dict[str, set[str]] = {}
        self.pairs: dict[str, list[tuple[str, str]]] = {}

    # ---- tables ----------------------------------------------------------------------------------

    def fill(self, table: Table, count: int) -> None:
        self.data[table.name] = []
        main = next((c.name for c in table.columns if c.references and not c.nullable), None)
        deals = {c.name: self._dealer(table, c, even=c.name == main) for c in table.columns if c.references}
        for column in table.columns:
            if column.primary_key and column.references:  # keyed by its parent's key (a follow of an account):
                parents = list(self.data.get(column.references.split(".")[0]) or [])  # one row for half the parents,
                self.rng.shuffle(parents)  # so that some can still be linked
                deals[column.name] = iter(parents[: max(1, len(parents) // 2)])
        for number in range(1, count + 1):
            row = self._row(table, number, deals)
            if row is not None:
                self.data[table.name].append(row)
        self._one_current(table)

    def _one_current(self, table: Table) -> None:
        """Exactly one row in a live state where a tool acts on 'the' running one without a key (`stop_timer()`);
        the others are stopped (the state that tool moves rows to)."""
        states = current_states(self.bp, table)
        status = status_column(table)
        rows = self.data[table.name]
        if not states or status is None or not rows:
            return
        settled = superseded_state(self.bp, table)
        live = [r for r in rows if r.get(status.name) in states]
        for row in live[1:]:
            row[status.name] = settled
        if not live:
            rows[0][status.name] = states[0]

    def _dealer(self, table: Table, column: Column, even: bool) -> Iterator[dict[str, Any]] | None:
        """Parent rows to hand out: in turn for the main parent (each customer gets a few orders), at random for
        others (so some payees have no payments and can go); None when there are none."""
        target = column.references.split(".")[0]  # type: ignore[union-attr]
        parents = self._parents(target)
        needed = allowed_states(self.bp, table).get(column.name)
        if needed is not None and not self._timed_child(table, column):  # a return: one for each finished parent
            status = status_column(self.bp.table(target))
            parents = [p for p in parents if status is not None and p.get(status.name) in needed]
            self.rng.shuffle(parents)
            return iter(parents[: max(1, len(parents) * 2 // 3)])  # most of them: the rest can still get one
        if needed is not None:
            status = status_column(self.bp.table(target))
            parents = [p for p in parents if status is not None and p.get(status.name) in needed]
        if not parents:
            return None

        def deal() -> Iterator[dict[str, Any]]:
            while True:
                if not even:
                    yield self.rng.choice(parents)
                    continue
                order = list(parents)
                self.rng.shuffle(order)
                yield from order

        return deal()

    def _parents(self, target: str) -> list[dict[str, Any]]:
        """Rows of `target` that may get children: when a tool deletes such rows, a sixth of them get none, so
        that some can go (a row others refer to cannot be deleted). They are spread over the table, not its last
        rows, whose names the vocabularies have often given out already (a row the user cannot name is never
        deleted in a task)."""
        rows = list(self.data.get(target) or [])
        if not any(p.kind == "delete" and p.table == target for p in self.bp.plans) or len(rows) < 3:
            return rows
        return [row for index, row in enumerate(rows) if index % 6 != 1]

    def _row(
        self, table: Table, number: int, deals: dict[str, Iterator[dict[str, Any]] | None]
    ) -> dict[str, Any] | None:
        person = self._person(table)
        row: dict[str, Any] = {}
        parents: dict[str, dict[str, Any]] = {}
        for column in table.columns:
            if column.primary_key and not column.references:
                row[column.name] = self._key(table, column, number, person)
            elif column.references:
                deal = deals.get(column.name)
                if deal is None or (column.nullable and self.rng.random() < 0.1):
                    if not column.nullable:
                        return None
                    row[column.name] = None
                    continue
                parent = next(deal, None)
                if parent is None:
                    return None
                parents[column.name] = parent
                row[column.name] = parent[column.references.split(".")[1]]  # type: ignore[union-attr]
        needed = allowed_states(self.bp, table)
        if any(c in needed and c not in parents for c in needed):
            return None
        self._status(table, row, parents)
        self._dates(table, row, parents)
        for column in sorted(table.columns, key=_value_order):
            if column.name not in row:
                row[column.name] = self._value(table, column, row, person)
        if table.name in self.bp.singletons:  # no state of it may be one that ends it (a cancelled shipment)
            ended = set(terminal_values(table))
            for column in table.columns:
                if column.enum and row.get(column.name) in ended:
                    row[column.name] = next((v for v in column.enum if v not in ended), row[column.name])
        self._copies(table, row, parents)
        self._capacity(table, row, parents)
        row.update(within_totals(table, row))  # no more non-free bags than bags
        if not self._ordered(table, row) or not self._free(table, row):
            return None
        created = self._created(table, row)
        if created is not None:
            self.born[(table.name, row[table.primary_key])] = created
        return row

    def _key(self, table: Table, column: Column, number: int, person: Person) -> Any:
        if column.type == "INTEGER":
            return number
        kind = self.bp.semantic(table.name, column.name)
        example = next((e for e in column.examples if key_shaped(e)), None)
        if kind == "id" and example is not None:  # keys look like the document's ('8JX2WO', 'sara_doe_496')
            return self._unique(table, column, lambda: shaped_like(example, self.rng, person))
        if kind == "id":
            return f"{self.prefixes[table.name]}{1000 + number}"
        return self._unique(table, column, lambda: self.values.value(table, column, kind, {}, person))

    def _person(self, table: Table) -> Person:
        """Whom the row is about; in a table of people, someone whose full name no earlier row of it has (two
        customers may share a last name, never a whole name, which would have to be told apart by a number)."""
        person = self.values.person()
        if not is_person_table(table.name):
            return person
        named = self.full_names.setdefault(table.name, set())
        for _ in range(40):
            if self.last_names and self.rng.random() < SIMILAR_NAMES:
                person = Person(person.first, self.rng.choice(self.last_names))
            if person.full.lower() not in named:
                break
            person = self.values.person()
        named.add(person.full.lower())
        self.last_names.append(person.last)
        return person

    def _unique(self, table: Table, column: Column, again: Any, strict: bool = True) -> Any:
        """A value no earlier row of the column has; not `strict`, a repeat once the values run out (a look-alike
        name, which a lookup must tell apart)."""
        seen = self.used.setdefault((table.name, column.name), set())
        value = again()
        for _ in range(40 if strict else 12):
            if str(value).lower() not in seen:
                break
            value = again()
        if str(value).lower() in seen and strict and isinstance(value, str):
            value = _numbered(value, len(seen) + 1, column.max_length)
        seen.add(str(value).lower())
        return value

    def _value(self, table: Table, column: Column, row: dict[str, Any], person: Person) -> Any:
        kind = self.bp.semantic(table.name, column.name)
        identifying = kind in ("email", "username", "code", "path", "url", "person", "phone")
        labelled = (column.name in self.bp.labels.get(table.name, ()) and identifying) or column.unique
        if kind == "email" and is_person_table(table.name):
            return self._unique(table, column, lambda: self.values.email(person))
        if labelled or column.name in self.bp.labels.get(table.name, ()):
            return self._unique(table, column, lambda: self.values.value(table, column, kind, row, person), labelled)
        if column.nullable and kind in ("text", "json") and self.rng.random() < 0.15:
            return None
        structure = self.bp.structures.get(f"{table.name}.{column.name}")
        made = structured_value(self.values, self.rng, table, structure) if structure is not None else None
        text = json.dumps(made, sort_keys=True) if made is not None else None
        if text is not None and fits(column, text):  # a booking's flights, as the tools keep them
            return text
        return self.values.value(table, column, kind, row, person)

    # ---- state and time --------------------------------------------------------------------------

    def _timed_child(self, table: Table, column: Column) -> bool:
        """Whether rows of `table` happen during their parent's schedule (charges during a stay)."""
        target = self.bp.table(column.references.split(".")[0])  # type: ignore[union-attr]
        schedule = schedule_of(self.bp, target)
        return schedule is not None and set(allowed_states(self.bp, table).get(column.name, ())) <= {
            *schedule.ongoing,
            *schedule.past,
        }

    def _window(self, table: Table, parents: dict[str, dict[str, Any]]) -> tuple[dt.datetime, dt.datetime] | None:
        """The span a row's own times fall in when its parent is scheduled (a charge during its stay)."""
        for column, parent in parents.items():
            target = self.bp.table(table.column(column).references.split(".")[0])  # type: ignore[union-attr]
            schedule = schedule_of(self.bp, target)
            if schedule is None or column not in allowed_states(self.bp, table):
                continue
            start = moment_of(parent[schedule.start])
            end = moment_of(parent[schedule.end]) if schedule.end else self.now
            if start is None or end is None:
                continue
            return start, min(end, self.now)
        return None

    def _status(self, table: Table, row: dict[str, Any], parents: dict[str, dict[str, Any]]) -> None:
        status = status_column(table)
        if status is None or not status.enum:
            return
        if table.name in self.bp.singletons:  # the one session or device starts afresh: writes can act on it
            row[status.name] = status.enum[0]
            return
        void = set(void_values(table))
        weights = [0.15 if v in void else 2.0 if i == 0 else 1.0 for i, v in enumerate(status.enum)]
        row[status.name] = self.rng.choices(list(status.enum), weights=weights)[0]

    def _created(self, table: Table, row: dict[str, Any]) -> dt.datetime | None:
        for column in table.columns:
            moment = moment_of(row.get(column.name)) if is_creation_time(column.name) else None
            if moment is not None:
                return moment
        return None

    def _dates(self, table: Table, row: dict[str, Any], parents: dict[str, dict[str, Any]]) -> None:
        """Creation times after the parents' and before now, aged by state; schedules that agree with the state."""
        floor = max(
            (self.born.get((c.references.split(".")[0], row[c.name]), self.now - dt.timedelta(days=400))  # type: ignore[union-attr]
             for c in table.columns if c.references and row.get(c.name) is not None),
            default=self.now - dt.timedelta(days=400),
        )  # fmt: skip
        status = status_column(table)
        position = self._age(table, row.get(status.name) if status else None)
        created = self._between(floor, self.now, position)
        dates = start_column(self.bp, table)
        schedule = self._schedule(table, row, dates) if dates else {}
        window = self._window(table, parents)
        for column in table.columns:
            kind = self.bp.semantic(table.name, column.name)
            if column.name in row or (kind, column.type == "TEXT") not in _DATED:
                continue
            if column.name in schedule:
                moment = schedule[column.name]
            elif window is not None and not any(w in FUTURE_WORDS for w in split_words(column.name)):
                moment = self._between(window[0], window[1], self.rng.random())
            elif is_creation_time(column.name):
                moment = created
            elif is_birth_date(column.name):
                moment = self.now - dt.timedelta(days=self.rng.randint(*ADULT_AGE_DAYS))
            elif any(w in FUTURE_WORDS for w in split_words(column.name)):
                moment = self.now + dt.timedelta(days=self.rng.randint(1, 60), hours=self.rng.randint(0, 8))
            else:
                moment = self._between(created, self.now, self.rng.random())
            row[column.name] = epoch_seconds(moment) if kind == "timestamp" else _stamp(moment, kind, column, self.rng)

    def _age(self, table: Table, state: Any) -> float:
        """How far back in its window a row was made: rows further along their lifecycle are older."""
        status = status_column(table)
        if status is None or not status.enum or state is None:
            return self.rng.random()
        live = [v for v in status.enum if state_class(v) != "void"]
        if state not in live:
            return self.rng.random()
        share = live.index(state) / max(1, len(live) - 1)
        return min(0.98, max(0.0, 1 - share * 0.8 - self.rng.random() * 0.2))

    def _between(self, start: dt.datetime, end: dt.datetime, share: float) -> dt.datetime:
        """A moment between `start` and `end` (on a quarter hour when one fits)."""
        start = min(start, end)
        moment = start + (end - start) * share
        rounded = moment.replace(minute=self.rng.choice([0, 15, 30, 45]), second=0, microsecond=0)
        return rounded if start <= rounded <= end else moment.replace(microsecond=0)

    def _schedule(self, table: Table, row: dict[str, Any], dates: tuple[str, str | None]) -> dict[str, dt.datetime]:
        """Start (and end) of a scheduled row, on the right side of today for its state."""
        status = status_column(table)
        state = state_class(row.get(status.name)) if status is not None else ""
        today = self.now.replace(hour=0, minute=0)
        if state == "during":
            start = today - dt.timedelta(days=self.rng.randint(0, 3))
        elif state == "after":
            start = today - dt.timedelta(days=self.rng.randint(4, 120))
        elif state == "before" and self.rng.random() < 0.15:
            start = today  # arriving today: can check in now
        else:
            start = today + dt.timedelta(days=self.rng.randint(1, 90))
        start += dt.timedelta(hours=self.rng.choice([8, 10, 14, 15, 18]))
        start_name, end_name = dates
        found = {start_name: start}
        if end_name is not None:
            kind = self.bp.semantic(table.name, end_name)
            length = (
                dt.timedelta(days=self.rng.randint(1, 6))
                if kind == "date"
                else dt.timedelta(hours=self.rng.randint(1, 6), minutes=self.rng.choice([0, 30]))
            )
            end = start + length
            if state == "during" and end.date() <= self.now.date():
                end = today + dt.timedelta(days=self.rng.randint(1, 4), hours=11)
            if state == "after" and end > self.now:
                end = self.now - dt.timedelta(hours=2)
            found[end_name] = end
        return found

    # ---- derived values and shared resources -----------------------------------------------------

    def _copies(self, table: Table, row: dict[str, Any], parents: dict[str, dict[str, Any]]) -> None:
        for column, (ref, source) in self.derived.copies.get(table.name, {}).items():
            if ref in parents:
                row[column] = parents[ref].get(source)

    def _capacity(self, table: Table, row: dict[str, Any], parents: dict[str, dict[str, Any]]) -> None:
        for column, (ref, limit) in self.derived.capacity.get(table.name, {}).items():
            most = parents.get(ref, {}).get(limit)
            if isinstance(most, int) and isinstance(row.get(column), int) and row[column] > most:
                row[column] = max(1, most)

    def _ordered(self, table: Table, row: dict[str, Any]) -> bool:
        """Put each (start, end) pair of the row in order, as the invariant compares them (a minimum and a maximum
        drawn apart, times fitted to a pattern); False when the two are equal."""
        if table.name not in self.pairs:
            self.pairs[table.name] = pairs_of(self.bp, table)
        for start, end in self.pairs[table.name]:
            first, second = row.get(start), row.get(end)
            if not (isinstance(first, str) and isinstance(second, str)) and not (_number(first) and _number(second)):
                continue
            if second < first:
                row[start], row[end] = second, first
            elif first == second:
                return False
        return True

    def _free(self, table: Table, row: dict[str, Any]) -> bool:
        """Whether a live row's dates overlap no other live row of the same resource (no double booking)."""
        rule = self.derived.overlap.get(table.name)
        status = status_column(table)
        if rule is None or (status is not None and row.get(status.name) in void_values(table)):
            return True
        ref, start, end = rule
        for other in self.data.get(table.name, []):
            if other.get(ref) != row.get(ref) or (status is not None and other.get(status.name) in void_values(table)):
                continue
            if str(other[start]) < str(row[end]) and str(row[start]) < str(other[end]):
                return False
        return True

    def add_totals(self) -> None:
        """Each total as its lines and nights add up."""
        for name, totals in self.derived.totals.items():
            table = self.bp.table(name)
            for column, total in totals.items():
                for row in self.data.get(name, []):
                    value = 0.0
                    nights = total.nights
                    if nights is not None and row.get(nights.ref) is not None:
                        target = table.column(nights.ref).references.split(".")  # type: ignore[union-attr]
                        rated = next((r for r in self.data[target[0]] if r[target[1]] == row[nights.ref]), {})
                        value += _nights(row.get(nights.start), row.get(nights.end)) * (rated.get(nights.rate) or 0)
                    for line in total.lines:
                        child = self.bp.table(line.table)
                        void = set(void_values(child))
                        status = status_column(child)
                        for item in self.data.get(line.table, []):
                            if item.get(line.via) != row[table.primary_key]:
                                continue
                            if status is not None and item.get(status.name) in void:
                                continue
                            amount = item.get(line.amount) or 0
                            value += amount * (item.get(line.quantity) or 0 if line.quantity else 1)
                    row[column] = round(value, 2)


def _value_order(column: Column) -> int:
    """Enums and numbers before text, so a title can follow its category and a comment its rating."""
    return 0 if column.enum or column.type != "TEXT" else 1


_DATED = frozenset({("date", True), ("datetime", True), ("timestamp", False)})
"""Kinds of column `_dates` fills, with whether their column is text: an ISO date or time, or seconds since 1970."""


def _stamp(moment: dt.datetime, kind: str, column: Column, rng: random.Random) -> str:
    """`moment` written as the column's rule allows: ISO, else the first usual form it accepts (a pattern's `09:30`,
    a five-character `09/27`), else a value made from its pattern."""
    moment = moment.replace(second=0, microsecond=0)
    plain = moment.date().isoformat() if kind == "date" or column.format == "date" else moment.isoformat()
    if fits(column, plain):
        return plain
    written = written_moment(moment, column, "date" if column.format == "date" else kind)
    if written is None and column.pattern and compiles(column.pattern):
        written = pattern_value(rng, column.pattern)
    return written or plain


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _nights(start: Any, end: Any) -> int:
    if not start or not end:
        return 0
    first, last = day_of(start), day_of(end)
    return max(0, (last - first).days) if first and last else 0


def to_sql(blueprint: Blueprint, data: SeedData) -> str:
    """seed.sql: one multi-row INSERT per table (parents first), inside one transaction."""
    lines = ["-- Seed data (rows only; the schema comes from env.json).", "BEGIN;"]
    for name in order_tables(blueprint):
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


def _numbered(value: str, number: int, max_length: int | None) -> str:
    """`value` told apart by a number, within the column's length, before a file's extension ('scan 3.pdf')."""
    stem, extension = split_extension(value)
    suffix = f" {number}{extension}"
    if max_length is not None:
        stem = stem[: max(max_length - len(suffix), 0)].rstrip()
    return f"{stem}{suffix}"
