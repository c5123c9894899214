"""The runner: k trials of every task of some environments, many episodes at once, resumable.

Episodes are drawn from a queue by `concurrency` workers; each runs on a connection leased from its
environment's pool and is retried while it fails with `infra` (a dead server, a timeout). Its
record is appended to results.jsonl the moment it ends. A rerun of the same command skips the
episodes already recorded and finishes the rest; cancelling (Ctrl-C) loses only episodes in flight.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autoforge.servers import Environment, Task, load_environment
from autoforge.servers.errors import SpecError
from autoforge.servers.locate import resolve_environment

from .agents import Agent, make_agent
from .chat import make_backend
from .connections import TRANSPORTS, Endpoint, EnvPool, Transport
from .episode import Attempt, Limits, run_episode
from .errors import InfraError
from .http_servers import serve_http
from .passk import Summary, summarize
from .results import EpisodeRecord, ResultsFile, Retry, RunConfig, episode_key
from .users import make_user

__all__ = ["RUN_FILE", "evaluate", "load_environments", "run_eval", "trial_seed"]

RUN_FILE = "run.json"
"""Written next to results.jsonl: the configuration of the latest run (the report reads it)."""

_SECRET_OPTIONS = ("api_key", "client", "backend")


@dataclass(frozen=True)
class _Job:
    environment: Environment
    task: Task
    trial: int
    key: str


def load_environments(references: Sequence[str | Path | Environment]) -> list[Environment]:
    """Environments from folders, bundled names, or already loaded ones."""
    loaded = [r if isinstance(r, Environment) else load_environment(resolve_environment(r)) for r in references]
    names = [e.name for e in loaded]
    if len(set(names)) != len(names):
        raise SpecError(f"the same environment is named twice: {', '.join(names)}")
    return loaded


def trial_seed(environment: str, task_id: str, trial: int) -> int:
    """A seed that is the same for an episode on every rerun."""
    return int(hashlib.sha256(f"{environment}/{task_id}/{trial}".encode()).hexdigest()[:8], 16)


async def evaluate(
    environments: Sequence[str | Path | Environment],
    *,
    agent: str = "oracle",
    user: str = "scripted",
    trials: int = 1,
    concurrency: int = 8,
    out: str | Path = "runs/eval",
    transport: Transport = "inprocess",
    urls: dict[str, str] | None = None,
    token: str | None = None,
    pool_size: int | None = None,
    limits: Limits | None = None,
    agent_options: dict[str, Any] | None = None,
    user_options: dict[str, Any] | None = None,
    task_ids: Sequence[str] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_record: Callable[[EpisodeRecord], None] | None = None,
) -> Summary:
    """Run `trials` episodes of every task (or of `task_ids`) and return the summary of the results.

    `urls` maps environment names to running streamable-HTTP servers, reached with the bearer
    `token` when they need one; with transport "http" the others are served by child processes for
    the duration of the run, each with a fresh token of its own. `pool_size` is the number of
    connections (stdio: server processes) per environment.
    """
    if transport not in TRANSPORTS:
        raise SpecError(f"unknown transport {transport!r}; choose one of {', '.join(TRANSPORTS)}")
    if trials < 1 or concurrency < 1:
        raise SpecError(f"trials and concurrency must be at least 1 (got {trials} and {concurrency})")
    began = time.monotonic()
    limits = limits or Limits()
    agent_options, user_options = dict(agent_options or {}), dict(user_options or {})
    loaded = load_environments(environments)
    config = RunConfig(
        agent=agent,
        user=user,
        max_turns=limits.max_turns,
        max_steps=limits.max_steps,
        agent_options=_public(agent_options),
        user_options=_public(user_options),
    )
    policy = make_agent(agent, **agent_options)
    if user != "scripted" and "backend" not in user_options:
        user_options["backend"] = make_backend(user, role="user", **user_options)
    results = ResultsFile(Path(out) / "results.jsonl")
    done = {r.key for r in results.records()}
    jobs = _plan(loaded, trials, config.id, task_ids)
    todo = [job for job in jobs if job.key not in done]
    _write_run_file(Path(out), config, loaded, trials, transport)
    if on_plan is not None:
        on_plan(len(jobs), len(jobs) - len(todo))

    pending = {job.environment.name for job in todo}
    async with AsyncExitStack() as stack:
        pools: dict[str, EnvPool] = {}
        for environment in (e for e in loaded if e.name in pending):  # servers only where work is left
            url = (urls or {}).get(environment.name)
            if transport == "http" and url is None:
                endpoint = await stack.enter_async_context(serve_http(environment))
            else:
                endpoint = Endpoint(environment, transport, url, token=token)
            size = pool_size or (1 if transport == "inprocess" else min(concurrency, 2))
            pool = EnvPool(endpoint, size, call_timeout=limits.call_timeout)
            pools[environment.name] = await stack.enter_async_context(pool)

        queue: asyncio.Queue[_Job] = asyncio.Queue()
        for job in todo:
            queue.put_nowait(job)

        async def worker() -> None:
            while not queue.empty():
                job = queue.get_nowait()
                record = await _run_job(
                    job, pools[job.environment.name], policy, user, user_options, limits, config, transport
                )
                results.append(record)
                if on_record is not None:
                    on_record(record)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(todo))):
                group.create_task(worker())

    keys = {job.key for job in jobs}
    records = [r for r in results.records() if r.key in keys]
    summary = summarize(
        records,
        trials,
        order=[e.name for e in loaded],
        ran=len(todo),
        skipped=len(jobs) - len(todo),
        elapsed=time.monotonic() - began,
    )
    summary.out = str(out)
    return summary


def run_eval(environments: Sequence[str | Path | Environment], **options: Any) -> Summary:
    """`evaluate` for synchronous callers (the CLI, `autoforge demo`)."""
    return asyncio.run(evaluate(environments, **options))


def _plan(environments: list[Environment], trials: int, config: str, task_ids: Sequence[str] | None) -> list[_Job]:
    jobs = []
    for environment in environments:
        tasks = list(environment.tasks.values())
        if task_ids is not None:
            tasks = [t for t in tasks if t.id in set(task_ids)]
        for task in tasks:
            for trial in range(trials):
                jobs.append(_Job(environment, task, trial, episode_key(environment.sha256, task.id, trial, config)))
    if task_ids is not None and not jobs:
        raise SpecError(f"none of the tasks {', '.join(task_ids)} is in {', '.join(e.name for e in environments)}")
    return jobs


async def _run_job(
    job: _Job,
    pool: EnvPool,
    agent: Agent,
    user_spec: str,
    user_options: dict[str, Any],
    limits: Limits,
    config: RunConfig,
    transport: str,
) -> EpisodeRecord:
    retries: list[Retry] = []
    seed = trial_seed(job.environment.name, job.task.id, job.trial)
    for attempt_number in range(limits.attempts):
        user = make_user(user_spec, job.task, **user_options)
        started = time.monotonic()
        try:
            async with pool.lease() as connection:
                attempt = await run_episode(connection, job.task, agent, user, limits=limits, seed=seed)
        except InfraError as exc:  # the pool could not open a connection
            attempt = Attempt(label="infra", reason=str(exc), seconds=round(time.monotonic() - started, 6))
        if attempt.label != "infra" or attempt_number == limits.attempts - 1:
            break
        retries.append(Retry(reason=attempt.reason or "", seconds=attempt.seconds))
        await asyncio.sleep(0.1 * 2**attempt_number)
    return EpisodeRecord(
        **dict(attempt),
        key=job.key,
        environment=job.environment.name,
        env_sha256=job.environment.sha256,
        task_id=job.task.id,
        trial=job.trial,
        config=config.id,
        agent=config.agent,
        user=config.user,
        transport=transport,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        retries=retries,
    )


def _public(options: dict[str, Any]) -> dict[str, Any]:
    """Options that shape the outcome and may be written down (no keys, no client objects)."""
    return {
        k: v for k, v in sorted(options.items()) if k not in _SECRET_OPTIONS and isinstance(v, (str, int, float, bool))
    }


def _write_run_file(out: Path, config: RunConfig, environments: list[Environment], trials: int, transport: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "config": config.id,
        **config.model_dump(),
        "trials": trials,
        "transport": transport,
        "environments": [{"name": e.name, "sha256": e.sha256} for e in environments],
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (out / RUN_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
