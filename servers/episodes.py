"""Episodes: each an isolated copy of the seed database in its own file, made with SQLite's backup API.

A closed episode's file is kept for the next episode and put back to the seed by rewriting only the
rows it changed (`changelog.revert`): resets cost what the last episode wrote, and the worker
processes keep their open connections to the file, so the schema is not parsed again (its change-log
triggers make that most of a first call's cost) and their compiled statements stay warm.

Episodes are kept per owner (over HTTP with tokens, the token that made them; None in-process and
on stdio): an owner sees only its own episodes, has its own default episode, and has a cap of its
own besides the store's, so no owner can fill the store for the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import re
import secrets
import sqlite3
import time
import weakref
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import changelog
from .errors import EpisodeError
from .pool import forget_episode
from .spec import EnvSpec, Task
from .state import apply_changes
from .storage import GROWTH_BYTES, configure, new_episode_path, remove_episode_file
from .toolkit import Db

__all__ = [
    "DEFAULT_EPISODE",
    "DEFAULT_MAX_EPISODES",
    "DEFAULT_MAX_PER_OWNER",
    "DEFAULT_TTL_SECONDS",
    "Episode",
    "EpisodeStore",
    "create_episode_file",
    "key_types",
]

DEFAULT_EPISODE = "default"
DEFAULT_MAX_EPISODES = 10_000
DEFAULT_MAX_PER_OWNER = 1_000
"""Live episodes one owner (an HTTP token) may hold; owner None (in-process, stdio) has only the store's cap."""
DEFAULT_TTL_SECONDS = 3600.0
SPARE_FILES = 64
"""Closed episodes' files a store keeps for reuse (as many as a worker keeps connections open)..."""
SPARE_BYTES = 64 * 1024 * 1024
"""... within this much memory on tmpfs."""

EPISODE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""What an episode id a client chooses may be."""

_Key = str | tuple[str, str]


def key_types(spec: EnvSpec) -> dict[str, tuple[str, str]]:
    """Table -> (primary-key column, its SQL type): what `db.new_id` needs."""
    return {t.name: (t.primary_key, t.column(t.primary_key).type) for t in spec.tables}  # type: ignore[union-attr]


def create_episode_file(template: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """A fresh copy of `template` in the file `path` (SQLite backup API), open for this process's trusted code."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    configure(conn)
    template.backup(conn)
    conn.row_factory = sqlite3.Row
    return conn


@dataclass(eq=False)
class Episode:
    """One isolated run of an environment: its own database file and id counters.

    Tool calls run in worker processes on the file at `path`; `conn` and `db` are this process's
    own (trusted) view of it, for verification, initial states and the synthesizer's reads.
    """

    id: str
    task_id: str | None
    path: Path
    conn: sqlite3.Connection
    db: Db
    counters: dict[str, int] = field(default_factory=dict)
    """The id counters of `db.new_id`, carried from call to call."""
    last_used: float = field(default_factory=time.monotonic)
    baseline: dict[str, set[Any]] = field(default_factory=dict)
    """The keys the task's initial state wrote (the change log forgets them): reverted with the logged ones."""
    limit_bytes: int = 0
    """The size tool calls may grow the file to, whichever worker runs them (0: a worker's own allowance)."""
    mark: int = 0
    """The file's `user_version`, which each writing call that is kept sets anew (`CallJob.mark`)."""
    keep: Callable[[_SpareFile], bool] | None = None
    """Takes the file for reuse when the episode closes (the store's), or declines."""
    _lock: asyncio.Lock | None = None
    _closed: bool = False
    _users: int = 0
    """Calls and verifications holding the episode or waiting for it."""

    @property
    def lock(self) -> asyncio.Lock:
        """Held while a call or a verification uses the episode: its calls are serialised."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Use the episode for one call or verification, after those before it (its lock). Raises EpisodeError
        when the episode was closed meanwhile: its file may already serve another episode."""
        self._users += 1
        try:
            async with self.lock:
                if self._closed:
                    raise EpisodeError(f"episode {self.id!r} was closed while this request waited for it")
                yield
        finally:
            self._users -= 1

    def kept(self, mark: int) -> bool:
        """Whether the writing call given `mark` was kept, its worker having ended before it replied; if so, the id
        counters it drew are unknown and are read afresh from the tables."""
        if self.conn.execute("PRAGMA user_version").fetchone()[0] != mark:
            return False
        self.mark = mark
        self.counters.clear()
        return True

    def close(self) -> None:
        """End the episode: its file goes back to the store for reuse, or is deleted if a call may
        still be running on it (one that outlived its episode must never write into the next). Closing
        twice is a no-op."""
        if self._closed:
            return
        self._closed = True
        spare = _SpareFile(self.path, self.conn, self.baseline)
        in_use = self._users > 0 or (self._lock is not None and self._lock.locked())  # running, or waiting to run
        if in_use or self.keep is None or not self.keep(spare):
            spare.delete()


