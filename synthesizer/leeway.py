"""How strict a batch of tasks is, relaxed while batches keep too few tasks, by what rejected most of them: tasks
get shorter (from DEFAULT_MIN_CALLS calls down to one, unless the user fixed `min_calls`) or may repeat another
task's tool sequence. A small or read-only API ends with short tasks that share sequences; a large one rarely
relaxes."""

from __future__ import annotations

from collections.abc import Mapping

from .defaults import DEFAULT_MIN_CALLS
from .options import SynthOptions

__all__ = ["FIRST_USE_BATCH", "FIRST_USE_CALLS", "REPEATED", "SEQUENCE_BATCHES", "Leeway"]

FIRST_USE_BATCH = 3
"""The batch from which a writing tool no kept task calls yet may have a task of FIRST_USE_CALLS calls."""
FIRST_USE_CALLS = 1
"""The fewest calls of such a task."""

REPEATED = "repeats another task's tool sequence"
"""The rejection of a task whose tool sequence enough kept tasks already have."""
SEQUENCE_BATCHES = 6
"""Batches that keep only tasks whose tool sequence no kept task has (then one repeat, then any)."""


class Leeway:
    """The fewest calls a task must have and how often a tool sequence may repeat, batch by batch."""

    def __init__(self, options: SynthOptions) -> None:
        self.fixed = options.min_calls is not None
        self.floor = options.min_calls or DEFAULT_MIN_CALLS
        self.repeats = 1

    def applied(self, options: SynthOptions) -> SynthOptions:
        """`options` with the current floor as `min_calls`."""
        return options.model_copy(update={"min_calls": self.floor})

    def first_use(self, number: int) -> int:
        """The fewest calls, in batch `number`, of a task that gives a writing tool no kept task calls its first
        use: from batch FIRST_USE_BATCH on, FIRST_USE_CALLS (a tool some tasks cannot reach but alone, such as a
        delete of a record the user knows by its number, while a large API's other tasks keep the floor high),
        unless the user fixed the floor."""
        return self.floor if self.fixed or number < FIRST_USE_BATCH else min(self.floor, FIRST_USE_CALLS)

    def allowed(self, number: int, size: int) -> int:
        """How many kept tasks may share one tool sequence in batch `number` (of `size` candidates)."""
        by_number = 1 if number < SEQUENCE_BATCHES else 2 if number < 2 * SEQUENCE_BATCHES else size
        return max(by_number, size if self.repeats > 2 else self.repeats)

    def relax(self, kept: int, wanted: int, rejected: Mapping[str, int]) -> bool:
        """After a batch that kept under a quarter of the tasks wanted: one call shorter when too-short tasks
        outnumber repeated sequences among its rejections, else more repeats (else shorter). True when it relaxed."""
        if kept * 4 >= wanted:
            return False
        short = sum(n for reason, n in rejected.items() if reason.startswith("fewer than"))
        shorter = not self.fixed and self.floor > 1
        if shorter and (short >= rejected.get(REPEATED, 0) or self.repeats > 2):
            self.floor -= 1
        elif self.repeats <= 2:
            self.repeats += 1
        else:
            return False
        return True
