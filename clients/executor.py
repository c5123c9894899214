"""Running the episodes of one run: a connection pool per environment, the agent, the user, infra retries.

An `EpisodeExecutor` holds what every episode of a run shares and turns one planned episode
(`EpisodeRef`) into its results line: it leases a connection, runs the episode, and tries again
while it fails with `infra`. The runner uses one in its own process; a rollout worker process
(`worker.py`) holds one per run it was sent, built from the same plain `RunSettings`.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from autoforge.servers import Environment

from .agents import Agent, make_agent
from .chat import make_backend
from .connections import Endpoint, EnvPool, Transport
from .episode import Attempt, Limits, run_episode
from .errors import InfraError
from .results import EpisodeRecord, Retry, RunConfig
from .users import make_user

__all__ = ["EpisodeExecutor", "EpisodeRef", "RunSettings", "episode_record", "trial_seed"]


@dataclass(frozen=True)
class RunSettings:
    """How a run's episodes are run: plain data, so worker processes can be sent it."""

    agent: str
    user: str
    config: RunConfig
    limits: Limits = field(default_factory=Limits)
    transport: Transport = "inprocess"
    agent_options: dict[str, Any] = field(default_factory=dict)
    user_options: dict[str, Any] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    """Environment name -> URL of its streamable-HTTP server (transport "http")."""
    tokens: dict[str, str] = field(default_factory=dict, repr=False)
    """Environment name -> the bearer token its HTTP server requires, where it requires one."""
    pool_size: int = 1
    """Connections per environment (stdio: server processes)."""


@dataclass(frozen=True)
class EpisodeRef:
    """One planned episode: which environment, task and trial, and its results key."""

    environment: str
    task_id: str
    trial: int
    key: str


def trial_seed(environment: str, task_id: str, trial: int) -> int:
    """A seed that is the same for an episode on every rerun, in whichever process it runs."""
    return int(hashlib.sha256(f"{environment}/{task_id}/{trial}".encode()).hexdigest()[:8], 16)


def episode_record(
    ref: EpisodeRef, env_sha256: str, attempt: Attempt, retries: list[Retry], settings: RunSettings
) -> EpisodeRecord:
    """The results line of an episode's final attempt."""
    return EpisodeRecord(
        **dict(attempt),
        key=ref.key,
        environment=ref.environment,
        env_sha256=env_sha256,
        task_id=ref.task_id,
        trial=ref.trial,
        config=settings.config.id,
        agent=settings.config.agent,
        user=settings.config.user,
        transport=settings.transport,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        retries=retries,
    )


class EpisodeExecutor:
    """Runs episodes of one run's configuration on the given environments (an async context manager)."""

    def __init__(self, environments: Sequence[Environment], settings: RunSettings) -> None:
        self.environments = {e.name: e for e in environments}
        self.settings = settings
        self.pools: dict[str, EnvPool] = {}
        self._user_options = dict(settings.user_options)
        self._agent: Agent | None = None
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Self:
        settings = self.settings
        self._agent = make_agent(settings.agent, **settings.agent_options)
        if settings.user != "scripted" and "backend" not in self._user_options:
            self._user_options["backend"] = make_backend(settings.user, role="user", **self._user_options)
        for name, environment in self.environments.items():
            url, token = settings.urls.get(name), settings.tokens.get(name)
            endpoint = Endpoint(environment, settings.transport, url, token=token)
            pool = EnvPool(endpoint, settings.pool_size, call_timeout=settings.limits.call_timeout)
            self.pools[name] = await self._stack.enter_async_context(pool)
        await asyncio.gather(*(pool.fill() for pool in self.pools.values()))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def run(self, ref: EpisodeRef) -> EpisodeRecord:
        """Run one episode, retried while it fails with `infra`; its results line."""
        if self._agent is None:
            raise RuntimeError("enter the executor (async with) before running episodes")
        environment, limits = self.environments[ref.environment], self.settings.limits
        task = environment.tasks[ref.task_id]
        retries: list[Retry] = []
        seed = trial_seed(ref.environment, ref.task_id, ref.trial)
        for attempt_number in range(limits.attempts):
            user = make_user(self.settings.user, task, **self._user_options)
            started = time.monotonic()
            try:
                async with self.pools[ref.environment].lease() as connection:
                    attempt = await run_episode(connection, task, self._agent, user, limits=limits, seed=seed)
            except InfraError as exc:  # the pool could not open a connection
                attempt = Attempt(label="infra", reason=str(exc), seconds=round(time.monotonic() - started, 6))
            if attempt.label != "infra" or attempt_number == limits.attempts - 1:
                break
            retries.append(Retry(reason=attempt.reason or "", seconds=attempt.seconds))
            await asyncio.sleep(0.1 * 2**attempt_number)
        return episode_record(ref, environment.sha256, attempt, retries, self.settings)
