"""Rollout throughput: oracle episodes through the orchestrator against the same episodes driven by raw MCP calls.

For each transport (in-process, stdio, streamable HTTP) and concurrency (1, 16, 64) it runs every
bundled task `--trials` times twice: once as bare spine requests over one `mcp.Client` per
environment (reset, the solution's tool calls, verify, close: the baseline), once through
`autoforge.clients.evaluate` with the oracle agent and the scripted user (connections, agent, user,
trajectory, labels, results.jsonl). It prints episodes/s and tool calls/s of both and the
orchestrator's overhead as a ratio of times (target: < 2x over raw in-process MCP calls). Server
start-up is excluded from both: each side measures from its first episode's start.

    python bench/rollout.py [--trials 10] [--transports inprocess stdio http] [--concurrency 1 16 64]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from contextlib import AsyncExitStack
from typing import Any

from autoforge.clients import Endpoint, EpisodeRecord, evaluate
from autoforge.clients.http_servers import serve_http
from autoforge.servers import (
    Environment,
    Task,
    call_tool,
    close_episode,
    load_environment,
    oracle_transcript,
    reset_episode,
    verify_episode,
)
from autoforge.servers.locate import bundled_environments
from mcp import Client
from rich.console import Console
from rich.table import Table


async def raw(environments: list[Environment], transport: str, trials: int, concurrency: int) -> tuple[float, int, int]:
    """Seconds, episodes and tool calls for the oracle episodes as bare MCP requests."""
    limit = asyncio.Semaphore(concurrency)
    async with AsyncExitStack() as stack:
        clients: dict[str, Client] = {}
        for environment in environments:
            if transport == "http":
                endpoint = await stack.enter_async_context(serve_http(environment))
            else:
                endpoint = Endpoint(environment, transport)  # type: ignore[arg-type]
            target: Any = endpoint.target()
            clients[environment.name] = await stack.enter_async_context(Client(target))

        async def episode(client: Client, task: Task) -> int:
            async with limit:
                episode_id = (await reset_episode(client, task.id)).episode_id
                for node in task.solution.calls:
                    await call_tool(client, episode_id, node.tool, node.arguments)
                verdict = await verify_episode(client, episode_id, oracle_transcript(task))
                await close_episode(client, episode_id)
                assert verdict.reward == 1.0, task.id
                return len(task.solution.calls)

        jobs = [(clients[e.name], t) for e in environments for t in e.tasks.values() for _ in range(trials)]
        start = time.perf_counter()
        calls = await asyncio.gather(*(episode(c, t) for c, t in jobs))
        return time.perf_counter() - start, len(jobs), sum(calls)


async def orchestrated(
    environments: list[Environment], transport: str, trials: int, concurrency: int
) -> tuple[float, int, int]:
    """Seconds, episodes and tool calls for the same episodes through `evaluate` (oracle agent, scripted user)."""
    records: list[tuple[float, EpisodeRecord]] = []
    with tempfile.TemporaryDirectory() as out:
        await evaluate(
            environments,
            transport=transport,  # type: ignore[arg-type]
            trials=trials,
            concurrency=concurrency,
            pool_size=1,
            out=out,
            on_record=lambda r: records.append((time.perf_counter(), r)),
        )
    assert all(r.reward == 1.0 for _, r in records)
    first_start = min(t - r.seconds for t, r in records)
    return records[-1][0] - first_start, len(records), sum(r.tool_calls for _, r in records)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--transports", nargs="+", default=["inprocess", "stdio", "http"])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 16, 64])
    options = parser.parse_args()
    environments = [load_environment(p) for p in bundled_environments()]
    table = Table(title=f"oracle rollouts: {', '.join(e.name for e in environments)}, {options.trials} trials per task")
    for column in (
        "transport",
        "concurrency",
        "episodes",
        "raw eps/s",
        "raw calls/s",
        "orch eps/s",
        "orch calls/s",
        "overhead",
    ):
        table.add_column(column, justify="right")
    console = Console(width=132)
    for transport in options.transports:
        for concurrency in options.concurrency:
            raw_s, episodes, calls = await raw(environments, transport, options.trials, concurrency)
            orch_s, orch_episodes, orch_calls = await orchestrated(environments, transport, options.trials, concurrency)
            table.add_row(
                transport,
                str(concurrency),
                str(episodes),
                f"{episodes / raw_s:.1f}",
                f"{calls / raw_s:.0f}",
                f"{orch_episodes / orch_s:.1f}",
                f"{orch_calls / orch_s:.0f}",
                f"{orch_s / raw_s:.2f}x",
            )
            console.print(
                f"{transport} c={concurrency}: raw {raw_s:.2f} s, orchestrated {orch_s:.2f} s", highlight=False
            )
    console.print(table)


if __name__ == "__main__":
    asyncio.run(main())
