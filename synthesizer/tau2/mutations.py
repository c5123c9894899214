"""Near-miss trajectories of a task: its gold calls with one write left out, or with one argument changed.

A verifier that grades end states must fail these (unless the change happens to leave the state as it
was); comparing our verdicts on them with tau2's shows the two grade alike.
"""

from __future__ import annotations

from typing import Any

from autoforge.servers import CallNode, Task

__all__ = ["altered", "without"]

SWAPS = {
    "no longer needed": "ordered by mistake",
    "ordered by mistake": "no longer needed",
    "yes": "no",
    "no": "yes",
    "one_way": "round_trip",
    "round_trip": "one_way",
    "basic_economy": "economy",
    "economy": "business",
    "business": "economy",
}
"""Values changed for another valid value, so the altered call still runs."""


def without(task: Task, node_id: str) -> list[CallNode]:
    """The task's calls in order, without `node_id`."""
    return [n for n in task.solution.calls if n.id != node_id]


def altered(task: Task, node_id: str) -> list[CallNode]:
    """The task's calls in order, with the last argument of `node_id` changed."""
    calls: list[CallNode] = []
    for node in task.solution.calls:
        if node.id == node_id and node.arguments:
            *_, last = node.arguments
            node = node.model_copy(update={"arguments": {**node.arguments, last: _change(node.arguments[last])}})
        calls.append(node)
    return calls


def _change(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return SWAPS.get(value, value + "X")
    if isinstance(value, list) and value:
        return [*value[:-1], _change(value[-1])]
    if isinstance(value, dict) and value:
        *_, last = value
        return {**value, last: _change(value[last])}
    return value
