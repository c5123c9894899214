"""Episodes: each an isolated copy of the seed database in its own file, made with SQLite's backup API."""

from __future__ import annotations

import asyncio
import difflib
import secrets
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import changelog
from .errors import EpisodeError
from .pool import forget_episode
from .spec import EnvSpec, Task
from .state import apply_changes
from .storage import configure, new_episode_path, remove_episode_file
from .toolkit import Db

__all__ = [
    "DEFAULT_EPISODE",
    "DEFAULT_MAX_EPISODES",
    "DEFAULT_TTL_SECONDS",
    "Episode",
    "EpisodeStore",
    "create_episode_file",
    "key_types",
]

DEFAULT_EPISODE = "default"
DEFAULT_MAX_EPISODES = 10_000
DEFAULT_TTL_SECONDS = 3600.0


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
    _lock: asyncio.Lock | None = None

    @property
    def lock(self) -> asyncio.Lock:
        """Held while a call or a verification uses the episode: its calls are serialised."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def close(self) -> None:
        self.conn.close()
        remove_episode_file(self.path)
        forget_episode(str(self.path))


class EpisodeStore:
    """Live episodes of one environment, capped, with idle ones swept after a TTL."""

    def __init__(
        self,
        spec: EnvSpec,
        template: sqlite3.Connection,
        tasks: dict[str, Task],
        *,
        max_episodes: int = DEFAULT_MAX_EPISODES,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ) -> None:
        self.spec = spec
        self.template = template
        self.tasks = tasks
        self.max_episodes = max_episodes
        self.ttl_seconds = ttl_seconds
        self._live: OrderedDict[str, Episode] = OrderedDict()
        self._keys = key_types(spec)

    def __len__(self) -> int:
        return len(self._live)

    def __iter__(self) -> Iterator[Episode]:
        return iter(self._live.values())

    def reset(self, task_id: str | None = None, episode_id: str | None = None) -> Episode:
        """Start (or restart) an episode on a fresh copy of the seed, with the task's initial state applied."""
        task = self._task(task_id)
        episode_id = episode_id or f"ep-{secrets.token_hex(8)}"
        old = self._live.pop(episode_id, None)
        if old is not None:
            old.close()
        self.sweep()
        if len(self._live) >= self.max_episodes:
            raise EpisodeError(
                f"{len(self._live):,} episodes are live, the cap for this server; close finished ones with "
                "autoforge/episode_close, or raise the cap (AUTOFORGE_MAX_EPISODES)"
            )
        episode = self.fresh(task, episode_id)
        self._live[episode_id] = episode
        return episode

    def fresh(self, task: Task | None, episode_id: str = "scratch") -> Episode:
        """An episode that is not registered (for verification baselines and checks)."""
        path = new_episode_path()
        conn = create_episode_file(self.template, path)
        if task is not None and task.initial_state is not None:
            apply_changes(conn, self.spec, task.initial_state.changes)
            changelog.clear(conn, self.spec)  # verification compares with the state after the initial changes
        counters: dict[str, int] = {}
        db = Db(conn, self.spec.clock, self._keys, counters)
        return Episode(episode_id, task.id if task else None, path, conn, db, counters)

    def get(self, episode_id: str | None) -> Episode:
        """The live episode `episode_id`; no id means the default episode, made on first use."""
        if episode_id is None or episode_id == DEFAULT_EPISODE:
            episode = self._live.get(DEFAULT_EPISODE) or self.reset(episode_id=DEFAULT_EPISODE)
        else:
            found = self._live.get(episode_id)
            if found is None:
                raise EpisodeError(
                    f"unknown episode {episode_id!r}: it was never started, was closed, or idled past "
                    f"{self.ttl_seconds:.0f} s; start one with autoforge/episode_reset"
                )
            episode = found
        episode.last_used = time.monotonic()
        self._live.move_to_end(episode.id)
        return episode

    def close(self, episode_id: str) -> None:
        episode = self._live.pop(episode_id, None)
        if episode is None:
            raise EpisodeError(f"unknown episode {episode_id!r}; nothing to close")
        episode.close()

    def sweep(self) -> int:
        """Close episodes idle for longer than the TTL; returns how many were closed."""
        deadline = time.monotonic() - self.ttl_seconds
        closed = 0
        while self._live:  # oldest first: the dict is kept in order of last use
            episode = next(iter(self._live.values()))
            if episode.last_used >= deadline:
                break
            del self._live[episode.id]
            episode.close()
            closed += 1
        return closed

    def close_all(self) -> None:
        for episode in self._live.values():
            episode.close()
        self._live.clear()

    def _task(self, task_id: str | None) -> Task | None:
        if task_id is None:
            return None
        task = self.tasks.get(task_id)
        if task is None:
            close = difflib.get_close_matches(task_id, list(self.tasks), n=3)
            hint = f" Closest: {', '.join(close)}." if close else ""
            raise EpisodeError(f"unknown task {task_id!r} in {self.spec.name!r}.{hint}")
        return task
