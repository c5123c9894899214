"""The quality card of an environment: what its tasks cover, how varied they are, how many are refusals, and
whether its state, its tasks' values and its instructions keep to the rules.

    writing tools covered     writing tools some task's ground truth calls
    distinct tool sequences   tasks whose solutions call different tools in a different order
    refusal share             tasks whose right outcome is to refuse (by policy rule)
    invariants                the seed, and the state after every task's replay, break none
    constraints               seed values and every task argument keep the documented constraints
    phrasing                  instructions that name a record by a timestamp, say "whose <field> is", or use
                              a column or tool name (by reason)
    word salad                quoted instruction values and free-text seed values a language model finds
                              to be word salad (by where the value is read)

The synthesizer prints it at the end of `autoforge synth` and the README card holds it. Word salad needs a
language model (autoforge.rl.salad, SmolLM2): `bench/corpus.py` and the tests pass one as `judge`;
synthesis never does, so the card there says it was not judged.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .constraints import as_stored, column_rule, problem, state_problems
from .environment import Environment
from .episodes import EpisodeStore
from .invariants import violations
from .solution import run_solution
from .spec import EnvSpec, Task

__all__ = [
    "QUOTED",
    "SEED_TEXT",
    "TIMESTAMP",
    "WHOSE",
    "Quality",
    "SaladJudge",
    "phrasing_problems",
    "quality",
    "quoted_values",
    "salad_items",
    "seed_texts",
]

QUOTED = "quoted in an instruction"
SEED_TEXT = "free text in the seed"
TIMESTAMP = "names a date or time as a timestamp"
WHOSE = "says 'whose <field> is'"

_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b")
_WHOSE = re.compile(r"\bwhose\s+[a-z]+(?:\s+[a-z]+)?\s+(?:is|are|was)\b", re.IGNORECASE)
_ARTICLE = re.compile(
    r"\b(?:an (?![aeiouAEIOU]|hour|honest|honou?r|heir|[A-Z0-9])[a-z]|a (?=[aeiou][a-z]*\b)(?!u[nrst]i|use|usu|one|eu))"
)
ARTICLE = "an article that does not fit its noun"
FLAG = "names a yes/no field as a noun ('the is private of')"
_FLAG = re.compile(r"\bthe (?:is|has) [a-z]+(?: [a-z]+)? (?:of|to)\b", re.IGNORECASE)
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_QUOTE = re.compile(r'"([^"]+)"|\u201c([^\u201d]+)\u201d')
_CONTEXT_WORDS = 8


class SaladJudge(Protocol):
    """Says which values are word salad; each item is (the text a reader sees just before the value, the value)."""

    min_words: int
    """Values with fewer words are too short to judge and are not passed."""

    def __call__(self, items: Sequence[tuple[str, str]]) -> list[bool]: ...


def quoted_values(instruction: str) -> list[tuple[str, str]]:
    """The values an instruction quotes (as the offline wording quotes titles, names and free text), each with
    the words just before it."""
    return [
        (" ".join(instruction[: m.start()].split()[-_CONTEXT_WORDS:]), m.group(1) or m.group(2))
        for m in _QUOTE.finditer(instruction)
    ]


def seed_texts(environment: Environment) -> list[tuple[str, str]]:
    """Distinct free-text seed values a user or agent reads (text columns that are no key, enum or formatted
    value; at least two words, no email), each with its field as 'table column:'."""
    spec = environment.spec
    columns = [
        (t.name, c.name)
        for t in spec.tables
        for c in t.columns
        if c.type == "TEXT" and not (c.primary_key or c.references or c.enum or c.format or c.pattern)
    ]
    seed = EpisodeStore(spec, environment.template, {}).fresh(None)
    try:
        values = {
            (f"{_words(table)} {_words(column)}:", value)
            for table, column in columns
            for (value,) in seed.conn.execute(f'SELECT DISTINCT "{column}" FROM "{table}"')
            if isinstance(value, str) and len(value.split()) > 1 and "@" not in value
        }
    finally:
        seed.close()
    return sorted(values)


def _words(name: str) -> str:
    """A table or column name as words: order_items -> order items, giftMessage -> gift message."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()


