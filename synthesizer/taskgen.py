"""Task generation in batches: walks, merged DAGs, executed ground truth, wording, then the filter.

A batch samples walks with its own seeded random source, merges them into task plans, executes each
plan, words it, and keeps what passes the filter: no filler (each write changes the outcome), the goal
does not already hold, nothing the agent must look up is given away, not a duplicate, and `check_env`
through MCP (oracle replay in file order and in another topological order verifies 1.0; an empty
trajectory fails). Batches are independent given the tasks kept so far, so a run resumes per batch.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field

from autoforge.servers import (
    CallNode,
    Environment,
    EnvServer,
    Expected,
    Solution,
    Task,
    build_environment,
    check_env,
    complete_task,
)

from .dags import TaskPlan, grow, intents
from .graph import tool_graph
from .instantiate import Rejected, instantiate
from .models import Blueprint, Draft
from .options import SynthOptions
from .values import Values
from .walks import Walker
from .wording import leaks, word_task

__all__ = ["Batch", "check_batch", "generate_batch", "signature", "split_of"]


@dataclass
class Batch:
    """What one batch produced: tasks that passed every check, and why the others were dropped."""

    tasks: list[Task] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)


def signature(task: Task) -> str:
    """Tasks with the same calls (tools and arguments, in any order) are duplicates."""
    calls = sorted(json.dumps([c.tool, c.arguments], sort_keys=True, default=str) for c in task.solution.calls)
    return hashlib.sha256("\n".join(calls).encode()).hexdigest()


def split_of(task_id: str, seed: int, test_fraction: float) -> str:
    """'test' for a stable `test_fraction` of task ids, else 'train'."""
    digest = int(hashlib.sha256(f"{seed}:{task_id}".encode()).hexdigest()[:8], 16)
    return "test" if digest % 10_000 < test_fraction * 10_000 else "train"


def _with_write_order(nodes: list[CallNode | object], blueprint: Blueprint) -> list[object]:
    """Add a depends_on edge from each write to the previous write on the same table (file order)."""
    last: dict[str, str] = {}
    out: list[object] = []
    for node in nodes:
        if isinstance(node, CallNode) and blueprint.plan(node.tool).writes:
            table = blueprint.plan(node.tool).table
            previous = last.get(table)
            if previous is not None and previous not in node.depends_on:
                node = node.model_copy(update={"depends_on": (*node.depends_on, previous)})
            last[table] = node.id
        out.append(node)
    return out


def generate_batch(draft: Draft, environment: Environment, number: int, size: int, options: SynthOptions,
                   seen: set[str]) -> Batch:  # fmt: skip
    """Candidate tasks of batch `number` (about `size` of them), before the MCP check."""
    assert draft.blueprint is not None and draft.spec is not None
    blueprint = draft.blueprint
    rng = random.Random(f"{options.seed}:tasks:{number}")
    values = Values(options.seed * 7919 + number, environment.spec.clock, draft.source.title)
    walker = Walker(environment, blueprint, tool_graph(blueprint, draft.edges), rng, values, options.reasoning)
    batch = Batch()
    try:
        plans: list[TaskPlan] = []
        for _ in range(size * 2):
            if len(plans) >= size:
                break
            walk = walker.sample()
            if walk is None:
                batch.rejected["walk found no way to its goal"] += 1
                continue
            plan = TaskPlan()
            plan.add(walk)
            wanted = intents(rng, options.max_intents)
            for _ in range(3 * wanted):
                if len(plan.walks) >= wanted:
                    break
                near = {e for w in plan.walks for e in w.entities()}
                partner = walker.sample(near)
                if partner is not None:
                    grow(plan, partner, blueprint, options.max_calls)
            plans.append(plan)
        title = draft.source.title
        tool_names = [t.name for t in environment.spec.tools]
        for index, plan in enumerate(plans):
            task_id = f"b{number:03d}-{index:03d}"
            try:
                task = _task(environment, blueprint, plan, walker, task_id, title, tool_names, options)
            except Rejected as exc:
                batch.rejected[_reason(str(exc))] += 1
                continue
            key = signature(task)
            if key in seen:
                batch.rejected["duplicate of another task"] += 1
                continue
            seen.add(key)
            batch.tasks.append(task)
    finally:
        walker.close()
    return batch


def _reason(message: str) -> str:
    """A rejection message without the row-specific details, so reasons can be counted."""
    return message.split(":")[0] if ":" in message else message


def _task(environment: Environment, blueprint: Blueprint, plan: TaskPlan, walker: Walker, task_id: str, title: str,
          tool_names: list[str], options: SynthOptions) -> Task:  # fmt: skip
    built = instantiate(environment, blueprint, plan)
    calls = sum(1 for n in built.nodes if isinstance(n, CallNode))
    if calls < options.min_calls:
        raise Rejected(f"fewer than {options.min_calls} calls (--min-calls)")
    if calls > options.max_calls:
        raise Rejected(f"more than {options.max_calls} calls")
    wording = word_task(blueprint, plan, walker.row, title)
    facts = tuple(dict.fromkeys(built.facts))
    task = Task(
        id=task_id,
        instruction=wording.instruction,
        user=wording.user,
        solution=Solution(nodes=tuple(_with_write_order(list(built.nodes), blueprint))),  # type: ignore[arg-type]
        expected=Expected(facts=facts),
        split=split_of(task_id, options.seed, options.test_fraction),  # type: ignore[arg-type]
        metadata={"requests": [g.kind for g in plan.goals], "generator": "autoforge-synthesizer"},
    )
    try:
        task = complete_task(environment, task)
    except ValueError as exc:
        raise Rejected(f"the ground truth does not run: {exc}") from None
    writes = any(blueprint.plan(c.tool).writes for c in task.solution.calls)
    if writes and not task.expected.changes:
        raise Rejected("the goal already holds (the writes change nothing)")
    if not task.expected.changes and not task.expected.facts:
        raise Rejected("nothing gates the reward (no change and no fact)")
    touched = {c.table for c in task.expected.changes}
    idle = [
        c.tool
        for c in task.solution.calls
        if blueprint.plan(c.tool).writes and blueprint.plan(c.tool).table not in touched
    ]
    if idle:
        raise Rejected(f"a write call is filler ({idle[0]} leaves no change)")
    instruction = wording.instruction
    told = [f for f in task.expected.facts if f.lower() in instruction.lower()]
    if told:
        raise Rejected("a fact to tell is already in the instruction")
    leak = leaks(instruction, blueprint, plan, tool_names)
    if leak:
        raise Rejected(leak)
    return task.model_copy(update={"instruction": instruction, "user": wording.user})


async def check_batch(draft: Draft, tasks: list[Task]) -> tuple[list[Task], Counter[str]]:
    """The tasks that pass check_env through MCP, and the reasons the others failed."""
    assert draft.spec is not None and draft.tools_source is not None and draft.seed_sql is not None
    rejected: Counter[str] = Counter()
    if not tasks:
        return [], rejected
    environment = build_environment(draft.spec, draft.tools_source, draft.seed_sql, tasks)
    report = await check_env(EnvServer(environment), concurrency=8)
    failed = {t.task_id: t.problems for t in report.failures}
    for problems in failed.values():
        rejected[f"check_env: {problems[0]}"] += 1
    return [t for t in tasks if t.id not in failed], rejected
