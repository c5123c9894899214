"""What an environment holds, in numbers: counts of tools, tables and tasks, and task difficulty."""

from __future__ import annotations

import statistics
from collections import Counter

from pydantic import BaseModel, ConfigDict

from ..environment import Environment

__all__ = ["Counts", "DifficultySummary", "Spread", "counts_of", "difficulty_of"]

MEASURES = ("calls", "writes", "depth", "branching", "distinct_tools", "reasoning_nodes")
"""The difficulty measures every task carries, in the order reports show them."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Counts(_Frozen):
    """How many tools, tables and tasks an environment has."""

    tools: int
    tables: int
    tasks: int


class Spread(_Frozen):
    """The smallest, mean and largest value of one difficulty measure over the tasks."""

    min: int
    mean: float
    max: int


class DifficultySummary(_Frozen):
    """Each difficulty measure's spread over the tasks, and how many tasks each split holds."""

    calls: Spread
    writes: Spread
    depth: Spread
    branching: Spread
    distinct_tools: Spread
    reasoning_nodes: Spread
    splits: dict[str, int]


def counts_of(environment: Environment) -> Counts:
    """The environment's tool, table and task counts."""
    spec = environment.spec
    return Counts(tools=len(spec.tools), tables=len(spec.tables), tasks=len(environment.tasks))


def difficulty_of(environment: Environment) -> DifficultySummary:
    """The spread of each difficulty measure over the environment's tasks (zeros when it has none)."""
    tasks = list(environment.tasks.values())
    spreads = {}
    for measure in MEASURES:
        values = [getattr(t.difficulty, measure) for t in tasks] or [0]
        spreads[measure] = Spread(min=min(values), mean=round(statistics.fmean(values), 2), max=max(values))
    splits = {str(split): n for split, n in sorted(Counter(t.split for t in tasks).items())}
    return DifficultySummary(**spreads, splits=splits)
