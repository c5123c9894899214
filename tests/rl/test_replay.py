"""ERPO's replay buffer in veRL's own sync trainer, on a real TransferQueue: DAPO counts valid rollouts only,
environments reach the erpo estimator through veRL's advantage step, and metrics come out per environment.

Trajectories are stored the way veRL's AgentLoopWorkerTQ stores them (prompt keys with status tags, then
`{uid}_{session}_0` keys holding the agent-loop output and every dataset column). TransferQueue runs on a
local Ray instance (about 15 s to start on two cores).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")
pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

from autoforge.rl import ErpoReplayBuffer, TrainingSetup, compose_config, erpo_advantages, export_dataset, write_config
from autoforge.rl.estimator import published_environments
from autoforge.rl.replay import group_signal
from omegaconf import OmegaConf

PROMPTS = 4


@pytest.fixture(scope="module")
def transfer_queue() -> Iterator[Any]:
    """veRL's TransferQueue on a local Ray instance, shut down after the module."""
    import ray
    import transfer_queue as tq

    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False)
    try:
        tq.init(OmegaConf.create({"backend": {"SimpleStorage": {"num_data_storage_units": 1}}}))
        yield tq
    finally:
        tq.close()
        ray.shutdown()


@pytest.fixture(scope="module")
def trainer(tmp_path_factory: pytest.TempPathFactory, toy_model: Path) -> Any:
    """veRL's trainer for a written ERPO config, as veRL's main builds it (no workers started)."""
    from verl.trainer.ppo.v1 import get_trainer_cls

    root = tmp_path_factory.mktemp("replay")
    export_dataset(["retail-orders", "flight-booking"], root / "data")
    setup = TrainingSetup(
        model=str(toy_model),
        train_files=str(root / "data/train.parquet"),
        val_files=str(root / "data/validation.parquet"),
        prompts=PROMPTS,
        rollouts=3,
        nnodes=1,
        gpus_per_node=1,
    )
    write_config(root / "cfg", setup)
    config = compose_config(root / "cfg")
    OmegaConf.resolve(config)
    return get_trainer_cls(config.trainer.v1.trainer_mode)(config=config)


def store_group(tq: Any, uid: str, env: str, rollouts: list[tuple[float, str]], steps: int = 1) -> None:
    """One finished prompt group: a reward and a label per rollout (label user/infra: all-zero response mask)."""
    from verl.utils.tensordict_utils import list_of_dict_to_tensordict

    tq.kv_batch_put(
        keys=[uid], partition_id="train", tags=[{"is_prompt": True, "status": "pending", "global_steps": steps}]
    )
    rows, tags = [], []
    for session, (reward, label) in enumerate(rollouts):
        length = 3 + session
        masked = label in ("user", "infra")
        scores = torch.zeros(length)
        scores[-1] = reward
        rows.append(
            {
                "prompts": torch.arange(5),
                "responses": torch.arange(length),
                "response_mask": torch.zeros(length, dtype=torch.int64)
                if masked
                else torch.ones(length, dtype=torch.int64),
                "rm_scores": scores,
                "extra_fields": {"label": label, "turns": 2, "tool_calls": 3 + session, "tool_errors": session % 2},
                "uid": uid,
                "env_id": env,
                "data_source": f"autoforge/{env}",
                "global_steps": steps,
            }
        )
        tags.append({"status": "success", "prompt_len": 5, "response_len": length, "global_steps": steps})
    keys = [f"{uid}_{session}_0" for session in range(len(rollouts))]
    tq.kv_batch_put(keys=keys, partition_id="train", fields=list_of_dict_to_tensordict(rows), tags=tags)
    tq.kv_put(key=uid, partition_id="train", tag={"status": "finished"})


