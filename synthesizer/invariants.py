"""The invariants of an environment, as read-only SQL: derived values, shared resources, time and lifecycle.

Each query returns the rows that break its rule (none when it holds). They go into env.json, are checked
after seeding (the environment is refused if one fails) and after every task's replay (the task is
refused), and the records engine keeps them on every write.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from autoforge.servers import Invariant, Table

from .derived import Derived
from .lifecycle import allowed_states, pairs_of, schedule_of, state_class, void_values
from .models import Blueprint
from .moments import epoch_seconds
from .naming import humanize, indefinite, plural, singular
from .rules import status_column
from .semantics import is_creation_time

__all__ = ["invariants_of", "unique_columns"]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _values(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in items)


def _noun(table: str) -> str:
    return humanize(singular(table))


def unique_columns(blueprint: Blueprint, table: Table) -> tuple[str, ...]:
    """Columns no two rows share: a person's email, a documented unique field, a code or slug that names a row."""
    found = [c.name for c in table.columns if c.unique and not c.primary_key]
    for column in table.columns:
        kind = blueprint.semantic(table.name, column.name)
        if column.name in blueprint.labels.get(table.name, ()) and kind in ("email", "username", "code", "path"):
            found.append(column.name)
    return tuple(dict.fromkeys(found))


def invariants_of(blueprint: Blueprint, derived: Derived, clock: str) -> tuple[Invariant, ...]:
    """Every invariant the blueprint implies, in table order, each once and under a name of its own (two
    tables that draw on one parent's stock give one rule)."""
    found: dict[str, Invariant] = {}
    for table in blueprint.tables:
        for invariant in _table_invariants(blueprint, derived, table, clock):
            if invariant.name in found and found[invariant.name].sql == invariant.sql:
                continue
            name, number = invariant.name, 2
            while name in found:
                name, number = f"{invariant.name}.{number}", number + 1
            found[name] = invariant.model_copy(update={"name": name})
    return tuple(found.values())


def _table_invariants(blueprint: Blueprint, derived: Derived, table: Table, clock: str) -> list[Invariant]:
    name, key = table.name, table.primary_key
    t, k = _q(name), _q(key)
    found: list[Invariant] = []
    today = clock[:10]
    status = status_column(table)
    live = f" AND {_q(status.name)} NOT IN ({_values(void_values(table))})" if status and void_values(table) else ""
    for column in unique_columns(blueprint, table):
        found.append(Invariant(
            name=f"{name}.{column}.unique", description=f"no two {humanize(plural(name))} share a {humanize(column)}",
            sql=f"SELECT lower({_q(column)}) AS value, count(*) AS rows FROM {t} WHERE {_q(column)} IS NOT NULL "
                f"GROUP BY lower({_q(column)}) HAVING count(*) > 1",
        ))  # fmt: skip
    for start, end in pairs_of(blueprint, table):
        found.append(Invariant(
            name=f"{name}.{start}.before.{end}", description=f"{indefinite(_noun(name))}'s {humanize(start)} comes before its {humanize(end)}",
            sql=f"SELECT {k} AS key FROM {t} WHERE {_q(start)} IS NOT NULL AND {_q(end)} IS NOT NULL "
                f"AND NOT ({_q(start)} < {_q(end)})",
        ))  # fmt: skip
    for column in table.columns:
        kind = blueprint.semantic(name, column.name)
        if is_creation_time(column.name) and kind in ("date", "datetime", "timestamp"):
            later = (
                f"{_q(column.name)} > {epoch_seconds(dt.datetime.fromisoformat(clock))}"
                if kind == "timestamp"
                else f"substr({_q(column.name)}, 1, 19) > '{clock[:19]}'"
            )
            found.append(Invariant(
                name=f"{name}.{column.name}.past", description=f"no {_noun(name)} is made after now ({clock})",
                sql=f"SELECT {k} AS key FROM {t} WHERE {later}",
            ))  # fmt: skip
            if kind != "timestamp":
                found += _after_parents(blueprint, table, column.name)
    schedule = schedule_of(blueprint, table)
    if schedule is not None and status is not None and status.enum:
        start, end = _q(schedule.start), _q(schedule.end) if schedule.end else None
        before = [v for v in status.enum if state_class(v) == "before"]
        rules = []
        if before:
            rules.append(f"({_q(status.name)} IN ({_values(before)}) AND substr({start}, 1, 10) < '{today}')")
        if schedule.ongoing:
            ended = f" OR substr({end}, 1, 10) < '{today}'" if end else ""
            rules.append(
                f"({_q(status.name)} IN ({_values(schedule.ongoing)}) AND (substr({start}, 1, 10) > '{today}'{ended}))"
            )
        if schedule.past:
            rules.append(f"({_q(status.name)} IN ({_values(schedule.past)}) AND substr({start}, 1, 10) > '{today}')")
        found.append(Invariant(
            name=f"{name}.{status.name}.clock",
            description=f"{indefinite(_noun(name))}'s {humanize(status.name)} agrees with today ({today}) and its "
                        f"{humanize(schedule.start)}",
            sql=f"SELECT {k} AS key, {_q(status.name)} AS state, {start} AS start FROM {t} WHERE " + " OR ".join(rules),
        ))  # fmt: skip
    for column, states in allowed_states(blueprint, table).items():
        parent, parent_key = table.column(column).references.split(".")  # type: ignore[union-attr]
        parent_status = status_column(blueprint.table(parent))
        assert parent_status is not None
        found.append(Invariant(
            name=f"{name}.{column}.state",
            description=f"{indefinite(_noun(name))} is only for {indefinite(_noun(parent))} that is {' or '.join(states)}",
            sql=f"SELECT c.{k} AS key, p.{_q(parent_status.name)} AS state FROM {t} c JOIN {_q(parent)} p "
                f"ON p.{_q(parent_key)} = c.{_q(column)} WHERE p.{_q(parent_status.name)} NOT IN ({_values(states)})",
        ))  # fmt: skip
    found += _derived(blueprint, derived, table, live)
    return found


