"""Rollout throughput: oracle episodes through the orchestrator against the same episodes driven by raw MCP calls.

For each transport (in-process, stdio, streamable HTTP) and concurrency (1, 16, 64) it runs every
bundled task `--trials` times twice: once as bare spine requests over one `mcp.Client` per
environment (reset, the solution's tool calls, verify, close: the baseline), once through
`autoforge.clients.evaluate` with the oracle agent and the scripted user (connections, agent, user,
trajectory, labels, results.jsonl). It prints episodes/s and tool calls/s of both and the
orchestrator's overhead as a ratio of times (target: < 2x over raw in-process MCP calls). Server
start-up is excluded from both: each side measures from its first episode's start.

Then it scales out the same oracle episodes (in-process servers): whole episodes in `--workers`
rollout worker processes, and environment servers as Ray actors on a local Ray instance with one CPU
per core (`--ray`), `--repeat` times each, interleaved. It prints episodes/s of each and the ratios
(targets on 2 cores: 2 workers >= 1.7x 1 worker; Ray within 1.5x of the most workers), with their
spread. Worker and actor start-up are excluded the same way.

    python bench/rollout.py [--trials 10] [--transports inprocess stdio http] [--concurrency 1 16 64]
                            [--workers 1 2] [--ray] [--repeat 3] [--scale-concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
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
                url, token = await stack.enter_async_context(serve_http(environment))
                endpoint = Endpoint(environment, "http", url, token=token)
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
    environments: list[Environment], transport: str, trials: int, concurrency: int, workers: int = 0
) -> tuple[float, int, int]:
    """Seconds, episodes and tool calls for the same episodes through `evaluate` (oracle agent, scripted user)."""
    records: list[tuple[float, EpisodeRecord]] = []
    with tempfile.TemporaryDirectory() as out:
        await evaluate(
            environments,
            transport=transport,  # type: ignore[arg-type]
            trials=trials,
            concurrency=concurrency,
            pool_size=None if transport == "ray" else 1,
            out=out,
            workers=workers,
            on_record=lambda r: records.append((time.perf_counter(), r)),
        )
    assert all(r.reward == 1.0 for _, r in records)
    first_start = min(t - r.seconds for t, r in records)
    return records[-1][0] - first_start, len(records), sum(r.tool_calls for _, r in records)


async def scaling(
    environments: list[Environment], trials: int, concurrency: int, workers: list[int], ray: bool, repeat: int
) -> None:
    """Oracle episodes/s with each number of rollout workers and over Ray actors, interleaved, with ratios."""
    console = Console(width=132)
    sides = [f"workers {n}" for n in workers] + (["ray"] if ray else [])
    if ray:
        import ray as ray_module

        ray_module.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    for round_number in range(1, repeat + 1):
        for side in sides:
            transport, count = ("ray", 0) if side == "ray" else ("inprocess", int(side.split()[1]))
            seconds, episodes, _ = await orchestrated(environments, transport, trials, concurrency, count)
            rates[side].append(episodes / seconds)
            console.print(
                f"round {round_number}, {side}: {episodes} episodes, {episodes / seconds:.1f} episodes/s",
                highlight=False,
            )
    table = Table(title=f"oracle episodes/s on {os.cpu_count()} cores, concurrency {concurrency}, {repeat} rounds")
    for column in ("how", "median eps/s", "min", "max"):
        table.add_column(column, justify="right")
    for side, values in rates.items():
        table.add_row(side, f"{statistics.median(values):.1f}", f"{min(values):.1f}", f"{max(values):.1f}")
    console.print(table)
    if len(workers) > 1:
        low, high = f"workers {min(workers)}", f"workers {max(workers)}"
        _ratio(console, f"{high} / {low}", rates[high], rates[low], "target on 2 cores: >= 1.7x")
    if ray:
        _ratio(console, f"workers {max(workers)} / ray", rates[f"workers {max(workers)}"], rates["ray"], "target <= 1.5x")


def _ratio(console: Console, label: str, top: list[float], bottom: list[float], target: str) -> None:
    """The round-by-round ratio of two sides measured in the same rounds: median and spread."""
    ratios = [a / b for a, b in zip(top, bottom)]
    console.print(
        f"{label}: median {statistics.median(ratios):.2f}x, {min(ratios):.2f}x to {max(ratios):.2f}x ({target})",
        highlight=False,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--transports", nargs="*", default=["inprocess", "stdio", "http"])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 16, 64])
    parser.add_argument("--workers", nargs="*", type=int, default=[1, 2], help="rollout worker counts to compare")
    parser.add_argument("--ray", action="store_true", help="also serve the environments as Ray actors")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the scaling comparison")
    parser.add_argument("--scale-concurrency", type=int, default=16, help="episodes in flight when scaling out")
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
    if options.transports:
        console.print(table)
    if options.workers or options.ray:
        await scaling(
            environments, options.trials, options.scale_concurrency, options.workers, options.ray, options.repeat
        )


if __name__ == "__main__":
    asyncio.run(main())
