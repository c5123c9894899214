"""Per-call limits: a runaway tool ends as a tool error naming its limit, undone, and the server keeps serving."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from autoforge.servers import EnvServer, EnvSpec, build_environment, call_tool
from autoforge.servers.limits import CallLimits
from autoforge.servers.state import state_hash
from autoforge.servers.worker import CallJob, ToolProgram, ToolRunner
from mcp import Client

LIMITS = CallLimits(wall_seconds=30.0, cpu_seconds=1, memory_mb=256)
"""The CPU limit ends a runaway call first, however loaded the machine (1 s of CPU may take many seconds)."""

RUNAWAY_TOOLS = """
import re


def add_item(db, name):
    db.execute("INSERT INTO items (id, name) VALUES (?, ?)", name, name)
    return {"added": name}


def list_items(db):
    return db.query("SELECT id, name FROM items ORDER BY id")


def spin(db, name):
    db.execute("INSERT INTO items (id, name) VALUES (?, ?)", name, name)
    total = 0
    for i in range(100000):
        for j in range(100000):
            total = total + j
    return total


def huge_power(db, name):
    db.execute("INSERT INTO items (id, name) VALUES (?, ?)", name, name)
    return 10 ** 10 ** 9 > 0


def backtrack(db, name):
    db.execute("INSERT INTO items (id, name) VALUES (?, ?)", name, name)
    return re.match("(a+)+$", "a" * 64 + "b") is not None


def hog(db, name):
    db.execute("INSERT INTO items (id, name) VALUES (?, ?)", name, name)
    return len("x" * (1024 * 1024 * 1024))
"""


def _tool(name: str, writes: bool, with_name: bool = True) -> dict[str, Any]:
    properties = {"name": {"type": "string"}} if with_name else {}
    return {
        "name": name,
        "description": f"{name} (a test tool).",
        "writes": writes,
        "input_schema": {"type": "object", "properties": properties, "required": list(properties)},
    }


def runaway_environment(limits: CallLimits = LIMITS):  # type: ignore[no-untyped-def]
    spec = EnvSpec.model_validate(
        {
            "name": "runaway",
            "description": "Tools that never finish on their own.",
            "tables": [
                {
                    "name": "items",
                    "columns": [
                        {"name": "id", "type": "TEXT", "primary_key": True},
                        {"name": "name", "type": "TEXT", "nullable": False},
                    ],
                }
            ],
            "tools": [
                _tool("add_item", True),
                _tool("list_items", False, with_name=False),
                *(_tool(name, True) for name in ("spin", "huge_power", "backtrack", "hog")),
            ],
            "provenance": {"source": "tests"},
        }
    )
    return build_environment(spec, RUNAWAY_TOOLS, "INSERT INTO items VALUES ('a', 'apple');", limits=limits)


@pytest.fixture(scope="module")
def runaway() -> EnvServer:
    return EnvServer(runaway_environment())


CASES = [
    ("spin", "CPU time limit of 1 s"),
    ("huge_power", "CPU time limit of 1 s"),
    ("backtrack", "CPU time limit of 1 s"),
    ("hog", "memory limit of 256 MB"),
]


@pytest.mark.parametrize(("tool", "limit"), CASES)
async def test_runaway_call_is_a_tool_error_within_its_limit_and_undone(
    runaway: EnvServer, tool: str, limit: str
) -> None:
    """CPU-, C-operation-, regex- and memory-bound calls end as tool errors naming the limit; their write is undone."""
    episode = runaway.episodes.reset(episode_id=f"runaway-{tool}")
    neighbour = runaway.episodes.reset(episode_id=f"neighbour-{tool}")
    async with Client(runaway) as client:
        await call_tool(client, neighbour.id, "add_item", {"name": "kept"})
        before = state_hash(episode.conn, runaway.environment.spec)
        neighbour_before = state_hash(neighbour.conn, runaway.environment.spec)
        start = time.monotonic()
        result = await call_tool(client, episode.id, tool, {"name": "undone"})
        elapsed = time.monotonic() - start
        assert result.is_error
        assert limit in result.content[0].text
        assert elapsed < LIMITS.wall_seconds
        assert state_hash(episode.conn, runaway.environment.spec) == before
        assert state_hash(neighbour.conn, runaway.environment.spec) == neighbour_before
        listed = await call_tool(client, episode.id, "list_items", {})
        assert not listed.is_error and "undone" not in listed.content[0].text


async def test_a_call_past_its_wall_time_is_stopped_and_the_episode_is_unchanged() -> None:
    """With a wall limit below the CPU limit, the server kills the worker at the wall limit and says so."""
    server = EnvServer(runaway_environment(CallLimits(wall_seconds=1.0, cpu_seconds=30, memory_mb=256)))
    episode = server.episodes.reset(episode_id="walled")
    before = state_hash(episode.conn, server.environment.spec)
    async with Client(server) as client:
        start = time.monotonic()
        result = await call_tool(client, episode.id, "backtrack", {"name": "undone"})
        assert time.monotonic() - start < 3
        assert result.is_error and "time limit of 1 s" in result.content[0].text
        again = await call_tool(client, episode.id, "add_item", {"name": "after"})
        assert not again.is_error
    assert state_hash(episode.conn, server.environment.spec) != before  # only the later write landed
    rows = [row["id"] for row in episode.db.query("SELECT id FROM items ORDER BY id")]
    assert rows == ["a", "after"]


async def test_other_episodes_are_served_while_one_call_runs_away() -> None:
    """The event loop stays free: another episode's calls are answered while a runaway call holds a worker."""
    server = EnvServer(runaway_environment(CallLimits(wall_seconds=8.0, cpu_seconds=60, memory_mb=256)))
    slow = server.episodes.reset(episode_id="slow")
    quick = server.episodes.reset(episode_id="quick")
    async with Client(server) as client:
        runaway_call = asyncio.create_task(call_tool(client, slow.id, "spin", {"name": "x"}))
        await asyncio.sleep(0.5)
        for index in range(5):
            answered = await call_tool(client, quick.id, "add_item", {"name": f"q{index}"})
            assert not answered.is_error
        assert not runaway_call.done(), "the quick calls were answered while the runaway call still ran"
        assert (await runaway_call).is_error


