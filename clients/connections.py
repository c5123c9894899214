"""Connections to an environment's MCP server over in-process, stdio or streamable HTTP transports.

A `Connection` is one `mcp.Client`, opened and closed by its own keeper task (the SDK's cancel
scopes must be entered and left in one task), through which many episodes run at once, each
addressed by its episode id. An `EnvPool` holds up to `size` connections to one environment,
opens them as load grows (a stdio connection is one `mcp run` process: one per env per pool slot,
never one per episode; over Ray, a client of an environment actor) and replaces a connection that
died. Transport failures surface as `ConnectionLost` / `InfraError`, which the episode loop labels
`infra`. An HTTP endpoint with a token sends it as `Authorization: Bearer <token>` on every request
(`bearer_transport`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx2
from autoforge.servers import (
    Environment,
    EnvServer,
    call_tool,
    close_episode,
    read_tokens,
    reset_episode,
    verify_episode,
)
from autoforge.servers.errors import AccessError, SpecError
from autoforge.servers.protocol import VerifyResult
from autoforge.servers.registry.lock import foreign_code
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT, CallToolResult, Tool

from .errors import ConnectionLost, InfraError
from .transports import TRANSPORTS, Transport

__all__ = [
    "TRANSPORTS",
    "Connection",
    "Endpoint",
    "EnvPool",
    "Transport",
    "bearer_transport",
    "mcp_command",
    "read_token",
]

T = TypeVar("T")


def mcp_command() -> str:
    """The `mcp` executable of this Python environment (the SDK's CLI, which runs server.py over stdio)."""
    local = Path(sys.executable).parent / "mcp"
    found = str(local) if local.is_file() else shutil.which("mcp")
    if found is None:
        raise SpecError("the `mcp` command is missing; install the SDK's CLI extra: pip install 'mcp[cli]'")
    return found


def read_token(variable: str) -> str:
    """The bearer token the environment variable `variable` holds (one: a client sends one token)."""
    tokens = read_tokens([variable])
    if len(tokens) > 1:
        raise AccessError(f"{variable} holds {len(tokens)} tokens; a client sends one: export {variable}=<your token>")
    return tokens[0]


@asynccontextmanager
async def bearer_transport(url: str, token: str) -> AsyncIterator[Any]:
    """The SDK's streamable-HTTP transport to `url`, sending `Authorization: Bearer <token>` on every request."""
    timeout = httpx2.Timeout(30.0, read=300.0)  # the SDK's own: a response stream may stay open for minutes
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=timeout) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


@dataclass
class Endpoint:
    """How to reach one environment's server: the environment, a transport and, for HTTP, a URL and a token."""

    environment: Environment
    transport: Transport = "inprocess"
    url: str | None = None
    server: EnvServer | None = None
    token: str | None = field(default=None, repr=False)

    def target(self) -> Any:
        """What `mcp.Client` connects to."""
        if self.transport == "inprocess":
            if self.server is None:
                self.server = EnvServer(self.environment)
            return self.server
        if self.transport == "http":
            if self.url is None:
                raise SpecError(
                    f"{self.environment.name}: an HTTP endpoint needs a URL such as http://127.0.0.1:8000/mcp"
                )
            return self.url if self.token is None else bearer_transport(self.url, self.token)
        folder = self.environment.path
        if folder is None:
            raise SpecError(
                f"{self.environment.name} was built in memory; stdio needs an environment folder with server.py"
            )
        foreign = foreign_code(folder)
        if foreign:
            raise SpecError(
                f"{self.environment.name}: stdio runs the folder's server.py, and this folder holds code that is not "
                f"AutoForge's ({', '.join(foreign)}); install it from a registry (which writes the launcher) or use "
                "--transport inprocess, which runs none of it"
            )
        passed = {k: v for k, v in os.environ.items() if k.startswith("AUTOFORGE_")}
        return StdioServerParameters(
            command=mcp_command(), args=["run", str(folder.resolve() / "server.py")], env=passed
        )

    def describe(self) -> str:
        return f"{self.environment.name} over {self.transport}" + (f" at {self.url}" if self.url else "")

    def connection(self, call_timeout: float, index: int = 0) -> Connection:
        """A new, unopened connection to this endpoint, the `index`-th of its pool (Ray: an actor's client)."""
        if self.transport == "ray":
            from .ray_actors import RayConnection

            return RayConnection(self, call_timeout=call_timeout, index=index)
        return Connection(self, call_timeout=call_timeout)


