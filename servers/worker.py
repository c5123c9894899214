"""A worker process that runs tool code: checked tools, one call at a time, on episode files, confined.

The pool (`pool.py`) starts each worker as a fresh interpreter running `start()`, which imports
only the sandbox's own modules. A worker sets a hard memory limit,
confines itself (`guard.confine`: no processes, sockets or file writes outside the episode
folder) and then answers messages on its pipe, one at a time:

    ("load", ToolProgram)                        -> ["loaded"] | ["refused", message, [[location, problem]]]
    ("call", program key, CallJob, [paths], bool) -> Reply

The paths of a call are the episode files closed since the last one (dropped first); the flag says the
caller waits for the reply in place, in a tight loop of calls (`call_message`). A worker in such a loop
watches for its next message for a moment before it sleeps, while the machine has a CPU to spare.

Messages to a worker are pickles (the server is trusted; a call travels as plain values,
`call_message`). What a worker sends back is JSON, or for a call's reply a plain-text frame
(`reply_frame`), never a pickle: a worker whose tool code got out of the interpreter's sandbox
still cannot make the server run code by what it sends (`read_reply` checks every field).

A call runs as one transaction under the runtime's savepoint (a read-only tool's is always rolled
back, and any change it made is reported as its bug), with the statement budget and a
CPU-time limit set by the kernel (RLIMIT_CPU, which kills the worker if a single C operation runs
away); the server kills the worker when the call outlives its wall time. Either way the episode's
rollback journal undoes the half-made call when the file is next opened.
"""

from __future__ import annotations

import _strptime
import datetime
import decimal
import encodings
import json
import math
import os
import pickle
import re
import resource
import sqlite3
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import fastjsonschema

from .authorizer import Authorizer
from .channel import Channel
from .errors import SandboxError
from .guard import confine
from .limits import CallLimits
from .sandbox import load_tools
from .schemas import compiled_schema
from .storage import GROWTH_BYTES, configure
from .toolkit import Db, ToolError

__all__ = [
    "CallJob",
    "Reply",
    "ToolProgram",
    "ToolRunner",
    "call_message",
    "load_message",
    "main",
    "read_reply",
    "reply_frame",
    "start",
]

PROGRESS_INTERVAL = 1_000
"""SQLite steps between two ticks of the statement budget."""
OPEN_EPISODES = 64
"""Episode connections a worker keeps open (least recently used closed first)."""
UNLIMITED_STEPS = 1 << 62
SPIN_SECONDS = 0.001
"""How long a worker in a tight loop of calls watches for its next message before it sleeps on it: on a
virtual machine a process woken from sleep costs tens of microseconds and runs slower for a while."""

MAX_REPLY_BYTES = 8 << 20
"""The largest result a call may return, as JSON (an agent reads far less; the server must not stall on it)."""
MAX_MESSAGE_CHARS = 10_000
"""The longest error message a call may return; a longer one is cut."""


def _as_text(value: Any) -> str:
    """A result's value JSON has no type for, as text: dates, times, durations, decimals, bytes. Anything else (a
    function, a map object) is the tool's bug: its text would hold a memory address, which differs run to run."""
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, bytes)):
        return str(value)
    raise TypeError(f"the tool returned a {type(value).__name__}, which is no JSON value")


_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_as_text)
_PICKLE = pickle.HIGHEST_PROTOCOL
_STATUSES = frozenset({"ok", "error", "crash"})
_MALFORMED = "internal error: the worker process running the tool sent a malformed reply; the call was undone"
_READ_ONLY = "internal error in {tool}: it is declared read-only but tried to change the database"
_NOT_UNICODE = (
    "internal error: the tool returned text that is not valid Unicode (a lone surrogate); the call was undone"
)
_TOO_LARGE = "internal error: the tool returned {size:.1f} MB of JSON; the limit is {limit} MB; the call was undone"


