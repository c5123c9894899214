"""Environments as training sees them: loaded once per process, checked against the exported hash, served over MCP.

A dataset row names its environment by a reference (a folder or a bundled name) and the sha256 of
the environment it was exported from; a worker that finds a different environment refuses it rather
than train on tasks that changed. Connections to each environment's server are pooled per event
loop (veRL runs one loop per agent-loop worker; each trajectory leases a connection for its episode).
"""

from __future__ import annotations

import asyncio
import weakref
from functools import cache
from pathlib import Path

from autoforge.clients import Endpoint, EnvPool, Transport
from autoforge.clients.agents import system_prompt
from autoforge.servers import Environment, load_environment
from autoforge.servers.errors import SpecError
from autoforge.servers.locate import resolve_environment

__all__ = ["agent_system_prompt", "close_pools", "environment", "environment_pool", "environment_url"]

_PoolKey = tuple[str, str, str | None, str | None]
"""(environment sha256, transport, URL, bearer token)."""
_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_PoolKey, EnvPool]] = weakref.WeakKeyDictionary()


@cache
def _load(folder: Path) -> Environment:
    return load_environment(folder)


def environment(reference: str, sha256: str | None = None) -> Environment:
    """The environment `reference` names (loaded once per process); `sha256` must match when given."""
    loaded = _load(resolve_environment(reference).resolve())
    if sha256 and loaded.sha256 != sha256:
        raise SpecError(
            f"environment {reference!r} has changed since the dataset was exported "
            f"(sha256 {loaded.sha256[:12]}, the dataset expects {sha256[:12]}); "
            "export the dataset again with `autoforge rl export`, or restore that version of the environment"
        )
    return loaded


def agent_system_prompt(environment: Environment) -> str:
    """The policy's system prompt: the agent guidelines of the evaluation harness and the environment's policy."""
    return system_prompt(environment.spec.policy or environment.spec.description)


def environment_pool(
    environment: Environment,
    transport: Transport = "inprocess",
    url: str | None = None,
    size: int = 4,
    call_timeout: float = 30.0,
    token: str | None = None,
) -> EnvPool:
    """This event loop's connection pool to `environment` (`url` may hold `{env}` for the environment's name).

    `token` is the bearer token an HTTP server run with `autoforge serve --token-env` requires.
    """
    pools = _POOLS.setdefault(asyncio.get_running_loop(), {})
    key = (environment.sha256, transport, address := environment_url(environment, url), token)
    if key not in pools:
        endpoint = Endpoint(environment, transport, address, token=token)
        pools[key] = EnvPool(endpoint, size=size, call_timeout=call_timeout)
    return pools[key]


def environment_url(environment: Environment, url: str | None) -> str | None:
    """`url` with `{env}` replaced by the environment's name."""
    return url.format(env=environment.name) if url else None


async def close_pools() -> None:
    """Close this event loop's connections (stdio servers exit with theirs)."""
    pools = _POOLS.pop(asyncio.get_running_loop(), {})
    await asyncio.gather(*(pool.close() for pool in pools.values()))
