"""pass^k (the tau-bench reliability metric) and the summary of a run.

For a task tried n times with c successes, pass^k = C(c, k) / C(n, k): the chance that k trials
drawn without replacement all succeed. The score is the mean over tasks that have at least k
scored trials. Trials labelled `user` or `infra` are not scored: they say nothing about the agent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from math import comb

from pydantic import BaseModel, Field

from .episode import LABELS
from .results import EpisodeRecord
from .trajectory import Usage

__all__ = ["Summary", "Totals", "pass_hat_k", "summarize", "totals"]


def pass_hat_k(outcomes: Mapping[str, Sequence[bool]], k: int) -> float | None:
    """Mean over tasks of C(successes, k) / C(trials, k); None when no task has k trials."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    values = [comb(sum(trials), k) / comb(len(trials), k) for trials in outcomes.values() if len(trials) >= k]
    return sum(values) / len(values) if values else None


class Totals(BaseModel):
    """The numbers of one environment, or of all of them."""

    environment: str
    tasks: int = 0
    episodes: int = 0
    scored: int = Field(default=0, description="Episodes not labelled user or infra.")
    passed: int = 0
    pass_hat: dict[int, float | None] = Field(default_factory=dict)
    mean_reward: float = 0.0
    labels: dict[str, int] = Field(default_factory=dict)
    retries: int = 0
    tool_calls: int = 0
    agent_tokens: Usage = Field(default_factory=Usage)
    user_tokens: Usage = Field(default_factory=Usage)
    episode_seconds: float = Field(default=0.0, description="Sum of episode durations.")


class Summary(BaseModel):
    """What a run produced: per environment and overall, plus this invocation's throughput."""

    environments: list[Totals]
    overall: Totals
    trials: int
    ran: int = Field(description="Episodes run by this invocation.")
    skipped: int = Field(description="Episodes already in results.jsonl, not run again.")
    elapsed: float = Field(description="Wall-clock seconds of this invocation.")
    out: str = ""

    @property
    def episodes_per_second(self) -> float:
        return self.ran / self.elapsed if self.elapsed > 0 else 0.0


def totals(name: str, records: Iterable[EpisodeRecord], trials: int) -> Totals:
    """Aggregate records (of one environment, or several: tasks are keyed by environment and id)."""
    records = list(records)
    outcomes: dict[str, list[bool]] = defaultdict(list)
    labels: Counter[str] = Counter({label: 0 for label in LABELS})
    for record in records:
        task = f"{record.environment}/{record.task_id}"
        outcomes.setdefault(task, [])
        if record.label is not None:
            labels[record.label] += 1
        if record.label not in ("user", "infra"):
            outcomes[task].append(record.passed)
    return Totals(  # sums of plain numbers: a model made per record cost a second per 6,000 of them
        environment=name,
        tasks=len(outcomes),
        episodes=len(records),
        scored=sum(len(v) for v in outcomes.values()),
        passed=sum(sum(v) for v in outcomes.values()),
        pass_hat={k: pass_hat_k(outcomes, k) for k in range(1, trials + 1)},
        mean_reward=sum(r.reward for r in records) / len(records) if records else 0.0,
        labels=dict(labels),
        retries=sum(len(r.retries) for r in records),
        tool_calls=sum(r.tool_calls for r in records),
        agent_tokens=_usage(r.agent_tokens for r in records),
        user_tokens=_usage(r.user_tokens for r in records),
        episode_seconds=sum(r.seconds for r in records),
    )


def _usage(spent: Iterable[Usage]) -> Usage:
    input_tokens = output_tokens = 0
    for usage in spent:
        input_tokens += usage.input_tokens
        output_tokens += usage.output_tokens
    return Usage(input_tokens=input_tokens, output_tokens=output_tokens)


def summarize(
    records: Iterable[EpisodeRecord],
    trials: int,
    *,
    order: Sequence[str] = (),
    ran: int = 0,
    skipped: int = 0,
    elapsed: float = 0.0,
) -> Summary:
    """Totals per environment (in `order`, then first-seen order) and overall."""
    records = list(records)
    by_env: dict[str, list[EpisodeRecord]] = {name: [] for name in order}
    for record in records:
        by_env.setdefault(record.environment, []).append(record)
    return Summary(
        environments=[totals(name, group, trials) for name, group in by_env.items() if group],
        overall=totals("all", records, trials),
        trials=trials,
        ran=ran,
        skipped=skipped,
        elapsed=elapsed,
    )
