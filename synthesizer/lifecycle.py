"""Lifecycles as the document implies them: which states void a row, which come before or after its dates,
which states an action may start from, and which parent states a new row needs.

A status value is read by its words: 'booked' and 'scheduled' lie ahead of a row's start date,
'checked_in' and 'in_progress' around it, 'checked_out' and 'departed' behind it; 'cancelled' and
'refunded' void a row (it stops counting: its seats and stock go back). An action's description names
the states it starts from ("Approve a requested return", "Cancel an order that has not been
delivered", "Reopen a resolved or closed ticket"); without one, an action starts from any live state.
A return, a review or a claim needs a parent that has reached its end (a delivered order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from autoforge.servers import Column, Schedule, Table

from .models import Blueprint, ToolPlan
from .naming import normal, singular, split_words
from .rules import status_column, terminal_values

__all__ = [
    "AFTER",
    "BEFORE",
    "DURING",
    "HELD",
    "VOID",
    "allowed_states",
    "current_states",
    "pairs_of",
    "required_states",
    "schedule_of",
    "start_column",
    "state_class",
    "superseded_state",
    "transitions_of",
    "void_values",
]

VOID = frozenset(["cancelled", "canceled", "void", "voided", "refunded", "rejected", "declined", "failed", "deleted",
                  "withdrawn", "no_show"])  # fmt: skip
BEFORE = frozenset(["booked", "scheduled", "held", "confirmed", "reserved", "pending", "on_sale", "planned",
                    "upcoming", "waitlisted", "delayed", "sold_out", "awaiting", "not_started", "open_for_booking"])  # fmt: skip
DURING = frozenset(["checked_in", "in_progress", "boarding", "ongoing", "started", "running", "in_transit",
                    "in_flight", "live", "underway"])  # fmt: skip
AFTER = frozenset(["checked_out", "completed", "complete", "departed", "landed", "arrived", "finished", "done",
                   "used", "sent", "delivered", "fulfilled", "ended", "attended", "returned", "posted", "executed"])  # fmt: skip
HELD = frozenset(["frozen", "suspended", "locked", "blocked", "on_hold", "paused", "restricted", "dormant"])
"""States that stop a record taking anything new until it is released (a frozen account takes no payment)."""
_LATER_CHILDREN = frozenset(["return", "refund", "review", "rating", "claim", "complaint", "feedback", "warranty",
                             "exchange", "survey", "testimonial"])  # fmt: skip
_START = ("check_in", "checkin", "start", "starts", "begin", "begins", "departure", "depart", "scheduled", "event",
          "from", "pickup", "arrival_date", "due")  # fmt: skip
_END = ("check_out", "checkout", "end", "ends", "finish", "arrival", "arrive", "to", "until", "return", "dropoff")
_PAIRS = (("check_in", "check_out"), ("checkin", "checkout"), ("start", "end"), ("starts", "ends"),
          ("begin", "end"), ("begins", "ends"), ("departure", "arrival"), ("departure", "return"),
          ("depart", "arrive"), ("from", "to"), ("from", "until"), ("valid_from", "valid_until"),
          ("pickup", "dropoff"), ("opens", "closes"), ("min", "max"))  # fmt: skip


def state_class(value: Any) -> str:
    """'void', 'before', 'during', 'after' or '' (a state that says nothing about time)."""
    word = normal(str(value))
    spelled = "_".join(split_words(str(value)))
    for name, states in (("void", VOID), ("before", BEFORE), ("during", DURING), ("after", AFTER)):
        if spelled in states or word in {normal(s) for s in states}:
            return name
    return ""


def void_values(table: Table) -> tuple[str, ...]:
    """States in which a row no longer counts (cancelled, refunded)."""
    column = status_column(table)
    return tuple(v for v in (column.enum or ()) if state_class(v) == "void") if column is not None else ()


def current_states(blueprint: Blueprint, table: Table) -> tuple[str, ...]:
    """The states that make a row the current one (running), for a table some tool acts on without a key
    (`stop_timer()`): those the tool moves a row from, neither ended, void nor a state it moves rows to."""
    status = status_column(table)
    plans = [p for p in blueprint.plans if p.table == table.name and p.current]
    if status is None or not status.enum or not plans:
        return ()
    targets = {v for p in plans for v in p.target.values()}
    settled = set(terminal_values(table)) | set(void_values(table)) | targets
    return tuple(v for v in status.enum if v not in settled)


def superseded_state(blueprint: Blueprint, table: Table) -> str | None:
    """The state a keyless tool moves the current row to (stopped): where a new current row sends the old one."""
    if not current_states(blueprint, table):
        return None
    return next(str(v) for p in blueprint.plans if p.table == table.name and p.current for v in p.target.values())


def _dated(blueprint: Blueprint, table: Table, column: Column) -> bool:
    return blueprint.semantic(table.name, column.name) in ("date", "datetime") and column.type == "TEXT"


def pairs_of(blueprint: Blueprint, table: Table) -> list[tuple[str, str]]:
    """(start, end) column pairs of a table that must come in that order (check-in before check-out)."""
    found: list[tuple[str, str]] = []
    columns = {"_".join(split_words(c.name)): c for c in table.columns if not c.primary_key and not c.references}
    for name, column in columns.items():
        for first, second in _PAIRS:
            partner = _partner(name, first, second)
            other = columns.get(partner) if partner and partner != name else None
            if other is None or (column.name, other.name) in found:
                continue
            numeric = first == "min" and column.type in ("INTEGER", "REAL") and other.type == column.type
            clocked = {blueprint.semantic(table.name, c.name) for c in (column, other)} == {"clock"}  # 09:00, 17:30
            if numeric or clocked or (_dated(blueprint, table, column) and _dated(blueprint, table, other)):
                found.append((column.name, other.name))
    return found


def _partner(name: str, first: str, second: str) -> str | None:
    """The column name that pairs with `name` when `first` is swapped for `second` (check_in -> check_out)."""
    words = name.split("_")
    head = first.split("_")
    for index in range(len(words) - len(head) + 1):
        if words[index : index + len(head)] == head:
            return "_".join([*words[:index], *second.split("_"), *words[index + len(head) :]])
    return None


def start_column(blueprint: Blueprint, table: Table) -> tuple[str, str | None] | None:
    """(start, end) of a row's schedule: the dates its lifecycle states refer to (check-in, departure)."""
    pairs = [p for p in pairs_of(blueprint, table) if _dated(blueprint, table, table.column(p[0]))]  # type: ignore[arg-type]
    if pairs:
        return pairs[0]
    for column in table.columns:
        words = split_words(column.name)
        if _dated(blueprint, table, column) and any(w in _START for w in words) and "created" not in words:
            return column.name, None
    return None


