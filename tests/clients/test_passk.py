"""pass^k as tau-bench defines it, and the summary that leaves user and infra trials out."""

from __future__ import annotations

from math import comb

import pytest
from autoforge.clients import EpisodeRecord, pass_hat_k, summarize


def record(env: str, task: str, trial: int, reward: float, label: str | None = None) -> EpisodeRecord:
    """A minimal result line."""
    return EpisodeRecord(
        key=f"{env}/{task}/{trial}",
        environment=env,
        env_sha256="0" * 64,
        task_id=task,
        trial=trial,
        config="c",
        agent="a",
        user="u",
        transport="inprocess",
        reward=reward,
        label=label,
        termination="user_stop",
    )


def test_pass_hat_k_is_the_mean_over_tasks_of_c_choose_k_over_n_choose_k():
    """Two of four successes give 1/2 at k=1 and 1/6 at k=2; the task mean follows."""
    outcomes = {"a": [True, True, False, False], "b": [True] * 4}
    assert pass_hat_k(outcomes, 1) == pytest.approx((0.5 + 1.0) / 2)
    assert pass_hat_k(outcomes, 2) == pytest.approx((comb(2, 2) / comb(4, 2) + 1.0) / 2)
    assert pass_hat_k(outcomes, 4) == pytest.approx(0.5)


def test_pass_hat_k_skips_tasks_with_fewer_than_k_trials_and_rejects_bad_k():
    """A task with n < k trials does not count at k; k must be positive."""
    assert pass_hat_k({"a": [True], "b": [False, False]}, 2) == 0.0
    assert pass_hat_k({"a": [True]}, 2) is None
    with pytest.raises(ValueError):
        pass_hat_k({"a": [True]}, 0)


def test_summary_excludes_user_and_infra_trials_and_counts_labels():
    """User and infra trials are counted as failures by label but left out of pass^k."""
    records = [
        record("lib", "t1", 0, 1.0),
        record("lib", "t1", 1, 0.0, "user"),
        record("lib", "t1", 2, 0.0, "infra"),
        record("lib", "t2", 0, 0.0, "agent"),
        record("lib", "t2", 1, 1.0),
        record("clinic", "t1", 0, 1.0),
    ]
    summary = summarize(records, trials=2)
    lib = summary.environments[0]
    assert lib.environment == "lib" and lib.scored == 3 and lib.episodes == 5
    assert lib.pass_hat[1] == pytest.approx((1.0 + 0.5) / 2)
    assert lib.pass_hat[2] == pytest.approx(0.0)  # only t2 has two scored trials, one failed
    assert lib.labels == {"agent": 1, "user": 1, "infra": 1}
    assert summary.overall.tasks == 3  # tasks are keyed by environment and id
    assert summary.overall.pass_hat[1] == pytest.approx((1.0 + 0.5 + 1.0) / 3)
