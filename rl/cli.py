"""Commands of autoforge.rl: `autoforge rl export` writes veRL parquet, `autoforge rl config` the ERPO config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

console = Console()
rl_app = typer.Typer(
    name="rl",
    help="Train policies on AutoForge environments with ERPO on veRL.",
    no_args_is_help=True,
)


@rl_app.command("export")
def export_command(
    environments: Annotated[
        list[str], typer.Argument(help="Environment folders (servers/<env>) or bundled names, one block each.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for train.parquet and validation.parquet.")] = Path("data"),
) -> None:
    """Write the environments' tasks as veRL parquet, one row per task, train and validation split.

    Example: autoforge rl export servers/library-loans servers/clinic-appointments --out data/
    """
    from .dataset import export_dataset

    report = export_dataset(environments, out)
    table = Table(box=box.SIMPLE, title="exported tasks")
    table.add_column("environment")
    for split in report.files:
        table.add_column(report.files[split].name, justify="right")
    for name, counts in report.counts.items():
        table.add_row(name, *(str(counts.get(split, 0)) for split in report.files))
    console.print(table)
    console.print(f"wrote {', '.join(str(p) for p in report.files.values())}")


@rl_app.command("config")
def config_command(
    out: Annotated[Path, typer.Option(help="Folder to write erpo.yaml into.")] = Path("rl/config"),
    model: Annotated[str, typer.Option(help="Policy checkpoint: a Hugging Face id or a local path.")] = (
        "Qwen/Qwen3-30B-A3B-Thinking-2507"
    ),
    data: Annotated[Path, typer.Option(help="Folder holding the exported parquet files.")] = Path("data"),
    prompts: Annotated[int, typer.Option(min=1, help="Prompts per batch.")] = 32,
    rollouts: Annotated[int, typer.Option(min=1, help="Rollouts per prompt.")] = 8,
    nnodes: Annotated[int, typer.Option(min=1, help="Nodes of the Ray cluster.")] = 8,
    gpus_per_node: Annotated[int, typer.Option(min=1, help="GPUs per node.")] = 8,
    user: Annotated[str, typer.Option(help="Simulated user: scripted, openai:MODEL or anthropic:MODEL.")] = "scripted",
) -> None:
    """Write a ready Hydra config for `python -m verl.trainer.main_ppo` (ERPO estimator, trainer mode, agent loop).

    Example: autoforge rl config --out rl/config --data data --nnodes 1 --user openai:gpt-4.1
    """
    from .config import TrainingSetup, write_config

    setup = TrainingSetup(
        model=model,
        train_files=(data / "train.parquet").as_posix(),
        val_files=(data / "validation.parquet").as_posix(),
        prompts=prompts,
        rollouts=rollouts,
        nnodes=nnodes,
        gpus_per_node=gpus_per_node,
        user=user,
    )
    path = write_config(out, setup)
    console.print(f"wrote {path}")
    console.print(f"train: python -m verl.trainer.main_ppo --config-path=$PWD/{out.as_posix()} --config-name=erpo")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `autoforge` app."""
    app.add_typer(rl_app)