def schedule_of(blueprint: Blueprint, table: Table) -> Schedule | None:
    """When a row's states may be entered, if its status speaks of time and it has a start date."""
    status = status_column(table)
    dates = start_column(blueprint, table)
    if status is None or dates is None or not status.enum:
        return None
    during = tuple(v for v in status.enum if state_class(v) == "during")
    after = tuple(v for v in status.enum if state_class(v) == "after")
    if not during and not after:
        return None
    return Schedule(start=dates[0], end=dates[1], ongoing=during, past=after)


def transitions_of(plan: ToolPlan, table: Table, description: str) -> tuple[str, ...] | None:
    """The states an action may move a row from, as its description says; the live states otherwise."""
    status = status_column(table)
    target = plan.target.get(status.name) if status is not None else None
    if status is None or target is None or not status.enum:
        return None
    states = [v for v in status.enum if v != target]
    ended = set(terminal_values(table))
    text = " " + " ".join(split_words(description)) + " "
    spoken = {v: " ".join(split_words(v)) for v in states}
    named = [v for v in states if f" {spoken[v]} " in text]
    negated = [v for v in named if re.search(rf" (not|never|no longer)( yet| been| already)* {spoken[v]} ", text)]
    if negated:
        cut = min(status.enum.index(v) for v in negated)
        return tuple(v for v in states if status.enum.index(v) < cut and v not in ended and state_class(v) != "void")
    noun = " ".join(split_words(singular(table.name)))
    direct = [v for v in named if re.search(rf" {spoken[v]}(( or| and|,) [a-z ]+)? ({noun}|one)s? ", text)]
    if direct:
        return tuple(direct)
    kind = state_class(target)
    live = [v for v in states if v not in ended and state_class(v) != "void"]
    if kind == "void" and any(state_class(v) == "before" for v in live):
        return tuple(v for v in live if state_class(v) in ("before", ""))
    if kind == "during":
        return tuple(v for v in live if state_class(v) == "before") or tuple(live)
    if kind == "after":
        return tuple(v for v in live if state_class(v) == "during") or tuple(live)
    if target in ended or kind == "void":
        return tuple(live)
    return tuple(v for v in states if v not in ended and state_class(v) != "void") or None


