"""The synthesis pipeline: documentation in, a verified environment folder out, one checkpointed stage at a time.

parse   -> SourceDoc        tools as the documentation describes them
schema  -> Blueprint, spec  tables, keys, relations; a plan per tool
seed    -> seed.sql         realistic, consistent rows
tools   -> tools.py         tool code, sandbox-checked, then run on the seed
graph   -> edges            which tool's output can feed which tool's input
tasks   -> tasks            walks, merged DAGs, executed ground truth, wording, MCP check
write                       the folder, written whole or not at all
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from autoforge.servers import (
    AutoForgeError,
    EnvSpec,
    Provenance,
    SandboxError,
    SynthesisError,
    Task,
    ToolSpec,
    build_environment,
    load_environment,
)
from autoforge.servers.constraints import state_problems
from autoforge.servers.invariants import violations
from autoforge.servers.limits import CallLimits
from autoforge.servers.pool import pool_for
from autoforge.servers.quality import phrasing_problems
from autoforge.servers.registry.describe import describe_environment
from autoforge.servers.tables import create_schema

from .backends import Backend, make_backend
from .checkpoint import Checkpoints, default_work_dir
from .derived import derive
from .graph import candidate_edges
from .invariants import invariants_of
from .leeway import Leeway
from .models import Blueprint, Draft, Usage
from .multiplex import fold, split_operations
from .naming import service_title
from .options import GENERATOR, SynthOptions
from .policy import policy_text, roles_of
from .probes import probe_tools
from .schema import infer_blueprint, tool_schema
from .seed import DEFAULT_CLOCK, build_seed, to_sql
from .sources import RawSource, parse_structured, read_source
from .stats import TaskStats, task_stats
from .taskgen import REFUSAL_SHARE, check_batch, generate_batch, signature, split_of, told_in
from .tenancy import one_tenant
from .toolgen import generate_tools, table_rules, tool_function
from .values import Values
from .walks import SeedMemo
from .writer import write_environment

__all__ = ["STAGES", "Event", "SynthResult", "governed", "synthesize"]

STAGES = ("parse", "schema", "seed", "tools", "graph", "tasks")
ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MIN_TASKS = 10
"""Fewer verified tasks than this (or than asked for) make no environment: the document is refused, with why."""
MAX_BATCHES = 40
BATCH_SIZE = 120
COVERAGE_BATCHES = 4
"""Batches run once the tasks wanted are made, while some writing tool has no task (their tasks replace others)."""
COVERAGE_TASKS = 10
"""Tasks such a batch asks for."""


@dataclass(frozen=True)
class Event:
    """Progress of one stage: `done` of `total` units, with a short message."""

    stage: str
    done: int
    total: int
    message: str = ""


@dataclass
class SynthResult:
    """What a synthesis run produced."""

    path: Path
    spec: EnvSpec
    tasks: list[Task]
    requested: int
    rejected: dict[str, int]
    notes: list[str]
    seconds: dict[str, float]
    resumed: list[str]
    usage: dict[str, Usage] = field(default_factory=dict)

    @property
    def stats(self) -> TaskStats:
        return task_stats(self.tasks)


Listener = Callable[[Event], None]


def _env_name(out: Path, options: SynthOptions) -> str:
    name = options.name or out.name
    if not ENV_NAME.match(name):
        raise SynthesisError(
            f"{name!r} cannot name an environment: use lower-case letters, digits and dashes "
            "(the folder name given to --out is the environment's name), e.g. --out servers/my-api"
        )
    return name


async def synthesize(
    source: str | Path,
    out: str | Path,
    options: SynthOptions | None = None,
    *,
    work_dir: Path | None = None,
    backend: Backend | None = None,
    on_event: Listener | None = None,
) -> SynthResult:
    """Synthesize a verified environment from tool documentation into the folder `out`.

    Raises SynthesisError (exit code 2) when the input cannot be handled or no task passes the checks;
    nothing is written then. Stages are checkpointed under `work_dir`; rerunning resumes.
    """
    options = options or SynthOptions()
    pool_for(CallLimits.from_environ()).warm()  # its interpreter starts while the document is read
    out = Path(out)
    name = _env_name(out, options)
    options = options.model_copy(update={"name": name})
    listener = on_event or (lambda event: None)
    backend = backend or make_backend(
        options.backend, options.model, options.base_url, (work_dir or default_work_dir()) / "llm-cache"
    )
    raw = await read_source(source, options.max_bytes)
    checkpoints = Checkpoints(work_dir or default_work_dir(), options.key(raw.sha256))
    seconds: dict[str, float] = {}
    resumed: list[str] = []
    draft: Draft | None = None
    runners: dict[str, Callable[[], Awaitable[Draft]]] = {
        "parse": lambda: _parse(raw, backend),
        "schema": lambda: _schema(draft, name, options, backend),  # type: ignore[arg-type]
        "seed": lambda: _seed(draft, options),  # type: ignore[arg-type]
        "tools": lambda: _tools(draft, name, backend, listener),  # type: ignore[arg-type]
        "graph": lambda: _graph(draft, backend),  # type: ignore[arg-type]
        "tasks": lambda: _tasks(draft, options, backend, checkpoints, listener),  # type: ignore[arg-type]
    }
    for index, stage in enumerate(STAGES):
        started = time.perf_counter()
        saved = checkpoints.load(index, stage)
        if saved is not None:
            draft = saved
            resumed.append(stage)
            listener(Event(stage, 1, 1, "resumed from checkpoint"))
            continue
        listener(Event(stage, 0, 1, "started"))
        draft = await runners[stage]()
        draft = draft.model_copy(
            update={
                "usage": {**draft.usage, **backend.usage},
                "notes": (*draft.notes, *_new(backend.notes, draft.notes)),
            }
        )
        checkpoints.save(index, stage, draft)
        seconds[stage] = time.perf_counter() - started
        listener(Event(stage, 1, 1, "done"))
    assert draft is not None and draft.spec is not None and draft.tools_source and draft.seed_sql is not None
    if len(draft.tasks) < min(MIN_TASKS, options.tasks):
        raise SynthesisError(_no_tasks(raw.name, draft, options))
    started = time.perf_counter()
    path = write_environment(out, draft.spec, draft.tools_source, draft.seed_sql, list(draft.tasks))
    written = load_environment(path)  # what was written must load as written (a bug of ours raises here, not later)
    notes = list(draft.notes)
    try:  # server.json (MCP registry manifest) and README.md (card), fresh each time
        describe_environment(path, environment=written)
    except AutoForgeError as exc:
        notes.append(f"the folder is written, but its server.json and README.md are not: {exc}")
    seconds["write"] = time.perf_counter() - started
    if len(draft.tasks) < options.tasks:
        notes.append(f"only {len(draft.tasks)} of the {options.tasks} tasks asked for passed the checks")
    return SynthResult(
        path,
        draft.spec,
        list(draft.tasks),
        options.tasks,
        dict(draft.rejected),
        notes,
        seconds,
        resumed,
        dict(draft.usage),
    )


def _no_tasks(name: str, draft: Draft, options: SynthOptions) -> str:
    """Why too few tasks passed, and what to try."""
    assert draft.blueprint is not None
    reasons = Counter(draft.rejected).most_common(4)
    listed = "; ".join(f"{reason} ({count})" for reason, count in reasons) or "no candidate task at all"
    top = reasons[0][0] if reasons else ""
    plans = draft.blueprint.plans
    hints = []
    if top.startswith("fewer than") and options.min_calls is not None:
        hints.append(
            f"its tools do not chain into tasks of {options.min_calls} calls; pass a smaller --min-calls (e.g. --min-calls 1)"
        )
    if not any(p.writes for p in plans):
        hints.append("no tool it kept changes anything")
    bare = _bare_tables(draft.blueprint)
    if bare and len(bare) * 2 >= len(draft.blueprint.tables):
        hints.append(
            f"{len(bare)} of its {len(draft.blueprint.tables)} records have no field besides their id and what "
            f"its tools find them by ({', '.join(bare[:4])}): the document gives no results to report"
        )
    listers = {p.table for p in plans if p.kind in ("list", "get")}
    stranded = sorted({p.table for p in plans if p.writes and p.table not in listers})
    if top.startswith("walk found no way") and stranded:
        hints.append(f"no tool lists or shows {', '.join(stranded[:4])} records, which its writing tools need")
    skipped = len(draft.blueprint.skipped)
    if skipped:
        hints.append(
            f"{skipped} operation(s) were left out (first: {draft.blueprint.skipped[0].name}: {draft.blueprint.skipped[0].reason})"
        )
    made = f"only {len(draft.tasks)} task(s)" if draft.tasks else "no task"
    return (
        f"{name}: {made} passed the checks (an environment needs {min(MIN_TASKS, options.tasks)}), so none was "
        f"written. Reasons: {listed}. " + ". ".join(hints)
    )


def _bare_tables(blueprint: Blueprint) -> list[str]:
    """Tables whose only columns are their key and the columns reads find rows by (`get_alerts(state)` with no
    documented result): nothing in them to tell a user."""
    bare = []
    for table in blueprint.tables:
        plans = [p for p in blueprint.plans if p.table == table.name]
        found_by = {p.column for plan in plans for p in plan.params if p.role in ("filter", "lookup", "key")}
        if not any(plan.writes for plan in plans) and all(c.primary_key or c.name in found_by for c in table.columns):
            bare.append(table.name)
    return bare


def _new(notes: list[str], existing: tuple[str, ...]) -> list[str]:
    return [n for n in notes if n not in existing]


# ---- stages --------------------------------------------------------------------------------------


async def _parse(raw: RawSource, backend: Backend) -> Draft:
    source = parse_structured(raw)
    if source is None:
        from .models import SourceDoc

        operations = await backend.parse_prose(raw.text, raw.name)
        source = SourceDoc(
            name=raw.name,
            title=raw.name.rsplit(".", 1)[0],
            format="markdown-prose",
            sha256=raw.sha256,
            operations=tuple(operations),
        )
    if not source.operations:
        raise SynthesisError(f"{raw.name}: the document describes no operations")
    return Draft(source=one_tenant(source.model_copy(update={"operations": split_operations(source.operations)})))


async def _schema(draft: Draft, name: str, options: SynthOptions, backend: Backend) -> Draft:
    blueprint = await backend.refine_blueprint(draft.source, infer_blueprint(draft.source))
    if not blueprint.plans:
        reasons = "; ".join(f"{s.name}: {s.reason}" for s in blueprint.skipped[:8])
        raise SynthesisError(
            f"{draft.source.name}: none of its {len(draft.source.operations)} operations could be turned into a tool ({reasons})"
        )
    operations = {op.name: op for op in draft.source.operations}
    tools: list[ToolSpec] = []
    notes = [f"left out {s.name}: {s.reason}" for s in blueprint.skipped]
    for plan in blueprint.plans:
        schema, fixes = tool_schema(operations[plan.name], plan, blueprint)
        notes += [f"schema fixed: {fix}" for fix in fixes]
        tools.append(
            ToolSpec(
                name=plan.name,
                description=plan.description,
                input_schema=schema,
                writes=plan.writes,
                tables=(plan.table,),
            )
        )
    title = service_title(draft.source.title)
    spec = EnvSpec(
        name=name,
        version="0.1.0",
        description=(draft.source.description or f"The {title} service.")[:600],
        clock=DEFAULT_CLOCK,
        tables=blueprint.tables,
        tools=tuple(tools),
        provenance=Provenance(
            source=draft.source.name,
            source_sha256=draft.source.sha256,
            source_format=draft.source.format,
            backend=backend.name,
            model=backend.model,
            seed=options.seed,
            generator=GENERATOR,
        ),
    )
    spec = governed(spec, blueprint, title, options.seed)
    return draft.model_copy(update={"blueprint": blueprint, "spec": spec, "notes": (*draft.notes, *notes)})


def governed(spec: EnvSpec, blueprint: Blueprint, title: str, seed: int) -> EnvSpec:
    """The spec with its roles, policy and invariants, written from the blueprint (after any tool is dropped)."""
    roles = roles_of(blueprint, Values(seed, spec.clock, title))
    rules = table_rules(blueprint)
    policy = policy_text(title, spec.description, blueprint, roles, rules, spec.clock)
    invariants = invariants_of(blueprint, derive(blueprint), spec.clock)
    return spec.model_copy(update={"roles": roles, "policy": policy, "invariants": invariants})


async def _seed(draft: Draft, options: SynthOptions) -> Draft:
    assert draft.blueprint is not None and draft.spec is not None
    blueprint = draft.blueprint
    data = build_seed(blueprint, options.seed, options.rows, derive(blueprint), draft.spec.clock, draft.source.title)
    seed_sql = to_sql(blueprint, data)
    _check_seed(draft.spec, seed_sql, draft.source.name)
    return draft.model_copy(update={"seed_sql": seed_sql})


def _check_seed(spec: EnvSpec, seed_sql: str, source: str) -> None:
    """The seed keeps every invariant and every documented constraint; an environment that breaks one is refused."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        create_schema(conn, spec)
        try:
            conn.executescript(seed_sql)
        except sqlite3.Error as exc:
            raise SynthesisError(
                f"{source}: the seed does not load ({exc}); a synthesizer bug, please report it"
            ) from None
        problems = [str(v) for v in violations(conn, spec.invariants, seed=True)] + state_problems(conn, spec)
    finally:
        conn.close()
    if problems:
        raise SynthesisError(f"{source}: the seed breaks the environment's own rules: {'; '.join(problems[:4])}")


