"""`autoforge import tau2` and `autoforge import tau-bench`: a benchmark domain as an environment folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from .importer import ImportReport

console = Console(stderr=True)
import_app = typer.Typer(help="Import benchmark domains as AutoForge environments.", no_args_is_help=True)


@import_app.command("tau2")
def tau2(
    domain: Annotated[str, typer.Argument(help="retail or airline.")],
    source: Annotated[Path, typer.Option("--from", help="Root of a tau2-bench checkout.")],
    out: Annotated[Path | None, typer.Option(help="Environment folder to write (default servers/tau2-DOMAIN).")] = None,
) -> None:
    """Import a tau2-bench domain (database, tools, policy, tasks) as an environment folder, from your checkout.

    Example: autoforge import tau2 retail --from ../tau2-bench --out servers/tau2-retail
    """
    from .importer import import_tau2

    _run(import_tau2, domain, source, out or Path("servers") / f"tau2-{domain}")


@import_app.command("tau-bench")
def tau_bench(
    domain: Annotated[str, typer.Argument(help="retail or airline.")],
    source: Annotated[Path, typer.Option("--from", help="Root of a tau-bench checkout.")],
    out: Annotated[Path | None, typer.Option(help="Environment folder to write (default servers/tau-DOMAIN).")] = None,
) -> None:
    """Import a domain of the original tau-bench (data, tools, wiki, all task splits) as an environment folder.

    Example: autoforge import tau-bench airline --from ../tau-bench --out servers/tau-airline
    """
    from .importer import import_tau_bench

    _run(import_tau_bench, domain, source, out or Path("servers") / f"tau-{domain}")


def _run(importer: Callable[..., ImportReport], domain: str, source: Path, target: Path) -> None:
    """Run an import with a progress bar, then print what it produced."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        bar = progress.add_task(f"importing {domain} tasks", total=None)
        report = importer(
            domain, source, target, on_task=lambda done, total: progress.update(bar, completed=done, total=total)
        )
    table = Table(title=f"{report.spec.name}: {report.path}", title_justify="left")
    table.add_column("", style="cyan")
    table.add_column("")
    table.add_row("source", report.spec.provenance.source)
    table.add_row("tools / tables", f"{len(report.spec.tools)} / {len(report.spec.tables)}")
    table.add_row("tasks", report.summary())
    table.add_row(
        "graded facts",
        f"{sum(1 for t in report.tasks if t.expected.facts)} task(s) must tell the user facts (COMMUNICATE)",
    )
    if report.nl_gated:
        table.add_row(
            "NL assertions",
            f"{report.nl_gated} task(s) also graded by tau2's LLM judge: kept as optional checks, not graded",
        )
    for skipped in report.skipped:
        table.add_row("[yellow]skipped[/]", f"task {skipped.task_id}: {skipped.reason}")
    for note in report.notes:
        table.add_row("note", note)
    console.print(table)
    console.print(
        f"next: autoforge check {report.path} --allow-ungated; autoforge eval {report.path} --agent oracle --user scripted"
    )


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `autoforge` app."""
    app.add_typer(import_app, name="import")