def _after_parents(blueprint: Blueprint, table: Table, created: str) -> list[Invariant]:
    """A row is made no earlier than the rows it belongs to (a return after its order); a table with two
    references to one parent (`bucket`, `bucket_id`) gets one invariant per reference, named by its column."""
    found = []
    parents = Counter(c.references.split(".")[0] for c in table.columns if c.references)
    for column in table.columns:
        if not column.references:
            continue
        parent, parent_key = column.references.split(".")
        which = f".{column.name}" if parents[parent] > 1 else ""
        other = next((c.name for c in blueprint.table(parent).columns if is_creation_time(c.name)
                      and blueprint.semantic(parent, c.name) in ("date", "datetime")), None)  # fmt: skip
        if other is None or parent == table.name:
            continue
        width = 10 if "date" in (blueprint.semantic(table.name, created), blueprint.semantic(parent, other)) else 19
        found.append(Invariant(
            name=f"{table.name}.{created}.after.{parent}{which}",
            description=f"{indefinite(_noun(table.name))} is made after its {_noun(parent)}",
            sql=f"SELECT c.{_q(table.primary_key)} AS key FROM {_q(table.name)} c JOIN {_q(parent)} p "
                f"ON p.{_q(parent_key)} = c.{_q(column.name)} WHERE substr(c.{_q(created)}, 1, {width}) < "
                f"substr(p.{_q(other)}, 1, {width})",
        ))  # fmt: skip
    return found