@dataclass(frozen=True)
class _SpareFile:
    """A closed episode's file, open, waiting to be reverted to the seed for the next episode."""

    path: Path
    conn: sqlite3.Connection
    baseline: dict[str, set[Any]]

    def delete(self) -> None:
        self.conn.close()
        remove_episode_file(self.path)
        forget_episode(str(self.path))


class EpisodeStore:
    """Live episodes of one environment, by owner, capped, with idle ones swept after a TTL."""

    def __init__(
        self,
        spec: EnvSpec,
        template: sqlite3.Connection,
        tasks: dict[str, Task],
        *,
        max_episodes: int = DEFAULT_MAX_EPISODES,
        max_per_owner: int = DEFAULT_MAX_PER_OWNER,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ) -> None:
        self.spec = spec
        self.template = template
        self.tasks = tasks
        self.max_episodes = max_episodes
        self.max_per_owner = max_per_owner
        self.ttl_seconds = ttl_seconds
        self._live: OrderedDict[_Key, Episode] = OrderedDict()
        """Least recently used first; keyed by episode id for owner None, by (owner, episode id) for the others."""
        self._owned: Counter[str] = Counter()
        self._keys = key_types(spec)
        self._spares: list[_SpareFile] = []
        page_count, page_size = (template.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
        self._spare_cap = min(SPARE_FILES, SPARE_BYTES // (page_count * page_size))
        self._spare_size = 2 * page_count * page_size + (1 << 20)
        self._limit_bytes = page_count * page_size + GROWTH_BYTES
        """The most a closed episode's file may hold to be kept: one its calls grew far past the seed is removed."""
        weakref.finalize(self, _delete_all, self._spares)

    def __len__(self) -> int:
        return len(self._live)

    def __iter__(self) -> Iterator[Episode]:
        return iter(self._live.values())

    def reset(self, task_id: str | None = None, episode_id: str | None = None, owner: str | None = None) -> Episode:
        """Start (or restart) an episode on a fresh copy of the seed, with the task's initial state applied."""
        task = self._task(task_id)
        if episode_id is not None and not (isinstance(episode_id, str) and EPISODE_ID.fullmatch(episode_id)):
            raise EpisodeError(
                f"episode id {_shown(episode_id)} is not one: use 1 to 128 letters, digits, '.', '_', ':' or '-'"
            )
        episode_id = episode_id or f"ep-{secrets.token_hex(8)}"
        key = episode_id if owner is None else (owner, episode_id)
        if key in self._live:
            self._drop(key).close()
        self.sweep()
        if len(self._live) >= self.max_episodes:
            raise EpisodeError(
                "this server holds as many live episodes as its cap allows; close finished ones with "
                "autoforge/episode_close, or raise the cap (AUTOFORGE_MAX_EPISODES)"
            )
        if owner is not None and self._owned[owner] >= self.max_per_owner:
            raise EpisodeError(
                f"this token holds {self._owned[owner]:,} live episodes, its cap on this server; close finished "
                f"ones with autoforge/episode_close (idle ones close after {self.ttl_seconds:.0f} s), or ask the "
                "server's operator to raise --max-episodes-per-token"
            )
        episode = self.fresh(task, episode_id)
        self._live[key] = episode
        if owner is not None:
            self._owned[owner] += 1
        return episode

    def fresh(self, task: Task | None, episode_id: str = "scratch") -> Episode:
        """An episode that is not registered (for verification baselines and checks)."""
        path, conn = self._file()
        baseline: dict[str, set[Any]] = {}
        if task is not None and task.initial_state is not None:
            try:
                apply_changes(conn, self.spec, task.initial_state.changes)
            except (ValueError, OverflowError, sqlite3.Error) as exc:  # the environment's bug: the file serves no episode
                _SpareFile(path, conn, {}).delete()
                raise EpisodeError(f"task {task.id!r}: its initial state cannot be applied ({exc})") from None
            baseline = changelog.touched(conn)
            changelog.clear(conn, self.spec)  # verification compares with the state after the initial changes
        counters: dict[str, int] = {}
        db = Db(conn, self.spec.clock, self._keys, counters)
        return Episode(
            episode_id,
            task.id if task else None,
            path,
            conn,
            db,
            counters,
            baseline=baseline,
            limit_bytes=self._limit_bytes,
            mark=conn.execute("PRAGMA user_version").fetchone()[0],
            keep=self._keep,
        )

    def _file(self) -> tuple[Path, sqlite3.Connection]:
        """A file holding the seed: a spare one reverted, else a new copy of the template."""
        while self._spares:
            spare = self._spares.pop()
            try:
                changelog.revert(spare.conn, self.template, self.spec, spare.baseline)
            except sqlite3.Error:  # still held by a call that outlived its episode: never reuse it
                spare.delete()
                continue
            return spare.path, spare.conn
        path = new_episode_path()
        return path, create_episode_file(self.template, path)

    def _keep(self, spare: _SpareFile) -> bool:
        if len(self._spares) >= self._spare_cap or _size(spare.path) > self._spare_size:
            return False
        self._spares.append(spare)
        return True

    def get(self, episode_id: str | None, owner: str | None = None) -> Episode:
        """`owner`'s live episode `episode_id`; no id means the owner's default episode, made on first use."""
        if episode_id is None:
            episode_id = DEFAULT_EPISODE
        key = episode_id if owner is None else (owner, episode_id)  # the hot path: no tuple for owner None
        episode = self._live.get(key) if isinstance(episode_id, str) else None
        if episode is None:
            if episode_id != DEFAULT_EPISODE:  # another owner's episode is as unknown as one never started
                raise EpisodeError(
                    f"unknown episode {_shown(episode_id)}: it was never started, was closed, or idled past "
                    f"{self.ttl_seconds:.0f} s; start one with autoforge/episode_reset"
                )
            episode = self.reset(episode_id=DEFAULT_EPISODE, owner=owner)
        episode.last_used = time.monotonic()
        self._live.move_to_end(key)
        return episode

    def close(self, episode_id: str, owner: str | None = None) -> None:
        """Close `owner`'s episode `episode_id` and delete its database."""
        key = episode_id if owner is None else (owner, episode_id)
        if not isinstance(episode_id, str) or key not in self._live:
            raise EpisodeError(f"unknown episode {_shown(episode_id)}; nothing to close")
        self._drop(key).close()

    def sweep(self) -> int:
        """Close episodes idle for longer than the TTL; returns how many were closed."""
        deadline = time.monotonic() - self.ttl_seconds
        closed = 0
        while self._live:  # oldest first: the dict is kept in order of last use
            key, episode = next(iter(self._live.items()))
            if episode.last_used >= deadline:
                break
            self._drop(key).close()
            closed += 1
        return closed

    def close_all(self) -> None:
        """Close every episode and delete every file, the spare ones too."""
        for episode in self._live.values():
            episode.close()
        self._live.clear()
        self._owned.clear()
        _delete_all(self._spares)

    def _drop(self, key: _Key) -> Episode:
        episode = self._live.pop(key)
        if isinstance(key, tuple):
            owner = key[0]
            self._owned[owner] -= 1
            if not self._owned[owner]:
                del self._owned[owner]
        return episode

    def _task(self, task_id: str | None) -> Task | None:
        if task_id is None:
            return None
        task = self.tasks.get(task_id)
        if task is None:
            close = difflib.get_close_matches(task_id, list(self.tasks), n=3)
            hint = f" Closest: {', '.join(close)}." if close else ""
            raise EpisodeError(f"unknown task {task_id!r} in {self.spec.name!r}.{hint}")
        return task


def _shown(episode_id: object) -> str:
    """An episode id as an error quotes it: cut short, whatever its length."""
    text = repr(episode_id)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _delete_all(spares: list[_SpareFile]) -> None:
    while spares:
        spares.pop().delete()