async def _tools(draft: Draft, name: str, backend: Backend, listener: Listener) -> Draft:
    assert draft.blueprint is not None and draft.spec is not None and draft.seed_sql is not None
    blueprint, spec = draft.blueprint, draft.spec
    schemas = {t.name: t.input_schema for t in spec.tools}
    source = generate_tools(blueprint, schemas, name, draft.source.name)
    notes: list[str] = []
    if not backend.offline:
        source, notes = await _llm_tools(source, blueprint, schemas, backend, spec, draft.seed_sql)
    environment = build_environment(spec, source, draft.seed_sql)
    problems = probe_tools(environment, blueprint)
    broken = {tool: found for tool, found in problems.items() if found}
    if broken:
        keep = tuple(p for p in blueprint.plans if p.name not in broken)
        if not keep:
            raise SynthesisError(
                f"{draft.source.name}: every tool failed its checks on the seed ({next(iter(broken.values()))[0]})"
            )
        notes += [f"dropped tool {tool}: {found[0].message}" for tool, found in broken.items()]
        blueprint = blueprint.model_copy(update={"plans": keep})
        spec = spec.model_copy(update={"tools": tuple(t for t in spec.tools if t.name not in broken), "roles": None})
        spec = governed(spec, blueprint, service_title(draft.source.title), spec.provenance.seed or 0)
        source = generate_tools(blueprint, schemas, name, draft.source.name) if backend.offline else source
    listener(Event("tools", 1, 1, f"{len(spec.tools)} tools checked on the seed"))
    return draft.model_copy(
        update={"blueprint": blueprint, "spec": spec, "tools_source": source, "notes": (*draft.notes, *notes)}
    )


