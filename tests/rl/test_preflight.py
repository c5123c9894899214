"""Preflight: what would stop or spoil a veRL run is found before workers start, and the dry run loads the data
the way veRL's trainer does, building veRL's own sync trainer with ERPO's replay buffer."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

from autoforge.rl import (
    TrainingError,
    TrainingSetup,
    check_config,
    compose_config,
    count_rows,
    dry_run,
    export_dataset,
    write_config,
)

ENVS = ["retail-orders", "flight-booking"]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, toy_model: Path) -> Path:
    """Two environments exported and a small config written for them, with the toy model."""
    root = tmp_path_factory.mktemp("work")
    export_dataset(ENVS, root / "data")
    setup = TrainingSetup(
        model=str(toy_model),
        train_files=str(root / "data/train.parquet"),
        val_files=str(root / "data/validation.parquet"),
        prompts=8,
        rollouts=2,
        nnodes=1,
        gpus_per_node=1,
        max_prompt_length=1024,
        max_response_length=1024,
    )
    write_config(root / "cfg", setup)
    return root


def problems(work: Path, *overrides: str) -> list[str]:
    return check_config(compose_config(work / "cfg", overrides))


def test_the_written_config_has_no_problem(work: Path) -> None:
    """A freshly written config passes every check."""
    assert problems(work) == []


@pytest.mark.parametrize(
    ("overrides", "found"),
    [
        (["+data.max_prompt_lenght=1"], "data.max_prompt_lenght is not a key of veRL's ppo_trainer config"),
        (["+actor_rollout_ref.actor.ppo_epoch=2"], "actor_rollout_ref.actor.ppo_epoch is not a key"),
        (["+algorithm.erpo.epsilonn=0.1"], "algorithm.erpo: epsilonn: Extra inputs are not permitted"),
        (["algorithm.erpo.singleton=sometimes"], "algorithm.erpo: singleton"),
        (["+autoforge.usr=openai:x"], "autoforge: usr: Extra inputs are not permitted"),
        (["actor_rollout_ref.actor.loss_agg_mode=sum"], "actor_rollout_ref.actor does not convert"),
        (["data.train_batch_size=1000"], "fewer than one batch (data.train_batch_size=1000)"),
        (
            ["actor_rollout_ref.actor.ppo_max_token_len_per_gpu=1500"],
            "actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu=1500 cannot hold one trajectory of 2048",
        ),
        (["actor_rollout_ref.rollout.max_model_len=1024"], "max_model_len=1024 cannot hold one trajectory of 2048"),
        (["trainer.v1.trainer_mode=colocate_async"], "ERPO runs in veRL's synchronous trainer"),
        (["trainer.v1.sampler.custom_sampler.path=null"], "groups by prompt (plain GRPO)"),
        (["+algorithm.erpo.norm_by_std=false"], "contradicts algorithm.norm_adv_by_std_in_grpo=True"),
        (["data.prompts_per_environment=0"], "data.prompts_per_environment must be a positive integer"),
    ],
)
def test_each_launch_defect_is_named(work: Path, overrides: list[str], found: str) -> None:
    """A config with one defect gets a problem naming the key and what is wrong."""
    listed = problems(work, *overrides)
    assert any(found in p for p in listed), listed


def test_empty_validation_data_with_validation_on_is_named(work: Path) -> None:
    """An empty validation file is a problem while validation runs, and none once it is turned off."""
    import pyarrow.parquet as pq

    empty = work / "data" / "empty.parquet"
    pq.write_table(pq.read_table(work / "data/validation.parquet").slice(0, 0), empty)
    assert any("validation data is empty" in p for p in problems(work, f"data.val_files={empty}"))
    assert problems(work, f"data.val_files={empty}", "trainer.val_before_train=false") == []


def test_a_typo_in_an_override_is_a_clear_error(work: Path) -> None:
    """Overriding a key veRL's struct config lacks (without +) is refused with Hydra's reason, not a traceback."""
    with pytest.raises(TrainingError, match="Could not override 'data.max_prompt_lenght'"):
        compose_config(work / "cfg", ["data.max_prompt_lenght=1"])


def test_the_dry_run_builds_verls_sync_trainer_with_erpos_replay_buffer(work: Path) -> None:
    """veRL's trainer class for the config's mode is its own PPOTrainerSync in mode `sync`, whose replay buffer is
    ERPO's (not veRL's async one): DAPO on, prompts fetched one at a time, as veRL's sync DAPO does; the data
    loads through the interleaving dataset and a batch of 8 prompts mixes both environments."""
    report = dry_run(work / "cfg")
    assert (report.trainer, report.trainer_mode, report.replay_buffer) == ("PPOTrainerSync", "sync", "ErpoReplayBuffer")
    train = sum(count_rows(work / "data/train.parquet").values())
    assert report.train_prompts == train and report.steps_per_epoch == train // 8
    assert set(report.first_batch) == set(ENVS) and sum(report.first_batch.values()) == 8


def test_the_dry_run_refuses_a_config_with_problems(work: Path) -> None:
    """The dry run lists every problem and stops before building anything."""
    with pytest.raises(TrainingError, match="would not train:(.|\n)*fewer than one batch"):
        dry_run(work / "cfg", ["data.train_batch_size=100000"])
