"""Fixtures for the registry tests: bundled environments published once, and a registry served over HTTP."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from autoforge.servers.locate import bundled_environments
from autoforge.servers.registry import publish, registry_app

@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve a registry folder on a free localhost port for the duration of the block; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(registry_app(folder), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry folder holding every bundled environment, published through the full check (read-only)."""
    folder = tmp_path_factory.mktemp("published") / "registry"
    for environment in bundled_environments():
        asyncio.run(publish(environment, registry=folder))
    return folder


@pytest.fixture()
def registry_copy(published: Path, tmp_path: Path) -> Path:
    """A private copy of the published registry that a test may tamper with."""
    return Path(shutil.copytree(published, tmp_path / "registry"))


@pytest.fixture(scope="session")
def library() -> Path:
    """The reference environment's folder."""
    return next(p for p in bundled_environments() if p.name == "library-loans")
