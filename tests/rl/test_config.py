"""The ERPO training config: written from exported data by `autoforge rl config`, accepted by veRL's own checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from autoforge.rl import TrainingError, TrainingSetup, export_dataset, write_config
from autoforge.servers.locate import bundled_environments

pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[rl]')")

RL = Path(__file__).resolve().parents[2] / "rl"
BUNDLED = [p.name for p in bundled_environments()]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled environment exported, as the launch scripts do by default."""
    root = tmp_path_factory.mktemp("work")
    export_dataset(BUNDLED, root / "data")
    return root


def written(folder: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((folder / "erpo.yaml").read_text(encoding="utf-8"))


def test_the_committed_config_is_what_the_command_writes(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """rl/config/erpo.yaml equals the default config written from every bundled environment's export."""
    monkeypatch.chdir(data)
    write_config(data / "out")
    assert yaml.safe_load((RL / "config" / "erpo.yaml").read_text(encoding="utf-8")) == written(data / "out")


def test_the_defaults_are_the_papers_setup_in_verls_sync_trainer(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Qwen3-30B-A3B-Thinking, 32 prompts x 8 rollouts on 64 GPUs, the erpo estimator in veRL's own sync mode with
    ERPO's replay buffer and the interleaving dataset."""
    monkeypatch.chdir(data)
    write_config(data / "out")
    config = written(data / "out")
    assert config["actor_rollout_ref"]["model"]["path"] == "Qwen/Qwen3-30B-A3B-Thinking-2507"
    assert (config["data"]["train_batch_size"], config["actor_rollout_ref"]["rollout"]["n"]) == (32, 8)
    assert config["trainer"]["nnodes"] * config["trainer"]["n_gpus_per_node"] == 64
    assert config["algorithm"]["adv_estimator"] == "erpo"
    assert config["trainer"]["v1"]["trainer_mode"] == "sync"
    assert config["trainer"]["v1"]["sampler"]["custom_sampler"]["name"] == "ErpoReplayBuffer"
    assert config["data"]["custom_cls"]["name"] == "InterleavedDataset"
    assert config["data"]["prompts_per_environment"] == 32 // len(BUNDLED)
    assert config["actor_rollout_ref"]["rollout"]["agent"]["default_agent_loop"] == "autoforge_agent"
    assert "norm_by_std" not in config["algorithm"]["erpo"]  # Dr. GRPO is veRL's own switch only


def test_a_dataset_smaller_than_one_batch_is_refused(tmp_path: Path) -> None:
    """19 training prompts (library-loans and clinic-appointments) against 32 per batch is refused before veRL
    would compute 0 steps per epoch, naming the count and the ways out; nothing is written."""
    export_dataset(["library-loans", "clinic-appointments"], tmp_path / "data")
    setup = TrainingSetup(
        train_files=str(tmp_path / "data/train.parquet"), val_files=str(tmp_path / "data/validation.parquet")
    )
    with pytest.raises(TrainingError, match=r"holds 19 training prompts, fewer than one batch of 32.*--prompts 19"):
        write_config(tmp_path / "out", setup)
    assert not (tmp_path / "out").exists()
    write_config(tmp_path / "out", setup.model_copy(update={"prompts": 19}))
    assert written(tmp_path / "out")["data"]["train_batch_size"] == 19


def test_a_missing_dataset_names_the_export_command(tmp_path: Path) -> None:
    """Writing a config before exporting the data says which command writes it."""
    with pytest.raises(TrainingError, match="autoforge rl export"):
        write_config(tmp_path / "out", TrainingSetup(train_files=str(tmp_path / "none.parquet")))


def test_token_budgets_follow_the_lengths(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every per-GPU token budget of the composed config holds a whole prompt plus response, whatever the lengths."""
    from autoforge.rl import compose_config

    monkeypatch.chdir(data)
    for prompt, response in [(8192, 24576), (1024, 40000)]:
        write_config(data / "out", TrainingSetup(max_prompt_length=prompt, max_response_length=response))
        model = compose_config(data / "out").actor_rollout_ref
        budgets = [
            model.actor.ppo_max_token_len_per_gpu,
            model.rollout.log_prob_max_token_len_per_gpu,
            model.ref.log_prob_max_token_len_per_gpu,
            model.rollout.max_model_len,
        ]
        assert budgets == [prompt + response] * 4


def test_launch_script_is_written_beside_the_config(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """train.sh beside erpo.yaml checks the config, then starts veRL's main with it and the given overrides."""
    monkeypatch.chdir(data)
    config, script = write_config(data / "launch")
    assert config.parent == script.parent and script.name == "train.sh"
    text = script.read_text(encoding="utf-8")
    assert 'autoforge rl check "$here" "$@"' in text
    assert 'python -m verl.trainer.main_ppo --config-path="$here" --config-name=erpo "$@"' in text
    assert script.stat().st_mode & 0o111


def test_a_file_the_project_tracks_is_never_overwritten(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing into rl/config (whose erpo.yaml git tracks) is refused and the file stays as it was."""
    if not (RL.parent / ".git").exists():
        pytest.skip("not a git checkout")
    before = (RL / "config" / "erpo.yaml").read_bytes()
    monkeypatch.chdir(data)
    with pytest.raises(TrainingError, match="tracks in git.*runs/rl-config"):
        write_config(RL / "config")
    assert (RL / "config" / "erpo.yaml").read_bytes() == before


def test_an_endpoint_makes_the_user_and_the_judge_that_llm() -> None:
    """With a model endpoint the simulated user and the judge default to it; without one, scripted and heuristic."""
    plain = TrainingSetup().loop_settings()
    assert (plain.user, plain.judge) == ("scripted", "heuristic")
    served = TrainingSetup(endpoint="http://10.0.0.5:8000/v1", endpoint_model="Qwen/Qwen3-8B").loop_settings()
    assert (served.user, served.judge) == ("openai:Qwen/Qwen3-8B", "openai:Qwen/Qwen3-8B")
    assert served.user_options == served.judge_options == {"base_url": "http://10.0.0.5:8000/v1"}
    mixed = TrainingSetup(endpoint="http://h/v1", endpoint_model="m", judge="heuristic").loop_settings()
    assert (mixed.user, mixed.judge, mixed.judge_options) == ("openai:m", "heuristic", {})
    with pytest.raises(TrainingError, match="--endpoint-model"):
        TrainingSetup(endpoint="http://h/v1").loop_settings()


def script_overrides(name: str) -> list[str]:
    """The Hydra overrides a launch script passes, with shell variables given sample values."""
    text = (RL / "scripts" / name).read_text(encoding="utf-8").replace('"$NNODES"', "8")
    return re.findall(r"^\s+([a-z_][\w.]*=\S+?)\s*\\?$", text, flags=re.MULTILINE)


@pytest.mark.parametrize("script", [None, "train_single_node.sh", "train_multinode.sh"])
def test_verl_and_erpo_checks_accept_the_config(
    data: Path, monkeypatch: pytest.MonkeyPatch, script: str | None
) -> None:
    """The committed config, composed over veRL's ppo_trainer with each launch script's overrides, passes every
    check: keys known to veRL, veRL's dataclasses and validate_config, ERPO's models, data and token sizes."""
    pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")
    from autoforge.rl import check_config, compose_config

    monkeypatch.chdir(data)
    overrides = script_overrides(script) if script else []
    assert overrides or script is None
    config = compose_config(RL / "config", overrides)
    assert check_config(config) == []
    assert config.actor_rollout_ref.rollout.response_length == config.data.max_response_length
