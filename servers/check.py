"""`check_env`: the conformance check every environment must pass, through MCP like any client.

For each task: replaying its solution (file order, then another topological order) verifies 1.0;
an empty trajectory verifies 0.0 when the task writes or has facts; replaying twice gives the same
changes (determinism); the replayed state keeps every invariant. Synthesis, CI and users share this check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
from mcp import Client

from .app import EnvServer
from .protocol import call_tool, close_episode, reset_episode, verify_episode
from .solution import run_solution, solution_graph
from .spec import Task

__all__ = ["CheckReport", "TaskCheck", "check_env", "oracle_transcript"]


@dataclass
class TaskCheck:
    """The outcome of checking one task."""

    task_id: str
    oracle_reward: float = 0.0
    alternate_order_reward: float = 0.0
    empty_reward: float = 0.0
    deterministic: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass
class CheckReport:
    """All task checks of one environment."""

    environment: str
    tasks: list[TaskCheck]

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.tasks)

    @property
    def failures(self) -> list[TaskCheck]:
        return [t for t in self.tasks if not t.passed]


def oracle_transcript(task: Task) -> list[str]:
    """What an oracle agent tells the user: that it is done, and every required fact."""
    return ["I have taken care of everything you asked. " + " ".join(f"{fact}." for fact in task.expected.facts)]


def alternate_order(task: Task) -> list[str]:
    """A topological order of the solution that differs from file order where the DAG allows."""
    graph = solution_graph(task.solution)
    position = {n.id: i for i, n in enumerate(task.solution.nodes)}
    return list(nx.lexicographical_topological_sort(graph, key=lambda n: -position[n]))


async def _replay(client: Client, task: Task, order: list[str] | None) -> float:
    episode = (await reset_episode(client, task.id)).episode_id
    try:
        calls = {n.id: n for n in task.solution.calls}
        for node_id in order or list(calls):
            node = calls.get(node_id)
            if node is not None:
                await call_tool(client, episode, node.tool, node.arguments)
        return (await verify_episode(client, episode, oracle_transcript(task))).reward
    finally:
        await close_episode(client, episode)


async def _empty(client: Client, task: Task) -> float:
    episode = (await reset_episode(client, task.id)).episode_id
    try:
        return (await verify_episode(client, episode, [])).reward
    finally:
        await close_episode(client, episode)


async def _check_task(client: Client, server: EnvServer, task: Task, allow_ungated: bool) -> TaskCheck:
    result = TaskCheck(task.id)
    result.oracle_reward = await _replay(client, task, None)
    order = alternate_order(task)
    calls = [n.id for n in task.solution.calls]
    if [node for node in order if node in calls] == calls:  # the DAG allows no other order of its calls
        result.alternate_order_reward = result.oracle_reward
    else:
        result.alternate_order_reward = await _replay(client, task, order)
    result.empty_reward = await _empty(client, task)
    environment = server.environment
    first = await asyncio.to_thread(run_solution, environment, task)
    second = await asyncio.to_thread(run_solution, environment, task)
    result.deterministic = first.changes == second.changes
    if result.oracle_reward != 1.0:
        result.problems.append("oracle replay does not verify 1.0")
    if result.alternate_order_reward != 1.0:
        result.problems.append("replay in another topological order does not verify 1.0")
    gated = bool(task.expected.changes or task.expected.facts)
    if gated and result.empty_reward != 0.0:
        result.problems.append("an empty trajectory verifies 1.0")
    if not gated and not allow_ungated:
        result.problems.append("the task neither writes nor has facts: nothing gates its reward")
    if not result.deterministic:
        result.problems.append("replaying the solution twice gives different changes")
    if first.errors:
        result.problems.append(f"ground-truth calls fail: {first.errors}")
    if first.violations:
        result.problems.append(f"the solution breaks an invariant: {first.violations[0]}")
    return result


async def check_env(
    server: EnvServer,
    *,
    concurrency: int = 8,
    on_task: Callable[[TaskCheck], None] | None = None,
    allow_ungated: bool = False,
) -> CheckReport:
    """Check every task of the server's environment over an in-process MCP client.

    `allow_ungated` accepts tasks that neither write nor have facts (imported benchmark tasks whose
    right answer is a refusal); synthesized tasks must always be gated.
    """
    limit = asyncio.Semaphore(concurrency)
    async with Client(server) as client:

        async def one(task: Task) -> TaskCheck:
            async with limit:
                result = await _check_task(client, server, task, allow_ungated)
            if on_task is not None:
                on_task(result)
            return result

        results = await asyncio.gather(*(one(t) for t in server.environment.tasks.values()))
    return CheckReport(server.environment.name, list(results))