async def _llm_tools(
    source: str,
    blueprint: Blueprint,
    schemas: dict[str, dict[str, object]],
    backend: Backend,
    spec: EnvSpec,
    seed_sql: str,
) -> tuple[str, list[str]]:
    """Ask the backend for each tool's code; keep what passes the sandbox and the probes, else the offline code."""
    notes: list[str] = []
    for plan in blueprint.plans:
        reference = tool_function(plan, blueprint, schemas[plan.name])
        feedback: str | None = None
        for _ in range(3):
            code = await backend.implement_tool(plan, blueprint, schemas[plan.name], reference, feedback)
            if code is None:
                break
            candidate = source.replace(reference, code.rstrip() + "\n")
            try:
                environment = build_environment(spec, candidate, seed_sql)
            except SandboxError as exc:
                feedback = str(exc)
                continue
            found = probe_tools(environment, blueprint.model_copy(update={"plans": (plan,)})).get(plan.name, [])
            if not found:
                source = candidate
                break
            feedback = "; ".join(p.message for p in found)
        else:
            notes.append(
                f"{plan.name}: the model's code kept failing its checks ({feedback}); kept the offline implementation"
            )
    return source, notes


async def _graph(draft: Draft, backend: Backend) -> Draft:
    assert draft.blueprint is not None
    edges = await backend.judge_edges(candidate_edges(draft.blueprint), draft.blueprint, draft.source)
    return draft.model_copy(update={"edges": tuple(edges)})


