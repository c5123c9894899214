"""Rollout throughput: oracle episodes through the orchestrator against the same episodes driven by raw MCP calls.

For each transport (in-process, stdio, streamable HTTP) and concurrency (1, 16, 64) it runs every
bundled task `--trials` times twice: once as bare spine requests over one `mcp.Client` per
environment (reset, the solution's tool calls, verify, close: the baseline), once through
`autoforge.clients.evaluate` with the oracle agent and the scripted user (connections, agent, user,
trajectory, labels, results.jsonl). It prints episodes/s and tool calls/s of both and the
orchestrator's overhead as a ratio of times (target: < 2x over raw in-process MCP calls). Server
start-up is excluded from both: each side measures from its first episode's start.

Then it scales out the same oracle episodes (in-process servers): whole episodes in `--workers`
rollout worker processes, and on a local Ray instance with one CPU per core (`--ray`): whole episodes
in rollout actors (`ray`), and episodes driven from here over environment actors (`ray env actors`,
what veRL's agent loop uses), `--repeat` times each, interleaved. It prints episodes/s of each and the ratios
(targets on 2 cores: 2 workers >= 1.7x 1 worker; Ray within 1.5x of the most workers), with their
spread, and how many of the machine's cores were busy meanwhile (from /proc/stat, so run it on an
otherwise idle machine): what a side gains from more workers is bounded by the cores it left idle.
For the worker sides it also prints the CPU an episode costs in each process role (this process, the
rollout workers, the tool workers that run tool code in the sandbox) and the ratio those costs allow:
n workers reach at most min(n / rollout-worker ms, cores / all ms) episodes a millisecond.
Worker and actor start-up are excluded the same way.

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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Orchestrated:
    """Oracle episodes through `evaluate`: from the first episode's start to the last one's end."""

    seconds: float
    episodes: int
    calls: int
    cores: float | None
    """Cores of this machine busy from the first episode's end to the last one's (Linux only)."""
    split: dict[str, float] | None = None
    """CPU milliseconds per episode over the same span, by process role (`_ROLES`; Linux only)."""


async def orchestrated(
    environments: list[Environment], transport: str, trials: int, concurrency: int, workers: int = 0, ray: bool = False
) -> Orchestrated:
    """The same episodes through `evaluate` (oracle agent, scripted user)."""
    ends: list[tuple[float, float, int, float]] = []  # (when, seconds, tool calls, reward): no records kept
    busy: list[tuple[float, float | None]] = []
    roles: list[dict[str, float] | None] = []
    expected = sum(len(e.tasks) for e in environments) * trials

    def ended(record: EpisodeRecord) -> None:
        now = time.perf_counter()
        ends.append((now, record.seconds, record.tool_calls, record.reward))
        if len(ends) in (1, expected):
            busy.append((now, _busy_seconds()))
            roles.append(_role_seconds())

    with tempfile.TemporaryDirectory() as out:
        await evaluate(
            environments,
            transport=transport,  # type: ignore[arg-type]
            trials=trials,
            concurrency=concurrency,
            pool_size=None if transport == "ray" else 1,
            out=out,
            workers=workers,
            ray=ray,
            on_record=ended,
        )
    assert all(reward == 1.0 for *_, reward in ends)
    first_start = min(when - seconds for when, seconds, *_ in ends)
    (start, before), (end, after) = busy[0], busy[-1]
    cores = None if before is None or after is None or end <= start else (after - before) / (end - start)
    split = None  # Ray's processes are the raylet's children, not this process's
    if not ray and transport != "ray" and roles[0] is not None and roles[-1] is not None and len(ends) > 1:
        split = {role: 1000 * (roles[-1][role] - roles[0][role]) / (len(ends) - 1) for role in _ROLES}
    return Orchestrated(ends[-1][0] - first_start, len(ends), sum(calls for _, _, calls, _ in ends), cores, split)


_ROLES = {"parent": "", "rollout workers": "autoforge.clients.worker", "tool workers": "autoforge.servers.worker"}
"""Process roles of a run, by what each process's command line runs (the parent: this process)."""


