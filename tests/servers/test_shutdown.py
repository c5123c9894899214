"""A stdio server ends promptly, tool workers included, when its client goes away or SIGTERM comes, even mid-call."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from autoforge.clients.connections import mcp_command

from .conftest import library_with_tools

SPIN = """
def spin(db):
    total = 0
    for i in range(100000):
        for j in range(100000):
            total = total + j
    return total
"""
NO_ARGUMENTS = {"type": "object", "properties": {}, "additionalProperties": False}


def _start(tmp_path: Path) -> subprocess.Popen[bytes]:
    """`mcp run` on a library-loans copy with a `spin` tool, handshaken, with a spin call in flight."""
    folder, _ = library_with_tools(
        tmp_path, SPIN, [{"name": "spin", "description": "Never ends.", "input_schema": NO_ARGUMENTS, "writes": False}]
    )
    environ = {**os.environ, "AUTOFORGE_TOOL_CPU_SECONDS": "60", "AUTOFORGE_TOOL_WALL_SECONDS": "60"}
    server = subprocess.Popen(
        [mcp_command(), "run", str(folder / "server.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environ
    )
    assert server.stdin is not None and server.stdout is not None
    hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}
    for message in (
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "spin", "arguments": {}}},
    ):
        server.stdin.write(json.dumps(message).encode() + b"\n")
        server.stdin.flush()
    assert b'"id":1' in server.stdout.readline().replace(b" ", b"")
    time.sleep(1.0)  # the spin call reaches its worker
    return server


def _workers(server: subprocess.Popen[bytes]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if stat.split(")")[-1].split()[1] == str(server.pid) and b"autoforge.servers.worker" in command:
            found.append(int(entry.name))
    return found


def _ended(pids: list[int], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(
            Path(f"/proc/{pid}").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text() for pid in pids
        ):
            return True
        time.sleep(0.05)
    return False


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


def test_closing_stdin_mid_call_ends_the_server_and_its_workers(tmp_path: Path) -> None:
    """The client going away (stdin closed) ends the server and the worker spinning in a call, within seconds."""
    server = _start(tmp_path)
    workers = _workers(server)
    assert workers, "the call should be running in a worker process"
    assert server.stdin is not None
    server.stdin.close()
    assert server.wait(timeout=5) is not None
    assert _ended(workers, within=2)


def test_sigterm_mid_call_ends_the_server_within_a_second(tmp_path: Path) -> None:
    """SIGTERM while a tool call runs ends the server and its workers in under a second."""
    server = _start(tmp_path)
    workers = _workers(server)
    assert workers
    start = time.monotonic()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=5)
    assert time.monotonic() - start < 1.0
    assert server.returncode == 128 + signal.SIGTERM
    assert _ended(workers, within=1)