GROWING = """
import decimal

from autoforge.servers.toolkit import ToolError


def grow(db, size, last):
    row = 'max' if last else 'min'
    return db.execute(f"UPDATE members SET name = printf('%.*c', ?, 'x') WHERE rowid = (SELECT {row}(rowid) FROM members)", size)


def boom(db):
    raise ToolError(10 ** 5000)


def padded(db, size):
    return db.value(f"SELECT 1 /* {'x' * size} */")


def typo(db, word):
    return db.query(f"SELECT * FROM members WHERE name = {word}")


def odd(db, kind):
    values = {"map": map(abs, [1]), "lambda": lambda: 0, "decimal": decimal.Decimal("1.50")}
    return values[kind]


def far(db, row_id):
    return db.execute("UPDATE members SET rowid = ? WHERE rowid = (SELECT min(rowid) FROM members)", row_id)
"""


def _runner(program: ToolProgram) -> ToolRunner:
    """A fresh runner, as a new worker process starts one, with the program loaded."""
    runner = ToolRunner(CallLimits())
    assert runner.load(program) == ("loaded",)
    return runner


def test_a_worker_compiles_output_schemas_without_fetching_anything() -> None:
    """The worker checks a tool's output against its schema as the server checks inputs: a base URI that names a
    file is never read (its contents would come back in the error message), the program is refused instead."""
    schema = {"$id": f"file://{Path(__file__).resolve()}#", "$ref": "#"}
    program = ToolProgram("based", GROWING, ("grow", "boom"), frozenset({"grow"}), {"boom": schema})
    refused = ToolRunner(CallLimits()).load(program)
    assert refused[0] == "refused" and "points outside the schema" in refused[1], refused


def test_a_file_grows_no_further_when_another_worker_opens_it(library: EnvServer) -> None:
    """An episode's file may grow to what its store allows, whichever worker runs the call: a worker that dies after
    growing it (killed at its CPU limit, say) gives the next worker no new allowance."""
    program = ToolProgram("grow", GROWING, ("grow", "boom"), frozenset({"grow"}))
    episode = library.episodes.reset(episode_id="growing")
    limit = episode.path.stat().st_size + (1 << 20)
    first = _runner(program).run(
        "grow", CallJob("grow", {"size": 700_000, "last": False}, str(episode.path), {}, limit), []
    )
    assert first.status == "ok", first
    second = _runner(program).run(
        "grow", CallJob("grow", {"size": 700_000, "last": True}, str(episode.path), {}, limit), []
    )
    assert second.status == "error" and "storage limit" in second.text, second


def test_an_error_message_no_string_can_hold_is_the_tool_s_error_not_the_worker_s_end(library: EnvServer) -> None:
    """`ToolError(10 ** 5000)` cannot be printed: the call is reported as an error, and the worker goes on."""
    program = ToolProgram("boom", GROWING, ("grow", "boom"), frozenset({"grow"}))
    runner = _runner(program)
    episode = library.episodes.reset(episode_id="boom")
    reply = runner.run("boom", CallJob("boom", {}, str(episode.path), {}), [])
    assert reply.status == "error" and "cannot be printed" in reply.text, reply