def _role_seconds() -> dict[str, float] | None:
    """CPU seconds used so far by this process and each role of its descendants (/proc), or None where unreadable."""
    try:
        parents, seconds, commands = {}, {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rpartition(")")[2].split()
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    commands[int(entry)] = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:  # the process ended meanwhile
                continue
            parents[int(entry)] = int(fields[1])
            seconds[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
    mine, grown = {os.getpid()}, True
    while grown:
        descendants = {pid for pid, parent in parents.items() if parent in mine}
        grown = not descendants <= mine
        mine |= descendants
    totals = dict.fromkeys(_ROLES, 0.0)
    totals["parent"] = seconds.get(os.getpid(), 0.0)
    for pid in mine - {os.getpid()}:
        role = next((r for r, marker in _ROLES.items() if marker and marker in commands.get(pid, "")), None)
        if role is not None:
            totals[role] += seconds[pid]
    return totals


def _busy_seconds() -> float | None:
    """CPU seconds this machine's cores have spent busy since boot (/proc/stat), or None where unreadable."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in stat.readline().split()[1:8])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


async def scaling(
    environments: list[Environment], trials: int, concurrency: int, workers: list[int], ray: bool, repeat: int
) -> None:
    """Oracle episodes/s with each number of rollout workers and over Ray actors, interleaved, with ratios."""
    console = Console(width=132)
    sides = [f"workers {n}" for n in workers] + (["ray", "ray env actors"] if ray else [])
    if ray:
        import ray as ray_module

        ray_module.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    cores: dict[str, list[float]] = {side: [] for side in sides}
    splits: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    for round_number in range(1, repeat + 1):
        for side in sides:
            if side == "ray env actors":
                run = await orchestrated(environments, "ray", trials, concurrency)
                _stop_named_actors()  # they would hold processes through the other sides' next rounds
            else:
                count = 0 if side == "ray" else int(side.split()[1])
                run = await orchestrated(environments, "inprocess", trials, concurrency, count, ray=side == "ray")
            rates[side].append(run.episodes / run.seconds)
            if run.cores is not None:
                cores[side].append(run.cores)
            if run.split is not None:
                splits[side].append(run.split)
            console.print(
                f"round {round_number}, {side}: {run.episodes} episodes, {run.episodes / run.seconds:.1f} episodes/s"
                + (f", {run.cores:.2f} cores busy" if run.cores is not None else "")
                + ("" if run.split is None else ", CPU ms an episode: " + _split_text(run.split)),
                highlight=False,
            )
    table = Table(title=f"oracle episodes/s on {os.cpu_count()} cores, concurrency {concurrency}, {repeat} rounds")
    for column in ("how", "median eps/s", "min", "max", "cores busy", "eps per busy core-s"):
        table.add_column(column, justify="right")
    for side, values in rates.items():
        busy = statistics.median(cores[side]) if cores[side] else None
        table.add_row(
            side,
            f"{statistics.median(values):.1f}",
            f"{min(values):.1f}",
            f"{max(values):.1f}",
            "n/a" if busy is None else f"{busy:.2f}",
            "n/a" if busy is None else f"{statistics.median(values) / busy:.1f}",
        )
    console.print(table)
    if len(workers) > 1:
        low, high = f"workers {1 if 1 in workers else min(workers)}", f"workers {max(workers)}"
        _ratio(console, f"{high} / {low}", rates[high], rates[low], "target on 2 cores: >= 1.7x")
        if splits[high] and splits[low]:
            bound = _rate_bound(int(high.split()[1]), splits[high]) / _rate_bound(int(low.split()[1]), splits[low])
            console.print(
                f"{high} / {low}: at most {bound:.2f}x with the CPU each process role spends an episode (the rollout "
                "workers run in parallel with each other; the parent and tool workers share the cores with them)",
                highlight=False,
            )
    if ray:
        most = rates[f"workers {max(workers)}"]
        _ratio(console, f"workers {max(workers)} / ray", most, rates["ray"], "target <= 1.5x")
        _ratio(
            console, f"workers {max(workers)} / ray env actors", most, rates["ray env actors"], "one Ray call a request"
        )


def _split_text(split: dict[str, float]) -> str:
    return ", ".join(f"{role} {ms:.3f}" for role, ms in split.items())


def _rate_bound(workers: int, splits: list[dict[str, float]]) -> float:
    """Episodes a millisecond that `workers` rollout workers can reach on this machine's cores at the median CPU
    split: each worker runs its episodes one core at most; all the roles' work shares every core."""
    worker_ms = statistics.median(split["rollout workers"] for split in splits)
    all_ms = statistics.median(sum(split.values()) for split in splits)
    return min(workers / worker_ms, (os.cpu_count() or 1) / all_ms)


def _stop_named_actors() -> None:
    import ray

    for named in ray.util.list_named_actors(all_namespaces=True):
        ray.kill(ray.get_actor(named["name"], namespace=named["namespace"]))


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
    parser.add_argument("--ray", action="store_true", help="also run the episodes on a local Ray instance")
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
            run = await orchestrated(environments, transport, options.trials, concurrency)
            orch_s, orch_episodes, orch_calls = run.seconds, run.episodes, run.calls
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