@dataclass(frozen=True)
class ToolProgram:
    """An environment's tool code as a worker needs it; sent once to each worker, then named by `key`."""

    key: str
    source: str
    names: tuple[str, ...]
    writes: frozenset[str]
    output_schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    clock: str = "2025-01-01T00:00:00"
    keys: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Table -> (primary-key column, SQL type), for `db.new_id`."""


class CallJob(NamedTuple):
    """One tool call: which tool, its validated arguments, its episode's file and id counters, and the size that file
    may grow to (0: its size when a worker opens it, plus `GROWTH_BYTES`)."""

    tool: str
    arguments: Mapping[str, Any]
    path: str
    counters: Mapping[str, int]
    limit_bytes: int = 0
    mark: int = 0
    """What a writing call, once kept, leaves in the file's `user_version`: should its worker end before it
    replies, the server reads there whether the call was kept (`Episode.kept`)."""


class Reply(NamedTuple):
    """A call's outcome: 'ok' (text is the JSON result), 'error' (the agent's mistake) or 'crash' (the tool's)."""

    status: str
    text: str
    counters: Mapping[str, int] | None = None
    ended: bool = False
    """The worker ended before it replied (killed at a limit, or died): a writing call may have been kept."""


def main(channel: Channel, limits: CallLimits, folder: str) -> None:
    """The worker's life: limit, confine, announce, then answer messages until the pipe closes.

    When the server goes away the pipe closes and the worker ends; a call running then is ended by
    its CPU limit at the latest.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    notes = confine(Path(folder))
    runner = ToolRunner(limits)
    cpu = _CpuLimit(limits.cpu_seconds)
    spare = _SpareCpu()
    try:
        channel.send(json.dumps(["ready", notes]).encode())
        tight = False
        while True:
            replied = time.perf_counter()
            if tight and spare():
                channel.ready(SPIN_SECONDS, spin=SPIN_SECONDS)
            message = pickle.loads(channel.recv())
            if message[0] == "call":
                _, key, *fields, closed, in_place = message
                tight = in_place and time.perf_counter() - replied < SPIN_SECONDS
                cpu.arm()
                channel.send(reply_frame(runner.run(key, CallJob(*fields), closed)))
                forget_large_cache_entries()
            else:
                channel.send(json.dumps(runner.load(message[1])).encode())
    except (EOFError, OSError):  # the server went away (even while this worker was starting): nothing to answer
        return


def call_message(key: str, job: CallJob, closed: list[str], in_place: bool = False) -> bytes:
    """A call as the server sends it to a worker: a pickle of plain values only (quick to make and read).

    `in_place`: the caller waits for the reply with nothing else to do, and called on the same episode
    last; the worker then watches for the next message while they keep coming quickly.
    """
    message = ("call", key, *job, closed, in_place)
    return pickle.dumps(message, _PICKLE)


def load_message(program: ToolProgram) -> bytes:
    """A tool program as the server sends it to a worker, once per worker."""
    return pickle.dumps(("load", program), _PICKLE)


def reply_frame(reply: Reply) -> bytes:
    """A call's reply as a worker sends it: `status`, the id counters as JSON, and the text, a line each.

    An error's message is cut at `MAX_MESSAGE_CHARS`; text that is no valid Unicode (a lone surrogate, which
    no MCP transport can carry) or a result past `MAX_REPLY_BYTES` is the tool's crash, not its reply."""
    message = (
        reply.text if reply.status == "ok" or len(reply.text) <= MAX_MESSAGE_CHARS else reply.text[:MAX_MESSAGE_CHARS]
    )
    try:
        text = message.encode("utf-8")
    except UnicodeEncodeError:
        return reply_frame(Reply("crash", _NOT_UNICODE))
    if len(text) > MAX_REPLY_BYTES:
        return reply_frame(Reply("crash", _TOO_LARGE.format(size=len(text) / (1 << 20), limit=MAX_REPLY_BYTES >> 20)))
    counters = "" if reply.counters is None else json.dumps(reply.counters)
    return f"{reply.status}\n{counters}\n".encode() + text


def _sendable(text: str) -> None:
    """Raise the tool's crash when `text` is no result a reply can carry (a lone surrogate, past the size limit)."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise _Crash(_NOT_UNICODE) from None
    if size > MAX_REPLY_BYTES:
        raise _Crash(_TOO_LARGE.format(size=size / (1 << 20), limit=MAX_REPLY_BYTES >> 20))


def read_reply(frame: bytes) -> Reply:
    """The reply in a worker's `frame`, every field checked; anything malformed is a crash of the tool."""
    try:
        status, counters, text = frame.split(b"\n", 2)
        parsed = json.loads(counters) if counters else None
        reply = Reply(status.decode("ascii"), text.decode("utf-8"), parsed)
    except (ValueError, UnicodeDecodeError):
        return Reply("crash", _MALFORMED)
    counts_ok = parsed is None or (
        isinstance(parsed, dict) and all(isinstance(k, str) and type(v) is int for k, v in parsed.items())
    )
    return reply if reply.status in _STATUSES and counts_ok else Reply("crash", _MALFORMED)