def test_a_statement_s_size_is_capped_so_prepared_statements_hold_little_between_episodes(library: EnvServer) -> None:
    """A worker keeps its last statements prepared from one episode to the next, text and all: one of 4 MB each
    would keep gigabytes past the call (later episodes would run out of memory). Past `MAX_SQL_CHARS` a statement
    is the tool's bug."""
    from autoforge.servers.toolkit import MAX_SQL_CHARS

    program = ToolProgram("padded", GROWING, ("grow", "boom", "padded", "typo", "far"), frozenset({"grow"}))
    runner = _runner(program)
    episode = library.episodes.reset(episode_id="padded")
    small = runner.run("padded", CallJob("padded", {"size": MAX_SQL_CHARS - 100}, str(episode.path), {}), [])
    assert small.status == "ok" and small.text == "1", small
    large = runner.run("padded", CallJob("padded", {"size": 4 << 20}, str(episode.path), {}), [])
    assert large.status == "crash" and f"{MAX_SQL_CHARS:,} at most" in large.text, large


def test_a_failure_is_labelled_by_what_sqlite_said_not_by_its_message(library: EnvServer) -> None:
    """A tool's bug whose message happens to hold 'interrupted', 'full' or 'out of memory' (here a column of that
    name) is the tool's crash, not a limit the agent's call ran into."""
    program = ToolProgram("typo", GROWING, ("grow", "boom", "padded", "typo", "far"), frozenset({"grow"}))
    runner = _runner(program)
    episode = library.episodes.reset(episode_id="typo")
    for word in ("interrupted", "full", "memory"):
        reply = runner.run("typo", CallJob("typo", {"word": word}, str(episode.path), {}), [])
        assert reply.status == "crash" and f"no such column: {word}" in reply.text, reply


ZONED = """
import datetime


def zone(db):
    moment = datetime.datetime.fromisoformat(db.now())
    return [moment.astimezone().isoformat(), db.value("SELECT datetime(?, 'localtime')", db.now())]
"""


