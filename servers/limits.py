"""Limits on one tool call: wall time, CPU time, memory and SQLite steps (defaults no real tool reaches); and a
budget of SQLite steps for the runtime's own statements that run data it was handed (a seed, an invariant)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Self

__all__ = ["CallLimits", "StepBudget"]

WALL_ENV = "AUTOFORGE_TOOL_WALL_SECONDS"
CPU_ENV = "AUTOFORGE_TOOL_CPU_SECONDS"
MEMORY_ENV = "AUTOFORGE_TOOL_MEMORY_MB"


@dataclass(frozen=True)
class CallLimits:
    """What one tool call may use before it is stopped, undone and reported as a tool error."""

    wall_seconds: float = 10.0
    """Time from dispatch to answer; past it the worker running the call is killed."""
    cpu_seconds: int = 5
    """CPU time of the call, enforced by the kernel (RLIMIT_CPU), in whole seconds (a call may run up to 2 s
    past it: the limit is renewed at most once a second)."""
    memory_mb: int = 2048
    """Address space of a worker process, a hard limit (RLIMIT_AS) the worker cannot lift."""
    steps: int = 20_000_000
    """SQLite virtual-machine steps one call may take before its statement is interrupted."""

    @classmethod
    def from_environ(cls) -> CallLimits:
        """The defaults, overridden by AUTOFORGE_TOOL_WALL_SECONDS, _CPU_SECONDS and _MEMORY_MB."""
        default = cls()
        return cls(
            wall_seconds=float(os.environ.get(WALL_ENV, default.wall_seconds)),
            cpu_seconds=int(os.environ.get(CPU_ENV, default.cpu_seconds)),
            memory_mb=int(os.environ.get(MEMORY_ENV, default.memory_mb)),
        )

    def __post_init__(self) -> None:
        if self.wall_seconds <= 0 or self.cpu_seconds <= 0 or self.memory_mb <= 0 or self.steps <= 0:
            raise ValueError(f"call limits must be positive, got {self}")


class StepBudget:
    """At most `steps` SQLite steps on `conn` inside the `with` block: past them the running statement is
    interrupted (an `sqlite3.OperationalError`), and `spent` says that was the budget."""

    __slots__ = ("_conn", "_ticks")

    def __init__(self, conn: sqlite3.Connection, steps: int) -> None:
        self._conn = conn
        self._ticks = steps // _BUDGET_TICK

    def __enter__(self) -> Self:
        self._conn.set_progress_handler(self._tick, _BUDGET_TICK)
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.set_progress_handler(None, 0)

    @property
    def spent(self) -> bool:
        return self._ticks < 0

    def _tick(self) -> int:
        self._ticks -= 1
        return 1 if self._ticks < 0 else 0


_BUDGET_TICK = 10_000
"""SQLite steps between two checks of a `StepBudget`."""
