"""`import_tau2` (and `import_tau_bench`): a benchmark domain from a checkout, as an AutoForge environment folder.

    checkout   -> database, tasks, policy, tool texts   (read as data; tau2 is never imported)
    layout     -> tables + seed.sql                     (nested records as rows, losslessly)
    tools      -> tools.py                              (our code, tau2's semantics)
    tasks      -> tasks.jsonl                           (gold actions run here: the ones that raise are
                                                         dropped and recorded, as tau2 does; the rest give
                                                         the expected changes)

A task that cannot be converted is skipped with its reason; the report counts everything.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoforge.servers import (
    Change,
    Environment,
    EnvSpec,
    InitialState,
    Provenance,
    SynthesisError,
    Task,
    ToolSpec,
    build_environment,
    complete_task,
    run_solution,
    validate_folder,
)
from autoforge.servers.state import diff_rows

from ..writer import write_environment
from .airline import AIRLINE
from .checkout import Checkout, DomainFiles, open_checkout
from .domain import Domain
from .layout import Rows, flatten, tables
from .retail import RETAIL
from .tasks import Tau2Action, Tau2Task, Unconvertible, read_task, to_task
from .tau_bench import DOMAINS as TAU_BENCH_DOMAINS
from .tau_bench import open_tau_bench

__all__ = [
    "DOMAINS",
    "ImportReport",
    "Skipped",
    "build_parts",
    "import_checkout",
    "import_tau2",
    "import_tau_bench",
    "seed_sql",
]

DOMAINS: dict[str, Domain] = {d.name: d for d in (RETAIL, AIRLINE)}
UNSUPPORTED = {
    "telecom": "its user-side phone tools, sync step and env-assertion grading have no AutoForge counterpart yet",
    "mock": "it is tau2's test domain, graded by env assertions and actions",
    "banking_knowledge": "it needs document retrieval and discoverable tools",
}
ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Skipped:
    """A task left out of the import, and why."""

    task_id: str
    reason: str


@dataclass
class ImportReport:
    """What an import produced."""

    domain: str
    path: Path
    commit: str | None
    spec: EnvSpec
    tasks: list[Task]
    total: int
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    label: str = "tau2"
    """The benchmark, and the key of each task's metadata about its source task."""

    @property
    def dropped_actions(self) -> int:
        return sum(len(t.metadata[self.label]["dropped_actions"]) for t in self.tasks)

    @property
    def refusals(self) -> int:
        """Tasks whose right outcome changes nothing and states no fact (an empty trajectory passes them, as in tau2)."""
        return sum(1 for t in self.tasks if not t.expected.changes and not t.expected.facts)

    @property
    def nl_gated(self) -> int:
        """Tasks that tau2 also grades with an LLM judge (their NL assertions are kept, not graded here)."""
        return sum(1 for t in self.tasks if t.metadata[self.label]["nl_assertions_gated_in_tau2"])

    def summary(self) -> str:
        return (
            f"imported {len(self.tasks)} of {self.total} tasks ({len(self.skipped)} skipped), "
            f"{self.dropped_actions} gold action(s) dropped because they raise, {self.refusals} refusal task(s)"
        )


@dataclass(frozen=True)
class Parts:
    """An imported domain in memory, before its tasks: spec, tool code, seed rows and the source files."""

    domain: Domain
    files: DomainFiles
    spec: EnvSpec
    tools_source: str
    seed_sql: str
    database: dict[str, Any]
    rows: Rows
    notes: tuple[str, ...]
    label: str


