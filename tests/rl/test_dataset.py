"""Parquet export: one row per task in veRL's dataset format, environment-blocked, loadable by RLHFDataset."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from autoforge.rl import agent_system_prompt, environment, export_dataset
from autoforge.servers.errors import SpecError

pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[rl]')")

ENVS = ["library-loans", "clinic-appointments"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    export_dataset(ENVS, out)
    return out


def rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def test_one_row_per_task_split_by_the_tasks_split(exported: Path) -> None:
    """train.parquet holds every train task and validation.parquet every test task, each once."""
    train, validation = rows(exported / "train.parquet"), rows(exported / "validation.parquet")
    for name in ENVS:
        env = environment(name)
        expected = {t.id: t.split for t in env.tasks.values()}
        assert sorted(r["extra_info"]["task_id"] for r in train if r["env_id"] == name) == sorted(
            i for i, s in expected.items() if s == "train"
        )
        assert sorted(r["extra_info"]["task_id"] for r in validation if r["env_id"] == name) == sorted(
            i for i, s in expected.items() if s == "test"
        )


def test_rows_carry_what_verl_and_the_agent_loop_read(exported: Path) -> None:
    """A row has the prompt (policy system prompt + instruction), data source, reward model, agent and env id."""
    row = rows(exported / "train.parquet")[0]
    env = environment(row["env_id"])
    task = env.tasks[row["extra_info"]["task_id"]]
    assert row["prompt"] == [
        {"role": "system", "content": agent_system_prompt(env)},
        {"role": "user", "content": task.instruction},
    ]
    assert row["data_source"] == f"autoforge/{env.name}" and row["ability"] == "tool_use"
    assert row["reward_model"] == {"style": "rule", "ground_truth": task.id}
    assert row["agent_name"] == "autoforge_agent"
    assert row["extra_info"]["env_sha256"] == env.sha256
    assert environment(row["extra_info"]["env_ref"]) is env


def test_rows_are_blocked_by_environment(exported: Path) -> None:
    """Each environment's rows are contiguous, in the order the environments were named."""
    order = [name for name, _ in itertools.groupby(r["env_id"] for r in rows(exported / "train.parquet"))]
    assert order == ENVS


def test_an_environment_named_twice_is_refused(tmp_path: Path) -> None:
    """Naming one environment twice (by name and by folder) is an error, and nothing is written."""
    with pytest.raises(SpecError, match="library-loans is named more than once"):
        export_dataset(["library-loans", environment("library-loans").path], tmp_path)
    assert not list(tmp_path.iterdir())


def test_verl_rlhf_dataset_loads_the_export(exported: Path, tokenizer: Any, tmp_path: Path) -> None:
    """veRL's RLHFDataset reads both files, one item per task, with the row's fields passed through."""
    pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")
    from omegaconf import OmegaConf
    from verl.utils.dataset.rl_dataset import RLHFDataset

    config = OmegaConf.create(
        {"cache_dir": str(tmp_path), "max_prompt_length": 8192, "filter_overlong_prompts": True, "truncation": "error"}
    )
    for name in ("train.parquet", "validation.parquet"):
        dataset = RLHFDataset(str(exported / name), tokenizer, config)
        assert len(dataset) == len(rows(exported / name))
        item = dataset[0]
        assert item["raw_prompt"][0]["role"] == "system"
        assert item["agent_name"] == "autoforge_agent"
        assert item["env_id"] == item["extra_info"]["env_id"]
        assert item["index"] == item["extra_info"]["index"]
