"""Environment servers as Ray actors, on a local Ray instance with 2 CPUs: the results of in-process serving."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from autoforge.clients import ResultsFile, evaluate
from autoforge.clients.ray_actors import env_actor, ray_nodes
from autoforge.servers import Environment

from .conftest import outcomes

ray = pytest.importorskip("ray", reason="Ray comes with the rl extra: pip install -e '.[rl]'")


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A local Ray instance for this module."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    yield
    ray.shutdown()


async def test_episodes_on_ray_actors_give_the_results_of_in_process_serving(
    cluster: None, library: Environment, tmp_path: Path
) -> None:
    """The same results lines, each episode's server an actor of the cluster, recorded as such."""
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
