"""Rollout worker processes: whole episodes run in fresh interpreters, with the results of running them here."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from autoforge.clients import EpisodeRecord, ResultsFile, evaluate
from autoforge.clients.workers import RolloutPool
from autoforge.servers import Environment, SandboxError, SpecError, oracle_transcript

from .conftest import outcomes


@pytest.fixture(scope="module")
def pool() -> Iterator[RolloutPool]:
    """Two rollout workers, shared by the tests of this module (each test has its own event loop)."""
    workers = RolloutPool(2)
    yield workers
    workers.close()


async def test_episodes_in_workers_give_the_results_of_episodes_run_here(
    pool: RolloutPool, library: Environment, tmp_path: Path
) -> None:
    """The same results lines (rewards, labels, trajectories), from two processes other than this one."""
    here, there = tmp_path / "here", tmp_path / "there"
    await evaluate([library], trials=2, concurrency=6, out=here)
    await evaluate([library.path], trials=2, concurrency=6, out=there, workers=pool)
    assert outcomes(there) == outcomes(here) and len(outcomes(here)) == 2 * len(library.tasks)
    assert len(pool.in_flight) == 2 and os.getpid() not in pool.in_flight


async def test_a_worker_that_dies_is_replaced_and_its_episodes_run_again(
    pool: RolloutPool, library: Environment, tmp_path: Path
) -> None:
    """Killing a worker mid-run loses no episode: what it held is retried elsewhere, with the loss noted."""
    killed: list[int] = []

    def kill_one(record: EpisodeRecord) -> None:
        if killed:
            return
        pid, _ = max(pool.in_flight.items(), key=lambda item: item[1])
        os.kill(pid, signal.SIGSTOP)
        time.sleep(0.2)  # answers it sent before stopping are read meanwhile
        if pool.in_flight.get(pid):
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGCONT)

    summary = await evaluate(
        [library.path], trials=3, concurrency=8, out=tmp_path, workers=pool, on_record=kill_one
    )
    records = ResultsFile(tmp_path / "results.jsonl").records()
    assert killed and killed[0] not in pool.in_flight and len(pool.in_flight) == 2
    assert summary.overall.pass_hat[1] == 1.0 and len(records) == 3 * len(library.tasks)
    retried = [r for r in records if r.retries]
    lost = re.compile(rf"rollout worker {killed[0]} (has )?ended")  # mid-episode, or sent one after it ended
    assert retried and all(lost.search(r.retries[0].reason) for r in retried)


async def test_replays_score_in_a_worker_and_a_changed_environment_is_refused(
    pool: RolloutPool, library: Environment
) -> None:
    """The RL reward's replay: the oracle's calls verify; a dataset's stale hash stops with what to do."""
    task = library.tasks["renew-one-of-two"]
    calls = [{"name": n.tool, "arguments": dict(n.arguments)} for n in task.solution.calls]
    assert await pool.replay("library-loans", task.id, calls, oracle_transcript(task), library.sha256) == 1.0
    assert await pool.replay("library-loans", task.id, calls[:-1], oracle_transcript(task)) == 0.0
    with pytest.raises(SpecError, match="has changed"):
        await pool.replay("library-loans", task.id, calls, [], "0" * 64)


async def test_an_environment_the_sandbox_refuses_stops_the_run_before_any_episode(
    pool: RolloutPool, library: Environment, tmp_path: Path
) -> None:
    """A worker's refusal to load tools.py reaches the caller as the sandbox's own error."""
    assert library.path is not None
    folder = tmp_path / "library-loans"
    shutil.copytree(library.path, folder)
    (folder / "tools.py").write_text("import os\n" + (folder / "tools.py").read_text())
    with pytest.raises(SandboxError, match="allow-list"):
        await evaluate([folder], out=tmp_path / "run", workers=pool)
    assert ResultsFile(tmp_path / "run" / "results.jsonl").records() == []


def test_workers_never_run_the_callers_main_module(tmp_path: Path) -> None:
    """A script without a `__main__` guard is imported once: workers are fresh interpreters, not re-runs of it."""
    marker, out = tmp_path / "imported", tmp_path / "run"
    script = tmp_path / "script.py"
    script.write_text(
        "from pathlib import Path\n"
        "from autoforge.clients import run_eval\n"
        f"with open({str(marker)!r}, 'a') as f: f.write('once\\n')\n"
        f"summary = run_eval(['library-loans'], out={str(out)!r}, task_ids=['renew-one-of-two'], workers=2)\n"
        "print(summary.ran, summary.overall.pass_hat[1])\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "1.0"] and marker.read_text() == "once\n"
