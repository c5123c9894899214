"""The business rules a synthesized tool enforces, derived from the schema (and stated in its description)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoforge.servers import Column, Table

from .models import Blueprint, ToolPlan
from .naming import humanize, plural, singular, split_words
from .semantics import TERMINAL_STATUSES, is_status_column

__all__ = [
    "LIST_LIMIT",
    "children",
    "describe",
    "linked_table",
    "status_column",
    "terminal_values",
    "within_totals",
]

LIST_LIMIT = 50
"""Most rows a list tool returns unless its `limit` argument asks for fewer."""


def status_column(table: Table) -> Column | None:
    """The column holding a row's lifecycle state (an enum named status, state...), if any."""
    return next((c for c in table.columns if c.enum and is_status_column(c.name)), None)


def terminal_values(table: Table) -> tuple[str, ...]:
    """The states after which a row of `table` can no longer change (cancelled, closed, ...)."""
    column = status_column(table)
    if column is None or not column.enum:
        return ()
    return tuple(v for v in column.enum if v.lower().replace("-", "_") in TERMINAL_STATUSES)


def linked_table(table: Table) -> str | None:
    """The table whose rows key the rows of `table` (a follow is keyed by the account followed), if any."""
    key = table.column(table.primary_key)
    return key.references.split(".")[0] if key is not None and key.references else None


def children(blueprint: Blueprint, table: str) -> list[tuple[str, str]]:
    """(child table, foreign-key column) for every table that refers to `table`."""
    return [
        (t.name, c.name)
        for t in blueprint.tables
        for c in t.columns
        if c.references and c.references.split(".")[0] == table and t.name != table
    ]


def describe(plan: ToolPlan, blueprint: Blueprint, base: str) -> str:
    """`base` (the documented description) followed by the rules the tool enforces, in plain words."""
    table = blueprint.table(plan.table)
    noun = humanize(singular(plan.table))
    notes: list[str] = []
    ended = terminal_values(table)
    if plan.kind == "list":
        notes.append(f"Returns at most {LIST_LIMIT} {humanize(plural(plan.table))}, oldest first.")
    if plan.kind in ("update", "action") and ended and not _reopens(plan, ended):
        notes.append(f"Refused when the {noun} is {_either(ended)}.")
    if plan.kind == "action" and plan.target:
        column, value = next(iter(plan.target.items()))
        notes.append(f"Sets {humanize(column)} to {value!r}; refused when it already is.")
    if plan.kind == "create":
        for parent in plan.roles("parent"):
            parent_ended = terminal_values(blueprint.table(parent.table or ""))
            if parent_ended:
                notes.append(f"Refused when the {humanize(singular(parent.table or ''))} is {_either(parent_ended)}.")
        notes.append(f"Returns the new {noun} with its id.")
    if plan.kind == "delete":
        kids = children(blueprint, plan.table)
        if kids:
            names = ", ".join(sorted({humanize(k) for k, _ in kids}))
            notes.append(f"Refused while {names} still refer to the {noun}.")
    text = " ".join(base.split())
    return " ".join([text, *notes]) if text else " ".join(notes) or noun


def _reopens(plan: ToolPlan, ended: tuple[str, ...]) -> bool:
    """An action that leads out of an ended state (reopen, restore) may start from one."""
    return plan.kind == "action" and any(v not in ended for v in plan.target.values())


def _either(values: tuple[str, ...]) -> str:
    quoted = [repr(v) for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _parts_of(table: Table) -> list[tuple[str, str]]:
    """(part, total) numeric columns of a table: `nonfree_baggages` of `total_baggages`, `paid_amount` of
    `total_amount`; a part is never more than its total."""
    numeric = {c.name: split_words(c.name) for c in table.columns if c.type in ("INTEGER", "REAL") and not c.references}
    found = []
    for total, words in numeric.items():
        if len(words) < 2 or "total" not in (words[0], words[-1]):
            continue
        noun = words[1:] if words[0] == "total" else words[:-1]
        for part, other in numeric.items():
            if (
                part != total
                and "total" not in other
                and len(other) > len(noun)
                and noun in (other[-len(noun) :], other[: len(noun)])
            ):
                found.append((part, total))
    return found


def within_totals(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` (column -> value) with each part that exceeds its total swapped with it (`_parts_of`)."""
    kept = dict(values)
    for part, total in _parts_of(table):
        low, high = kept.get(part), kept.get(total)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)) and low > high:
            kept[part], kept[total] = high, low
    return kept
