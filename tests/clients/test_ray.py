"""Rollouts on a local Ray instance with 2 CPUs: rollout actors and environment actors, with the results of in-process runs."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from autoforge.clients import EpisodeRecord, ResultsFile, evaluate
from autoforge.clients.ray_actors import env_actor, ray_nodes
from autoforge.clients.workers import RolloutPool
from autoforge.servers import Environment, SpecError

from .conftest import outcomes

ray = pytest.importorskip("ray", reason="Ray comes with the rl extra: pip install -e '.[rl]'")


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A local Ray instance for this module."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    yield
    ray.shutdown()


async def test_whole_episodes_on_rollout_actors_give_the_results_of_in_process_runs(
    cluster: None, library: Environment, tmp_path: Path
) -> None:
    """`ray=True`: one rollout actor per CPU of the cluster, the same results file as a run in this process."""
    here, there = tmp_path / "here", tmp_path / "there"
    await evaluate([library], trials=2, concurrency=8, out=here)
    async with RolloutPool(ray=True) as pool:
        await evaluate([library.path], trials=2, concurrency=8, out=there, workers=pool, ray=True)
        actors = pool.in_flight
    assert outcomes(there) == outcomes(here) and len(outcomes(here)) == 2 * len(library.tasks)
    assert len(actors) == 2 and os.getpid() not in actors
    assert json.loads((there / "run.json").read_text())["ray"] is True
    with pytest.raises(SpecError, match="choose one"):
        await evaluate([library.path], out=there, ray=True, transport="ray")


async def test_a_rollout_actor_that_dies_is_replaced_and_its_episodes_run_again(
    cluster: None, library: Environment, tmp_path: Path
) -> None:
    """Killing an actor's process mid-run loses no episode: what it held runs again on a new actor."""
    killed: list[int] = []
    async with RolloutPool(ray=True) as pool:

        def kill_one(record: EpisodeRecord) -> None:
            if not killed:
                pid, _ = max(pool.in_flight.items(), key=lambda item: item[1])
                killed.append(pid)
                os.kill(pid, signal.SIGKILL)

        summary = await evaluate(
            [library.path], trials=3, concurrency=8, out=tmp_path, workers=pool, ray=True, on_record=kill_one
        )
        assert killed and killed[0] not in pool.in_flight and len(pool.in_flight) == 2
    records = ResultsFile(tmp_path / "results.jsonl").records()
    assert summary.overall.pass_hat[1] == 1.0 and len(records) == 3 * len(library.tasks)
    retried = [r for r in records if r.retries]
    assert retried and all(f"rollout actor {killed[0]} ended" in r.retries[0].reason for r in retried)


async def test_episodes_driven_over_environment_actors_give_the_results_of_in_process_serving(
    cluster: None, library: Environment, tmp_path: Path
) -> None:
    """Transport "ray" (what veRL's agent loop uses): each request an actor call, the same results lines."""
    here, there = tmp_path / "here", tmp_path / "there"
    await evaluate([library], trials=2, concurrency=8, out=here)
    await evaluate([library], trials=2, concurrency=8, out=there, transport="ray")
    assert outcomes(there) == outcomes(here) and len(outcomes(here)) == 2 * len(library.tasks)
    assert {r.transport for r in ResultsFile(there / "results.jsonl").records()} == {"ray"}


def test_every_client_on_a_node_reaches_the_same_actor_of_an_environment(cluster: None, library: Environment) -> None:
    """The orchestrator and veRL's agent-loop workers find one actor per environment per node, by name."""
    (node,) = ray_nodes()
    first, second = env_actor(library, node), env_actor(library, node)
    assert first._actor_id == second._actor_id
    assert ray.get(first.describe.remote())[1] == library.spec.policy
