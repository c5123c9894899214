"""Ground truth by execution: run a task's solution DAG, derive its expected changes and difficulty."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import networkx as nx

from .environment import Environment
from .episodes import EpisodeStore
from .invariants import Violation, violations
from .spec import CallNode, Change, Difficulty, Solution, Task
from .toolkit import ToolError
from .verify import episode_changes

__all__ = ["SolutionRun", "complete_task", "measure_difficulty", "run_solution", "solution_graph"]


@dataclass(frozen=True)
class SolutionRun:
    """What executing a solution produced: each call's output (or error), the database changes, and the
    environment's invariants the final state breaks."""

    outputs: dict[str, object]
    errors: dict[str, str]
    changes: tuple[Change, ...]
    violations: tuple[Violation, ...] = ()


def solution_graph(solution: Solution) -> nx.DiGraph:
    """The solution as a networkx DAG (edges from a dependency to its dependent)."""
    graph = nx.DiGraph()
    for node in solution.nodes:
        graph.add_node(node.id, kind=node.kind)
        graph.add_edges_from((dep, node.id) for dep in node.depends_on)
    return graph


def run_solution(environment: Environment, task: Task, order: list[str] | None = None) -> SolutionRun:
    """Execute the task's call nodes (in file order, or `order`) on a fresh episode of its initial state."""
    store = _scratch(environment)
    calls = {n.id: n for n in task.solution.calls}
    sequence = [calls[i] for i in order if i in calls] if order else list(calls.values())
    with _scratch_lock:
        episode = store.fresh(task)
    outputs: dict[str, object] = {}
    errors: dict[str, str] = {}
    try:
        for node in sequence:
            tool = environment.tools.get(node.tool)
            if tool is None:
                errors[node.id] = f"unknown tool {node.tool!r}"
                continue
            try:
                outputs[node.id] = tool.run(episode, node.arguments).value
            except ToolError as exc:
                errors[node.id] = str(exc)
        broken = tuple(violations(episode.conn, environment.spec.invariants))
        return SolutionRun(outputs, errors, tuple(episode_changes(store, episode)), broken)
    finally:
        with _scratch_lock:
            episode.close()


_scratch_stores: weakref.WeakKeyDictionary[Environment, EpisodeStore] = weakref.WeakKeyDictionary()
_scratch_lock = threading.Lock()


def _scratch(environment: Environment) -> EpisodeStore:
    """The store of an environment's solution runs (checks run them from several threads), whose closed episode
    files are reused: workers keep their connections to them open."""
    with _scratch_lock:
        store = _scratch_stores.get(environment)
        if store is None:
            store = _scratch_stores[environment] = EpisodeStore(
                environment.spec, environment.template, environment.tasks
            )
        return store


def measure_difficulty(environment: Environment, solution: Solution) -> Difficulty:
    """Calls, writes, depth (longest dependency chain), branching (fork and merge points), tools, reasoning."""
    graph = solution_graph(solution)
    calls: list[CallNode] = list(solution.calls)
    writes = sum(1 for c in calls if (t := environment.spec.tool(c.tool)) is not None and t.writes)
    branching = sum(1 for n in graph if graph.out_degree(n) > 1) + sum(1 for n in graph if graph.in_degree(n) > 1)
    return Difficulty(
        calls=len(calls),
        writes=writes,
        depth=nx.dag_longest_path_length(graph) + 1 if len(graph) else 0,
        branching=branching,
        distinct_tools=len({c.tool for c in calls}),
        reasoning_nodes=len(solution.nodes) - len(calls),
    )


def complete_task(environment: Environment, task: Task) -> Task:
    """The task with `expected.changes` and `difficulty` computed by executing its solution.

    Raises ValueError when a ground-truth call fails or the final state breaks an invariant: such a task is
    not kept.
    """
    run = run_solution(environment, task)
    if run.errors:
        failed = "; ".join(f"{node}: {message}" for node, message in run.errors.items())
        raise ValueError(f"task {task.id!r}: the solution does not execute ({failed})")
    if run.violations:
        raise ValueError(f"task {task.id!r}: the solution breaks an invariant ({run.violations[0]})")
    return task.model_copy(
        update={
            "expected": task.expected.model_copy(update={"changes": run.changes}),
            "difficulty": measure_difficulty(environment, task.solution),
        }
    )
