"""SFT warm-up data: successful episodes in the chat format veRL's SFT trainer reads (the paper fine-tunes before RL).

    autoforge rl sft ENV... --out data/sft [--results runs/eval/results.jsonl ...]

Episodes come from oracle replays of every task (the ground-truth calls with the scripted user,
run through MCP by the orchestrator; each must pass) and from the passing episodes of any
`results.jsonl` of `autoforge eval` given (other environments' and failed episodes are skipped).
A row is one episode:

    messages   [system: the policy's system prompt in RL, user, assistant (tool_calls), tool, ...]
    tools      the environment's MCP tools as function schemas, JSON text
    env_id, task_id, source (oracle | the results file)

Tool-call arguments and the tool list are JSON text, because parquet would merge differently shaped
JSON objects into one struct padded with nulls. Train with veRL's SFT trainer and this module's
dataset class, which parses them back:

    python -m verl.trainer.sft_trainer data.train_files=data/sft/train.parquet \\
        data.val_files=data/sft/validation.parquet data.messages_key=messages data.tools_key=tools \\
        data.custom_cls.path=pkg://autoforge.rl.sft_dataset data.custom_cls.name=SFTDataset model.path=...
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoforge.clients import EpisodeRecord, Event, ResultsFile, evaluate, load_environments
from autoforge.servers import Environment, EnvServer

from .agent_loop import openai_tool
from .dataset import SPLIT_FILES, parquet
from .environments import agent_system_prompt
from .errors import TrainingError

__all__ = ["SFTReport", "chat_messages", "export_sft"]

ORACLE = "oracle"


@dataclass
class SFTReport:
    """Where the rows went, how many came from each source, and what was skipped."""

    files: dict[str, Path]
    rows: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


def chat_messages(system: str, events: Sequence[Event]) -> list[dict[str, Any]]:
    """An episode's trajectory as chat messages, tool calls in OpenAI's shape with JSON-text arguments."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for event in events:
        if event.role == "tool":
            messages.append({"role": "tool", "content": event.text})
        elif event.role == "user":
            messages.append({"role": "user", "content": event.text})
        else:
            message: dict[str, Any] = {"role": "assistant", "content": event.text}
            if event.tool_calls:
                message["tool_calls"] = [
                    {
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.raw_arguments or json.dumps(c.arguments or {})},
                    }
                    for c in event.tool_calls
                ]
            messages.append(message)
    return messages


async def export_sft(
    references: Sequence[str | Path], out: Path, results: Sequence[Path] = (), oracle: bool = True
) -> SFTReport:
    """Write train.parquet and validation.parquet of successful episodes under `out` (split by the task's split)."""
    envs = {env.name: env for env in load_environments(references)}
    records: list[tuple[str, EpisodeRecord]] = []
    if oracle:
        with tempfile.TemporaryDirectory() as scratch:
            await evaluate(list(envs.values()), agent=ORACLE, user="scripted", out=scratch)
            records += [(ORACLE, r) for r in ResultsFile(Path(scratch) / "results.jsonl").records()]
    for path in results:
        records += [(str(path), r) for r in ResultsFile(path).records()]
    tools = {
        name: json.dumps([openai_tool(t) for t in await EnvServer(env).list_tools()]) for name, env in envs.items()
    }
    report = SFTReport(files={})
    rows: list[dict[str, Any]] = []
    for source, record in records:
        env = envs.get(record.environment)
        why = _skip_reason(record, env)
        if why:
            report.skipped[why] = report.skipped.get(why, 0) + 1
            continue
        assert env is not None
        rows.append(_row(env, record, source, tools[env.name]))
        report.rows[source] = report.rows.get(source, 0) + 1
    failed = [r.task_id for source, r in records if source == ORACLE and not r.passed]
    if failed:
        raise TrainingError(
            f"oracle replays failed ({', '.join(failed[:5])}); run `autoforge check` on the environment"
        )
    pq = parquet()
    import pyarrow as pa

    out.mkdir(parents=True, exist_ok=True)
    for split, filename in SPLIT_FILES.items():
        chosen = [{k: v for k, v in r.items() if k != "split"} for r in rows if r["split"] == split]
        path = out / filename
        pq.write_table(pa.Table.from_pylist(chosen, schema=_schema()), path)
        report.files[split] = path
    return report


def _skip_reason(record: EpisodeRecord, env: Environment | None) -> str:
    if env is None:
        return "another environment"
    if record.env_sha256 != env.sha256:
        return "an older version of the environment"
    if record.task_id not in env.tasks:
        return "an unknown task"
    return "" if record.passed else "failed"


def _row(env: Environment, record: EpisodeRecord, source: str, tools: str) -> dict[str, Any]:
    return {
        "messages": chat_messages(agent_system_prompt(env), record.trajectory),
        "tools": tools,
        "env_id": env.name,
        "task_id": record.task_id,
        "source": source,
        "split": env.tasks[record.task_id].split,
    }


def _schema() -> Any:
    import pyarrow as pa

    call = pa.struct(
        [("type", pa.string()), ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())]))]
    )
    message = pa.struct([("role", pa.string()), ("content", pa.string()), ("tool_calls", pa.list_(call))])
    return pa.schema(
        [
            ("messages", pa.list_(message)),
            ("tools", pa.string()),
            ("env_id", pa.string()),
            ("task_id", pa.string()),
            ("source", pa.string()),
        ]
    )
