"""Runtime benchmark: tool-call rates (in the worker, direct, in-memory MCP, stdio), reset time, memory per episode.

Run: python bench/runtime.py            (about a minute on 2 cores; prints numbers, asserts nothing)
     python bench/runtime.py --against OTHER/.venv/bin/python [--rounds 60]

`--against` compares the in-memory call rate with another installation of autoforge (an older
checkout's interpreter): each side serves `get_member` in its own process, and the two run blocks of
calls in turns, so the machine's noise falls on both. The two installations must hold the same
packages: the SDK's own path differs with them (anyio, for one, asks `sniffio` when it is installed).

Baselines, measured in the same run:
- a plain `MCPServer` with a trivial `echo` tool and the same episode routing (the SDK's own floor);
- the tool run by a worker's own runner in this process (no process hop, no MCP): the difference to a
  direct validated call, which crosses into a worker process and back, is what the hop costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from mcp import Client, StdioServerParameters
from mcp.server import MCPServer

from autoforge.servers import EnvSpec, build_environment, call_tool, load_server
from autoforge.servers.episodes import EpisodeStore, create_episode_file
from autoforge.servers.limits import CallLimits
from autoforge.servers.locate import resolve_environment
from autoforge.servers.state import diff_rows, read_rows
from autoforge.servers.storage import new_episode_path, remove_episode_file
from autoforge.servers.verify import episode_changes
from autoforge.servers.worker import CallJob, ToolRunner

LIBRARY = resolve_environment("library-loans")
READ_TOOL, READ_ARGS = "get_member", {"member_id": "M-1001"}
META_KEY = "autoforge/episode"


def echo_server() -> MCPServer:
    """The SDK floor: a trivial tool behind the same `_meta` episode routing, as middleware."""
    episode: contextvars.ContextVar[str] = contextvars.ContextVar("episode", default="default")
    server = MCPServer("echo")

    async def route(ctx, call_next):  # type: ignore[no-untyped-def]
        token = episode.set(str((ctx.meta or {}).get(META_KEY, "default")))
        try:
            return await call_next(ctx)
        finally:
            episode.reset(token)

    server.middleware.append(route)

    @server.tool()
    async def echo(text: str) -> str:
        return text

    return server


async def rate(client: Client, name: str, arguments: dict[str, object], episode: str, seconds: float = 3.0) -> float:
    """Sequential calls per second over about `seconds`."""
    for _ in range(50):
        await client.call_tool(name, arguments, meta={META_KEY: episode})
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            await client.call_tool(name, arguments, meta={META_KEY: episode})
        calls += 100
    return calls / (time.perf_counter() - start)


def direct_rate(seconds: float = 2.0) -> tuple[float, float]:
    """Calls per second: the runner in this process (no hop), and a validated call through a worker."""
    server = load_server(LIBRARY)
    episode = server.episodes.reset(episode_id="bench")
    tool = server.environment.tools[READ_TOOL]
    runner = ToolRunner(CallLimits())
    runner.load(tool.program)
    job = CallJob(READ_TOOL, READ_ARGS, str(episode.path), {})
    in_process = _calls_per_second(lambda: runner.run(tool.program.key, job, []), seconds)
    through_worker = _calls_per_second(lambda: tool.run(episode, READ_ARGS), seconds)
    return in_process, through_worker


def _calls_per_second(call, seconds: float) -> float:  # type: ignore[no-untyped-def]
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            call()
        calls += 200
    return calls / (time.perf_counter() - start)


async def call_rates() -> None:
    in_process, direct = direct_rate()
    echo_rates, ours = [], []
    server = load_server(LIBRARY)
    for _ in range(3):  # interleave to share any machine noise fairly
        async with Client(echo_server()) as client:
            echo_rates.append(await rate(client, "echo", {"text": "hi"}, "e1"))
        async with Client(server) as client:
            episode = server.episodes.reset(episode_id="bench").id
            ours.append(await rate(client, READ_TOOL, READ_ARGS, episode))
    echo, memory = max(echo_rates), max(ours)
    mcp = str(Path(sys.executable).with_name("mcp"))
    params = StdioServerParameters(command=mcp, args=["run", str(LIBRARY / "server.py")], env=dict(os.environ))
    async with Client(params) as client:
        from autoforge.servers import reset_episode

        episode = (await reset_episode(client)).episode_id
        stdio = await rate(client, READ_TOOL, READ_ARGS, episode)
    hop = (1 / direct - 1 / in_process) * 1e6
    print("tool calls (sequential, one client)")
    print(f"  runner in this process     {in_process:>10,.0f} calls/s   (no hop: what a worker does per call)")
    print(f"  direct validated call      {direct:>10,.0f} calls/s   (through a worker: the hop costs {hop:.0f} us)")
    print(f"  SDK echo, in-memory MCP    {echo:>10,.0f} calls/s   (baseline)")
    print(
        f"  ours {READ_TOOL}, in-memory  {memory:>10,.0f} calls/s   ratio vs echo {memory / echo:.2f}x (target >= 1.5x)"
    )
    print(f"  ours {READ_TOOL}, stdio      {stdio:>10,.0f} calls/s   ratio vs in-memory {stdio / memory:.2f}x")
    print(f"  direct / in-memory MCP     {direct / memory:>10.1f}x  (target <= 15x)")


def big_environment(rows: int = 10_000):  # type: ignore[no-untyped-def]
    """An environment whose seed has `rows` rows spread over two related tables."""
    spec = EnvSpec.model_validate(
        {
            "name": "big",
            "description": "Reset benchmark.",
            "tables": [
                {
                    "name": "owners",
                    "columns": [
                        {"name": "id", "type": "INTEGER", "primary_key": True},
                        {"name": "name", "type": "TEXT"},
                    ],
                },
                {
                    "name": "items",
                    "columns": [
                        {"name": "id", "type": "INTEGER", "primary_key": True},
                        {"name": "owner_id", "type": "INTEGER", "references": "owners.id"},
                        {"name": "label", "type": "TEXT"},
                        {"name": "price", "type": "REAL"},
                    ],
                },
            ],
            "tools": [
                {"name": "noop", "description": "x", "writes": False, "input_schema": {"type": "object"}},
                {"name": "touch", "description": "x", "writes": True, "input_schema": {"type": "object"}},
            ],
            "provenance": {"source": "bench"},
        }
    )
    owners = rows // 10
    seed = "INSERT INTO owners VALUES " + ",".join(f"({i}, 'owner {i}')" for i in range(owners)) + ";\n"
    seed += (
        "INSERT INTO items VALUES "
        + ",".join(f"({i}, {i % owners}, 'item number {i}', {i * 0.5})" for i in range(rows - owners))
        + ";"
    )
    tools = "def noop(db):\n    return 1\n\n\ndef touch(db):\n    return db.execute('UPDATE items SET price = price + 1 WHERE id = 7')\n"
    return build_environment(spec, tools, seed)


def reset_time() -> None:
    """A reset onto a new copy of the seed, and onto a reused file whose last episode wrote one row."""
    environment = big_environment()
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    copies, reuses = [], []
    for _ in range(200):
        start = time.perf_counter()
        path = new_episode_path()
        create_episode_file(environment.template, path).close()
        copies.append(time.perf_counter() - start)
        remove_episode_file(path)
        environment.tools["touch"].run(store.reset(episode_id="e"), {})
        start = time.perf_counter()
        store.reset(episode_id="e")  # the closed episode's file, its written row put back
        reuses.append(time.perf_counter() - start)
    print("episode reset, 10,000-row database, files on tmpfs (target <= 1 ms)")
    for label, samples in (("new copy (SQLite backup API)", copies), ("reused file, one row reverted", reuses)):
        samples.sort()
        print(f"  {label:<30} median {samples[100] * 1e3:.3f} ms   p95 {samples[190] * 1e3:.3f} ms")


def verify_cost() -> None:
    """Verifying an episode that wrote one row: from its change log, and by diffing the written table whole."""
    print("verify, one row written (change log vs a full diff of the written table, as before)")
    logged_small = None
    for rows in (1_000, 10_000, 100_000):
        environment = big_environment(rows)
        store = EpisodeStore(environment.spec, environment.template, environment.tasks)
        items = environment.spec.table("items")
        baseline = read_rows(environment.template, items)  # cached once, as the old verifier cached it
        episode = store.reset(episode_id="verify")
        environment.tools["touch"].run(episode, {})
        logged = _median_seconds(lambda: episode_changes(store, episode))
        full = _median_seconds(lambda: diff_rows(items, baseline, read_rows(episode.conn, items)))  # noqa: B023
        logged_small = logged_small or logged
        print(
            f"  {rows:>7,} rows: change log {logged * 1e3:7.3f} ms   full diff {full * 1e3:8.3f} ms   "
            f"speed-up {full / logged:6.0f}x   vs 1,000 rows {logged / logged_small:.2f}x (target <= 3x)"
        )


def _median_seconds(work, repeats: int = 21) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return sorted(samples)[repeats // 2]


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_per_episode(count: int = 1000) -> None:
    server = load_server(LIBRARY)
    gc.collect()
    before = rss_bytes()
    for i in range(count):
        episode = server.episodes.reset(episode_id=f"m{i}")
        episode.db.query("SELECT * FROM members LIMIT 1")  # touch each database once
    gc.collect()
    per = (rss_bytes() - before) / count
    files = sum(e.path.stat().st_size for e in server.episodes) / count
    size = server.environment.template.execute("PRAGMA page_count").fetchone()[0] * 4096
    print(f"memory, {count:,} live episodes of library-loans in one process (seed database {size / 1024:.0f} KiB)")
    print(
        f"  {(per + files) / 1024:.0f} KiB per episode   (target < 1024 KiB): {per / 1024:.0f} KiB in the process, "
        f"{files / 1024:.0f} KiB of episode file on tmpfs"
    )


_BLOCKS_CHILD = """
import asyncio, importlib.metadata, json, sys, time
from mcp import Client
from autoforge.servers import load_server
from autoforge.servers.locate import resolve_environment

