"""The runner: k trials of every task of some environments, many episodes at once, resumable.

Episodes are drawn from a queue by `concurrency` workers. In this process (`workers=0`) each runs on
a connection leased from its environment's pool (`EpisodeExecutor`); with `workers=N` whole episodes
run in N rollout worker processes (`RolloutPool`) and this process only schedules and appends. Either
way an episode is retried while it fails with `infra` (a dead server, a timeout, a lost worker), and
its record is appended to results.jsonl the moment it ends. A rerun of the same command skips the
episodes already recorded and finishes the rest; cancelling (Ctrl-C) loses only episodes in flight.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autoforge.servers import Environment, load_environment
from autoforge.servers.environment import content_sha256, read_spec, read_tasks
from autoforge.servers.errors import SpecError
from autoforge.servers.locate import resolve_environment

from .connections import TRANSPORTS, Transport
from .episode import Attempt, Limits
from .executor import EpisodeExecutor, EpisodeRef, RunSettings, episode_record, trial_seed
from .http_servers import serve_http
from .passk import Summary, summarize
from .results import EpisodeRecord, ResultsFile, Retry, RunConfig, episode_key
from .workers import RolloutPool, WorkerLost, default_workers

__all__ = ["RUN_FILE", "evaluate", "load_environments", "run_eval", "trial_seed"]

RUN_FILE = "run.json"
"""Written next to results.jsonl: the configuration of the latest run (the report reads it)."""

_SECRET_OPTIONS = ("api_key", "client", "backend")
AUTO_WORKERS_FROM = 200
"""Episodes to run from which `workers=None` uses rollout worker processes (their start-up costs seconds)."""


@dataclass(frozen=True)
class _Listed:
    """An environment as the runner plans it: its name, content hash, tasks and folder."""

    name: str
    sha256: str
    task_ids: tuple[str, ...]
    path: Path | None
    loaded: Environment | None = None


def load_environments(references: Sequence[str | Path | Environment]) -> list[Environment]:
    """Environments from folders, bundled names, or already loaded ones."""
    loaded = [r if isinstance(r, Environment) else load_environment(resolve_environment(r)) for r in references]
    _unique([e.name for e in loaded])
    return loaded


def _list_environments(references: Sequence[str | Path | Environment]) -> list[_Listed]:
    """What the runner needs to plan and hand out episodes, read from the folders without loading tool code."""
    listed = []
    for reference in references:
        if isinstance(reference, Environment):
            path = reference.path.resolve() if reference.path is not None else None
            listed.append(_Listed(reference.name, reference.sha256, tuple(reference.tasks), path, reference))
            continue
        folder = resolve_environment(reference).resolve()
        spec = read_spec(folder / "env.json")
        tasks = tuple(t.id for t in read_tasks(folder / "tasks.jsonl"))
        listed.append(_Listed(spec.name, content_sha256(folder), tasks, folder))
    _unique([e.name for e in listed])
    return listed


def _unique(names: list[str]) -> None:
    if len(set(names)) != len(names):
        raise SpecError(f"the same environment is named twice: {', '.join(names)}")


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
    workers: int | RolloutPool | None = 0,
    ray: bool = False,
    on_plan: Callable[[int, int], None] | None = None,
    on_record: Callable[[EpisodeRecord], None] | None = None,
) -> Summary:
    """Run `trials` episodes of every task (or of `task_ids`) and return the summary of the results.

    `urls` maps environment names to running streamable-HTTP servers, reached with the bearer `token`
    when they require one; with transport "http" the others are served by child processes for the
    duration of the run, each requiring a fresh token of its own. `pool_size` is the number of
    connections (stdio: server processes) per environment, per process. `workers` runs whole episodes
    in that many rollout worker processes (or in a `RolloutPool` you hold); 0 runs them here; None
    picks one per core for runs of at least AUTO_WORKERS_FROM episodes whose environments are folders
    (smaller runs finish before workers start). `ray` makes the rollout workers actors of the Ray
    cluster `ray.init` joined, `workers` of them (0 or None: one per CPU of the cluster). With
    transport "ray" the servers are environment actors of that cluster (`ray_actors.py`; what veRL's
    agent loop reaches) and the episodes are driven from here, one Ray call per request.
    """
    if transport not in TRANSPORTS:
        raise SpecError(f"unknown transport {transport!r}; choose one of {', '.join(TRANSPORTS)}")
    if trials < 1 or concurrency < 1:
        raise SpecError(f"trials and concurrency must be at least 1 (got {trials} and {concurrency})")
    if isinstance(workers, int) and workers < 0:
        raise SpecError(f"workers must be 0 (run episodes in this process) or more, got {workers}")
    if ray and transport == "ray":
        raise SpecError(
            "ray=True runs whole episodes on Ray actors that serve the environments themselves; "
            "transport 'ray' drives environment actors from this process: choose one"
        )
    began = time.monotonic()
    limits = limits or Limits()
    agent_options, user_options = dict(agent_options or {}), dict(user_options or {})
    listed = _list_environments(environments)
    config = RunConfig(
        agent=agent,
        user=user,
        max_turns=limits.max_turns,
        max_steps=limits.max_steps,
        agent_options=_public(agent_options),
        user_options=_public(user_options),
    )
    results = ResultsFile(Path(out) / "results.jsonl")
    done = {r.key for r in results.records()}
    jobs = _plan(listed, trials, config.id, task_ids)
    todo = [job for job in jobs if job.key not in done]
    _write_run_file(Path(out), config, listed, trials, transport, ray)
    if on_plan is not None:
        on_plan(len(jobs), len(jobs) - len(todo))

    pending = [e for e in listed if e.name in {job.environment for job in todo}]  # servers only where work is left
    workers = _workers(workers, transport, todo, pending, agent_options, user_options, ray)
    async with AsyncExitStack() as stack:
        served = dict(urls or {})
        tokens = dict.fromkeys(served, token) if token else {}
        if transport == "http":
            for environment in (e for e in pending if e.name not in served):
                local = await stack.enter_async_context(serve_http(_environment(environment)))
                served[environment.name], tokens[environment.name] = local.url, local.token
        settings = RunSettings(
            agent=agent,
            user=user,
            config=config,
            limits=limits,
            transport=transport,
            agent_options=agent_options,
            user_options=user_options,
            urls=served,
            tokens=tokens,
            pool_size=pool_size or _pool_size(transport, concurrency, workers),
        )
        if not todo:
            run: Callable[[EpisodeRef], Awaitable[EpisodeRecord]] | None = None
        elif workers:
            run = await _in_workers(stack, workers, min(concurrency, len(todo)), settings, pending, ray)
        else:
            executor = EpisodeExecutor([_environment(e) for e in pending], settings)
            run = (await stack.enter_async_context(executor)).run

        queue: asyncio.Queue[EpisodeRef] = asyncio.Queue()
        for job in todo:
            queue.put_nowait(job)

        async def worker() -> None:
            assert run is not None
            while not queue.empty():
                record = await run(queue.get_nowait())
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
        order=[e.name for e in listed],
        ran=len(todo),
        skipped=len(jobs) - len(todo),
        elapsed=time.monotonic() - began,
    )
    summary.out = str(out)
    return summary


def run_eval(environments: Sequence[str | Path | Environment], **options: Any) -> Summary:
    """`evaluate` for synchronous callers (the CLI, `autoforge demo`)."""
    return asyncio.run(evaluate(environments, **options))


def _workers(
    workers: int | RolloutPool | None,
    transport: Transport,
    todo: list[EpisodeRef],
    pending: list[_Listed],
    agent_options: dict[str, Any],
    user_options: dict[str, Any],
    ray: bool,
) -> int | RolloutPool:
    """How many rollout workers the run uses (0: this process); None decides by the run's size."""
    if ray:
        from .ray_actors import cluster_cpus

        return workers or cluster_cpus()
    if workers is not None:
        return workers
    portable = _portable(agent_options) and _portable(user_options)
    possible = transport != "ray" and portable and all(e.path is not None for e in pending)
    cores = default_workers()
    return cores if possible and cores > 1 and len(todo) >= AUTO_WORKERS_FROM else 0


