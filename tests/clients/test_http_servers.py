"""HTTP servers started for a run listen on a free port, and never outlive the runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from autoforge.clients.http_servers import serve_http
from mcp import Client

RUNNER = """
import asyncio
from autoforge.clients.http_servers import serve_http
from autoforge.servers import load_environment
from autoforge.servers.locate import resolve_environment

async def main():
    async with serve_http(load_environment(resolve_environment("library-loans"))) as url:
        print(url, flush=True)
        await asyncio.sleep(120)

asyncio.run(main())
"""


async def test_served_environment_answers_at_the_yielded_url_and_stops_after(library):
    """The block gets a URL with a live server; leaving the block stops the process."""
    async with serve_http(library) as url, Client(url) as client:
        assert len((await client.list_tools()).tools) == len(library.spec.tools)
    with pytest.raises(Exception):  # noqa: B017 - any connection error: nothing listens any more
        async with Client(url) as client:
            await client.list_tools()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux-only")
def test_server_exits_when_the_runner_is_killed():
    """SIGKILL of the runner (no cleanup runs) still takes its HTTP server and its tool workers down."""
    runner = subprocess.Popen([sys.executable, "-c", RUNNER], stdout=subprocess.PIPE, text=True)
    assert runner.stdout is not None and runner.stdout.readline().startswith("http://127.0.0.1:")
    children = [int(pid) for pid in Path(f"/proc/{runner.pid}/task/{runner.pid}/children").read_text().split()]
    (server,) = [pid for pid in children if b"\x00serve\x00" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait()
    deadline = time.monotonic() + 15
    while any(_running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in children), f"still running: server {server}, children {children}"


def _running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
