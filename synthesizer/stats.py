"""Task statistics: the numbers an environment's tasks are judged by (length, shape, reasoning)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from autoforge.servers import Task

__all__ = ["TaskStats", "task_stats"]


@dataclass(frozen=True)
class TaskStats:
    """Counts and shares over a set of tasks."""

    tasks: int
    median_calls: float
    mean_calls: float
    share_dag: float
    share_reasoning: float
    share_writing: float
    test: int

    def as_rows(self) -> list[tuple[str, str]]:
        return [
            ("tasks", str(self.tasks)),
            ("median calls", f"{self.median_calls:g}"),
            ("mean calls", f"{self.mean_calls:.1f}"),
            ("branch or merge", f"{self.share_dag:.0%}"),
            ("with reasoning", f"{self.share_reasoning:.0%}"),
            ("writing", f"{self.share_writing:.0%}"),
            ("train / test", f"{self.tasks - self.test} / {self.test}"),
        ]


def task_stats(tasks: Sequence[Task]) -> TaskStats:
    """Median calls, and the shares of tasks that branch or merge, reason, or write."""
    if not tasks:
        return TaskStats(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    calls = [len(t.solution.calls) for t in tasks]
    count = len(tasks)
    return TaskStats(
        tasks=count,
        median_calls=float(statistics.median(calls)),
        mean_calls=statistics.fmean(calls),
        share_dag=sum(t.difficulty.branching > 0 for t in tasks) / count,
        share_reasoning=sum(t.difficulty.reasoning_nodes > 0 for t in tasks) / count,
        share_writing=sum(t.difficulty.writes > 0 for t in tasks) / count,
        test=sum(t.split == "test" for t in tasks),
    )