def phrasing_problems(instruction: str, spec: EnvSpec) -> list[str]:
    """What makes an instruction read like a database query rather than a person (empty when nothing does)."""
    found = []
    if _TIMESTAMP.search(instruction):
        found.append(TIMESTAMP)
    if _WHOSE.search(instruction):
        found.append(WHOSE)
    if _ARTICLE.search(instruction):
        found.append(ARTICLE)
    if _FLAG.search(instruction):
        found.append(FLAG)
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
    judged: Counter[str] | None = None
    """Values judged for word salad, by where they are read; None when no judge ran."""
    salad: Counter[str] = field(default_factory=Counter)
    salad_examples: list[str] = field(default_factory=list)

    @property
    def refusal_share(self) -> float:
        return sum(self.refusals.values()) / self.tasks if self.tasks else 0.0

    @property
    def coverage(self) -> float:
        return len(self.covered) / len(self.writing_tools) if self.writing_tools else 1.0

    @property
    def salad_share(self) -> float | None:
        """Share of judged values that are word salad (None when not judged)."""
        if self.judged is None:
            return None
        total = sum(self.judged.values())
        return sum(self.salad.values()) / total if total else 0.0

    def salad_text(self) -> str:
        """The word-salad figure as one line: share, counts by where the value is read, first examples."""
        if self.judged is None:
            return "not judged (a language model judges it: bench/corpus.py, tests)"
        total = sum(self.judged.values())
        by_place = ", ".join(f"{place} {self.salad[place]} of {n}" for place, n in sorted(self.judged.items()))
        examples = "; e.g. " + ", ".join(repr(v) for v in self.salad_examples[:3]) if self.salad_examples else ""
        return f"{self.salad_share:.0%} of {total} values ({by_place or 'none to judge'}){examples}"

    def misses(self) -> list[str]:
        """Issue 14's targets this card misses (they apply with at least 5 writing tools and 100 tasks): 90% of
        writing tools covered, 80% distinct tool sequences, 10-25% refusals, no word salad (when judged), no
        timestamp or "whose <field> is" phrasing."""
        missed = []
        if self.coverage < 0.9:
            missed.append(f"writing tools covered {self.coverage:.0%} < 90%")
        if self.sequences < 0.8 * self.tasks:
            missed.append(f"distinct sequences {self.sequences} of {self.tasks} < 80%")
        if not 0.10 <= self.refusal_share <= 0.25:
            missed.append(f"refusals {self.refusal_share:.0%} outside 10-25%")
        if self.salad:
            missed.append(f"word salad {sum(self.salad.values())}")
        missed += [f"{count} {reason}" for reason, count in self.phrasing.items() if reason in (TIMESTAMP, WHOSE)]
        return missed

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
            ("word salad", self.salad_text()),
        ]  # fmt: skip


def quality(environment: Environment, *, replay: bool = True, judge: SaladJudge | None = None) -> Quality:
    """The quality card of a loaded environment; `replay` runs every task's solution once to check the
    invariants after it (synthesis already did, so the README card leaves it to `autoforge check`); `judge`
    judges quoted instruction values and free-text seed values for word salad."""
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
    if judge is not None:
        _judge_salad(result, environment, judge)
    return result


def salad_items(environment: Environment) -> list[tuple[str, tuple[str, str]]]:
    """What the word-salad judge reads, by place: each distinct quoted instruction value and free-text seed value,
    with the field it fills as context ('orders gift message:', the argument it is passed as), or, for a quoted
    value no field holds, the words before it."""
    seeded = seed_texts(environment)
    fields = {value: context for context, value in seeded}
    for task in environment.tasks.values():
        for call in task.solution.calls:
            fields |= {v: f"{_words(name)}:" for name, v in call.arguments.items() if isinstance(v, str)}
    quoted = {
        (fields.get(value, context), value)
        for task in environment.tasks.values()
        for context, value in quoted_values(task.instruction)
    }
    return [(QUOTED, item) for item in sorted(quoted)] + [(SEED_TEXT, item) for item in seeded]


def _judge_salad(result: Quality, environment: Environment, judge: SaladJudge) -> None:
    """Fill the word-salad figures: every distinct value long enough to judge, by where it is read."""
    places = [(place, item) for place, item in salad_items(environment) if len(item[1].split()) >= judge.min_words]
    result.judged = Counter(place for place, _ in places)
    for (place, (_, value)), salad in zip(places, judge([item for _, item in places]), strict=True):
        if salad:
            result.salad[place] += 1
            result.salad_examples.append(value)


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
            rule = column_rule(column, boolean=isinstance(value, bool))
            if isinstance(value, (dict, list)) and rule["type"] == "string":
                value = json.dumps(value, sort_keys=True)  # an object or a list is kept as its JSON text
            message = problem(column.name, rule, as_stored(rule, value))
            if message:
                found.append(f"{task.id} {call.tool}: {message} (it is {value!r})")
    return found
