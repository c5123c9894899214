"""The pool of worker processes that run tool code for every environment this process loads.

Tool code never runs in the process that loads an environment (a server, the orchestrator, the
reward function, the synthesizer): each call is sent to a worker (`worker.py`) and its reply
awaited, off the event loop. Workers are fresh interpreters (never forks of this process, whose
threads and main module they must not inherit), started lazily up to one per core, so a single client uses one worker and a
runaway call in one worker leaves the others serving. A call that outlives its wall time gets its
worker killed; a worker that dies (CPU limit, crash) is replaced on the next call. Either way the
episode file's journal undoes the half-made call, and the caller gets a tool error naming the limit.

Pools are shared per set of limits (`pool_for`); `forget` tells workers an episode file is gone.
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .channel import Channel
from .errors import Problem, SandboxError
from .limits import CallLimits
from .storage import episode_folder
from .worker import (
    MAX_REPLY_BYTES,
    OPEN_EPISODES,
    CallJob,
    Reply,
    ToolProgram,
    call_message,
    load_message,
    read_reply,
)

__all__ = ["ToolPool", "close_pools", "forget_episode", "pool_for"]

START_SECONDS = 60.0
"""How long a new worker may take to start."""
IN_PLACE_SECONDS = 0.001
"""How long an event loop whose call is the only one in flight waits for the reply in place before it
yields: most calls answer sooner, and suspending and resuming the awaiting coroutines costs about half
as much as the process hop itself. The loop has nothing else to do meanwhile (no other call is in flight,
no other callback ready), and for its first `SPIN_SECONDS` watches for the reply without sleeping."""
SPIN_SECONDS = 0.0002
"""How long a call waited for in place is watched for before the loop sleeps on it: most calls answer sooner."""
REPLY_HEADROOM = 1 << 20
"""What a reply may hold besides its result (its status, id counters; a refused program's problems)."""
_BOOT = "from autoforge.servers.worker import start; start()"


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    channel: Channel
    loaded: set[str] = field(default_factory=set)
    recent: OrderedDict[str, None] = field(default_factory=OrderedDict)
    """The episode files the worker holds open, mirroring its own LRU."""
    closed: list[str] = field(default_factory=list)
    """Episode files closed since its last call, that it still holds open."""

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        self.channel.close()


class ToolPool:
    """Worker processes under one set of call limits; calls are sync (`call`) or async (`acall`)."""

    def __init__(self, limits: CallLimits, size: int | None = None) -> None:
        self.limits = limits
        self.size = size or max(2, os.cpu_count() or 2)
        # Re-entrant: a garbage-collected episode store's finalizer calls `forget` on whatever thread it runs,
        # possibly one that holds this lock already (seen in `_acquire_async`: a plain lock deadlocked there).
        self._lock = threading.RLock()
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._starting = 0
        self._waiters: deque[Callable[[], None]] = deque()
        self._last_path: str | None = None
        """The episode file of the last call sent: calls in a row on one episode are one client's tight loop."""

    # -- calls -------------------------------------------------------------------------------

    def load(self, program: ToolProgram) -> None:
        """Load `program` in a worker now, so whoever loads an environment hears of a refusal."""
        worker = self._acquire(None)
        try:
            self._load(worker, program)
        finally:
            self._release(worker)

    def call(self, program: ToolProgram, job: CallJob) -> Reply:
        """Run one call and wait for its reply (for synchronous callers: the synthesizer, checks)."""
        worker = self._acquire(job.path)
        try:
            try:
                self._load(worker, program)
            except SandboxError as exc:
                return Reply("crash", f"the environment's tools could not be loaded: {exc}")
            in_place = self._lone()
            self._send(worker, program, job, in_place)
            if not worker.channel.ready(self.limits.wall_seconds, spin=SPIN_SECONDS if in_place else 0.0):
                return self._over_time(worker, job)
            return self._receive(worker, job)
        finally:
            self._release(worker)

    async def acall(self, program: ToolProgram, job: CallJob) -> Reply:
        """Run one call without blocking the event loop."""
        worker = await self._acquire_async(job.path)
        try:
            if program.key not in worker.loaded:
                try:
                    await asyncio.to_thread(self._load, worker, program)
                except SandboxError as exc:
                    return Reply("crash", f"the environment's tools could not be loaded: {exc}")
            in_place = self._lone() and not _loop_has_work()
            self._send(worker, program, job, in_place)
            try:
                answered = (in_place and worker.channel.ready(IN_PLACE_SECONDS, spin=SPIN_SECONDS)) or await _readable(
                    worker.channel, self.limits.wall_seconds
                )
            except BaseException:
                self._discard(worker)  # cancelled mid-call: the worker's answer would reach the next caller
                raise
            if not answered:
                return self._over_time(worker, job)
            return self._receive(worker, job)
        finally:
            self._release(worker)

    def _send(self, worker: _Worker, program: ToolProgram, job: CallJob, in_place: bool) -> None:
        same_episode, self._last_path = job.path == self._last_path, job.path
        closed, worker.closed = worker.closed, []
        worker.recent[job.path] = None
        worker.recent.move_to_end(job.path)
        if len(worker.recent) > OPEN_EPISODES:
            worker.recent.popitem(last=False)
        worker.channel.send(call_message(program.key, job, closed, in_place and same_episode))

    def _lone(self) -> bool:
        """Whether at most one worker is busy (the caller's): waiting in place then takes no other call's time."""
        return len(self._live) - len(self._idle) <= 1

    def _receive(self, worker: _Worker, job: CallJob) -> Reply:
        try:
            return read_reply(worker.channel.recv())
        except (EOFError, OSError):
            return self._died(worker, job)

    def _over_time(self, worker: _Worker, job: CallJob) -> Reply:
        self._discard(worker)
        return Reply(
            "error",
            f"{job.tool} was stopped: it ran past its time limit of {self.limits.wall_seconds:g} s; the call was undone",
            ended=True,
        )

    def _died(self, worker: _Worker, job: CallJob) -> Reply:
        self._discard(worker)
        code = worker.process.returncode
        if code == -signal.SIGXCPU:
            return Reply(
                "error",
                f"{job.tool} was stopped: it used more than its CPU time limit of {self.limits.cpu_seconds} s; "
                "the call was undone",
                ended=True,
            )
        return Reply("crash", f"internal error in {job.tool}: the process running it ended (exit code {code}); "
                     "the call was undone", ended=True)  # fmt: skip

    def _load(self, worker: _Worker, program: ToolProgram) -> None:
        if program.key in worker.loaded:
            return
        worker.channel.send(load_message(program))
        if not worker.channel.ready(max(self.limits.wall_seconds, START_SECONDS)):
            self._discard(worker)
            raise SandboxError("tools.py took too long to load in a worker process")
        try:
            reply = json.loads(worker.channel.recv())
            refused = reply[0] == "refused"
            problems = [Problem(str(location), str(problem)) for location, problem in reply[2]] if refused else []
        except (EOFError, OSError, ValueError, TypeError, IndexError, KeyError):
            self._discard(worker)
            raise SandboxError(
                f"tools.py ended or garbled its worker process while loading (exit code {worker.process.returncode})"
            ) from None
        if refused:
            raise SandboxError(str(reply[1]), problems)
        worker.loaded.add(program.key)

    # -- workers -----------------------------------------------------------------------------

    def warm(self) -> None:
        """Start a worker in the background when none is live, so that the first call need not wait for an
        interpreter to start (a failed start is left for that call to report)."""
        with self._lock:
            if self._live or self._starting:
                return
            self._starting += 1
        threading.Thread(target=self._start_idle, name="autoforge-warm-worker", daemon=True).start()

    def _start_idle(self) -> None:
        try:
            worker = self._start()
        except (SandboxError, OSError):
            return
        self._release(worker)

    def _acquire(self, path: str | None) -> _Worker:
        # On a thread that runs an event loop, waiting could wait on that loop's own calls: start a
        # worker beyond the pool's size instead (it is stopped again when released).
        surplus = _on_event_loop()
        while True:
            worker, start = self._take(path, surplus)
            if worker is not None:
                return worker
            if start:
                return self._start()
            ready = threading.Event()
            with self._lock:
                if self._idle or len(self._live) + self._starting < self.size:
                    continue
                self._waiters.append(ready.set)
            ready.wait()

    async def _acquire_async(self, path: str | None) -> _Worker:
        loop = asyncio.get_running_loop()
        while True:
            worker, start = self._take(path)
            if worker is not None:
                return worker
            if start:
                starting = asyncio.ensure_future(asyncio.to_thread(self._start))
                try:
                    return await asyncio.shield(starting)
                except asyncio.CancelledError:
                    starting.add_done_callback(self._release_started)
                    raise
            ready = loop.create_future()
            with self._lock:
                if self._idle or len(self._live) + self._starting < self.size:
                    continue
                self._waiters.append(functools.partial(loop.call_soon_threadsafe, _settle, ready))
            await ready

    def _take(self, path: str | None, surplus: bool = False) -> tuple[_Worker | None, bool]:
        """An idle worker (the one holding `path` open if any), else whether a new one may start."""
        with self._lock:
            if self._idle:
                for index in range(len(self._idle) - 1, -1, -1):
                    if path in self._idle[index].recent:
                        return self._idle.pop(index), False
                return self._idle.pop(), False
            if surplus or len(self._live) + self._starting < self.size:
                self._starting += 1
                return None, True
            return None, False

    def _start(self) -> _Worker:
        try:
            started = self._launch()
        except BaseException:
            with self._lock:
                self._starting -= 1
            self._wake_one()
            raise
        with self._lock:
            self._starting -= 1
            self._live.add(started)
        return started

    def _launch(self) -> _Worker:
        """A new worker process, started and confined, connected by a socket pair."""
        ours, theirs = socket.socketpair()
        limits = json.dumps(dataclasses.asdict(self.limits))
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(theirs.fileno()), limits, str(episode_folder())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # never the stdio server's protocol stream
                env=_worker_environment(),
                start_new_session=True,  # the terminal's Ctrl-C is the server's to handle
            )
        channel = Channel(ours.detach(), limit=MAX_REPLY_BYTES + REPLY_HEADROOM)
        try:
            if not channel.ready(START_SECONDS):
                raise SandboxError(f"a tool worker process did not start within {START_SECONDS:.0f} s")
            _, notes = json.loads(channel.recv())
        except (EOFError, OSError, ValueError, SandboxError) as exc:
            process.kill()
            process.wait(5)
            channel.close()
            if isinstance(exc, SandboxError):
                raise
            raise SandboxError(
                f"a tool worker process ended while starting (exit code {process.returncode}); "
                f"is the memory limit of {self.limits.memory_mb:,} MB too low?"
            ) from None
        _say_once(notes)
        return _Worker(process, channel)

    def _release_started(self, starting: asyncio.Future[_Worker]) -> None:
        if not starting.cancelled() and starting.exception() is None:
            self._release(starting.result())

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            surplus = len(self._live) > self.size
            if worker in self._live and not surplus:
                self._idle.append(worker)
        if surplus:
            self._discard(worker)
        else:
            self._wake_one()

    def _wake_one(self) -> None:
        with self._lock:
            wake = self._waiters.popleft() if self._waiters else None
        if wake is not None:
            wake()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._live.discard(worker)
        worker.kill()
        self._wake_one()  # a place for a new worker

    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        with self._lock:
            return sorted(worker.process.pid for worker in self._live)

    def forget(self, path: str) -> None:
        """An episode file was removed: workers holding it open close it with their next call."""
        with self._lock:
            for worker in self._live:
                if path in worker.recent:
                    del worker.recent[path]
                    worker.closed.append(path)

    def close(self) -> None:
        """Stop every worker (calls in flight fail as crashes)."""
        with self._lock:
            idle, busy = self._idle, self._live.difference(self._idle)
            self._live, self._idle = set(), []
        for worker in idle:
            worker.kill()
        for worker in busy:  # its caller must see the pipe's end (a closed pipe wakes no one), then closes it
            worker.process.kill()


