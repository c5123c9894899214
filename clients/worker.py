"""A rollout worker process: runs whole episodes of the runs it is sent, many at once, on its own event loop.

The pool (`workers.py`) starts it as a fresh interpreter running `start()`. It sizes its tool-worker
pool, says it is ready, and answers requests `(job, kind, payload)` on its pipe with
`("done", job, value)` or `("failed", job, exception)`. A `RolloutHost` answers them; a rollout actor
on Ray (`ray_actors.py`) serves the same protocol on a TCP connection.

    "open"     (run, RunSettings, [(folder, sha256)])  load the environments, open an EpisodeExecutor
    "episode"  (run, EpisodeRef)                      the episode's results line, as JSON text
    "replay"   (reference, sha256, task, calls, msgs) the verifier's reward for those calls (RL reward)
    "close"    run                                    close that run's connections

When the pipe closes (the parent is done, or died) it ends its episodes and exits.
"""

from __future__ import annotations

import asyncio
import pickle
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from autoforge.servers import Environment, load_environment
from autoforge.servers.errors import SpecError
from autoforge.servers.limits import CallLimits
from autoforge.servers.locate import resolve_environment
from autoforge.servers.pool import pool_for

from .connections import Endpoint, EnvPool
from .episode import replay_calls
from .errors import InfraError
from .executor import EpisodeExecutor

__all__ = ["RolloutHost", "serve", "start"]


def start() -> None:
    """Entry point: `python -c '...start()' FD TOOL_WORKERS`."""
    fd, tool_workers = sys.argv[1:3]
    pool_for(CallLimits.from_environ()).size = int(tool_workers)  # this process's share of the cores
    conn = Connection(int(fd))
    try:
        asyncio.run(serve(conn))
    except KeyboardInterrupt:  # the parent stops its workers itself
        pass


class RolloutHost:
    """The runs and replay environments a rollout worker holds, and its answer to each request."""

    def __init__(self) -> None:
        self.environments: dict[tuple[str, str], Environment] = {}
        self.runs: dict[str, EpisodeExecutor] = {}
        self.replays: dict[str, EnvPool] = {}

    async def handle(self, kind: str, payload: Any) -> Any:
        if kind == "episode":
            run, ref = payload
            return (await self.runs[run].run(ref)).model_dump_json()
        if kind == "replay":
            return await self.replay(*payload)
        if kind == "open":
            run, settings, folders = payload
            environments = [await asyncio.to_thread(self.environment, folder, sha) for folder, sha in folders]
            executor = EpisodeExecutor(environments, settings)
            self.runs[run] = await executor.__aenter__()
            return None
        if kind == "close":
            executor = self.runs.pop(payload, None)
            if executor is not None:
                await executor.__aexit__(None, None, None)
            return None
        raise ValueError(f"unknown request {kind!r}")

    def environment(self, folder: str, sha256: str | None) -> Environment:
        """The environment in `folder` (loaded once); it must still have the content it was planned with."""
        resolved = str(Path(folder).resolve())
        cached = self.environments.get((resolved, sha256 or ""))
        if cached is not None:
            return cached
        loaded = load_environment(resolved)
        if sha256 and loaded.sha256 != sha256:
            raise SpecError(
                f"the environment in {folder} has changed (sha256 {loaded.sha256[:12]}, expected {sha256[:12]}); "
                "restore that version, or start the run (or export the dataset) again"
            )
        self.environments[(resolved, sha256 or "")] = loaded
        return loaded

    async def replay(
        self, reference: str, sha256: str | None, task_id: str, calls: list[dict[str, Any]], messages: list[str]
    ) -> float:
        """Make `calls` in order on a fresh episode of the task, then verify with `messages` told to the user."""
        environment = await asyncio.to_thread(self.environment, str(resolve_environment(reference)), sha256)
        key = f"{environment.path}@{environment.sha256}"
        if key not in self.replays:
            self.replays[key] = EnvPool(Endpoint(environment))
        async with self.replays[key].lease() as connection:
            return await replay_calls(connection, environment, task_id, calls, messages)

    async def close(self) -> None:
        for executor in self.runs.values():
            await executor.__aexit__(None, None, None)
        for pool in self.replays.values():
            await pool.close()


async def serve(conn: Connection, worker: RolloutHost | None = None) -> None:
    """Answer requests on `conn` with `worker` (a fresh host by default) until it closes; then close the host."""
    loop = asyncio.get_running_loop()
    worker = worker or RolloutHost()
    ended = loop.create_future()
    tasks: set[asyncio.Task[None]] = set()

    async def answer(job: int, kind: str, payload: Any) -> None:
        try:
            reply: tuple[str, int, Any] = ("done", job, await worker.handle(kind, payload))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the request's owner
            reply = ("failed", job, _portable(exc))
        try:
            conn.send(reply)
        except OSError:
            _settle(ended)

    def readable() -> None:
        try:
            while conn.poll():
                job, kind, payload = conn.recv()
                task = loop.create_task(answer(job, kind, payload))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except (EOFError, OSError):
            _settle(ended)

    loop.add_reader(conn.fileno(), readable)
    conn.send(("ready",))
    try:
        await ended
    finally:
        loop.remove_reader(conn.fileno())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await worker.close()


def _portable(exc: Exception) -> Exception:
    """`exc` if it survives pickling, else an InfraError carrying its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any exception type may refuse
        return InfraError(f"{type(exc).__name__}: {exc}")
    return exc


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
