"""Local streamable-HTTP servers for an evaluation: `autoforge serve ENV --port N`, one process per environment.

Each server requires a fresh random bearer token, handed to it in an environment variable (never on
the command line) and to the run alone: other users of the machine cannot use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NamedTuple

from autoforge.servers import Environment

from .errors import InfraError

__all__ = ["LocalServer", "free_port", "serve_http"]

START_TIMEOUT = 60.0
PR_SET_PDEATHSIG = 1
TOKEN_VARIABLE = "AUTOFORGE_SERVE_TOKEN"


class LocalServer(NamedTuple):
    """A server started for a run: its URL and the bearer token it requires."""

    url: str
    token: str


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def serve_http(environment: Environment) -> AsyncIterator[LocalServer]:
    """Serve `environment` over streamable HTTP in a child process for the block; yields how to reach it."""
    if environment.path is None:
        raise InfraError(f"{environment.name} was built in memory; serving it over HTTP needs its folder")
    port = free_port()
    token = secrets.token_urlsafe(32)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "autoforge",
        "serve",
        str(Path(environment.path).resolve()),
        "--port",
        str(port),
        "--token-env",
        TOKEN_VARIABLE,
        env={**os.environ, TOKEN_VARIABLE: token},
        stdout=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C at the terminal reaches the runner, which stops the server itself
        preexec_fn=_die_with_parent,
    )
    try:
        await _wait_listening(port, process)
        yield LocalServer(f"http://127.0.0.1:{port}/mcp", token)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(5):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


def _die_with_parent() -> None:
    """On Linux the server gets SIGTERM when the runner dies, even by SIGKILL, instead of lingering."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def _wait_listening(port: int, process: asyncio.subprocess.Process) -> None:
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        if process.returncode is not None:
            raise InfraError(f"the HTTP server on port {port} exited with code {process.returncode} before listening")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise InfraError(f"the HTTP server on port {port} did not listen within {START_TIMEOUT:.0f} s")
