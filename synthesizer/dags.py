"""Merging walks that share rows into one task: several requests of one user, one DAG of calls.

Two walks merge when they find a common row (the same customer, the same order) and cannot spoil each
other: neither changes a row, or a column, that the other's picks, comparisons, branches or facts
depend on, and neither adds rows to a table whose extremes or totals the other reads. A row both walks
need is found once (the first walk's way), so the merged DAG forks where the requests part.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

from autoforge.servers import StaffMember

from .models import Blueprint
from .rules import status_column
from .walks import PICKED, Entity, Goal, KeyOf, Resolution, Walk

__all__ = ["Refusal", "TaskPlan", "compatible", "fits", "grow", "intents", "planned_calls"]

INTENT_WEIGHTS = {1: 0.05, 2: 0.25, 3: 0.40, 4: 0.30}


@dataclass(frozen=True)
class Refusal:
    """A request the policy forbids: which rule, the tool it would take, and why (what the agent tells)."""

    rule: Literal["staff-only", "lifecycle", "identification", "ownership", "confirmation"]
    goal: Goal
    reason: str
    facts: tuple[tuple[Entity, str], ...] = ()


@dataclass
class TaskPlan:
    """The requests of one user and how the agent finds every row they need.

    `role` says who the user is (a customer, a member of staff, the account's owner); `persona` is their own
    row (found first, from what they say: `identity`); `staff` is the roster entry of a staff user the
    document has no table for; `impostor` is who an unidentifiable user claims to be; `newcomer` is a new
    customer opening an account; `refusal` is the one request the agent must turn down.
    """

    goals: list[Goal] = field(default_factory=list)
    resolutions: dict[Entity, Resolution] = field(default_factory=dict)
    walks: list[Walk] = field(default_factory=list)
    role: Literal["customer", "staff", "owner"] = "owner"
    persona: Entity | None = None
    identity: Resolution | None = None
    staff: StaffMember | None = None
    impostor: dict[str, Any] | None = None
    newcomer: dict[str, Any] | None = None
    refusal: Refusal | None = None
    described: dict[Entity, Resolution] = field(default_factory=dict)
    """How the user describes rows the agent never looks up (someone else's record they ask about)."""
    least: int | None = None
    """The fewest calls its task may have, when not the batch's floor (its first request is a tool's first use)."""

    def add(self, walk: Walk) -> None:
        self.walks.append(walk)
        self.goals.append(walk.goal)
        for entity, resolution in walk.resolutions.items():
            self.resolutions.setdefault(entity, resolution)


def _conflict(writes: dict[Entity, frozenset[str] | None], decisions: dict[Entity, set[str]]) -> bool:
    """Whether a write changes a value a decision rests on.

    Other rows of a list a pick was made from are left out here: whether a write to them could make the
    pick ambiguous is checked on the executed values (see instantiate).
    """
    for entity, columns in writes.items():
        decided = {c for c in decisions.get(entity, ()) if not c.startswith(PICKED)}
        if decided and (columns is None or set(columns) & decided):
            return True
    return False


def _pointed_at(walk: Walk, blueprint: Blueprint) -> set[Entity]:
    """Rows a walk's write names in its arguments (the ticket a new comment goes on), or finds the row it changes
    under (the order whose item it changes; for a comparison, those of both rows the user weighs)."""
    named = {source.entity for arm in walk.arms for _, source in arm.args if isinstance(source, KeyOf)}
    for arm in walk.arms:
        acted = set(arm.entities) if arm.kind == "compare" else {e for e in (arm.entity,) if e is not None}
        for row in acted & set(walk.resolutions) if arm.tool else ():
            found = walk.resolutions[row]
            parents = {c.references.split(".")[0] for c in blueprint.table(row.table).columns if c.references}
            under = {source.entity for _, source in found.args if isinstance(source, KeyOf)} | {found.through}
            named |= {entity for entity in under if entity is not None and entity.table in parents}
    return named


def _records_made(walk: Walk, blueprint: Blueprint) -> set[tuple[str, frozenset[Entity]]]:
    """The records a walk's creates would add, as the tool and the rows it names (a return of one order, a
    booking of one passenger on one flight)."""
    made: set[tuple[str, frozenset[Entity]]] = set()
    for arm in walk.arms:
        named = frozenset(source.entity for _, source in arm.args if isinstance(source, KeyOf))
        if arm.tool and named and blueprint.plan(arm.tool).kind == "create":
            made.add((arm.tool, named))
    return made


def _restates(writes: dict[Entity, frozenset[str] | None], named: set[Entity], blueprint: Blueprint) -> bool:
    """Whether a write deletes, or moves the state of, a row another write names."""
    for entity in set(writes) & named:
        columns = writes[entity]
        status = status_column(blueprint.table(entity.table))
        if columns is None or (status is not None and status.name in columns):
            return True
    return False


def compatible(first: Walk, second: Walk, blueprint: Blueprint) -> bool:
    """Whether two walks can share a task without one changing what the other decides on."""
    writes_a, writes_b = first.writes(blueprint), second.writes(blueprint)
    for entity in set(writes_a) & set(writes_b):  # one row: only changes of different fields (a phone, a city)
        columns_a, columns_b = writes_a[entity], writes_b[entity]
        if not columns_a or not columns_b or columns_a & columns_b:  # a deletion (None) or an unknown change
            return False
        status = status_column(blueprint.table(entity.table))
        if status is not None and status.name in columns_a | columns_b:  # rescheduling an event, then cancelling it
            return False
    if _conflict(writes_a, second.decisions(blueprint)) or _conflict(writes_b, first.decisions(blueprint)):
        return False
    deleted_a = {e for e, columns in writes_a.items() if columns is None}
    deleted_b = {e for e, columns in writes_b.items() if columns is None}
    if deleted_a & second.entities() or deleted_b & first.entities():
        return False
    if first.inserted(blueprint) & second.listed_tables(blueprint) or second.inserted(blueprint) & first.listed_tables(
        blueprint
    ):
        return False
    if first.goal.entities and set(first.goal.entities) == set(second.goal.entities):
        return False  # two comparisons of the same rows
    # one changes the state of a row the other's write names or works under (closing a ticket and commenting on
    # it, cancelling an order and changing one of its items)
    named_a, named_b = _pointed_at(first, blueprint), _pointed_at(second, blueprint)
    if _restates(writes_a, named_b, blueprint) or _restates(writes_b, named_a, blueprint):
        return False
    if _records_made(first, blueprint) & _records_made(second, blueprint):
        return False  # the same request twice (two returns of one order, the same flight booked again)
    return first.goal != second.goal


def planned_calls(plan: TaskPlan) -> int:
    """Tool calls the merged DAG will make (identical reads counted once, the user's identification included)."""
    found = [*plan.resolutions.values(), *([plan.identity] if plan.identity is not None else [])]
    reads = {(r.tool, _signature(r)) for r in found if r.tool and not r.through}
    listings = {(g.listing.tool, _signature(g.listing)) for g in plan.goals if g.listing is not None}
    writes = sum(1 for w in plan.walks if w.arms and w.arms[0].tool)  # a branch runs one of its arms
    return len(reads | listings) + writes


def _signature(resolution: Resolution) -> tuple[object, ...]:
    return tuple(
        (name, source.entity if isinstance(source, KeyOf) else getattr(source, "value", None))
        for name, source in resolution.args
    )


def grow(plan: TaskPlan, walk: Walk, blueprint: Blueprint, max_calls: int) -> bool:
    """Merge `walk` into `plan` when it fits (see `fits`); True if it did."""
    if not fits(plan, walk, blueprint, max_calls):
        return False
    plan.add(walk)
    return True


def fits(plan: TaskPlan, walk: Walk, blueprint: Blueprint, max_calls: int) -> bool:
    """Whether `walk` shares a row with `plan` (any walk may join a plan that only adds a new row), spoils none of
    its requests and keeps it within `max_calls`."""
    entities = {e for w in plan.walks for e in w.entities()}
    calls = {(r.tool, _signature(r)) for r in plan.resolutions.values() if r.tool}
    shared = (
        not entities
        or entities & walk.entities()
        or calls & {(r.tool, _signature(r)) for r in walk.resolutions.values() if r.tool}
    )
    if not shared or not all(compatible(w, walk, blueprint) for w in plan.walks) or _asks_what_names(plan, walk):
        return False
    trial = TaskPlan()
    for member in [*plan.walks, walk]:
        trial.add(member)
    return planned_calls(trial) <= max_calls


def _asks_what_names(plan: TaskPlan, walk: Walk) -> bool:
    """Whether `walk` asks about, or branches on, the field the task already names its row by ('if the meal of
    my booking with no meal is vegan')."""
    goal = walk.goal
    resolution = plan.resolutions.get(goal.entity) if goal.entity is not None else None
    pick = resolution.pick if resolution is not None else None
    return pick is not None and goal.column is not None and pick.column == goal.column


def intents(rng: random.Random, max_intents: int) -> int:
    """How many requests the next task should merge (1 to `max_intents`, mostly 3 or 4)."""
    weights = {k: w for k, w in INTENT_WEIGHTS.items() if k <= max_intents} or {1: 1.0}
    return rng.choices(list(weights), weights=list(weights.values()))[0]