class Connection:
    """One live MCP client to an environment server; episodes on it are addressed by id."""

    def __init__(self, endpoint: Endpoint, *, call_timeout: float = 30.0, open_timeout: float = 60.0) -> None:
        self.endpoint = endpoint
        self.call_timeout = call_timeout
        self.open_timeout = open_timeout
        self.in_flight = 0
        self.tools: list[Tool] = []
        self.instructions = ""
        self._client: Client | None = None
        self._ready = asyncio.Event()
        self._closing = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None

    @property
    def alive(self) -> bool:
        return self._client is not None and not self._closing.is_set()

    async def open(self) -> None:
        """Connect and list the tools; raises InfraError when the server cannot be reached."""
        self._keeper = asyncio.create_task(self._keep(), name=f"mcp {self.endpoint.describe()}")
        try:
            async with asyncio.timeout(self.open_timeout):
                await self._ready.wait()
        except TimeoutError:
            await self.shutdown()
            raise InfraError(
                f"could not connect to {self.endpoint.describe()} within {self.open_timeout:.0f} s"
            ) from None
        if self._client is None:
            raise InfraError(f"could not connect to {self.endpoint.describe()}: {_describe(self._failure)}")

    async def _keep(self) -> None:
        try:
            async with Client(self.endpoint.target()) as client:
                self.tools = await _list_tools(client)
                self.instructions = client.instructions or ""
                self._client = client
                self._ready.set()
                await self._closing.wait()
        except Exception as exc:  # noqa: BLE001 - any failure of the transport ends this connection
            self._failure = exc
        finally:
            self._client = None
            self._closing.set()
            self._ready.set()

    async def shutdown(self) -> None:
        """Close the client (and the server process, on stdio)."""
        self._closing.set()
        if self._keeper is not None:
            try:
                async with asyncio.timeout(10):
                    await asyncio.shield(self._keeper)
            except TimeoutError:
                self._keeper.cancel()

    async def reset(self, task_id: str) -> str:
        """Start an episode of `task_id`; returns its id."""
        result = await self._request("episode_reset", lambda c: reset_episode(c, task_id))
        return result.episode_id

    async def call(self, episode_id: str, name: str, arguments: dict[str, Any]) -> CallToolResult:
        """Call a tool in an episode (tool errors come back as `is_error` results)."""
        return await self._request(f"tools/call {name}", lambda c: call_tool(c, episode_id, name, arguments))

    async def verify(self, episode_id: str, transcript: list[str]) -> VerifyResult:
        return await self._request("episode_verify", lambda c: verify_episode(c, episode_id, transcript))

    async def close_episode(self, episode_id: str) -> None:
        await self._request("episode_close", lambda c: close_episode(c, episode_id))

    async def _request(self, what: str, send: Callable[[Client], Awaitable[T]]) -> T:
        client = self._client
        if client is None or self._closing.is_set():
            raise ConnectionLost(f"{what}: the connection to {self.endpoint.describe()} is closed")
        try:
            async with asyncio.timeout(self.call_timeout):
                return await send(client)
        except TimeoutError:
            raise InfraError(f"{what} on {self.endpoint.describe()} timed out after {self.call_timeout:g} s") from None
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED:
                self._closing.set()
                raise ConnectionLost(f"{what}: the connection to {self.endpoint.describe()} closed ({exc})") from None
            kind = "timed out" if exc.code == REQUEST_TIMEOUT else "failed"
            raise InfraError(f"{what} on {self.endpoint.describe()} {kind}: {exc} (MCP error {exc.code})") from None
        except InfraError:
            raise
        except Exception as exc:  # noqa: BLE001 - transport errors come in many types (anyio, httpx2, OS)
            self._closing.set()
            raise ConnectionLost(f"{what} on {self.endpoint.describe()}: {_describe(exc)}") from None


class EnvPool:
    """Up to `size` connections to one environment, opened as load grows and replaced when they die."""

    def __init__(self, endpoint: Endpoint, size: int = 1, *, call_timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self.size = max(1, size)
        self.call_timeout = call_timeout
        self.connections: list[Connection] = []
        self.opened = 0
        self._opening = 0
        self._changed = asyncio.Condition()
        self._dead: list[Connection] = []

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[Connection]:
        """A live connection, the least busy one; a new one is opened while the pool is below its size."""
        connection = await self._pick()
        connection.in_flight += 1
        try:
            yield connection
        finally:
            connection.in_flight -= 1

    async def _pick(self) -> Connection:
        async with self._changed:
            while True:
                for dead in [c for c in self.connections if not c.alive]:
                    self.connections.remove(dead)
                    self._dead.append(dead)
                best = min(self.connections, key=lambda c: c.in_flight, default=None)
                room = len(self.connections) + self._opening < self.size
                if best is not None and (best.in_flight == 0 or not room):
                    return best
                if room:
                    break
                await self._changed.wait()  # every slot is still opening
            self._opening += 1
            index = self.opened + self._opening - 1
        connection = self.endpoint.connection(self.call_timeout, index)
        try:
            await connection.open()
        finally:
            async with self._changed:
                self._opening -= 1
                if connection.alive:
                    self.connections.append(connection)
                    self.opened += 1
                self._changed.notify_all()
        return connection

    async def fill(self) -> None:
        """Open connections up to the pool's size now, so servers start before the first episode, not during it.

        A connection that fails to open is left to the episodes, which label and retry it as `infra`.
        """
        async with self._changed:
            missing = self.size - len(self.connections) - self._opening
        await asyncio.gather(*(self._pick() for _ in range(max(0, missing))), return_exceptions=True)

    async def close(self) -> None:
        """Shut every connection down (stdio servers exit with their connection)."""
        connections, self.connections = self.connections + self._dead, []
        self._dead = []
        await asyncio.gather(*(c.shutdown() for c in connections), return_exceptions=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _list_tools(client: Client) -> list[Tool]:
    tools: list[Tool] = []
    cursor: str | None = None
    while True:
        page = await client.list_tools(cursor=cursor) if cursor else await client.list_tools()
        tools += page.tools
        cursor = page.next_cursor
        if not cursor:
            return tools


def _describe(exc: BaseException | None) -> str:
    """The innermost message of an exception (task groups wrap transport errors in groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if exc is None:
        return "unknown error"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
