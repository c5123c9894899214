"""Export environments' tasks as veRL parquet: one row per task, `train` and `validation` files, environment-blocked.

A row holds what veRL's RLHFDataset and the `autoforge_agent` loop read:

    prompt        [system: agent guidelines + the environment's policy, user: the task's instruction]
    data_source   autoforge/<env>              ability       tool_use
    reward_model  {style: rule, ground_truth: <task id>}
    extra_info    {index, split, env_id, task_id, env_ref (folder), env_sha256}
    agent_name    autoforge_agent              env_id        <env> (ERPO's environment)

Rows of one environment are contiguous, in the order the environments were given, so that with
`data.shuffle=False` each batch holds several prompts of the same environment for ERPO to pool.
Task split `train` goes to train.parquet, `test` to validation.parquet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoforge.servers import Environment, Task
from autoforge.servers.errors import SpecError

from .environments import agent_system_prompt, environment
from .errors import TrainingError

__all__ = ["SPLIT_FILES", "ExportReport", "count_rows", "dataset_rows", "export_dataset", "parquet"]

SPLIT_FILES = {"train": "train.parquet", "test": "validation.parquet"}


@dataclass
class ExportReport:
    """Where the files went and how many tasks of each environment each holds."""

    files: dict[str, Path]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def dataset_rows(env: Environment, agent_name: str) -> list[dict[str, Any]]:
    """One veRL row per task of `env`, in file order."""
    system = agent_system_prompt(env)
    folder = str(env.path.resolve()) if env.path is not None else env.name
    return [_row(env, task, index, system, folder, agent_name) for index, task in enumerate(env.tasks.values())]


def _row(env: Environment, task: Task, index: int, system: str, folder: str, agent_name: str) -> dict[str, Any]:
    return {
        "prompt": [{"role": "system", "content": system}, {"role": "user", "content": task.instruction}],
        "data_source": f"autoforge/{env.name}",
        "ability": "tool_use",
        "reward_model": {"style": "rule", "ground_truth": task.id},
        "extra_info": {
            "index": index,
            "split": task.split,
            "env_id": env.name,
            "task_id": task.id,
            "env_ref": folder,
            "env_sha256": env.sha256,
        },
        "agent_name": agent_name,
        "env_id": env.name,
    }


def count_rows(path: Path) -> dict[str, int]:
    """Rows per environment (`env_id`) of an exported parquet file."""
    if not path.is_file():
        raise TrainingError(f"no dataset at {path}; write it first: autoforge rl export ENV... --out {path.parent}")
    pq = parquet()
    column = pq.read_table(path, columns=["env_id"]).column("env_id").to_pylist()
    counts: dict[str, int] = {}
    for name in column:
        counts[str(name)] = counts.get(str(name), 0) + 1
    return counts


def parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise TrainingError(
            "reading and writing parquet needs pyarrow; install the training extra: pip install 'autoforge-rl[rl]'"
        ) from None
    return pq


def export_dataset(references: Sequence[str | Path], out: Path, agent_name: str = "autoforge_agent") -> ExportReport:
    """Write train.parquet and validation.parquet under `out` for the environments `references` name."""
    if not references:
        raise SpecError("name at least one environment to export, e.g. autoforge rl export servers/library-loans")
    envs = [environment(str(r)) for r in references]
    names = [e.name for e in envs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SpecError(f"environment {', '.join(repeated)} is named more than once; name each environment once")
    pq = parquet()
    import pyarrow as pa

    rows = [row for env in envs for row in dataset_rows(env, agent_name)]
    table = pa.Table.from_pylist(rows)
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(files={})
    for split, filename in SPLIT_FILES.items():
        path = out / filename
        chosen = [row["extra_info"]["split"] == split for row in rows]
        pq.write_table(table.filter(pa.array(chosen, type=pa.bool_())), path)
        report.files[split] = path
        for env in envs:
            report.counts.setdefault(env.name, {})[split] = sum(
                1 for row, keep in zip(rows, chosen, strict=True) if keep and row["env_id"] == env.name
            )
    return report
