"""Merging walks that share rows into one task: several requests of one user, one DAG of calls.

Two walks merge when they find a common row (the same customer, the same order) and cannot spoil each
other: neither changes a row, or a column, that the other's picks, comparisons, branches or facts
depend on, and neither adds rows to a table whose extremes or totals the other reads. A row both walks
need is found once (the first walk's way), so the merged DAG forks where the requests part.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .models import Blueprint
from .walks import Entity, Goal, KeyOf, Resolution, Walk

__all__ = ["TaskPlan", "compatible", "merge_walks"]

INTENT_WEIGHTS = {1: 0.12, 2: 0.48, 3: 0.40}


@dataclass
class TaskPlan:
    """The requests of one task and how the agent finds every row they need."""

    goals: list[Goal] = field(default_factory=list)
    resolutions: dict[Entity, Resolution] = field(default_factory=dict)
    walks: list[Walk] = field(default_factory=list)

    def add(self, walk: Walk) -> None:
        self.walks.append(walk)
        self.goals.append(walk.goal)
        for entity, resolution in walk.resolutions.items():
            self.resolutions.setdefault(entity, resolution)


def _conflict(a: dict[Entity, frozenset[str] | None], b: dict[Entity, set[str]] | dict[Entity, frozenset[str] | None]) -> bool:
    for entity, columns in a.items():
        if entity in b:
            other = b[entity]
            if columns is None or other is None or set(columns) & set(other):
                return True
    return False


def compatible(first: Walk, second: Walk, blueprint: Blueprint) -> bool:
    """Whether two walks can share a task without one changing what the other decides on."""
    writes_a, writes_b = first.writes(blueprint), second.writes(blueprint)
    if set(writes_a) & set(writes_b):
        return False
    if _conflict(writes_a, second.decisions(blueprint)) or _conflict(writes_b, first.decisions(blueprint)):
        return False
    deleted_a = {e for e, columns in writes_a.items() if columns is None}
    deleted_b = {e for e, columns in writes_b.items() if columns is None}
    if deleted_a & second.entities() or deleted_b & first.entities():
        return False
    if first.inserted(blueprint) & second.listed_tables(blueprint) or second.inserted(blueprint) & first.listed_tables(blueprint):
        return False
    return not (first.goal == second.goal)


def _calls(plan: TaskPlan) -> int:
    """Tool calls the merged DAG will make (identical reads counted once)."""
    reads = {(r.tool, _signature(r)) for r in plan.resolutions.values()}
    listings = {(g.listing.tool, _signature(g.listing)) for g in plan.goals if g.listing is not None}
    writes = sum(1 for w in plan.walks if w.acting is not None and w.acting.tool)
    return len(reads | listings) + writes


def _signature(resolution: Resolution) -> tuple[object, ...]:
    return tuple((name, source.entity if isinstance(source, KeyOf) else getattr(source, "value", None)) for name, source in resolution.args)


def merge_walks(walks: list[Walk], blueprint: Blueprint, rng: random.Random, max_intents: int, max_calls: int) -> list[TaskPlan]:
    """Tasks from walks: each takes a walk and merges in up to `max_intents - 1` compatible walks sharing a row."""
    by_entity: dict[Entity, list[int]] = {}
    for index, walk in enumerate(walks):
        for entity in walk.entities():
            by_entity.setdefault(entity, []).append(index)
    weights = {k: w for k, w in INTENT_WEIGHTS.items() if k <= max_intents} or {1: 1.0}
    used: set[int] = set()
    plans: list[TaskPlan] = []
    for index, walk in enumerate(walks):
        if index in used:
            continue
        used.add(index)
        plan = TaskPlan()
        plan.add(walk)
        wanted = rng.choices(list(weights), weights=list(weights.values()))[0]
        while len(plan.walks) < wanted:
            shared = sorted({i for w in plan.walks for e in w.entities() for i in by_entity.get(e, ()) if i not in used})
            rng.shuffle(shared)
            partner = next((i for i in shared if all(compatible(w, walks[i], blueprint) for w in plan.walks)), None)
            if partner is None:
                break
            trial = TaskPlan()
            for member in [*plan.walks, walks[partner]]:
                trial.add(member)
            if _calls(trial) > max_calls:
                break
            used.add(partner)
            plan = trial
        plans.append(plan)
    return plans