def version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None

async def serve():
    server = load_server(resolve_environment("library-loans"))
    async with Client(server) as client:
        meta = {"autoforge/episode": server.episodes.reset(episode_id="bench").id}
        for _ in range(300):
            await client.call_tool("get_member", {"member_id": "M-1001"}, meta=meta)
        print(json.dumps({name: version(name) for name in ("mcp", "anyio", "pydantic", "sniffio")}), flush=True)
        for line in sys.stdin:
            calls, start = int(line), time.perf_counter()
            for _ in range(calls):
                await client.call_tool("get_member", {"member_id": "M-1001"}, meta=meta)
            print((time.perf_counter() - start) / calls, flush=True)

asyncio.run(serve())
"""


def against(other: str, rounds: int, calls: int = 400) -> None:
    """In-memory `get_member` calls: this installation and `other`'s, in blocks of `calls`, taking turns."""
    sides = {
        "this installation": subprocess.Popen(
            [sys.executable, "-c", _BLOCKS_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ),
        other: subprocess.Popen([other, "-c", _BLOCKS_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True),
    }
    packages = {name: side.stdout.readline().strip() for name, side in sides.items()}  # type: ignore[union-attr]
    if len(set(packages.values())) > 1:
        print(f"warning: the installations differ in packages on the call path: {packages}")
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    for turn in range(rounds):
        for name in sorted(sides, reverse=turn % 2 == 1):
            sides[name].stdin.write(f"{calls}\n")  # type: ignore[union-attr]
            sides[name].stdin.flush()  # type: ignore[union-attr]
            seconds[name].append(float(sides[name].stdout.readline()))  # type: ignore[union-attr]
    for side in sides.values():
        side.stdin.close()  # type: ignore[union-attr]
        side.wait()
    ours, theirs = seconds["this installation"], seconds[other]
    print(f"in-memory {READ_TOOL} calls, {rounds} blocks of {calls} each, in turns")
    for name, samples in seconds.items():
        print(f"  {name:<19} median {statistics.median(samples) * 1e6:6.0f} us/call   best {min(samples) * 1e6:6.0f}")
    paired = statistics.median(b / a for a, b in zip(ours, theirs, strict=True))
    print(
        f"  rate this / other   {statistics.median(theirs) / statistics.median(ours):.2f}x by medians, "
        f"{min(theirs) / min(ours):.2f}x by bests, {paired:.2f}x by turns (target >= 0.75x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="PYTHON", help="another installation's interpreter to compare with")
    parser.add_argument("--rounds", type=int, default=60, help="blocks of calls each side runs with --against")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.rounds)
        return
    asyncio.run(call_rates())
    reset_time()
    verify_cost()
    memory_per_episode()


if __name__ == "__main__":
    main()
