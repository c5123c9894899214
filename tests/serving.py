"""`autoforge serve` as a real subprocess on a free port, for tests that talk HTTP to it."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autoforge.clients.http_servers import free_port

START_SECONDS = 60.0


@dataclass
class Served:
    """A running `autoforge serve`: its URL and its process."""

    url: str
    process: subprocess.Popen[bytes]


def new_token() -> str:
    return secrets.token_urlsafe(24)


@contextmanager
def served(environment: str | Path, *options: str, environ: Mapping[str, str] | None = None) -> Iterator[Served]:
    """`autoforge serve ENVIRONMENT --port <free port> OPTIONS` for the block (`environ` added to its environment)."""
    port = free_port()
    command = [sys.executable, "-m", "autoforge", "serve", str(environment), "--port", str(port), *options]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command, env={**os.environ, **(environ or {})}, stdout=subprocess.DEVNULL, stderr=errors
        )
        try:
            deadline = time.monotonic() + START_SECONDS
            while not _listening(port):
                if process.poll() is not None:
                    errors.seek(0)
                    raise AssertionError(f"`autoforge serve` exited: {errors.read().decode()}")
                assert time.monotonic() < deadline, f"`autoforge serve` did not listen within {START_SECONDS:.0f} s"
                time.sleep(0.1)
            yield Served(f"http://127.0.0.1:{port}/mcp", process)
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