_pools: dict[CallLimits, ToolPool] = {}
_pools_lock = threading.RLock()  # `forget_episode` may run from a finalizer inside `pool_for`


def pool_for(limits: CallLimits) -> ToolPool:
    """The process's pool for `limits` (made on first use, stopped at exit)."""
    with _pools_lock:
        pool = _pools.get(limits)
        if pool is None:
            pool = _pools[limits] = ToolPool(limits)
        return pool


def forget_episode(path: str) -> None:
    """Tell every pool's workers that an episode file is gone."""
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.forget(path)


@atexit.register
def close_pools() -> None:
    """Stop the workers of every pool of this process."""
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.close()


_said: set[str] = set()


def _say_once(notes: list[str]) -> None:
    for note in notes:
        if note not in _said:
            _said.add(note)
            print(f"autoforge: {note}", file=sys.stderr)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _worker_environment() -> dict[str, str]:
    """What a worker's interpreter needs of this process's environment (its paths and locale), and nothing else:
    bearer tokens and API keys stay out of reach of tool code. String hashing is seeded the same in every worker,
    so `list(set(...))` in a tool gives the same order whichever worker runs it, and the time zone is UTC, so that
    local time (`astimezone()`, SQL's 'localtime') is the same on every host."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if name in _INHERITED or (name.startswith(("LC_", "PYTHON")) and name != "PYTHONSTARTUP")
    }
    return {**kept, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "PYTHONHASHSEED": "0", "TZ": "UTC"}


_INHERITED = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "SYSTEMROOT"})


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _loop_has_work() -> bool:
    """Whether other callbacks wait to run on this event loop (asyncio's ready queue; a loop without one: no)."""
    return bool(getattr(asyncio.get_running_loop(), "_ready", None))


async def _readable(channel: Channel, timeout: float) -> bool:
    """Wait until `channel` has data (or its other end closed) for at most `timeout` seconds."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = channel.fileno()
    loop.add_reader(fd, _settle, ready)
    timer = loop.call_later(timeout, _settle, ready)
    try:
        await ready
    finally:
        loop.remove_reader(fd)
        timer.cancel()
    return channel.ready(0)
