"""Rollout workers: whole episodes (agent, simulated user, environment) in worker processes, on every core.

A `RolloutPool` keeps `size` worker processes (`worker.py`). Each is a fresh interpreter that imports
AutoForge and nothing of the caller (never a fork of this process, whose threads and event loops it
must not inherit, and never a re-run of the user's main module), started in its own session so a
Ctrl-C at the terminal reaches only the parent, which then stops it. Requests:

    open a run      settings + environment folders: each worker loads them once (its tool code in
                    its own tool workers, `tool_workers` of them, so the cores are not oversubscribed)
    run an episode  of an open run: the worker returns the episode's results line
    replay          a rollout's tool calls on a fresh episode, then verify (the RL reward)
    close a run

The parent only schedules and appends results. Answers arrive on one reader thread per worker, so a
pool serves any event loop, or several. A worker that dies fails what it held with `WorkerLost` (an
infra failure); the next request starts a replacement, which is sent the open runs first.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import itertools
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Self

from .errors import InfraError
from .executor import EpisodeRef, RunSettings
from .results import EpisodeRecord

__all__ = ["ConnectionWorker", "RolloutPool", "Worker", "WorkerLost", "default_workers", "shared_pool"]

START_SECONDS = 120.0
"""How long a worker may take to start (imports on a loaded machine)."""
STOP_SECONDS = 5.0
_BOOT = "from autoforge.clients.worker import start; start()"


class WorkerLost(InfraError):
    """A rollout worker process ended while it held the request."""


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(eq=False)
class Worker:
    """A rollout worker as the pool sees it: the requests it holds, each settled as its answer arrives."""

    pid: int
    pending: dict[int, concurrent.futures.Future[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    alive: bool = True

    def send(self, job: int, kind: str, payload: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self.lock:
            if not self.alive:
                future.set_exception(WorkerLost(f"{self.describe()} has ended"))
                return future
            self.pending[job] = future
            try:
                self.post(job, kind, payload)
            except OSError:
                self.pending.pop(job, None)
                future.set_exception(WorkerLost(f"{self.describe()} has ended"))
            except BaseException:  # the request could not be made (a changed environment): nothing is pending
                self.pending.pop(job, None)
                raise
        return future

    def answer(self, job: int, value: Any, *, failed: bool) -> None:
        """Settle request `job` with its answer."""
        with self.lock:
            future = self.pending.pop(job, None)
        if future is not None:
            _settle(future, value, failed=failed)

    def ended(self, why: str) -> None:
        """The worker is gone: fail whatever it still held with `WorkerLost`."""
        with self.lock:
            self.alive = False
            pending, self.pending = list(self.pending.values()), {}
        for future in pending:
            _settle(future, WorkerLost(f"{self.describe()} {why}"), failed=True)

    def describe(self) -> str:
        return f"rollout worker {self.pid}"

    def post(self, job: int, kind: str, payload: Any) -> None:
        """Hand the request to the worker (its answer comes back through `answer`)."""
        raise NotImplementedError

    def stop(self) -> None:
        """End the worker: its episodes end with it."""
        raise NotImplementedError


@dataclass(eq=False)
class ConnectionWorker(Worker):
    """A worker that answers `worker.py`'s protocol on a connection, read by a thread of its own."""

    conn: Connection | None = None

    def post(self, job: int, kind: str, payload: Any) -> None:
        assert self.conn is not None
        self.conn.send((job, kind, payload))

    def start_reading(self) -> None:
        threading.Thread(target=self._read, name=self.describe(), daemon=True).start()

    def _read(self) -> None:
        """Settle each answered request; on the connection's end, fail the rest."""
        assert self.conn is not None
        while True:
            try:
                status, job, value = self.conn.recv()
            except (EOFError, OSError):
                break
            self.answer(job, value, failed=status != "done")
        with self.lock:  # no new request while `why_ended` waits for the process's exit code
            self.alive = False
        self.ended(self.why_ended())

    def why_ended(self) -> str:
        return "ended"

    def hang_up(self) -> None:
        """Close the connection (the worker ends its episodes and exits)."""
        assert self.conn is not None
        try:  # shut the socket down, not just this descriptor: the reader thread blocked on it holds it open
            with socket.socket(fileno=os.dup(self.conn.fileno())) as pipe:
                pipe.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


