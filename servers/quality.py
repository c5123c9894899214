"""The quality card of an environment: what its tasks cover, how varied they are, how many are refusals, and
whether its state, its tasks' values and its instructions keep to the rules.

    writing tools covered     writing tools some task's ground truth calls
    distinct tool sequences   tasks whose solutions call different tools in a different order
    refusal share             tasks whose right outcome is to refuse (by policy rule)
    invariants                the seed, and the state after every task's replay, break none
    constraints               seed values and every task argument keep the documented constraints
    phrasing                  instructions that name a record by a timestamp, say "whose <field> is", or use
                              a column or tool name (by reason)

The synthesizer prints it at the end of `autoforge synth` and the README card holds it. Word salad is
judged by a language model in `bench/corpus.py`, never here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .constraints import column_rule, problem, state_problems
from .environment import Environment
from .episodes import EpisodeStore
from .invariants import violations
from .solution import run_solution
from .spec import EnvSpec, Task

__all__ = ["Quality", "phrasing_problems", "quality"]

_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b")
_WHOSE = re.compile(r"\bwhose\s+[a-z]+(?:\s+[a-z]+)?\s+(?:is|are|was)\b", re.IGNORECASE)
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def phrasing_problems(instruction: str, spec: EnvSpec) -> list[str]:
    """What makes an instruction read like a database query rather than a person (empty when nothing does)."""
    found = []
    if _TIMESTAMP.search(instruction):
        found.append("names a date or time as a timestamp")
    if _WHOSE.search(instruction):
        found.append("says 'whose <field> is'")
    columns = {c.name for t in spec.tables for c in t.columns if "_" in c.name}
    snake = set(_SNAKE.findall(instruction))
    if snake & columns:
        found.append("uses a column name")
    tools = {t.name for t in spec.tools}
    if any(name in instruction for name in tools if "_" in name or any(ch.isupper() for ch in name[1:])):
        found.append("names a tool")
    return found


@dataclass
class Quality:
    """The figures of a quality card."""

    writing_tools: list[str]
    covered: list[str]
    tasks: int
    sequences: int
    refusals: Counter[str] = field(default_factory=Counter)
    invariant_failures: list[str] = field(default_factory=list)
    constraint_failures: list[str] = field(default_factory=list)
    phrasing: Counter[str] = field(default_factory=Counter)
    checked_values: int = 0
    replayed: bool = True

    @property
    def refusal_share(self) -> float:
        return sum(self.refusals.values()) / self.tasks if self.tasks else 0.0

    @property
    def coverage(self) -> float:
        return len(self.covered) / len(self.writing_tools) if self.writing_tools else 1.0

    def rows(self) -> list[tuple[str, str]]:
        """(measure, value) pairs for a table."""
        missing = sorted(set(self.writing_tools) - set(self.covered))
        by_rule = ", ".join(f"{rule} {count}" for rule, count in sorted(self.refusals.items())) or "none"
        phrasing = ", ".join(f"{reason} ({count})" for reason, count in self.phrasing.most_common()) or "none"
        return [
            ("writing tools covered", f"{len(self.covered)} of {len(self.writing_tools)} ({self.coverage:.0%})"
             + (f"; not: {', '.join(missing)}" if missing else "")),
            ("distinct tool sequences", f"{self.sequences} of {self.tasks}"),
            ("refusal share", f"{self.refusal_share:.0%} ({by_rule})"),
            ("invariants", f"{len(self.invariant_failures)} broken: {self.invariant_failures[0]}" if self.invariant_failures
             else "all hold on the seed and after every replay" if self.replayed
             else "all hold on the seed (and held after every task's ground truth at synthesis)"),
            ("constraints", f"{self.checked_values} values keep them" if not self.constraint_failures
             else f"{len(self.constraint_failures)} broken: {self.constraint_failures[0]}"),
            ("unnatural phrasings", phrasing),
        ]  # fmt: skip


def quality(environment: Environment, *, replay: bool = True) -> Quality:
    """The quality card of a loaded environment; `replay` runs every task's solution once to check the
    invariants after it (synthesis already did, so the README card leaves it to `autoforge check`)."""
    spec = environment.spec
    tasks = list(environment.tasks.values())
    writing = [t.name for t in spec.tools if t.writes]
    called = {c.tool for task in tasks for c in task.solution.calls}
    result = Quality(
        writing_tools=writing,
        covered=[t for t in writing if t in called],
        tasks=len(tasks),
        sequences=len({tuple(c.tool for c in task.solution.calls) for task in tasks}),
        refusals=Counter(str(task.metadata.get("rule", "refusal")) for task in tasks if task.refusal),
    )
    store = EpisodeStore(spec, environment.template, {})
    seed = store.fresh(None)
    try:
        result.invariant_failures += [f"seed: {v}" for v in violations(seed.conn, spec.invariants, seed=True)]
        result.constraint_failures += [f"seed: {p}" for p in state_problems(seed.conn, spec)]
        result.checked_values = sum(len(t.columns) for t in spec.tables)
    finally:
        seed.close()
    result.replayed = replay
    for task in tasks:
        if replay:
            result.invariant_failures += [f"{task.id}: {v}" for v in run_solution(environment, task).violations]
        result.constraint_failures += _argument_problems(spec, task)
        result.checked_values += sum(len(c.arguments) for c in task.solution.calls)
        result.phrasing.update(phrasing_problems(task.instruction, spec))
    return result


def _argument_problems(spec: EnvSpec, task: Task) -> list[str]:
    """Task arguments that break the documented constraints of the column they set."""
    found = []
    for call in task.solution.calls:
        tool = spec.tool(call.tool)
        if tool is None or not tool.writes:
            continue
        columns = {
            c.name.replace("_", "").lower(): c
            for t in tool.tables
            for c in (spec.table(t).columns if spec.table(t) else ())
        }  # type: ignore[union-attr]
        for name, value in call.arguments.items():
            column = columns.get(name.replace("_", "").lower())
            if column is None or column.primary_key or column.references:
                continue
            message = problem(column.name, column_rule(column, boolean=isinstance(value, bool)), value)
            if message:
                found.append(f"{task.id} {call.tool}: {message} (it is {value!r})")
    return found