async def _tasks(
    draft: Draft, options: SynthOptions, backend: Backend, checkpoints: Checkpoints, listener: Listener
) -> Draft:
    assert draft.spec is not None and draft.tools_source is not None and draft.seed_sql is not None
    environment = build_environment(draft.spec, draft.tools_source, draft.seed_sql)
    accepted: list[Task] = []
    rejected: Counter[str] = Counter()
    seen: set[str] = set()
    stale = 0
    quota = refusal_quota(options.tasks)
    memo = SeedMemo()
    misses = 0  # batches in a row that wanted refusals and kept none
    leeway = Leeway(options)
    writing = {t.name for t in draft.spec.tools if t.writes}
    extra = 0  # batches run after the quota was met, for writing tools no task calls yet
    for number in range(MAX_BATCHES):
        refusals = [t for t in accepted if t.refusal]
        others = len(accepted) - len(refusals)
        wanted_refusals = max(0, quota - len(refusals))
        wanted_others = max(0, options.tasks - quota - others)
        selected = _select(accepted, options.tasks, quota, writing)
        uncovered = writing - {c.tool for t in selected for c in t.solution.calls}
        if wanted_refusals + wanted_others == 0 and uncovered and extra < COVERAGE_BATCHES and stale < 2:
            extra += 1
            wanted_others = COVERAGE_TASKS
        if (wanted_refusals + wanted_others == 0) or stale >= 4 or (not wanted_others and number >= MAX_BATCHES // 2):
            break
        wanted = wanted_refusals + wanted_others
        saved = checkpoints.load_batch(number)
        if saved is None:
            size = max(10, min(BATCH_SIZE, math.ceil(wanted * 2.0)))
            used = Counter(c.tool for t in selected for c in t.solution.calls)
            sequences = Counter(tuple(c.tool for c in t.solution.calls) for t in accepted)
            odds = min(0.8, max(0.03, wanted_refusals / wanted)) if wanted else 0.0
            batch = generate_batch(
                draft, environment, number, size, leeway.applied(options), set(seen), used, sequences,
                leeway.allowed(number, size), odds, memo, leeway.first_use(number),
            )  # fmt: skip
            tasks = [await _reword(task, backend, draft.spec) for task in batch.tasks]
            kept, failed = await check_batch(draft, tasks)
            saved = {
                "tasks": [t.model_dump(mode="json") for t in kept],
                "rejected": dict(batch.rejected + failed),
                "signatures": [signature(t) for t in batch.tasks],
            }
            # the listener first: a Ctrl-C whose exception something swallowed while the batch was made (it may
            # have cut a call short) stops the run here, before that batch is kept for a rerun to resume from
            listener(Event("tasks", min(len(accepted), options.tasks), options.tasks, f"checked batch {number + 1}"))
            checkpoints.save_batch(number, saved)
        kept_tasks = [Task.model_validate(t) for t in saved["tasks"]]
        if extra:  # past the quota: only a task that gives an uncovered writing tool a use earns its place
            kept_tasks = [t for t in kept_tasks if uncovered & {c.tool for c in t.solution.calls}]
        relaxed = leeway.relax(len(kept_tasks), wanted, saved["rejected"])
        stale = 0 if kept_tasks or relaxed else stale + 1
        misses = misses + 1 if wanted_refusals and not any(t.refusal for t in kept_tasks) else 0
        if misses >= 3:  # this environment gives few refusals: keep what it gave, fill up with other tasks
            quota = sum(1 for t in [*accepted, *kept_tasks] if t.refusal)
        accepted += kept_tasks
        rejected.update(saved["rejected"])
        seen.update(saved["signatures"])
        listener(Event("tasks", min(len(accepted), options.tasks), options.tasks, f"batch {number + 1}"))
    final = []
    for index, task in enumerate(_select(accepted, options.tasks, quota, writing), start=1):
        task_id = f"{draft.spec.name}-{index:04d}"
        final.append(
            task.model_copy(update={"id": task_id, "split": split_of(task_id, options.seed, options.test_fraction)})
        )
    folded = fold(draft.model_copy(update={"tasks": tuple(final)}))
    if folded.spec is not draft.spec:  # the document's multiplexing tools are back: check the tasks as served
        final, failed = await check_batch(folded, list(folded.tasks))
        rejected.update(failed)
    return folded.model_copy(update={"tasks": tuple(final), "rejected": dict(rejected)})


def refusal_quota(tasks: int) -> int:
    """How many of `tasks` should be refusals: REFUSAL_SHARE of them (at least one in ten, at most a quarter)."""
    return max(math.ceil(tasks * 0.10), min(math.floor(tasks * 0.25), round(tasks * REFUSAL_SHARE)))


def _select(accepted: list[Task], total: int, quota: int, writing: set[str]) -> list[Task]:
    """`total` tasks in the order they were made, with `quota` refusals when there are enough (more when the
    others run short, but no more than a quarter of what is kept, fewer tasks then, unless that would leave fewer
    than MIN_TASKS); none when only refusals passed. A task made later that calls a `writing` tool no kept task
    calls takes the place of a kept one whose writing tools others call too."""
    refusals = [t for t in accepted if t.refusal]
    others = [t for t in accepted if not t.refusal]
    if not others:
        return []  # refusals alone make no environment: nothing else passed
    ceiling = max(len(others) // 3, MIN_TASKS - len(others))
    keep_refusals = min(len(refusals), max(quota, total - len(others)), ceiling)
    kept_others = _covering(others, total - keep_refusals, writing)
    chosen = {id(t) for t in _varied(refusals, kept_others)[:keep_refusals]} | {id(t) for t in kept_others}
    return [t for t in accepted if id(t) in chosen]


def _covering(tasks: list[Task], count: int, writing: set[str]) -> list[Task]:
    """The first `count` of `tasks`, where each later task that calls a writing tool none of them calls replaces the
    last of them whose writing tools the rest still call."""
    chosen, spare = tasks[:count], tasks[count:]

    def writes(task: Task) -> set[str]:
        return {c.tool for c in task.solution.calls} & writing

    for task in spare:
        if not writes(task) - {w for t in chosen for w in writes(t)}:
            continue
        for index in reversed(range(len(chosen))):
            rest = {w for t in chosen[:index] + chosen[index + 1 :] for w in writes(t)}
            if writes(chosen[index]) <= rest:
                chosen[index : index + 1] = []
                chosen.append(task)
                break
    return chosen


def _varied(candidates: list[Task], kept: list[Task]) -> list[Task]:
    """`candidates` with those whose tool sequence no kept task (nor an earlier candidate) has first, in order."""
    seen = {_sequence(t) for t in kept}
    fresh, repeated = [], []
    for task in candidates:
        (repeated if _sequence(task) in seen else fresh).append(task)
        seen.add(_sequence(task))
    return fresh + repeated


def _sequence(task: Task) -> tuple[str, ...]:
    return tuple(c.tool for c in task.solution.calls)


async def _reword(task: Task, backend: Backend, spec: EnvSpec) -> Task:
    """An LLM backend's rewording of the instruction, kept only when it passes the same checks as the template:
    every value the template states survives, no fact or id is given away, and it reads like a person."""
    if backend.offline:
        return task
    secrets = [*task.expected.facts, *task.user.unknown]
    stated = {k: v for k, v in task.user.known_facts.items() if str(v).lower() in task.instruction.lower()}
    instruction = await backend.word(task.instruction, stated, secrets)
    awkward = phrasing_problems(instruction, spec)
    if awkward or any(told_in(fact, instruction) for fact in task.expected.facts):
        backend.notes.append(
            f"wording: kept a template instruction (the rewording {awkward[0] if awkward else 'gives a fact away'})"
        )
        return task
    return task.model_copy(update={"instruction": instruction})
