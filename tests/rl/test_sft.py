"""SFT export: oracle replays and passing rollouts as chat rows that veRL's multi-turn SFT dataset loads."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

from autoforge.clients import evaluate
from autoforge.rl import environment, export_sft
from omegaconf import OmegaConf

ENV = "library-loans"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The oracle replays plus a random agent's run (whose passing episodes, if any, are kept; failures skipped)."""
    root = tmp_path_factory.mktemp("sft")

    async def run() -> Any:
        await evaluate([ENV, "clinic-appointments"], agent="random", user="scripted", out=root / "run")
        return await export_sft([ENV], root / "sft", [root / "run" / "results.jsonl"])

    return root / "sft", asyncio.run(run())


def rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def test_every_task_is_replayed_and_failures_are_skipped(exported: tuple[Path, Any]) -> None:
    """One oracle row per task, split by the task's split; the random agent's failed episodes and the other
    environment's episodes are skipped and counted."""
    folder, report = exported
    env = environment(ENV)
    assert report.rows["oracle"] == len(env.tasks)
    assert report.skipped["another environment"] == len(environment("clinic-appointments").tasks)
    assert report.skipped.get("failed", 0) + report.rows.get(str(folder.parent / "run" / "results.jsonl"), 0) == len(
        env.tasks
    )
    train = [r for r in rows(folder / "train.parquet") if r["source"] == "oracle"]
    assert sorted(r["task_id"] for r in train) == sorted(t.id for t in env.tasks.values() if t.split == "train")


def test_a_row_is_the_episode_as_chat_with_tool_calls(exported: tuple[Path, Any]) -> None:
    """Messages run system, user, assistant tool calls (JSON-text arguments), tool results, the report, the
    user's stop; the tools column holds the environment's MCP tools as function schemas."""
    folder, _ = exported
    row = next(
        r for r in rows(folder / "train.parquet") if r["task_id"] == "renew-one-of-two" and r["source"] == "oracle"
    )
    roles = [m["role"] for m in row["messages"]]
    assert roles[:3] == ["system", "user", "assistant"] and roles[-2:] == ["assistant", "user"]
    calls = [m["tool_calls"][0]["function"] for m in row["messages"] if m["tool_calls"]]
    assert [c["name"] for c in calls] == [n.tool for n in environment(ENV).tasks["renew-one-of-two"].solution.calls]
    assert all(isinstance(json.loads(c["arguments"]), dict) for c in calls)
    assert {t["function"]["name"] for t in json.loads(row["tools"])} >= {"renew_loan", "find_member"}


def test_verls_multiturn_sft_dataset_loads_the_rows(exported: tuple[Path, Any], tokenizer: Any) -> None:
    """veRL's MultiTurnSFTDataset, through the SFTDataset class the docs name, tokenizes a row: the loss mask
    covers the assistant's turns (its tool calls included) and nothing the user or the tools said."""
    from verl.utils.import_utils import load_extern_object

    folder, _ = exported
    dataset_class = load_extern_object("pkg://autoforge.rl.sft_dataset", "SFTDataset")
    config = OmegaConf.create(
        {
            "messages_key": "messages",
            "tools_key": "tools",
            "max_length": 16384,
            "pad_mode": "no_padding",
            "truncation": "error",
        }
    )
    dataset = dataset_class(parquet_files=str(folder / "train.parquet"), tokenizer=tokenizer, config=config)
    item = dataset[0]
    trained = tokenizer.decode(item["input_ids"][item["loss_mask"].bool()])
    context = tokenizer.decode(item["input_ids"][~item["loss_mask"].bool()])
    assert "<tool_call>" in trained and "taken care of everything" in trained
    assert "<tool_response>" in context and "# Tools" in context
    assert "<tool_response>" not in trained