def test_the_sync_trainer_samples_through_erpos_buffer(transfer_queue: Any, trainer: Any) -> None:
    """veRL's sync trainer samples with ERPO's buffer: DAPO drops groups whose *valid* rollouts share one reward
    (veRL's rule would keep group `same`: the masked rollout's 0 differs) and groups with no valid rollout,
    refills twice their number, publishes each group's environment, and reports metrics per environment."""
    tq = transfer_queue
    buffer = trainer.replay_buffer
    assert isinstance(buffer, ErpoReplayBuffer) and trainer.trainer_mode == "sync" and buffer.trainer_mode == "sync"
    buffer.poll_interval = 0.01
    store_group(tq, "same", "retail-orders", [(1.0, ""), (1.0, ""), (0.0, "user")])
    store_group(tq, "split", "retail-orders", [(1.0, ""), (0.0, "agent"), (0.0, "agent")])
    store_group(tq, "lost", "flight-booking", [(0.0, "infra"), (1.0, "user"), (0.0, "user")])
    store_group(tq, "mixed", "flight-booking", [(0.0, "agent"), (1.0, ""), (1.0, "user")])
    refills: list[int] = []

    def refill(count: int) -> int:
        for i in range(count):
            env = ("retail-orders", "flight-booking")[i % 2]
            rollouts = [(float(i % 2), ""), (1.0 - i % 2, "agent"), (0.5, "")]
            store_group(tq, f"fresh{len(refills)}x{i}", env, rollouts, steps=2 + i)  # older groups are sampled first
        refills.append(count)
        return count

    buffer.refill_fn = refill
    batch, metrics = buffer.sample(global_steps=1, partition_id="train", batch_size=PROMPTS)

    groups = {key.split("_")[0] for key in batch.keys}
    assert {"split", "mixed"} <= groups and not groups & {"same", "lost"}
    assert refills and sum(refills) == 4  # two groups dropped, refilled twice over (veRL's sync DAPO)
    assert len(groups) == PROMPTS
    assert metrics["training/filter_groups/evicted_samples"] == 2
    assert metrics["autoforge/retail-orders/filtered_fraction"] == pytest.approx(1 / 3)
    assert metrics["autoforge/flight-booking/filtered_fraction"] == pytest.approx(1 / 3)
    assert metrics["autoforge/flight-booking/masked_fraction/user"] == pytest.approx(1 / 6)
    assert metrics["autoforge/overall/rollouts"] == 3 * PROMPTS
    assert metrics["autoforge/retail-orders/tool_calls_mean"] == pytest.approx(4.0)
    envs = published_environments(["split", "mixed", "pad123"])
    assert envs.tolist() == ["retail-orders", "flight-booking", "pad123"]

    advanced = trainer._compute_advantage(batch, {})
    data = tq.kv_batch_get(
        keys=advanced.keys,
        partition_id="train",
        select_fields=["advantages", "uid", "env_id", "rm_scores", "response_mask"],
    )
    uids = [u for u in data["uid"]]
    rewards = torch.nn.utils.rnn.pad_sequence(list(data["rm_scores"]), batch_first=True)
    masks = torch.nn.utils.rnn.pad_sequence(list(data["response_mask"]), batch_first=True)
    got = torch.nn.utils.rnn.pad_sequence(list(data["advantages"]), batch_first=True)
    expected = erpo_advantages(rewards, masks, uids, list(data["env_id"]))
    per_prompt = erpo_advantages(rewards, masks, uids)
    assert torch.allclose(got, expected.to(got.dtype), atol=1e-5)
    assert not torch.allclose(got, per_prompt.to(got.dtype), atol=1e-3)  # pooled per environment, not per prompt


def test_a_group_is_judged_by_its_valid_rollouts() -> None:
    """DAPO's classification: no valid rollout drops the group (NaN), two or more equal valid values drop it
    under that value, anything else (one valid rollout, differing values) keeps it."""
    assert math.isnan(group_signal([1.0, 0.0], [False, False]))
    assert group_signal([1.0, 1.0, 0.0], [True, True, False]) == 1.0
    assert group_signal([1.0, 0.0, 0.0], [True, True, False]) is None
    assert group_signal([1.0, 0.0], [True, False]) is None
    assert group_signal([0.5, 0.5], [True, True]) == 0.5
