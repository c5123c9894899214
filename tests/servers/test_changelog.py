"""Verification from the change log gives what a full diff of every table gives, on every task and its mutations."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from autoforge.servers import CallNode, Environment, EpisodeStore, Task, ToolError, compare, load_environment
from autoforge.servers.state import diff_rows, read_state
from autoforge.servers.verify import episode_changes
from autoforge.synthesizer.tau2 import import_tau2

from .conftest import bundled_ids, bundled_path

TAU2_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tau2"


def full_diff(store: EpisodeStore, task: Task, calls: Sequence[CallNode], environment: Environment) -> tuple:  # type: ignore[type-arg]
    """Run `calls` on an episode of `task`; its changes by the change log, and by diffing every row of every table."""
    start, episode = store.fresh(task), store.fresh(task)
    try:
        for node in calls:
            try:
                environment.tools[node.tool].run(episode, node.arguments)
            except ToolError:
                pass  # a mutated trajectory may fail a call: the episode stays as it was
        before, after = read_state(start.conn, environment.spec), read_state(episode.conn, environment.spec)
        diffed = [c for t in environment.spec.tables for c in diff_rows(t, before[t.name], after[t.name])]
        return episode_changes(store, episode), diffed
    finally:
        start.close()
        episode.close()


def trajectories(task: Task, other: Task) -> dict[str, list[CallNode]]:
    """The oracle, nothing, the oracle short of its last call, and the oracle followed by another task's calls."""
    calls = list(task.solution.calls)
    return {"oracle": calls, "empty": [], "truncated": calls[:-1], "extended": calls + list(other.solution.calls)}


def _check(environment: Environment) -> int:
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    tasks = list(environment.tasks.values())
    compared = 0
    for index, task in enumerate(tasks):
        other = tasks[(index + 1) % len(tasks)]
        for name, calls in trajectories(task, other).items():
            logged, diffed = full_diff(store, task, calls, environment)
            key = lambda c: (c.table, c.op, str(c.key))
            assert sorted(logged, key=key) == sorted(diffed, key=key), (task.id, name)
            transcript = list(task.expected.facts)
            assert compare(environment.spec, task, logged, transcript) == compare(
                environment.spec, task, diffed, transcript
            )
            compared += 1
    return compared


@pytest.mark.parametrize("name", bundled_ids())
def test_change_log_equals_a_full_diff_on_every_bundled_task(name: str) -> None:
    """Oracle, empty, truncated and extended trajectories: the same changes, so the same verdicts."""
    assert _check(load_environment(bundled_path(name))) > 0


@pytest.mark.parametrize("domain", ["retail", "airline"])
def test_change_log_equals_a_full_diff_on_imported_tasks(domain: str, tmp_path: Path) -> None:
    """The same holds for imported benchmark tasks (tau2's fixture checkout), initial states included."""
    report = import_tau2(domain, TAU2_FIXTURE, tmp_path / f"tau2-{domain}")
    assert _check(load_environment(report.path)) > 0


@pytest.mark.parametrize(
    "statements",
    [
        [  # a key moved away under OR REPLACE and back: the row's first state must stay the one it had
            ("UPDATE payments SET amount = 99999 WHERE id = :id", ()),
            ("UPDATE OR REPLACE payments SET id = :id || '-tmp' WHERE id = :id", ()),
            ("UPDATE payments SET id = :id WHERE id = :id || '-tmp'", ()),
        ],
        [("INSERT OR REPLACE INTO payments SELECT * FROM payments WHERE id = :id", ("amount", 5))],  # an upsert
        [("UPDATE OR REPLACE payments SET id = :other WHERE id = :id", ())],  # a key moved onto another row's
    ],
    ids=["key moved and back", "upsert", "key onto another row"],
)
def test_a_statement_s_own_conflict_clause_hides_no_change(statements: list[tuple[str, tuple[str, Any]]]) -> None:
    """`OR REPLACE` on a statement overrides its triggers' own conflict handling: the log still notes each row's
    first state and every row the statement deleted, so it gives what a full diff gives."""
    environment = load_environment(bundled_path("library-loans"))
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    start, episode = store.fresh(None), store.fresh(None)
    try:
        first, other = (row[0] for row in episode.conn.execute("SELECT id FROM payments ORDER BY rowid LIMIT 2"))
        for sql, change in statements:
            episode.conn.execute(sql, {"id": first, "other": other})
            if change:
                episode.conn.execute(f"UPDATE payments SET {change[0]} = ? WHERE id = ?", (change[1], first))
        before, after = read_state(start.conn, environment.spec), read_state(episode.conn, environment.spec)
        diffed = [c for t in environment.spec.tables for c in diff_rows(t, before[t.name], after[t.name])]
        key = lambda c: (c.table, c.op, str(c.key))
        assert diffed and sorted(episode_changes(store, episode), key=key) == sorted(diffed, key=key)
    finally:
        start.close()
        episode.close()


