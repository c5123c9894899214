"""Fixtures for the tau2 importer: the small checkouts under tests/fixtures/tau2 and tau-bench, imported once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from autoforge.servers import CallNode, EnvServer, call_tool, close_episode, load_server, reset_episode, verify_episode
from autoforge.synthesizer.tau2 import ImportReport, import_tau2, import_tau_bench
from autoforge.synthesizer.tau2.layout import Rows
from autoforge.synthesizer.tau2.parity import rows_of
from mcp import Client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tau2"
TAU_BENCH_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tau-bench"


@dataclass
class Imported:
    """An imported domain: the import report and its server."""

    report: ImportReport
    server: EnvServer


@dataclass
class Replay:
    """What replaying calls in one episode gave: each call's (is_error, text) and the verdict."""

    outputs: list[tuple[bool, str]]
    reward: float
    checks: list[Any]
    rows: Rows


Replayer = Callable[[EnvServer, str, Sequence[CallNode], Sequence[str]], Awaitable[Replay]]


@pytest.fixture(scope="session")
def fixture_checkout() -> Path:
    """The root of the small tau2-format checkout written for these tests."""
    return FIXTURE


def _imported(importer: Callable[..., ImportReport], domain: str, root: Path, folder: Path) -> Imported:
    report = importer(domain, root, folder)
    return Imported(report, load_server(report.path))


@pytest.fixture(scope="session")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """The fixture's retail domain, imported into a temporary folder."""
    return _imported(import_tau2, "retail", FIXTURE, tmp_path_factory.mktemp("envs") / "tau2-retail")


@pytest.fixture(scope="session")
def airline(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """The fixture's airline domain, imported into a temporary folder."""
    return _imported(import_tau2, "airline", FIXTURE, tmp_path_factory.mktemp("envs") / "tau2-airline")


@pytest.fixture(scope="session")
def tau_retail(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """The tau-bench fixture's retail domain, imported into a temporary folder."""
    return _imported(import_tau_bench, "retail", TAU_BENCH_FIXTURE, tmp_path_factory.mktemp("envs") / "tau-retail")


@pytest.fixture(scope="session")
def tau_airline(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """The tau-bench fixture's airline domain, imported into a temporary folder."""
    return _imported(import_tau_bench, "airline", TAU_BENCH_FIXTURE, tmp_path_factory.mktemp("envs") / "tau-airline")


async def replay_calls(server: EnvServer, task_id: str, calls: Sequence[CallNode], transcript: Sequence[str]) -> Replay:
    """Run `calls` in a fresh episode of `task_id` over an in-memory MCP client, then verify with `transcript`."""
    async with Client(server) as client:
        episode = (await reset_episode(client, task_id)).episode_id
        outputs = []
        for node in calls:
            result = await call_tool(client, episode, node.tool, node.arguments)
            outputs.append((bool(result.is_error), result.content[0].text))
        verdict = await verify_episode(client, episode, list(transcript))
        rows = rows_of(server.episodes.get(episode).conn, server.environment.spec)
        await close_episode(client, episode)
    return Replay(outputs, verdict.reward, verdict.checks, rows)


@pytest.fixture
def replay() -> Replayer:
    """Replays calls through MCP and verifies (see replay_calls)."""
    return replay_calls


class Session:
    """One episode over an in-memory MCP client: call tools, read the values they return."""

    def __init__(self, server: EnvServer, client: Client, episode: str) -> None:
        self.server, self.client, self.episode = server, client, episode

    async def call(self, tool: str, **arguments: Any) -> Any:
        """The tool's value (the call must succeed)."""
        result = await call_tool(self.client, self.episode, tool, arguments)
        assert not result.is_error, result.content[0].text
        return json.loads(result.content[0].text)

    async def error(self, tool: str, **arguments: Any) -> str:
        """The error the agent reads (the call must fail)."""
        result = await call_tool(self.client, self.episode, tool, arguments)
        assert result.is_error, result.content[0].text
        return result.content[0].text

    def rows(self, table: str) -> list[dict[str, Any]]:
        """The episode's rows of `table`, in key order."""
        conn = self.server.episodes.get(self.episode).conn
        return [dict(r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')]


@pytest.fixture
def session(retail: Imported, airline: Imported) -> Callable[[str], AbstractAsyncContextManager[Session]]:
    """Opens an episode (on the seed, no task) of an imported fixture domain: `async with session("retail") as s`."""

    @asynccontextmanager
    async def open_session(domain: str) -> AsyncIterator[Session]:
        server = {"retail": retail, "airline": airline}[domain].server
        async with Client(server) as client:
            yield Session(server, client, (await reset_episode(client)).episode_id)

    return open_session