@dataclass
class _Tools:
    program: ToolProgram
    functions: dict[str, Callable[..., Any]]
    validate_output: dict[str, Callable[[Any], Any]]


_SAVEPOINT_VERBS = ("SAVEPOINT", "ROLLBACK TO", "RELEASE")


class _Episode:
    """A worker's open connection to one episode file, locked down for tool code."""

    __slots__ = ("authorizer", "begin", "clock", "conn", "release", "steps", "undo")

    def __init__(self, path: str, limit_bytes: int) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, check_same_thread=False)
        configure(self.conn)
        self.conn.row_factory = sqlite3.Row
        pages, page_size = (self.conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "page_size"))
        limit = limit_bytes // page_size if limit_bytes else pages + GROWTH_BYTES // page_size
        self.conn.execute(f"PRAGMA max_page_count = {max(pages, limit)}")  # a new worker never grants more
        self.authorizer = Authorizer()
        self.conn.set_authorizer(self.authorizer)
        self.begin, self.undo, self.release = (f"{verb} {self.authorizer.savepoint}" for verb in _SAVEPOINT_VERBS)
        self.steps = UNLIMITED_STEPS
        self.conn.set_progress_handler(self._tick, PROGRESS_INTERVAL)
        self.clock = ""

    def freeze(self, clock: str) -> None:
        """Make SQL's own clock the environment's: `date()`, `datetime()`, `julianday()`, `unixepoch()`, `time()`
        and `strftime(format)` without a moment, and each of them given the moment `'now'` however it was spelt
        or built (`date('n' || 'ow')`, a parameter), read `clock`, not the wall clock (CURRENT_TIMESTAMP is
        refused by the authorizer)."""
        if clock == self.clock:
            return
        for function in ("date", "time", "datetime", "julianday", "unixepoch", "strftime"):
            self.conn.create_function(function, -1, _at_clock(function, clock), deterministic=True)
        self.clock = clock

    def check_row_ids(self) -> None:
        """Refuse a call that left a row id near SQLite's largest: past it, SQLite picks new rows' ids at random
        (from a generator tool code cannot otherwise reach), and replays would differ."""
        for table in self.authorizer.written:
            quoted = table.replace('"', '""')
            try:
                top = self.conn.execute(f'SELECT max(rowid) FROM "{quoted}"').fetchone()[0]
            except sqlite3.OperationalError:  # a table WITHOUT ROWID, or one the call's own SQL never made
                continue
            if isinstance(top, int) and top >= _LARGEST_ROW_ID:
                raise _Crash(f"a row of {table!r} got the row id {top:,}; past 2**62 SQLite picks row ids at random")

    def stamp(self, mark: int) -> None:
        """Leave `mark` in the file's `user_version`, in the call's transaction (tool code can run no pragma)."""
        self.conn.set_authorizer(None)
        try:
            self.conn.execute(f"PRAGMA user_version = {int(mark)}")
        finally:
            self.conn.set_authorizer(self.authorizer)

    def _tick(self) -> int:
        self.steps -= 1
        return 1 if self.steps < 0 else 0


_LARGEST_ROW_ID = 1 << 62
"""The largest row id a call may leave (SQLite's own largest is 2**63 - 1)."""

_CALENDAR = sqlite3.connect(":memory:", check_same_thread=False)
"""SQLite's date functions, for reading the environment's clock with them (`_Episode.freeze`)."""


def _is_now(value: Any) -> bool:
    """Whether SQLite would read `value` as the moment 'now': text, or a blob it reads as text (`x'6e6f77'`), up to
    its first NUL, where SQLite stops reading (`'now' || char(0)`)."""
    if isinstance(value, bytes):
        value = value.split(b"\0", 1)[0].decode("utf-8", "replace")
    return isinstance(value, str) and value.split("\0", 1)[0].strip().lower() == "now"


def _at_clock(function: str, clock: str) -> Callable[..., Any]:
    """SQL `function` of its arguments, read at `clock`: with no moment given (`date()`, `strftime('%Y')`) it is
    `clock`, and each moment `'now'` (any case, spaces around it, as text or a blob) is `clock` too."""
    first = 1 if function == "strftime" else 0  # strftime's format is no moment

    def call(*arguments: Any) -> Any:
        moments = [clock if index >= first and _is_now(value) else value for index, value in enumerate(arguments)]
        if len(moments) <= first:
            moments.append(clock)
        return _CALENDAR.execute(f"SELECT {function}({', '.join('?' * len(moments))})", moments).fetchone()[0]

    return call