def _dump(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows with their row ids, the change log's tables included."""
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: [tuple(r) for r in conn.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid')] for name in names}


def _reuse_check(environment: Environment) -> int:
    """Each task's oracle and another task's calls, then the file reused: it must equal the template."""
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    seed = _dump(environment.template)
    tasks = list(environment.tasks.values())[:25]
    for index, task in enumerate(tasks):
        episode = store.fresh(task)
        for node in [*task.solution.calls, *tasks[(index + 1) % len(tasks)].solution.calls]:
            try:
                environment.tools[node.tool].run(episode, node.arguments)
            except ToolError:
                pass
        path = episode.path
        episode.close()
        reused = store.fresh(None)
        assert reused.path == path, "the closed episode's file was not reused"
        assert _dump(reused.conn) == seed, task.id
        reused.close()
    store.close_all()
    return len(tasks)


@pytest.mark.parametrize("name", bundled_ids())
def test_a_reused_file_holds_the_seed_again_every_row_and_row_id(name: str) -> None:
    """A closed episode's file serves the next episode only once it equals the seed: rows, row ids, empty log."""
    assert _reuse_check(load_environment(bundled_path(name))) > 0


@pytest.mark.parametrize("domain", ["retail", "airline"])
def test_a_reused_file_holds_the_seed_again_after_imported_tasks(domain: str, tmp_path: Path) -> None:
    """The same after imported tasks, whose initial states the change log forgets once applied."""
    report = import_tau2(domain, TAU2_FIXTURE, tmp_path / f"tau2-{domain}")
    assert _reuse_check(load_environment(report.path)) > 0


def test_a_file_another_connection_still_writes_is_never_reused() -> None:
    """A closed episode whose file is still locked by a writer gets a new file at once, not a wait."""
    environment = load_environment(bundled_path("library-loans"))
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    episode = store.fresh(None)
    environment.tools["update_member_contact"].run(episode, {"member_id": "M-1001", "email": "held@x.test"})
    holder = sqlite3.connect(episode.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    held = episode.path
    episode.close()
    started = time.monotonic()
    fresh = store.fresh(None)
    assert time.monotonic() - started < 1.0
    assert fresh.path != held and not held.exists()
    assert _dump(fresh.conn) == _dump(environment.template)
    holder.execute("ROLLBACK")
    holder.close()
    store.close_all()


async def test_a_file_closed_mid_call_is_never_reused() -> None:
    """An episode closed while a call holds it (a client closing early) gives up its file for good."""
    environment = load_environment(bundled_path("library-loans"))
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    episode = store.fresh(None)
    async with episode.lock:
        episode.close()
    assert not episode.path.exists()
    assert store.fresh(None).path != episode.path
    store.close_all()


def test_closing_an_episode_twice_gives_its_file_to_one_next_episode_only() -> None:
    """A second close is a no-op: two later episodes never share a file."""
    environment = load_environment(bundled_path("library-loans"))
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    episode = store.fresh(None)
    episode.close()
    episode.close()
    first, second = store.fresh(None), store.fresh(None)
    assert first.path == episode.path and second.path != first.path
    store.close_all()


def test_an_episode_that_wrote_more_rows_than_any_task_fails_without_reading_them() -> None:
    """Past MAX_VERIFIED_ROWS written rows, verification says so and fails, reading none of them (600,000 rows had
    stalled a server for 10 s, and an agent can ask again and again)."""
    from autoforge.servers.verify import MAX_VERIFIED_ROWS, verify_episode

    environment = load_environment(bundled_path("library-loans"))
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    task = next(iter(environment.tasks.values()))
    episode = store.fresh(task)
    try:
        columns = ", ".join(
            f'"{c}"' for c in ("id", "name", "email", "phone", "tier", "status", "fines_owed", "joined")
        )
        rows = [(f"X-{n}", f"Member {n}", f"m{n}@example.test", "555-0100", "standard", "active", 0.0, "2026-01-01")
                for n in range(MAX_VERIFIED_ROWS + 1)]  # fmt: skip
        episode.conn.executemany(f"INSERT INTO members ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        verdict = verify_episode(store, episode, [])
    finally:
        episode.close()
    assert verdict.reward == 0.0 and verdict.diff == {}
    assert f"{MAX_VERIFIED_ROWS + 1:,} rows" in verdict.checks[0].detail
