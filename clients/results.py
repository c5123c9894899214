"""results.jsonl: exactly one line per (environment, task, trial) of a configuration, appended as each episode ends.

A line is an `EpisodeRecord`. Its `key` joins the environment's sha256, the task, the trial and the
run configuration (agent, user, turn limits), so a rerun of the same command skips what is done and
a changed environment or agent is run afresh. Each line is written with one `write` on a file
opened for appending; a line torn by a crash is cut off when the file is next opened, and that
episode runs again. Infra retries live inside their episode's line.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from .episode import Attempt
from .errors import ResultsError

__all__ = ["EpisodeRecord", "ResultsFile", "Retry", "RunConfig", "episode_key"]


class RunConfig(BaseModel):
    """What decides an episode's outcome besides the environment: the agent, the user and the turn limits."""

    agent: str
    user: str
    max_turns: int
    max_steps: int
    agent_options: dict[str, Any] = Field(default_factory=dict)
    user_options: dict[str, Any] = Field(default_factory=dict)

    @property
    def id(self) -> str:
        """A short stable hash of the configuration."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]


class Retry(BaseModel):
    """A try that failed with `infra` before the episode's final outcome."""

    reason: str
    seconds: float


class EpisodeRecord(Attempt):
    """One line of results.jsonl: which episode it was, and its final outcome."""

    key: str
    environment: str
    env_sha256: str
    task_id: str
    trial: int
    config: str
    agent: str
    user: str
    transport: str
    finished_at: str = ""
    retries: list[Retry] = Field(default_factory=list)


def episode_key(env_sha256: str, task_id: str, trial: int, config: str) -> str:
    """The identity of an episode across reruns."""
    return f"{env_sha256[:16]}/{task_id}/{trial}/{config}"


class ResultsFile:
    """An append-only results.jsonl."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def records(self) -> list[EpisodeRecord]:
        """Every complete line; a torn last line (a crash mid-write) is cut off so its episode runs again."""
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(end)
        try:
            text = data[:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ResultsError(
                f"{self.path} is not UTF-8 text (byte {exc.start}); move the file aside or pass a new --out folder"
            ) from None
        with _collector_paused():
            return list(_parse(text.splitlines()))

    def append(self, record: EpisodeRecord) -> None:
        """Add one line with a single write, so a line is either whole or absent."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = (record.model_dump_json() + "\n").encode("utf-8")
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while records are parsed: they hold no cycles, and its passes over
    thousands of fresh models cost ten times the parsing itself (measured on 6,240 records)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(lines: Iterable[str]) -> Iterator[EpisodeRecord]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield EpisodeRecord.model_validate_json(line)
        except ValidationError as exc:
            raise ResultsError(
                f"results.jsonl line {number} is not an episode record ({exc.errors()[0]['msg']}); "
                "move the file aside or pass a new --out folder"
            ) from None
