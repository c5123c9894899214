"""Limits on one tool call: wall time, CPU time, memory and SQLite steps (defaults no real tool reaches)."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["CallLimits"]

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