def _environment(listed: _Listed) -> Environment:
    """The loaded environment (for in-process runs and the HTTP servers this run starts)."""
    if listed.loaded is None:
        assert listed.path is not None
        return load_environment(listed.path)
    return listed.loaded


def _pool_size(transport: Transport, concurrency: int, workers: int | RolloutPool) -> int:
    """Connections per environment and process: one in-process client; a few server processes otherwise."""
    if transport == "inprocess":
        return 1
    if transport == "ray":
        from .ray_actors import ray_nodes

        return len(ray_nodes())
    share = concurrency if isinstance(workers, int) and workers == 0 else max(1, concurrency // _size(workers))
    return min(share, 2)


def _size(workers: int | RolloutPool) -> int:
    return workers if isinstance(workers, int) else workers.size


async def _in_workers(
    stack: AsyncExitStack,
    workers: int | RolloutPool,
    concurrency: int,
    settings: RunSettings,
    pending: list[_Listed],
    ray: bool,
) -> Callable[[EpisodeRef], Awaitable[EpisodeRecord]]:
    """Open the run in rollout workers; how to run one episode there (a lost worker is an infra try)."""
    _check_portable(settings, pending)
    if isinstance(workers, RolloutPool):
        pool = workers
    else:  # never more workers than episodes that can be in flight
        pool = await stack.enter_async_context(RolloutPool(min(workers, concurrency), ray=ray))
    run_id = await pool.open_run(settings, [(str(e.path), e.sha256) for e in pending])
    stack.push_async_callback(pool.close_run, run_id)
    hashes = {e.name: e.sha256 for e in pending}

    async def run(ref: EpisodeRef) -> EpisodeRecord:
        retries: list[Retry] = []
        while True:
            started = time.monotonic()
            try:
                record = await pool.episode(run_id, ref)
                return record.model_copy(update={"retries": retries + record.retries}) if retries else record
            except WorkerLost as exc:
                attempt = Attempt(label="infra", reason=str(exc), seconds=round(time.monotonic() - started, 6))
            if len(retries) + 1 >= settings.limits.attempts:
                return episode_record(ref, hashes[ref.environment], attempt, retries, settings)
            retries.append(Retry(reason=attempt.reason or "", seconds=attempt.seconds))

    return run


def _check_portable(settings: RunSettings, pending: list[_Listed]) -> None:
    """Worker processes are sent the run's settings and environment folders: nothing else can go."""
    for side, options in (("agent", settings.agent_options), ("user", settings.user_options)):
        if not _portable(options):
            raise SpecError(
                f"the {side} options ({', '.join(sorted(options))}) hold objects that cannot be sent to rollout "
                "worker processes (a client instance?); pass plain values such as base_url, or workers=0 to run "
                "in this process"
            )
    for environment in pending:
        if environment.path is None:
            raise SpecError(
                f"{environment.name} was built in memory; rollout workers load environments from folders: "
                "write it to a folder, or pass workers=0 to run it in this process"
            )


def _portable(options: dict[str, Any]) -> bool:
    try:
        pickle.dumps(options)
    except Exception:  # noqa: BLE001 - pickling fails with many exception types
        return False
    return True


def _plan(environments: list[_Listed], trials: int, config: str, task_ids: Sequence[str] | None) -> list[EpisodeRef]:
    jobs = []
    for environment in environments:
        tasks = [t for t in environment.task_ids if task_ids is None or t in set(task_ids)]
        for task in tasks:
            for trial in range(trials):
                key = episode_key(environment.sha256, task, trial, config)
                jobs.append(EpisodeRef(environment.name, task, trial, key))
    if task_ids is not None and not jobs:
        raise SpecError(f"none of the tasks {', '.join(task_ids)} is in {', '.join(e.name for e in environments)}")
    return jobs


def _public(options: dict[str, Any]) -> dict[str, Any]:
    """Options that shape the outcome and may be written down (no keys, no client objects)."""
    return {
        k: v for k, v in sorted(options.items()) if k not in _SECRET_OPTIONS and isinstance(v, (str, int, float, bool))
    }


def _write_run_file(
    out: Path, config: RunConfig, environments: list[_Listed], trials: int, transport: str, ray: bool
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "config": config.id,
        **config.model_dump(),
        "trials": trials,
        "transport": transport,
        "ray": ray,
        "environments": [
            {"name": e.name, "sha256": e.sha256, "path": str(e.path) if e.path else None} for e in environments
        ],
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (out / RUN_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
