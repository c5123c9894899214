"""`autoforge demo`: the main job end to end, offline and with no API key.

1. Synthesize an environment from each bundled tool document (offline backend; every kept task was
   replayed through MCP to reward 1.0 and fails on an empty trajectory).
2. Run the oracle agent and a random agent, each with the scripted simulated user, on every
   environment over MCP (in-process), and the oracle once more over stdio (`mcp run server.py`).
3. Print pass^k per environment and write the HTML report of each run.

Everything lands under one folder (default runs/demo), laid out like the rest of AutoForge:

    runs/demo/servers/<env>/     the synthesized environments (autoforge eval/serve/check take them)
    runs/demo/oracle/            a run folder, as `autoforge eval --out` writes it: results.jsonl,
    runs/demo/random/            run.json and report.html
    runs/demo/oracle-stdio/
    runs/demo/.work/             synthesis checkpoints

Rerunning resumes from what is already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = ["RUNS", "DemoResult", "bundled_documents", "run_demo"]

RUNS = ("oracle", "random", "oracle-stdio")
"""The run folders the demo writes, beside its servers/ folder."""

console = Console()


@dataclass
class DemoResult:
    """Where the demo wrote its environments and runs, and what it measured."""

    environments: list[Path]
    reports: dict[str, Path]
    oracle_pass: dict[str, float | None]
    random_pass: dict[str, float | None]


def bundled_documents() -> list[Path]:
    """The tool documents shipped with AutoForge (one per bundled synthesized environment)."""
    from autoforge import synthesizer

    folder = Path(synthesizer.__file__).resolve().parent / "bundled"
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def _synthesize(documents: list[Path], out: Path, tasks: int) -> list[Path]:
    import asyncio

    from autoforge.synthesizer import SynthOptions, synthesize

    folders = []
    options = SynthOptions(tasks=tasks)
    with _progress() as progress:
        for document in documents:
            name = document.name.split(".")[0]
            bar = progress.add_task(f"synthesize {name}", total=None)

            def on_event(event, bar=bar, name=name):  # type: ignore[no-untyped-def]
                progress.update(bar, description=f"synthesize {name}: {event.stage}", completed=event.done, total=event.total)

            result = asyncio.run(
                synthesize(document, out / "servers" / name, options, work_dir=out / ".work", on_event=on_event)
            )
            progress.update(bar, description=f"synthesize {name}: {len(result.tasks)} tasks", completed=1, total=1)
            folders.append(result.path)
    return folders


def _evaluate(environments: list[Path], out: Path, agent: str, transport: str, trials: int, concurrency: int):  # type: ignore[no-untyped-def]
    from autoforge.clients import run_eval, write_report

    with _progress() as progress:
        bar = progress.add_task(f"{agent} agent over {transport}", total=None)
        summary = run_eval(
            environments,
            agent=agent,
            user="scripted",
            trials=trials,
            concurrency=concurrency,
            out=out,
            transport=transport,
            workers=None,  # every core for the larger runs
            on_plan=lambda total, done: progress.update(bar, total=total, completed=done),
            on_record=lambda record: progress.advance(bar),
        )
    return summary, write_report(out)


def run_demo(
    out: Path, *, tasks: int = 30, trials: int = 2, concurrency: int = 16, documents: list[Path] | None = None
) -> DemoResult:
    """Synthesize tool documents (default: the bundled ones) into `out`, evaluate agents on them, write reports."""
    from autoforge.servers.locate import bundled_environments

    synthesized = _synthesize(bundled_documents() if documents is None else documents, out, tasks)
    hand_written = [p for p in bundled_environments() if p.name in ("library-loans", "clinic-appointments")]
    environments = [*hand_written, *synthesized]
    oracle_run, random_run, stdio_run = (out / name for name in RUNS)
    oracle, oracle_report = _evaluate(environments, oracle_run, "oracle", "inprocess", trials, concurrency)
    rand, random_report = _evaluate(environments, random_run, "random", "inprocess", trials, concurrency)
    stdio, stdio_report = _evaluate(hand_written[:1], stdio_run, "oracle", "stdio", 1, concurrency)
    table = Table(title=f"AutoForge demo: {len(environments)} environments, oracle and random agents, scripted user")
    for column in ("environment", "tasks", "oracle pass^1", f"oracle pass^{trials}", "random pass^1", "random failures"):
        table.add_column(column, justify="left" if column == "environment" else "right", no_wrap=column == "environment")
    random_by_env = {t.environment: t for t in rand.environments}
    for totals in oracle.environments:
        other = random_by_env[totals.environment]
        table.add_row(
            totals.environment,
            str(totals.tasks),
            _rate(totals.pass_hat.get(1)),
            _rate(totals.pass_hat.get(trials)),
            _rate(other.pass_hat.get(1)),
            ", ".join(f"{k} {v}" for k, v in sorted(other.labels.items()) if v) or "-",
        )
    console.print(table)
    stdio_pass = stdio.overall.pass_hat.get(1)
    console.print(f"oracle over stdio (mcp run server.py) on {hand_written[0].name}: pass^1 {_rate(stdio_pass)}")
    for label, path in (("oracle", oracle_report), ("random", random_report), ("oracle over stdio", stdio_report)):
        console.print(f"report ({label}): {path}")
    console.print(
        f"next: autoforge eval {out / 'servers' / '<env>'} --out runs/<name>, then autoforge report runs/<name>",
        highlight=False,
    )
    return DemoResult(
        environments=environments,
        reports={"oracle": oracle_report, "random": random_report, "oracle-stdio": stdio_report},
        oracle_pass={t.environment: t.pass_hat.get(1) for t in oracle.environments},
        random_pass={t.environment: t.pass_hat.get(1) for t in rand.environments},
    )


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