def import_tau2(
    domain: str,
    checkout: str | Path,
    out: str | Path,
    *,
    on_task: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import `domain` from the tau2-bench checkout at `checkout` into the folder `out`.

    Raises SynthesisError for a path that is not a checkout, a domain it lacks or that is not
    supported, or data that does not fit tau2's model; bad tasks are skipped and reported.
    """
    return import_checkout(domain, open_checkout(checkout), out, DOMAINS, on_task=on_task)


def import_tau_bench(
    domain: str,
    checkout: str | Path,
    out: str | Path,
    *,
    on_task: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import `domain` from the original tau-bench checkout at `checkout` into the folder `out` (as import_tau2)."""
    return import_checkout(domain, open_tau_bench(checkout), out, TAU_BENCH_DOMAINS, on_task=on_task)


def import_checkout(
    domain: str,
    source: Checkout,
    out: str | Path,
    domains: Mapping[str, Domain],
    *,
    on_task: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import `domain` (one of `domains`) from the checkout `source` into the folder `out`."""
    out = Path(out)
    if not ENV_NAME.match(out.name):
        raise SynthesisError(
            f"--out {out}: the folder name is the environment name and must be kebab-case, e.g. tau2-{domain}"
        )
    parts = build_parts(domain, source, out.name, domains)
    environment = build_environment(parts.spec, parts.tools_source, parts.seed_sql)
    raw_tasks = parts.files.read_tasks()
    splits = parts.files.read_splits()
    tasks: list[Task] = []
    skipped: list[Skipped] = []
    for done, raw in enumerate(raw_tasks, start=1):
        task_id = str(raw.get("id", f"#{done}")) if isinstance(raw, dict) else f"#{done}"
        try:
            tasks.append(convert_task(parts, environment, raw, splits))
        except Unconvertible as exc:
            skipped.append(Skipped(task_id, str(exc)))
        if on_task is not None:
            on_task(done, len(raw_tasks))
    if not tasks:
        reasons = "; ".join(f"{s.task_id}: {s.reason}" for s in skipped[:5])
        raise SynthesisError(f"no task of {parts.files.tasks} could be imported ({reasons})")
    path = write_environment(out, parts.spec, parts.tools_source, parts.seed_sql, tasks)
    problems = validate_folder(path)
    if problems:
        raise SynthesisError(f"the imported folder {path} does not validate: " + "; ".join(map(str, problems[:5])))
    return ImportReport(
        domain, path, source.commit, parts.spec, tasks, len(raw_tasks), skipped, list(parts.notes), source.label
    )


def build_parts(domain: str, checkout: Checkout, name: str, domains: Mapping[str, Domain] = DOMAINS) -> Parts:
    """Spec, tool code and seed for `domain` (one of `domains`) of `checkout`, named `name`."""
    known = checkout.domains()
    if domain not in known:
        raise SynthesisError(
            f"{checkout.root} has no domain {domain!r} (it has: {', '.join(known) or 'none'}); "
            f"importable domains: {', '.join(domains)}"
        )
    if domain not in domains:
        why = UNSUPPORTED.get(domain, "this importer does not know its data model")
        raise SynthesisError(f"the {domain!r} domain cannot be imported yet: {why}. Importable: {', '.join(domains)}")
    definition = domains[domain]
    files = checkout.domain(domain)
    specs, notes = tool_specs(definition, files)
    database = files.read_database()
    try:
        rows = flatten(definition.layout, database)
    except ValueError as exc:
        raise SynthesisError(f"{files.database} does not fit tau2's {domain} data model: {exc}") from None
    tools_source = definition.tools_source(files.constants)
    if domain == "airline" and "AIRPORTS" not in files.constants:
        notes.append("the checkout's source has no airport list: list_all_airports returns an empty list")
    spec = EnvSpec(
        name=name,
        version=checkout.version(),
        description=definition.description,
        policy=files.policy.read_text(encoding="utf-8"),
        clock=definition.clock,
        tables=tuple(tables(definition.layout)),
        tools=tuple(specs),
        provenance=Provenance(
            source=f"{checkout.repository}@{checkout.commit or 'unknown-commit'}:{files.folder.relative_to(checkout.root)}",
            source_sha256=_sha256(*files.sources()),
            source_format=checkout.source_format,
            source_version=checkout.release(),
            backend="import",
            generator=f"autoforge import {checkout.label}",
        ),
        license="MIT",
    )
    if checkout.commit is None:
        notes.append(f"{checkout.root} is not a git work tree: the source commit is recorded as unknown")
    return Parts(
        definition, files, spec, tools_source, seed_sql(spec, rows), database, rows, tuple(notes), checkout.label
    )


def tool_specs(domain: Domain, files: DomainFiles) -> tuple[list[ToolSpec], list[str]]:
    """Our tools as the checkout declares them: its description texts, only the tools it has."""
    if not files.tools:
        return [t.spec() for t in domain.tools], [
            "the checkout has no tool source: tool descriptions are AutoForge's own"
        ]
    extra = sorted(set(files.tools) - {t.name for t in domain.tools})
    if extra:
        raise SynthesisError(
            f"the checkout's {domain.name} toolkit has tools this importer does not implement: {', '.join(extra)}; "
            "it is newer than this importer (use a tau2-bench release it supports)"
        )
    specs: list[ToolSpec] = []
    notes: list[str] = []
    for declared in domain.tools:
        source = files.tools.get(declared.name)
        if source is None:
            notes.append(f"the checkout has no {declared.name} tool: it is left out")
            continue
        ours = tuple(p.name for p in declared.params)
        if source.parameters != ours:
            raise SynthesisError(
                f"the checkout's {declared.name} takes ({', '.join(source.parameters)}) but this importer implements "
                f"({', '.join(ours)}); use a tau2-bench release it supports"
            )
        if source.kind is not None and (source.kind == "WRITE") != declared.writes:
            raise SynthesisError(f"the checkout's {declared.name} is a {source.kind} tool, unlike this importer's")
        specs.append(declared.spec(source.description, source.arguments))
    return specs, notes


def convert_task(parts: Parts, environment: Environment, raw: Any, splits: dict[str, list[str]]) -> Task:
    """One tau2 task as ours: gold actions that raise are dropped and recorded; raises Unconvertible."""
    tools = {t.name for t in parts.spec.tools}
    source = read_task(raw, tools)
    initial = initial_state(parts, source)
    actions = list(source.evaluation_criteria.actions or []) if source.evaluation_criteria else []

    def build(kept: list[Tau2Action], dropped: list[dict[str, str]], depends_on: list[tuple[int, ...]]) -> Task:
        return to_task(
            source,
            domain=parts.domain.name,
            label=parts.label,
            actions=kept,
            dropped=dropped,
            depends_on=depends_on,
            initial=initial,
            splits=splits,
        )

    trial = build(actions, [], [()] * len(actions))
    run = run_solution(environment, trial)
    ids = [n.id for n in trial.solution.calls]
    dropped = [
        {"action_id": a.action_id, "name": a.name, "error": run.errors[i]}
        for a, i in zip(actions, ids)
        if i in run.errors
    ]
    kept = [(a, i) for a, i in zip(actions, ids) if i not in run.errors]
    depends_on = dependencies([a for a, _ in kept], [run.outputs.get(i) for _, i in kept], parts.spec, trial)
    task = build([a for a, _ in kept], dropped, depends_on)
    try:
        return complete_task(environment, task)
    except ValueError as exc:
        raise Unconvertible(f"its gold actions do not replay: {exc}") from None


def dependencies(actions: list[Tau2Action], outputs: list[Any], spec: EnvSpec, task: Task) -> list[tuple[int, ...]]:
    """For each gold action, the earlier ones it needs: the last call whose output holds one of its argument
    values (that the user does not know), and the previous write for a write (writes keep their order)."""
    known = json.dumps(task.user.model_dump(), ensure_ascii=False) + task.instruction
    texts = [json.dumps(o, ensure_ascii=False) if o is not None else "" for o in outputs]
    result: list[tuple[int, ...]] = []
    last_write: int | None = None
    for index, action in enumerate(actions):
        needs: set[int] = set()
        for value in _strings(action.arguments):
            if len(value) < 3 or value in known:
                continue
            source = next((j for j in range(index - 1, -1, -1) if value in texts[j]), None)
            if source is not None:
                needs.add(source)
        tool = spec.tool(action.name)
        if tool is not None and tool.writes:
            if last_write is not None:
                needs.add(last_write)
            last_write = index
        result.append(tuple(sorted(needs)))
    return result


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def initial_state(parts: Parts, task: Tau2Task) -> InitialState | None:
    """tau2's initialization data (deep-merged into the database) as changes to the seed."""
    data = task.initial_state.initialization_data if task.initial_state else None
    update = (data or {}).get("agent_data")
    if not update:
        return None
    merged = _deep_merge(json.loads(json.dumps(parts.database)), update)
    try:
        after = flatten(parts.domain.layout, merged)
    except ValueError as exc:
        raise Unconvertible(f"its initialization data does not fit the data model: {exc}") from None
    changes: list[Change] = []
    for table in parts.spec.tables:
        key = table.primary_key
        columns = [c.name for c in table.columns]

        def keyed(rows: list[dict[str, Any]]) -> dict[Any, tuple[Any, ...]]:
            return {r[key]: tuple(r.get(c) for c in columns) for r in rows}  # noqa: B023 - used at once

        changes += diff_rows(table, keyed(parts.rows.get(table.name, [])), keyed(after.get(table.name, [])))
    return InitialState(changes=tuple(changes)) if changes else None


def _deep_merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """tau2's update of a database with a dict: nested dicts merge, anything else replaces."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value
    return base


def seed_sql(spec: EnvSpec, rows: Rows) -> str:
    """seed.sql: the rows as INSERT statements, parents first, in one transaction; every value exact."""
    probe = sqlite3.connect(":memory:")
    lines = ["-- Imported from a tau2-bench checkout (rows only; the schema comes from env.json).", "BEGIN;"]
    for table in spec.tables:
        names = [c.name for c in table.columns]
        header = ", ".join(f'"{n}"' for n in names)
        records = rows.get(table.name, [])
        for start in range(0, len(records), 500):
            chunk = records[start : start + 500]
            values = ",\n".join("  (" + ", ".join(_literal(r.get(n), probe) for n in names) + ")" for r in chunk)
            lines.append(f'INSERT INTO "{table.name}" ({header}) VALUES\n{values};')
    lines.append("COMMIT;")
    probe.close()
    return "\n".join(lines) + "\n"


def _literal(value: Any, probe: sqlite3.Connection) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return _real(value, probe)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if "\0" in text:  # a script cannot hold NUL: spell the text as its UTF-8 bytes
        return f"CAST(X'{text.encode().hex()}' AS TEXT)"
    return "'" + text.replace("'", "''") + "'"


def _real(value: float, probe: sqlite3.Connection) -> str:
    """A REAL literal SQLite reads back as exactly `value` (its decimal parser is off by one unit for a few doubles)."""
    text = repr(value)
    if probe.execute(f"SELECT {text}").fetchone()[0] == value:
        return text
    fraction, exponent = math.frexp(value)
    mantissa, shift = int(fraction * 2**53), exponent - 53  # value == mantissa * 2**shift, both exact
    steps = [f"CAST({mantissa} AS REAL)"]
    while shift:
        step = max(-62, min(62, shift))
        steps.append(f"{'*' if step > 0 else '/'} {2 ** abs(step)}")
        shift -= step
    exact = "(" + " ".join(steps) + ")"
    if probe.execute(f"SELECT {exact}").fetchone()[0] != value:
        raise SynthesisError(f"the number {text} cannot be written exactly into seed.sql")
    return exact


def _sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