def required_states(blueprint: Blueprint, table: Table) -> dict[str, tuple[str, ...]]:
    """Parent column -> the states a parent must be in for a new row: a return or a review needs a finished
    parent (a delivered order); a row stamped with a time of its own (an extra charge) needs a parent under
    way (a stay that is checked in); a parent that can be held (a frozen account) takes new rows only while
    it is not (nor ended)."""
    return {**_unheld_parents(blueprint, table), **_timed_parents(blueprint, table)}


def _stated_parents(blueprint: Blueprint, table: Table) -> Iterator[tuple[Column, Table, Column]]:
    """(parent column, parent table, its status column) for each required reference to another table that has
    states."""
    for column in table.columns:
        if not column.references or column.nullable:
            continue
        parent = blueprint.table(column.references.split(".")[0])
        status = status_column(parent)
        if status is not None and parent.name != table.name:
            yield column, parent, status


def _unheld_parents(blueprint: Blueprint, table: Table) -> dict[str, tuple[str, ...]]:
    """Parent column -> the states that take new rows, for parents with a state that holds them (frozen)."""
    needed: dict[str, tuple[str, ...]] = {}
    for column, parent, status in _stated_parents(blueprint, table):
        if not status.enum:
            continue
        held = [v for v in status.enum if "_".join(split_words(str(v))) in HELD]
        ended = set(terminal_values(parent))
        open_states = tuple(v for v in status.enum if v not in held and v not in ended)
        if held and open_states:
            needed[column.name] = open_states
    return needed


def _timed_parents(blueprint: Blueprint, table: Table) -> dict[str, tuple[str, ...]]:
    """Parent column -> the states of a parent in time a new row needs: finished for a return, under way for a
    charge."""
    later = singular(table.name).split("_")[-1] in _LATER_CHILDREN
    timed = _timed(blueprint, table)
    needed: dict[str, tuple[str, ...]] = {}
    for column, parent, status in _stated_parents(blueprint, table):
        if later:
            finished = tuple(v for v in (status.enum or ()) if state_class(v) == "after")
            if finished:
                needed[column.name] = finished
        elif timed:
            schedule = schedule_of(blueprint, parent)
            if schedule is not None and schedule.ongoing:
                needed[column.name] = schedule.ongoing
    return needed


def allowed_states(blueprint: Blueprint, table: Table) -> dict[str, tuple[str, ...]]:
    """Parent column -> the states the parent of an existing row may be in (a charge stays on a finished stay; a
    payment stays on an account frozen after it was made)."""
    allowed = _timed_parents(blueprint, table)
    for column, states in allowed.items():
        parent = blueprint.table(table.column(column).references.split(".")[0])  # type: ignore[union-attr]
        schedule = schedule_of(blueprint, parent)
        if schedule is not None and set(states) <= set(schedule.ongoing):
            allowed[column] = (*states, *schedule.past)
    return allowed


def _timed(blueprint: Blueprint, table: Table) -> bool:
    """Whether rows carry a time of their own that is not a plan for later (charged_at, logged_on)."""
    for column in table.columns:
        words = split_words(column.name)
        dated = blueprint.semantic(table.name, column.name) in ("date", "datetime") and column.type == "TEXT"
        if dated and not any(w in _START or w in _END for w in words) and "birth" not in words:
            return True
    return False
