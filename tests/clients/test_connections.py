"""Connections and pools: a killed stdio server, an unreachable URL, and per-connection episodes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from autoforge.clients import Endpoint, EnvPool, Limits, ResultsFile, evaluate
from autoforge.clients.http_servers import free_port


def stdio_servers() -> list[int]:
    """Pids of the `mcp run .../server.py` processes this test process started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and "server.py" in command:
            found.append(int(entry.name))
    return found


async def test_killing_the_stdio_server_mid_run_retries_the_affected_episodes(library, tmp_path):
    """Episodes cut off by a dead server are retried on a fresh one; the run completes with one line per episode."""
    killed: list[int] = []

    def kill_once(record) -> None:
        if not killed:
            killed.extend(stdio_servers())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    trials = 2
    summary = await evaluate(
        [library], transport="stdio", pool_size=1, trials=trials, concurrency=6, out=tmp_path, on_record=kill_once
    )
    records = ResultsFile(tmp_path / "results.jsonl").records()
    assert len(killed) == 1
    keys = [(r.task_id, r.trial) for r in records]
    assert len(keys) == len(set(keys)) == len(library.tasks) * trials
    retried = [r for r in records if r.retries]
    assert retried, "no episode was in flight when the server died"
    assert all("closed" in r.retries[0].reason for r in retried)
    assert all(r.reward == 1.0 and r.label is None for r in records)
    assert summary.overall.retries == sum(len(r.retries) for r in records)
    assert stdio_servers() == []  # the replacement server exited with its connection


async def test_unreachable_server_labels_every_episode_infra_after_its_attempts(library, tmp_path):
    """When no server answers, each episode is tried `attempts` times and recorded as infra with the reason."""
    url = f"http://127.0.0.1:{free_port()}/mcp"
    summary = await evaluate(
        [library],
        transport="http",
        urls={library.name: url},
        task_ids=["renew-one-of-two", "return-late-book"],
        limits=Limits(attempts=2),
        out=tmp_path,
    )
    records = ResultsFile(tmp_path / "results.jsonl").records()
    assert [r.label for r in records] == ["infra", "infra"]
    assert all(len(r.retries) == 1 and "could not connect" in (r.reason or "") for r in records)
    assert summary.overall.pass_hat[1] is None and summary.overall.labels["infra"] == 2


async def test_pool_grows_to_its_size_under_load_and_shares_episodes(library):
    """Busy connections make the pool open more, up to its size; each carries several episodes at once."""
    pool = EnvPool(Endpoint(library, "inprocess"), size=2)
    async with pool:
        async with pool.lease() as first, pool.lease() as second, pool.lease() as third:
            assert first is not second and third in (first, second)
            episodes = [await c.reset("renew-one-of-two") for c in (first, second, third)]
            assert len(set(episodes)) == 3
        assert pool.opened == 2


def test_stdio_runs_no_folder_whose_server_py_is_not_the_launcher(tmp_path) -> None:
    """Over stdio a client runs the folder's own server.py, outside the sandbox: a folder whose server.py (or any
    other Python file beside it) is not AutoForge's is refused, saying what to do; in-process serves it."""
    import shutil

    from autoforge.servers import SpecError, load_environment
    from autoforge.servers.locate import bundled_environments

    folder = tmp_path / "library-loans"
    shutil.copytree(next(p for p in bundled_environments() if p.name == "library-loans"), folder)
    (folder / "server.py").write_text("open('/tmp/ran', 'w')\n")
    environment = load_environment(folder)
    with pytest.raises(SpecError, match=r"server\.py \(not the launcher\)"):
        Endpoint(environment, "stdio").target()
    assert Endpoint(environment, "inprocess").target() is not None