class ToolRunner:
    """Runs calls of loaded tool programs on episode files: what a worker does with each message."""

    def __init__(self, limits: CallLimits) -> None:
        self.limits = limits
        self.loaded: dict[str, _Tools] = {}
        self.episodes: OrderedDict[str, _Episode] = OrderedDict()

    def run(self, key: str, job: CallJob, closed: list[str]) -> Reply:
        """Close the episode files in `closed`, then run `job` with the program loaded as `key`."""
        for path in closed:
            episode = self.episodes.pop(path, None)
            if episode is not None:
                episode.conn.close()
        return self.call(self.loaded[key], job)

    def load(self, program: ToolProgram) -> tuple[Any, ...]:
        try:
            functions = load_tools(program.source, list(program.names))
        except SandboxError as exc:
            return ("refused", str(exc), [(p.location, p.message) for p in exc.problems])
        try:  # compiled as the server compiles inputs: a schema's reference never fetches a URL or reads a file
            outputs = {name: compiled_schema(schema) for name, schema in program.output_schemas.items()}
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            return ("refused", f"an output schema cannot be used: {exc}", [])
        self.loaded[program.key] = _Tools(program, functions, outputs)
        return ("loaded",)

    def call(self, tools: _Tools, job: CallJob) -> Reply:
        episode = self._episode(job.path, job.limit_bytes)
        episode.freeze(tools.program.clock)
        conn = episode.conn
        writes = job.tool in tools.program.writes
        counters = dict(job.counters)
        db = Db(conn, tools.program.clock, tools.program.keys, counters)
        episode.steps = self.limits.steps // PROGRESS_INTERVAL
        conn.execute(episode.begin)
        changes_before = conn.total_changes
        try:
            value = tools.functions[job.tool](db, **job.arguments)
            if not writes and conn.total_changes != changes_before:
                raise _Crash(_READ_ONLY.format(tool=job.tool))
            validate = tools.validate_output.get(job.tool)
            if validate is not None:
                validate(value)
            text = _JSON.encode(value)
            _sendable(text)  # before the call is kept: a result no reply can carry undoes the call
            if writes:
                episode.check_row_ids()
        except BaseException as exc:  # noqa: BLE001 - every failure of tool code is reported, the call undone
            wrote = not writes and conn.total_changes != changes_before  # whatever it raised after, that is the bug
            if conn.in_transaction:  # else `OR ROLLBACK` in its SQL undid the whole call, savepoint and all
                conn.execute(episode.undo)
                conn.execute(episode.release)
            if isinstance(exc, KeyboardInterrupt):
                raise  # Ctrl-C in a process that runs tools itself (the synthesizer): the call is undone, the run stops
            status, message = self._failure(job.tool, _Crash(_READ_ONLY.format(tool=job.tool)) if wrote else exc)
            return Reply(status, message)
        finally:
            episode.steps = UNLIMITED_STEPS
        if not writes:
            conn.execute(episode.undo)  # a read-only call keeps nothing, whatever it did, its ids taken too
            counters = dict(job.counters)
        else:
            episode.stamp(job.mark)
        conn.execute(episode.release)
        return Reply("ok", text, counters if counters != job.counters else None)

    def _episode(self, path: str, limit_bytes: int) -> _Episode:
        episode = self.episodes.get(path)
        if episode is None:
            episode = self.episodes[path] = _Episode(path, limit_bytes)
            if len(self.episodes) > OPEN_EPISODES:
                _, oldest = self.episodes.popitem(last=False)
                oldest.conn.close()
        else:
            self.episodes.move_to_end(path)
        return episode

    def _failure(self, tool: str, exc: BaseException) -> tuple[str, str]:
        if isinstance(exc, _Crash):
            return "crash", str(exc)
        if isinstance(exc, ToolError):
            return "error", _text_of(exc)
        code = getattr(exc, "sqlite_errorcode", -1) & 0xFF  # SQLite's own code: a message can say anything
        if isinstance(exc, MemoryError) or code == sqlite3.SQLITE_NOMEM:
            return "error", f"{tool} exceeded its memory limit of {self.limits.memory_mb:,} MB; the call was undone"
        if code == sqlite3.SQLITE_INTERRUPT:
            return "error", f"{tool} exceeded its compute budget of {self.limits.steps:,} database steps"
        if code == sqlite3.SQLITE_FULL:
            return "error", f"{tool} exceeded its storage limit of {GROWTH_BYTES >> 20} MB; the call was undone"
        if code == sqlite3.SQLITE_AUTH:
            return "crash", (
                f"internal error in {tool}: it ran SQL that tool code may not run (schema changes, pragmas, "
                "attached files, transaction control, randomness)"
            )
        if isinstance(exc, sqlite3.IntegrityError):
            return "error", f"{tool} was refused by a database constraint: {exc}"
        if isinstance(exc, fastjsonschema.JsonSchemaValueException):
            return "crash", f"internal error in {tool}: its output does not match its output schema: {exc.message}"
        return (
            "crash",
            f"internal error in {tool} (a bug in the tool, not in your call): {type(exc).__name__}: {_text_of(exc)}",
        )


