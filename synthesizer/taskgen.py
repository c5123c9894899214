"""Task generation in batches: walks, merged DAGs, executed ground truth, wording, then the filter.

A batch samples walks with its own seeded random source, merges them into task plans, executes each
plan, words it, and keeps what passes the filter: no filler (each write changes the outcome), the goal
does not already hold, nothing the agent must look up is given away, not a duplicate, and `check_env`
through MCP (oracle replay in file order and in another topological order verifies 1.0; an empty
trajectory fails). Batches are independent given the tasks kept so far, so a run resumes per batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from autoforge.servers import (
    CallNode,
    Environment,
    EnvServer,
    Expected,
    ReasoningNode,
    Roles,
    Solution,
    Task,
    build_environment,
    check_env,
    measure_difficulty,
    normalise_text,
    told,
)
from autoforge.servers.quality import phrasing_problems

from .bugs import internal_error
from .dags import TaskPlan, fits, intents, planned_calls
from .goals import Walker
from .graph import tool_graph
from .instantiate import Rejected, instantiate
from .leeway import REPEATED
from .models import Blueprint, Draft, ToolPlan
from .naming import service_title
from .options import SynthOptions
from .refusals import refusal_plan
from .semantics import is_person_table
from .values import Values
from .walks import Entity, SeedMemo
from .wording import leaks, word_task

__all__ = [
    "REFUSAL_SHARE",
    "Batch",
    "check_batch",
    "generate_batch",
    "signature",
    "split_of",
    "told_in",
]


@dataclass
class Batch:
    """What one batch produced: tasks that passed every check, and why the others were dropped."""

    tasks: list[Task] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)


def signature(task: Task) -> str:
    """Tasks with the same calls (tools and arguments, in any order) and the same facts to tell are duplicates:
    two questions answered by the same reads (a plant's price, its height) are two tasks. A task that changes
    nothing is the same question whatever its search arguments (a location the user makes up): its reasoning
    (which row it picks) tells it apart."""
    reads_only = not task.expected.changes
    calls = sorted(
        json.dumps([c.tool, None if reads_only else c.arguments], sort_keys=True, default=str)
        for c in task.solution.calls
    )
    if reads_only:
        calls += sorted(n.note for n in task.solution.nodes if isinstance(n, ReasoningNode))
    facts = sorted(task.expected.facts)
    return hashlib.sha256("\n".join([*calls, *facts]).encode()).hexdigest()


def split_of(task_id: str, seed: int, test_fraction: float) -> str:
    """'test' for a stable `test_fraction` of task ids, else 'train'."""
    digest = int(hashlib.sha256(f"{seed}:{task_id}".encode()).hexdigest()[:8], 16)
    return "test" if digest % 10_000 < test_fraction * 10_000 else "train"


def _with_write_order(nodes: list[CallNode | object], blueprint: Blueprint) -> list[object]:
    """Add a depends_on edge from each write to the previous write on a related table (the same table, or one
    it refers to or that refers to it: cancelling an order and changing its lines must keep their order)."""
    related: dict[str, set[str]] = {t.name: {t.name} for t in blueprint.tables}
    for table in blueprint.tables:
        for column in table.columns:
            if column.references:
                target = column.references.split(".")[0]
                related[table.name].add(target)
                related[target].add(table.name)
    last: dict[str, str] = {}
    out: list[object] = []
    for node in nodes:
        if isinstance(node, CallNode) and blueprint.plan(node.tool).writes:
            table = blueprint.plan(node.tool).table
            for other in sorted(related[table]):
                previous = last.get(other)
                if previous is not None and previous not in node.depends_on:
                    node = node.model_copy(update={"depends_on": (*node.depends_on, previous)})
            last[table] = node.id
        out.append(node)
    return out


REFUSAL_SHARE = 0.16
"""Share of refusal tasks aimed at (the policy wants 10% to 25%)."""
REFUSAL_REPEATS = 4
SAME_TOOL_REQUESTS = 2
"""Requests of one task that may use the same tool (a third 'add a new ticket' reads as filler)."""
"""Refusals that may share a tool sequence (finding one record and saying no offers few sequences)."""


def generate_batch(draft: Draft, environment: Environment, number: int, size: int, options: SynthOptions,
                   seen: set[str], used: Counter[str] | None = None,
                   sequences: Counter[tuple[str, ...]] | None = None, allowed: int = 1,
                   refusal_odds: float = REFUSAL_SHARE, memo: SeedMemo | None = None,
                   first_use: int | None = None) -> Batch:  # fmt: skip
    """Candidate tasks of batch `number` (about `size` of them), before the MCP check.

    `used` counts the tools the tasks kept so far call: tools used less are picked more often. `sequences`
    counts their tool sequences, and at most `allowed` kept tasks may share one (the pipeline allows more in
    later batches, and sooner for a small API, which has few sequences to offer). `refusal_odds` is the share of candidates built
    as refusals (the pipeline sets it from the refusals still wanted). `memo` carries the calls made on the
    seed from batch to batch. A task whose request gives a writing tool its first use may have as few as
    `first_use` calls (default: `options.min_calls`).
    """
    assert draft.blueprint is not None and draft.spec is not None
    blueprint = draft.blueprint
    roles = draft.spec.roles or Roles()
    rng = random.Random(f"{options.seed}:tasks:{number}")
    values = Values(options.seed * 7919 + number, environment.spec.clock, draft.source.title)
    graph = tool_graph(blueprint, draft.edges)
    walker = Walker(environment, blueprint, graph, rng, values, options.reasoning, memo)
    walker.govern(roles, Counter(used or {}))
    people = _people(walker, roles)
    batch = Batch()
    try:
        plans: list[TaskPlan] = []
        for _ in range(size * 3):
            if len(plans) >= size:
                break
            try:
                if rng.random() < refusal_odds:
                    plan = refusal_plan(walker, rng, people.customers)
                    reason = "no refusal could be built"
                else:
                    reason = "walk found no way to its goal"
                    plan = _user_plan(walker, rng, options, people, roles, first_use or options.min_calls)
            except Rejected as exc:
                plan, reason = None, str(exc)
            except Exception as exc:  # noqa: BLE001 - a candidate that trips a synthesizer bug is dropped, counted
                plan, reason = None, internal_error(exc)
            if plan is None:
                batch.rejected[reason] += 1
                continue
            plans.append(plan)
            for walk in plan.walks:
                if walk.goal.tool and walk.goal.kind != "refuse":
                    walker.used[walk.goal.tool] += 1
        title = service_title(draft.source.title)  # 'a customer of Personal Banking', not of the file's name
        tool_names = [t.name for t in environment.spec.tools]
        repeats = Counter(sequences or {})
        for index, plan in enumerate(plans):
            task_id = f"b{number:03d}-{index:03d}"
            try:
                task = _task(environment, blueprint, plan, walker, task_id, title, tool_names, options, roles, rng)
            except Rejected as exc:
                batch.rejected[_reason(str(exc))] += 1
                continue
            except Exception as exc:  # noqa: BLE001 - as above: the task is dropped and the reason counted
                batch.rejected[internal_error(exc)] += 1
                continue
            key = signature(task)
            if key in seen:
                batch.rejected["duplicate of another task"] += 1
                continue
            sequence = tuple(c.tool for c in task.solution.calls)
            if repeats[sequence] >= (max(allowed, REFUSAL_REPEATS) if task.refusal else allowed):
                batch.rejected[REPEATED] += 1
                continue
            repeats[sequence] += 1
            seen.add(key)
            batch.tasks.append(task)
    finally:
        walker.close()
    return batch


@dataclass
class _People:
    """Who tasks can be for: customers with records of their own, and staff (rows of a staff table)."""

    customers: list[Entity]
    staff: list[Entity]


def _people(walker: Walker, roles: Roles) -> _People:
    customers = []
    if roles.customer:
        key = walker.bp.table(roles.customer).primary_key
        owners = Counter(walker.owner.values())
        customers = [Entity(roles.customer, r[key]) for r in walker.rows[roles.customer]]
        customers = [c for c in customers if owners[c] > 1] or customers
    staff = []
    if roles.staff:
        key = walker.bp.table(roles.staff).primary_key
        staff = [Entity(roles.staff, r[key]) for r in walker.rows[roles.staff]]
    return _People(customers, staff)


def _user_plan(walker: Walker, rng: random.Random, options: SynthOptions, people: _People,
               roles: Roles, first_use: int) -> TaskPlan | None:  # fmt: skip
    """A task of one user's requests: a customer's on their own records, staff work, or an owner's; at least
    `options.min_calls` calls, or `first_use` when its first request gives a writing tool its first use."""
    staff_tools = [p for p in walker.bp.plans if p.name in roles.staff_only or p.name in roles.staff_fields]
    writers = [p for p in walker.bp.plans if p.writes]
    staff_share = min(0.35, max(0.1, len(staff_tools) / max(1, len(writers)))) if staff_tools else 0.0
    if any(walker.used[p.name] == 0 for p in staff_tools):
        staff_share = 0.5
    signups = [p for p in walker.bp.plans if p.kind == "create" and p.table == roles.customer and p.many is None]
    if signups and rng.random() < 1.5 / (1 + walker.used[signups[0].name]) ** 1.5:
        newcomer = _newcomer(walker, rng, signups[0], roles)
        if newcomer is not None:
            return newcomer  # else an existing customer's task
    plan = TaskPlan(role="owner")
    if people.customers and rng.random() >= staff_share:
        plan = TaskPlan(role="customer", persona=rng.choice(people.customers))
    elif staff_tools and (people.staff or roles.staff_members):
        plan = TaskPlan(role="staff")
        if people.staff:
            plan.persona = rng.choice(people.staff)
        else:
            plan.staff = rng.choice(roles.staff_members)
    elif people.customers:
        plan = TaskPlan(role="customer", persona=rng.choice(people.customers))
    walk = None
    try:
        for _ in range(3):  # another customer may have what the goal needs (a stay under way, a free payee)
            walker.begin(plan.role, plan.persona)
            walk = walker.sample()
            if walk is not None or plan.role != "customer":
                break
            plan.persona = rng.choice(people.customers)
        if walk is None:
            return None
        plan.add(walk)
        if walk.goal.tool and walker.bp.plan(walk.goal.tool).writes and not walker.used[walk.goal.tool]:
            plan.least = min(options.min_calls, first_use)
        least = plan.least or options.min_calls
        wanted = intents(rng, options.max_intents)
        for attempt in range(3 * wanted + 6):  # partners first: a first use is short only when none fits
            short = planned_calls(plan) + (1 if plan.persona is not None else 0) < options.min_calls
            if (len(plan.walks) >= wanted and not short) or (attempt >= 3 * wanted and not short):
                break  # enough requests; a plan still too short gets a few more tries
            near = {e for w in plan.walks for e in w.entities()}  # a lone new row shares none: any request may join
            partner = walker.sample(near or None, checked=False)  # tried on the seed only once it fits the plan
            if (
                partner is not None
                and sum(g.tool == partner.goal.tool for g in plan.goals) < SAME_TOOL_REQUESTS
                and fits(plan, partner, walker.bp, options.max_calls)
                and walker.works(partner.goal)
            ):
                plan.add(partner)
        if plan.persona is not None:
            ways = roles.identify if plan.role == "customer" else _staff_ways(walker, plan.persona)
            plan.identity = walker.identify(plan.persona, ways)
            if plan.identity is None:
                return None
        if planned_calls(plan) < least:  # found out before any call is made
            raise Rejected(f"fewer than {least} calls (--min-calls)")
    finally:
        walker.begin("owner", None)
    return plan


def _newcomer(walker: Walker, rng: random.Random, signup: ToolPlan, roles: Roles) -> TaskPlan | None:
    """A new customer opens an account (after the agent checks they have none, where a list finds accounts by
    email) and asks a public question."""
    email = roles.identify[0][0] if roles.identify else None
    finder = next((p for p in walker.bp.plans if p.table == signup.table and p.kind == "list"
                   and any(f.column == email and f.match == "eq" for f in p.roles("filter"))), None)  # fmt: skip
    made = walker.signup(signup)
    if made is None:
        return None
    walk, person, address = made
    newcomer: dict[str, Any] = {"name": person.full, "email": address}
    if finder is not None:
        param = next(f.name for f in finder.roles("filter") if f.column == email)
        newcomer.update(tool=finder.name, args={param: address})
    plan = TaskPlan(role="customer", newcomer=newcomer)
    plan.add(walk)
    # nobody's record, nor the signed-in account ('what is my name?'), is a newcomer's to ask about
    private = {*walker.bp.singletons, *(t.name for t in walker.bp.tables if is_person_table(t.name))}
    walker.begin("customer", None)
    walker.scope = set()
    try:
        for _ in range(4):
            public = walker._tell_goal()
            entity = public.goal.entity if public is not None else None
            if public is not None and entity is not None and walker.owns(entity) and entity.table not in private:
                plan.add(public)
                break
    finally:
        walker.begin("owner", None)
    return plan


def _staff_ways(walker: Walker, persona: Entity) -> tuple[tuple[str, ...], ...]:
    """How a member of staff is found in the staff table: by email, else by name."""
    table = walker.bp.table(persona.table)
    kinds = {c.name: walker.kind(table.name, c.name) for c in table.columns}
    email = [c for c, k in kinds.items() if k == "email"]
    name = [c for c, k in kinds.items() if k in ("person", "name")]
    return tuple((c,) for c in [*email, *name])


def _reason(message: str) -> str:
    """A rejection message without the row-specific details, so reasons can be counted."""
    return message.split(":")[0] if ":" in message else message


def _task(environment: Environment, blueprint: Blueprint, plan: TaskPlan, walker: Walker, task_id: str, title: str,
          tool_names: list[str], options: SynthOptions, roles: Roles, rng: random.Random) -> Task:  # fmt: skip
    owned = {*roles.owned, roles.customer} if roles.customer else set()
    built = instantiate(environment, blueprint, plan, walker.tools, owned)  # type: ignore[arg-type]
    calls = sum(1 for n in built.nodes if isinstance(n, CallNode))
    least = plan.least or options.min_calls
    if plan.refusal is not None:
        least = 1  # one look-up may be all a refusal needs: the value the user hears before declining
    elif plan.newcomer is not None:
        least = min(least, 2)
    if calls < least:
        raise Rejected(f"fewer than {least} calls (--min-calls)")
    if calls > options.max_calls:
        raise Rejected(f"more than {options.max_calls} calls")
    today = dt.date.fromisoformat(environment.spec.clock[:10])
    wording = word_task(blueprint, plan, walker.row, title, roles, rng, today)
    facts = tuple(dict.fromkeys(built.facts))
    metadata: dict[str, object] = {"requests": [g.kind for g in plan.goals], "role": plan.role,
                                   "generator": "autoforge-synthesizer"}  # fmt: skip
    if plan.refusal is not None:
        metadata["rule"] = plan.refusal.rule
        metadata["refused"] = built.refused
    task = Task(
        id=task_id,
        instruction=wording.instruction,
        user=wording.user,
        solution=Solution(nodes=tuple(_with_write_order(list(built.nodes), blueprint))),  # type: ignore[arg-type]
        expected=Expected(facts=facts),
        split=split_of(task_id, options.seed, options.test_fraction),  # type: ignore[arg-type]
        refusal=plan.refusal is not None,
        metadata=metadata,
    )
    if built.violations:
        raise Rejected(f"the ground truth breaks an invariant: {built.violations[0]}")
    task = task.model_copy(  # the changes executing the plan made (instantiation ran it call by call)
        update={
            "expected": task.expected.model_copy(update={"changes": built.changes}),
            "difficulty": measure_difficulty(environment, task.solution),
        }
    )
    writes = any(blueprint.plan(c.tool).writes for c in task.solution.calls)
    if writes and not task.expected.changes:
        raise Rejected("the goal already holds (the writes change nothing)")
    refused = plan.refusal.goal.entity if plan.refusal is not None else None
    if refused is not None and any(Entity(c.table, c.key) == refused for c in task.expected.changes):
        raise Rejected("a refusal task changes the refused record")  # an allowed request beside it may change others
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
    told = [f for f in task.expected.facts if told_in(f, instruction)]
    if told:
        raise Rejected("a fact to tell is already in the instruction")
    leak = leaks(instruction, blueprint, plan, tool_names)
    if leak:
        raise Rejected(leak)
    awkward = phrasing_problems(instruction, environment.spec)
    if awkward:
        raise Rejected(f"the instruction {awkward[0]}")
    return task.model_copy(update={"instruction": instruction, "user": wording.user})


def told_in(fact: str, text: str) -> bool:
    """Whether the instruction already says a fact (as the verifier would find it)."""
    return told(normalise_text(fact), normalise_text(text))


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
