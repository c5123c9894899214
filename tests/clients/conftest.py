"""Fixtures for the orchestrator: bundled environments and recorded LLM exchanges replayed through httpx2."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from autoforge.clients import EpisodeRecord, ResultsFile, Summary, evaluate
from autoforge.servers import Environment, load_environment
from autoforge.servers.locate import bundled_environments, resolve_environment

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "clients"


@pytest.fixture(scope="session")
def library() -> Environment:
    """The library-loans reference environment."""
    return load_environment(resolve_environment("library-loans"))


@pytest.fixture(scope="session")
def bundled() -> list[Environment]:
    """Every bundled environment."""
    return [load_environment(path) for path in bundled_environments()]


@pytest.fixture(scope="session")
def handmade(bundled: list[Environment]) -> list[Environment]:
    """The two hand-written reference environments (small: 12 tasks each)."""
    return [e for e in bundled if e.name in ("library-loans", "clinic-appointments")]


class Replay:
    """Answers requests with one recording's responses, in order, and notes any request that differs.

    Each exchange names the path it expects and a string the request's last message must contain
    (so a replay also checks what the orchestrator sent). A mismatch is kept in `problems` and
    answered with HTTP 400, which the provider client raises as an error.
    """

    def __init__(self, name: str) -> None:
        recording = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
        self.name = name
        self.exchanges: list[dict[str, Any]] = list(recording["exchanges"])
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        number = len(self.requests)
        if not self.exchanges:
            return self._refuse(f"request {number} is beyond the recording")
        exchange = self.exchanges.pop(0)
        expect = exchange["expect"]
        if request.url.path != expect["path"]:
            return self._refuse(f"request {number} went to {request.url.path}, recorded {expect['path']}")
        last = json.dumps(body["messages"][-1], ensure_ascii=False)
        if expect["last_contains"] not in last:
            return self._refuse(f"request {number}: last message lacks {expect['last_contains']!r}: {last[:300]}")
        response = exchange["response"]
        return httpx2.Response(response["status"], headers=response["headers"], json=response["body"])

    def _refuse(self, problem: str) -> httpx2.Response:
        self.problems.append(problem)
        return httpx2.Response(400, json={"error": {"message": problem, "type": "invalid_request_error"}})

    def http_client(self) -> httpx2.AsyncClient:
        """An httpx2 client whose transport is this replay."""
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))


@pytest.fixture
def replay() -> type[Replay]:
    """The Replay class, to load recordings by file name."""
    return Replay


@dataclass
class RecordedRun:
    """One LLM-driven episode: both replays (with what they saw), the summary and the result line."""

    agent: Replay
    user: Replay
    summary: Summary
    record: EpisodeRecord


@pytest.fixture
def recorded_run(library: Environment, tmp_path: Path) -> Callable[..., Awaitable[RecordedRun]]:
    """Runs one library-loans task with an LLM agent and LLM user whose SDK clients replay recordings."""

    async def run(
        spec: str, client: Callable[[Replay], Any], task: str, agent_file: str, user_file: str
    ) -> RecordedRun:
        agent, user = Replay(agent_file), Replay(user_file)
        summary = await evaluate(
            [library],
            agent=spec,
            user=spec,
            out=tmp_path,
            task_ids=[task],
            agent_options={"client": client(agent)},
            user_options={"client": client(user)},
        )
        (record,) = ResultsFile(tmp_path / "results.jsonl").records()
        return RecordedRun(agent, user, summary, record)

    return run


def outcomes(run_dir: Path) -> dict[str, dict[str, Any]]:
    """A run's results by key, without what differs between two runs of the same episodes (timing, transport)."""
    result = {}
    for record in ResultsFile(run_dir / "results.jsonl").records():
        line = record.model_dump(mode="json", exclude={"seconds", "finished_at", "transport"})
        line["trajectory"] = [{k: v for k, v in e.items() if k not in ("at", "seconds")} for e in line["trajectory"]]
        result[record.key] = line
    return result