def _derived(blueprint: Blueprint, derived: Derived, table: Table, live: str) -> list[Invariant]:
    name, t, k = table.name, _q(table.name), _q(table.primary_key)
    found: list[Invariant] = []
    for column, total in derived.totals.get(name, {}).items():
        parts = []
        for line in total.lines:
            child = blueprint.table(line.table)
            child_status = status_column(child)
            void = void_values(child)
            skip = f" AND c.{_q(child_status.name)} NOT IN ({_values(void)})" if child_status and void else ""
            amount = f"c.{_q(line.amount)}" + (f" * c.{_q(line.quantity)}" if line.quantity else "")
            parts.append(
                f"coalesce((SELECT sum({amount}) FROM {_q(line.table)} c WHERE c.{_q(line.via)} = p.{k}{skip}), 0)"
            )
        if total.nights is not None:
            n = total.nights
            rated, rated_key = table.column(n.ref).references.split(".")  # type: ignore[union-attr]
            parts.append(
                f"(julianday(substr(p.{_q(n.end)}, 1, 10)) - julianday(substr(p.{_q(n.start)}, 1, 10))) * "
                f"coalesce((SELECT r.{_q(n.rate)} FROM {_q(rated)} r WHERE r.{_q(rated_key)} = p.{_q(n.ref)}), 0)"
            )
        sources = " and ".join(
            [*(f"its {humanize(plural(line.table))}" for line in total.lines),
             *(["its nights times the rate"] if total.nights else [])]
        )  # fmt: skip
        found.append(Invariant(
            name=f"{name}.{column}.derived", description=f"{indefinite(_noun(name))}'s {humanize(column)} adds up {sources}",
            sql=f"SELECT p.{k} AS key, p.{_q(column)} AS value FROM {t} p WHERE abs(coalesce(p.{_q(column)}, 0) - "
                f"({' + '.join(parts)})) > 0.005",
            scope="seed" if total.nights is not None else "always",
        ))  # fmt: skip
    for column, (ref, source) in derived.copies.get(name, {}).items():
        parent, parent_key = table.column(ref).references.split(".")  # type: ignore[union-attr]
        found.append(Invariant(
            name=f"{name}.{column}.copied",
            description=f"{indefinite(_noun(name))}'s {humanize(column)} is its {_noun(parent)}'s {humanize(source)}",
            sql=f"SELECT c.{k} AS key FROM {t} c JOIN {_q(parent)} p ON p.{_q(parent_key)} = c.{_q(ref)} "
                f"WHERE abs(c.{_q(column)} - p.{_q(source)}) > 0.005",
            scope="seed",
        ))  # fmt: skip
    stock = derived.stock.get(name)
    if stock is not None:
        parent, parent_key = table.column(stock.ref).references.split(".")  # type: ignore[union-attr]
        found.append(Invariant(
            name=f"{parent}.{stock.column}.non-negative",
            description=f"no {_noun(parent)}'s {humanize(stock.column)} falls below zero",
            sql=f"SELECT {_q(parent_key)} AS key, {_q(stock.column)} AS value FROM {_q(parent)} WHERE {_q(stock.column)} < 0",
        ))  # fmt: skip
    for column, (ref, limit) in derived.capacity.get(name, {}).items():
        parent, parent_key = table.column(ref).references.split(".")  # type: ignore[union-attr]
        found.append(Invariant(
            name=f"{name}.{column}.capacity",
            description=f"{indefinite(_noun(name))}'s {humanize(column)} fits its {_noun(parent)}'s {humanize(limit)}",
            sql=f"SELECT c.{k} AS key FROM {t} c JOIN {_q(parent)} p ON p.{_q(parent_key)} = c.{_q(ref)} "
                f"WHERE c.{_q(column)} > p.{_q(limit)}",
        ))  # fmt: skip
    overlap = derived.overlap.get(name)
    if overlap is not None:
        ref, start, end = (_q(c) for c in overlap)
        a_live = live.replace(' AND "', ' AND a."', 1) if live else ""
        b_live = live.replace(' AND "', ' AND b."', 1) if live else ""
        found.append(Invariant(
            name=f"{name}.{overlap[0]}.overlap",
            description=f"no two live {humanize(plural(name))} of one {humanize(singular(overlap[0].removesuffix('_id')))} overlap",
            sql=f"SELECT a.{k} AS first, b.{k} AS second FROM {t} a JOIN {t} b ON a.{ref} = b.{ref} AND a.{k} < b.{k} "
                f"AND a.{start} < b.{end} AND b.{start} < a.{end} WHERE 1 = 1{a_live}{b_live}",
        ))  # fmt: skip
    return found