def test_local_time_in_tool_code_is_utc_whatever_the_host_s_time_zone(
    library: EnvServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replays must not depend on where they run: workers keep no time zone of the host's."""
    from autoforge.servers.pool import ToolPool

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    pool = ToolPool(CallLimits(), size=1)
    program = ToolProgram("zoned", ZONED, ("zone",), frozenset())
    try:
        episode = library.episodes.reset(episode_id="zoned")
        reply = pool.call(program, CallJob("zone", {}, str(episode.path), {}))
    finally:
        pool.close()
    assert reply.status == "ok", reply
    assert json.loads(reply.text) == [f"{program.clock}+00:00", program.clock.replace("T", " ")]


def test_a_call_may_not_leave_a_row_id_past_which_sqlite_picks_them_at_random(library: EnvServer) -> None:
    """Once a table holds the row id 2**63 - 1, SQLite gives new rows random ids: replays would differ. A call that
    leaves one past 2**62 is the tool's bug, undone; smaller ones are kept."""
    program = ToolProgram("far", GROWING, ("grow", "boom", "padded", "typo", "far"), frozenset({"far"}))
    runner = _runner(program)
    episode = library.episodes.reset(episode_id="far")
    before = state_hash(episode.conn, library.environment.spec)
    refused = runner.run("far", CallJob("far", {"row_id": (1 << 63) - 1}, str(episode.path), {}), [])
    assert refused.status == "crash" and "at random" in refused.text, refused
    assert state_hash(episode.conn, library.environment.spec) == before
    kept = runner.run("far", CallJob("far", {"row_id": 1 << 40}, str(episode.path), {}), [])
    assert kept.status == "ok", kept


def test_a_result_holding_no_json_value_is_the_tool_s_bug_not_its_text(library: EnvServer) -> None:
    """A function or a map object in a result would reach the agent as its text, a memory address that differs
    from run to run: the call is the tool's crash. Decimals (and dates) are their text."""
    program = ToolProgram("odd", GROWING, ("odd",), frozenset())
    runner = _runner(program)
    episode = library.episodes.reset(episode_id="odd")
    for kind in ("map", "lambda"):
        reply = runner.run("odd", CallJob("odd", {"kind": kind}, str(episode.path), {}), [])
        assert reply.status == "crash" and "no JSON value" in reply.text and "0x" not in reply.text, reply
    assert runner.run("odd", CallJob("odd", {"kind": "decimal"}, str(episode.path), {}), []).text == '"1.50"'


TEXTS = """
import datetime


def as_text(db, kind):
    helper = lambda: 1
    if kind == "str":
        return str(helper)
    if kind == "fstring":
        return f"{[helper]}"
    if kind == "percent":
        return "%s" % (map(abs, [1]),)
    if kind == "mapped":
        return list(map(str, [helper]))
    if kind == "sort_key":
        return sorted([helper, lambda: 2], key=str)
    loop = [1]
    loop.append(loop)
    return [str({"a": [1, 2.5]}), f"{1.5:.2f} {datetime.date(2026, 3, 1)}", "%d items" % 3, 7 % 4, f"{loop}",
            isinstance("a", str), ",".join(map(str, [1, 2])), sorted(["b", "A"], key=str.lower)]
"""


def test_tool_code_cannot_turn_a_function_into_text_where_a_memory_address_would_show(library: EnvServer) -> None:
    """`str(f)`, an f-string's field and `%` formatting of a function or a map object would give text that differs
    from run to run (a memory address), and so would `str` handed on (`map(str, fns)`, `sorted(fns, key=str)`):
    the call is the tool's crash. Data of every kind becomes text as usual, and `str` is still the type."""
    program = ToolProgram("texts", TEXTS, ("as_text",), frozenset())
    runner = _runner(program)
    episode = library.episodes.reset(episode_id="texts")
    for kind in ("str", "fstring", "percent", "mapped", "sort_key"):
        reply = runner.run("texts", CallJob("as_text", {"kind": kind}, str(episode.path), {}), [])
        assert reply.status == "crash" and "memory address" in reply.text and "0x" not in reply.text, reply
    plain = runner.run("texts", CallJob("as_text", {"kind": "data"}, str(episode.path), {}), [])
    assert json.loads(plain.text) == ["{'a': [1, 2.5]}", "1.50 2026-03-01", "3 items", 3, "[1, [...]]", True, "1,2",
                                      ["A", "b"]], plain  # fmt: skip


PEEKING = """
import re


def peek_ids(db, n):
    return [db.new_id("members", "M-") for _ in range(n)]


def cached(db, pattern):
    return re.compile(pattern) is re.compile(pattern)
"""


def test_a_read_only_call_takes_no_id_and_shares_no_cached_pattern(library: EnvServer) -> None:
    """A read-only tool keeps nothing: not the ids it drew (a write after it gets the same next id as without it),
    and no compiled pattern is shared with later calls (`re`'s cache, which every episode of a worker shares,
    once carried bits from one episode to the next)."""
    program = ToolProgram("peek", PEEKING, ("peek_ids", "cached"), frozenset(), keys={"members": ("id", "TEXT")})
    runner = _runner(program)
    episode = library.episodes.reset(episode_id="peeking")
    peeked = runner.run("peek", CallJob("peek_ids", {"n": 1000}, str(episode.path), {}), [])
    assert peeked.status == "ok" and peeked.counters is None, peeked
    cached = runner.run("peek", CallJob("cached", {"pattern": "SECRET"}, str(episode.path), {}), [])
    assert cached.status == "ok" and cached.text == "false"


LEAKING = """
import re

from autoforge.servers.toolkit import ToolError


def helper():
    return 1


def raise_function(db):
    raise ToolError(helper)


def missing_key(db):
    return {}[helper]


def templates(db, size):
    return [re.sub("a", "\\\\g<0>" + "x" * size + str(i), "a") for i in range(3)]
"""


def test_an_error_s_text_shows_no_memory_address_and_caches_keep_nothing_large(library: EnvServer) -> None:
    """An error raised with a function, or a KeyError on one, would show its memory address (differing from run to
    run): its text leaves the address out. What a call leaves in the worker's process-wide caches with a long
    key (a replacement template of 100,000 characters, as `re.sub` keeps them) is dropped after the call, so one
    environment's calls cannot fill the memory every other environment's calls need."""
    import re

    from autoforge.servers.worker import forget_large_cache_entries

    runner = _runner(ToolProgram("leaking", LEAKING, ("raise_function", "missing_key", "templates"), frozenset()))
    episode = library.episodes.reset(episode_id="leaking")
    for tool in ("raise_function", "missing_key"):
        reply = runner.run("leaking", CallJob(tool, {}, str(episode.path), {}), [])
        assert reply.status in ("error", "crash") and "<function helper>" in reply.text and "0x" not in reply.text
    reply = runner.run("leaking", CallJob("templates", {"size": 100_000}, str(episode.path), {}), [])
    assert reply.status == "ok" and re._compile_repl.cache_info().currsize >= 3
    re.compile("s" * 300)  # a long pattern in `re`'s own cache goes too; a short one stays
    re.compile("short")
    forget_large_cache_entries()
    assert re._compile_repl.cache_info().currsize == 0
    assert not [key for key in re._cache if len(key[1]) > 256] and any(key[1] == "short" for key in re._cache)