@dataclass(eq=False)
class _ProcessWorker(ConnectionWorker):
    """A worker process (`worker.py`) on this machine, on a socket pair."""

    process: subprocess.Popen[bytes] | None = None

    def why_ended(self) -> str:
        assert self.process is not None
        return f"ended (exit code {self.process.wait()})"

    def stop(self) -> None:
        """Hang up, killing the process if it lingers."""
        assert self.process is not None
        self.hang_up()
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class RolloutPool:
    """`size` rollout workers; use as `async with` or call `close()`.

    Worker processes on this machine (default: one per core), or with `ray=True` Ray actors of the
    cluster `ray.init` joined (`ray_actors.py`; default: one per CPU of the cluster, each holding one).
    """

    def __init__(self, size: int | None = None, *, tool_workers: int | None = None, ray: bool = False) -> None:
        if ray:
            from .ray_actors import cluster_cpus

            self.size = max(1, size or cluster_cpus())
            self.tool_workers = tool_workers or 1
        else:
            self.size = max(1, size or default_workers())
            self.tool_workers = tool_workers or max(1, default_workers() // self.size)
        self.ray = ray
        self._workers: list[Worker] = []
        self._runs: dict[str, tuple[RunSettings, list[tuple[str, str]]]] = {}
        self._jobs = itertools.count()
        self._lock = threading.Lock()
        self._closed = False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    async def start(self) -> None:
        """Start every worker now (otherwise they start with the first request)."""
        await asyncio.to_thread(self._fill)

    @property
    def in_flight(self) -> dict[int, int]:
        """Requests each live worker holds, by process id."""
        with self._lock:
            return {w.pid: len(w.pending) for w in self._workers if w.alive}

    async def open_run(self, settings: RunSettings, folders: Sequence[tuple[str, str]]) -> str:
        """Send every worker a run's settings and environments (folder, sha256); its id once all loaded them."""
        run = uuid.uuid4().hex
        self._runs[run] = (settings, list(folders))
        workers = await asyncio.to_thread(self._fill)
        try:
            await asyncio.gather(*(self._await(w, "open", (run, settings, list(folders))) for w in workers))
        except BaseException:
            self._runs.pop(run, None)
            raise
        return run

    async def episode(self, run: str, ref: EpisodeRef) -> EpisodeRecord:
        """Run one episode of an open run in the least busy worker; its results line."""
        worker = await self._least_busy()
        text = await self._await(worker, "episode", (run, ref))
        return EpisodeRecord.model_validate_json(text)

    async def replay(
        self,
        reference: str,
        task_id: str,
        calls: list[dict[str, Any]],
        agent_messages: list[str],
        sha256: str | None = None,
    ) -> float:
        """The verifier's reward for making `calls` in order and telling the user `agent_messages`, in a worker."""
        worker = await self._least_busy()
        reward = await self._await(worker, "replay", (reference, sha256, task_id, calls, agent_messages))
        return float(reward)

    async def close_run(self, run: str) -> None:
        """Tell the workers a run is over (they close its connections)."""
        if self._runs.pop(run, None) is None:
            return
        with self._lock:
            workers = [w for w in self._workers if w.alive]
        await asyncio.gather(*(self._await(w, "close", run) for w in workers), return_exceptions=True)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.stop()

    async def _await(self, worker: Worker, kind: str, payload: Any) -> Any:
        return await asyncio.wrap_future(worker.send(next(self._jobs), kind, payload))

    async def _least_busy(self) -> Worker:
        with self._lock:
            live = [w for w in self._workers if w.alive]
        if len(live) < self.size:
            live = await asyncio.to_thread(self._fill)
        return min(live, key=lambda w: len(w.pending))

    def _fill(self) -> list[Worker]:
        """Start workers up to the pool's size (a replacement is first sent the open runs); the live ones."""
        with self._lock:
            if self._closed:
                raise InfraError("the rollout pool is closed")
            self._workers = [w for w in self._workers if w.alive]
            missing = self.size - len(self._workers)
            started = _launch_many(self._launch, missing)
            try:
                for worker in started:
                    for run, (settings, folders) in self._runs.items():
                        worker.send(next(self._jobs), "open", (run, settings, folders)).result()
            except BaseException:
                for worker in started:
                    worker.stop()
                raise
            self._workers += started
            return list(self._workers)

    def _launch(self) -> Worker:
        if self.ray:
            from .ray_actors import launch_rollout_actor

            return launch_rollout_actor(self.tool_workers, START_SECONDS)
        ours, theirs = socket.socketpair()
        environ = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(theirs.fileno()), str(self.tool_workers)],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=environ,
                start_new_session=True,  # Ctrl-C is the parent's to handle; it stops the workers
            )
        conn = Connection(ours.detach())
        if not conn.poll(START_SECONDS):
            process.kill()
            process.wait()
            conn.close()
            raise InfraError(f"a rollout worker did not start within {START_SECONDS:.0f} s; is the machine overloaded?")
        try:
            conn.recv()
        except (EOFError, OSError):
            code = process.wait()
            conn.close()
            raise InfraError(
                f'a rollout worker ended while starting (exit code {code}); run `python -c "{_BOOT}"` to see why'
            ) from None
        worker = _ProcessWorker(process.pid, conn=conn, process=process)
        worker.start_reading()
        return worker


def _settle(future: concurrent.futures.Future[Any], value: Any, *, failed: bool) -> None:
    """Resolve a request's future, unless its caller gave up on it (cancelled)."""
    try:
        if failed:
            future.set_exception(value)
        else:
            future.set_result(value)
    except concurrent.futures.InvalidStateError:
        pass


def _launch_many(launch: Callable[[], Worker], count: int) -> list[Worker]:
    """`count` workers started side by side; if one fails, the others are stopped and the failure raised."""
    if count <= 0:
        return []
    with concurrent.futures.ThreadPoolExecutor(count) as threads:
        futures = [threads.submit(launch) for _ in range(count)]
    started = [f.result() for f in futures if f.exception() is None]
    failed = [f.exception() for f in futures if f.exception() is not None]
    if failed:
        for worker in started:
            worker.stop()
        raise failed[0]  # type: ignore[misc]
    return started


_shared: RolloutPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> RolloutPool:
    """This process's pool for callers that share one (the RL reward), started on first use, stopped at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RolloutPool()
            atexit.register(_shared.close)
        return _shared
