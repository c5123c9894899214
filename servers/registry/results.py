"""The latest evaluation results for an environment card, read from a results.jsonl of `autoforge eval`.

Each line is one (environment, task, trial); the card needs only `environment` (or `env_sha256`),
`reward`, `label` and the `agent` configuration. Lines of other environments are ignored.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..environment import Environment

__all__ = ["AgentResults", "EvaluationResults", "latest_results"]

RESULTS_FILE = "results.jsonl"


@dataclass
class AgentResults:
    """One agent configuration's episodes on the environment."""

    agent: str
    episodes: int = 0
    passed: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    tasks: set[str] = field(default_factory=set)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.episodes if self.episodes else 0.0


@dataclass
class EvaluationResults:
    """The environment's episodes in one results file, grouped by agent configuration."""

    path: Path
    agents: dict[str, AgentResults]


def latest_results(environment: Environment, explicit: Path | None = None) -> EvaluationResults | None:
    """Results for the environment from `explicit` (a file or run folder), else the newest results.jsonl
    beside the environment or under ./runs that mentions it; None when there are none."""
    if explicit is not None:
        candidates = [explicit / RESULTS_FILE if explicit.is_dir() else explicit]
    else:
        found = [environment.path / RESULTS_FILE] if environment.path else []
        found += Path("runs").glob(f"*/{RESULTS_FILE}")
        candidates = sorted((p for p in found if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in candidates:
        results = _read(path, environment)
        if results.agents:
            return results
    return None


def _read(path: Path, environment: Environment) -> EvaluationResults:
    agents: dict[str, AgentResults] = {}
    if not path.is_file():
        return EvaluationResults(path, agents)
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict) or not _about(record, environment):
            continue
        agent = _agent_name(record.get("agent"))
        summary = agents.setdefault(agent, AgentResults(agent))
        summary.episodes += 1
        summary.passed += record.get("reward") == 1.0
        summary.tasks.add(str(record.get("task_id", record.get("task", ""))))
        if record.get("label"):
            summary.labels[str(record["label"])] += 1
    return EvaluationResults(path, agents)


def _about(record: dict[str, Any], environment: Environment) -> bool:
    named = record.get("environment", record.get("env"))
    if isinstance(named, dict):
        named = named.get("name")
    return named == environment.name or record.get("env_sha256") == environment.sha256


def _agent_name(agent: Any) -> str:
    if isinstance(agent, dict):
        return str(agent.get("name") or agent.get("model") or json.dumps(agent, sort_keys=True))
    return str(agent or "agent")
