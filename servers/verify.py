"""The verifier: an episode's database changes against the task's expected changes, plus required facts.

Both sides are reduced to a canonical form before they are compared: volatile columns are dropped,
floats are rounded, rows the agent created are matched by content (their generated keys, and
references to them, become placeholders), and the changes are compared as multisets. Facts are
found case-insensitively in the agent's messages after normalising whitespace and thousands
separators: in synthesized tasks as a whole value (`told`: "14" is not told by "2026-04-14" or "9149"),
in imported benchmark tasks anywhere (their own rule). The reward is 1.0 only if both hold.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from . import changelog
from .episodes import Episode, EpisodeStore
from .spec import Change, EnvSpec, Task

__all__ = ["MAX_VERIFIED_ROWS", "Check", "Verdict", "episode_changes", "normalise_text", "told", "verify_episode"]

MAX_VERIFIED_ROWS = 20_000
"""The most rows an episode may write and still be verified (tasks change a few; reading 600,000 took 10 s)."""


class Check(BaseModel):
    """One named part of a verdict."""

    name: str
    passed: bool
    detail: str = ""


class Verdict(BaseModel):
    """Reward 1.0 or 0.0, the checks behind it and what differed."""

    reward: float
    checks: list[Check]
    diff: dict[str, Any]


def episode_changes(store: EpisodeStore, episode: Episode) -> list[Change]:
    """What the episode changed, relative to the state it was reset to (only the rows it wrote are read)."""
    return changelog.changes(episode.conn, store.spec)


def verify_episode(store: EpisodeStore, episode: Episode, transcript: Sequence[str]) -> Verdict:
    """Verify an episode against its task (an episode without a task has nothing to verify)."""
    task = store.tasks.get(episode.task_id) if episode.task_id else None
    written = changelog.count(episode.conn)
    if written > MAX_VERIFIED_ROWS:  # no task changes this many: reading them all would stall the server
        detail = f"the episode wrote {written:,} rows, more than the {MAX_VERIFIED_ROWS:,} a verification reads"
        return Verdict(reward=0.0, checks=[Check(name="state", passed=False, detail=detail)], diff={})
    actual = episode_changes(store, episode)
    if task is None:
        return Verdict(
            reward=0.0,
            checks=[Check(name="task", passed=False, detail="the episode was reset without a task")],
            diff={"actual": [c.model_dump(mode="json") for c in actual]},
        )
    return compare(store.spec, task, actual, transcript)


def compare(spec: EnvSpec, task: Task, actual: Sequence[Change], transcript: Sequence[str]) -> Verdict:
    """The verdict for `actual` changes and a transcript of agent messages, against `task`."""
    expected_keys = _canonical(spec, task.expected.changes)
    actual_keys = _canonical(spec, actual)
    missing = expected_keys - actual_keys
    unexpected = actual_keys - expected_keys
    state_ok = not missing and not unexpected
    said = normalise_text(" ".join(transcript))
    whole = task.expected.match == "whole"
    absent = [fact for fact in task.expected.facts if not told(normalise_text(fact), said, whole=whole)]
    checks = [
        Check(
            name="state",
            passed=state_ok,
            detail="the database matches the expected changes"
            if state_ok
            else f"{sum(missing.values())} expected change(s) missing, {sum(unexpected.values())} unexpected",
        ),
        Check(
            name="facts",
            passed=not absent,
            detail=f"all {len(task.expected.facts)} fact(s) reached the user"
            if not absent
            else "not told to the user: " + "; ".join(absent),
        ),
    ]
    return Verdict(
        reward=1.0 if state_ok and not absent else 0.0,
        checks=checks,
        diff={
            "missing": [json.loads(k) for k in sorted(missing.elements())],
            "unexpected": [json.loads(k) for k in sorted(unexpected.elements())],
            "missing_facts": absent,
        },
    )


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Lower case, single spaces, no thousands separators: '1,234.50  USD' -> '1234.50 usd'."""
    return _SPACE.sub(" ", _THOUSANDS.sub("", text)).strip().lower()


_JOINERS = "-./:,_"
"""Characters that glue tokens into one value (a date, a code, a decimal number) when letters or digits sit on
both sides."""


def told(fact: str, said: str, *, whole: bool = True) -> bool:
    """Whether normalised `fact` occurs in normalised `said`; `whole`: only as a whole value.

    A whole value is not part of a longer word, number, code or date: '14' is not told by '2026-04-14',
    '9149' or 'ORD-1014', but is by 'room 14.' or '(14)'.
    """
    if not fact:
        return True
    if not whole:
        return fact in said
    start = said.find(fact)
    while start >= 0:
        end = start + len(fact)
        if not _glued(said, start - 1, -1) and not _glued(said, end, 1):
            return True
        start = said.find(fact, start + 1)
    return False


def _glued(text: str, index: int, step: int) -> bool:
    """Whether the character at `index` (just outside a match, looking in direction `step`) continues the value."""
    if index < 0 or index >= len(text):
        return False
    char = text[index]
    if char.isalnum():
        return True
    beyond = index + step
    return char in _JOINERS and 0 <= beyond < len(text) and text[beyond].isalnum()


def _canonical(spec: EnvSpec, changes: Iterable[Change]) -> Counter[str]:
    changes = list(changes)
    new_keys: set[tuple[str, Any]] = set()
    for change in changes:
        table = spec.table(change.table)
        if change.op == "insert" and table is not None and table.column(table.primary_key).generated:  # type: ignore[union-attr]
            new_keys.add((table.name, change.key))
    references = {(t.name, c.name): c.references.split(".")[0] for t in spec.tables for c in t.columns if c.references}
    result: Counter[str] = Counter()
    for change in changes:
        table = spec.table(change.table)
        if table is None:
            continue
        skip = {c.name for c in table.columns if c.volatile}
        if change.op == "insert" and (table.name, change.key) in new_keys:
            skip.add(table.primary_key)

        def value(column: str, raw: Any) -> Any:
            target = references.get((table.name, column))  # noqa: B023 - used immediately
            if target is not None and (target, raw) in new_keys:
                return f"<new {target}>"
            return _number(raw)

        values = {k: value(k, v) for k, v in sorted(change.values.items()) if k not in skip}
        if change.op == "update" and not values:
            continue  # only volatile columns changed
        key = None if change.op == "insert" and (table.name, change.key) in new_keys else _number(change.key)
        result[
            json.dumps(
                {"table": table.name, "op": change.op, "key": key, "values": values}, sort_keys=True, default=str
            )
        ] += 1
    return result


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 6)
    return value