def _text_of(exc: BaseException) -> str:
    """`str(exc)` with each object's memory address left out (`<function f>`, not `<function f at 0x7f4b...>`:
    it differs from run to run), or a note when tool code gave it a message no string can hold
    (`ToolError(10 ** 5000)`)."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an integer too long to print, a message nested too deeply
        return f"{type(exc).__name__} whose message cannot be printed"
    return _ADDRESS.sub(">", text)


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
"""Where an object's text shows its memory address."""
_LARGE_KEY = 256
"""Characters of a cache key past which its entry is dropped after each call."""


def forget_large_cache_entries() -> None:
    """Drop what tool code left in the process's caches with long keys: regular expressions and replacement
    templates (`re.sub` with a `\\1` in a 4 MB template caches it for the worker's life), failed codec lookups,
    `strptime` formats. A worker serves every episode: what one call leaves there must not take the memory of
    the next (other environments' calls would hit the memory limit). Short keys, the runtime's own, stay."""
    if re._compile_repl.cache_info().currsize:  # type: ignore[attr-defined]
        re._compile_repl.cache_clear()  # type: ignore[attr-defined]
    for cache, text_of in ((re._cache, lambda key: key[1]), (encodings._cache, str), (_strptime._regex_cache, str)):  # type: ignore[attr-defined]
        for key in [k for k in cache if len(text_of(k)) > _LARGE_KEY]:
            cache.pop(key, None)


class _CpuLimit:
    """Lets the kernel stop a call after `seconds` of CPU time (RLIMIT_CPU; SIGXCPU ends the worker).

    The limit is set `seconds` + `_CPU_SLACK` past the CPU time used so far, and renewed only once
    `_CPU_SLACK` of wall time has passed since: a single-threaded process uses no more CPU time than wall
    time, so each call still has at least `seconds`, and most calls cost no system call for it.
    """

    __slots__ = ("_renew_at", "_seconds")

    def __init__(self, seconds: int) -> None:
        self._seconds = seconds
        self._renew_at = -math.inf

    def arm(self) -> None:
        """Make sure the next call may use `seconds` of CPU time before the kernel stops it."""
        now = time.monotonic()
        if now < self._renew_at:
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(usage.ru_utime + usage.ru_stime + self._seconds + _CPU_SLACK)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
        self._renew_at = now + _CPU_SLACK


_CPU_SLACK = 1.0


class _SpareCpu:
    """Whether the machine has a CPU to spare: no more runnable processes than cores, by the kernel's count
    (`/proc/loadavg`), read at most every `_SPARE_EVERY` seconds (where it cannot be read: no)."""

    __slots__ = ("_checked", "_cores", "_spare")

    def __init__(self) -> None:
        self._cores = os.cpu_count() or 1
        self._checked = -math.inf
        self._spare = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self._checked >= _SPARE_EVERY:
            self._checked = now
            try:
                with open("/proc/loadavg", encoding="ascii") as loadavg:
                    runnable = int(loadavg.read().split()[3].partition("/")[0])
            except (OSError, ValueError, IndexError):
                runnable = self._cores + 1
            self._spare = runnable <= self._cores
        return self._spare


_SPARE_EVERY = 0.05


class _Crash(Exception):
    """The tool broke a rule of the runtime (a bug in the environment, not the agent's mistake)."""


def start() -> None:
    """Entry point of a worker process: `python -c '...start()' FD LIMITS-JSON FOLDER`."""
    fd, limits, folder = sys.argv[1:4]
    main(Channel(int(fd)), CallLimits(**json.loads(limits)), folder)
