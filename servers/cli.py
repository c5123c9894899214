"""Commands for environments: validate, check, serve, and completing hand-written tasks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .locate import resolve_environment
from .terminal import shown

console = Console()

EnvArgument = Annotated[list[str], typer.Argument(help="Environment folders (servers/<env>) or bundled names.")]


def validate(environments: EnvArgument) -> None:
    """Check environment folders against the contract and list every problem with its location.

    Example: autoforge validate servers/library-loans
    """
    from .validate import validate_folder

    failed = False
    for reference in environments:
        folder = resolve_environment(reference)
        problems = validate_folder(folder)
        if not problems:
            console.print(f"[green]ok[/] {shown(folder)}")
            continue
        failed = True
        table = Table(title=f"{shown(folder)}: {len(problems)} problem(s)", title_justify="left")
        table.add_column("where", style="cyan", no_wrap=True)
        table.add_column("problem")
        for problem in problems:
            table.add_row(shown(problem.location), shown(problem.message))
        console.print(table)
    if failed:
        raise typer.Exit(2)


def check(
    environments: EnvArgument,
    concurrency: Annotated[int, typer.Option(help="Tasks checked at once.")] = 8,
    allow_ungated: Annotated[
        bool, typer.Option(help="Accept tasks that neither write nor state facts (imported benchmarks' refusal tasks).")
    ] = False,
) -> None:
    """Replay every task's solution through MCP (must verify 1.0), and an empty trajectory (must fail).

    Example: autoforge check library-loans clinic-appointments
    """
    from .app import load_server
    from .check import check_env

    failed = False
    for reference in environments:
        server = load_server(resolve_environment(reference))
        tasks = server.environment.tasks
        with _progress() as progress:
            bar = progress.add_task(f"checking {server.environment.name}", total=len(tasks))
            report = asyncio.run(
                check_env(
                    server,
                    concurrency=concurrency,
                    on_task=lambda _: progress.advance(bar),
                    allow_ungated=allow_ungated,
                )
            )
        oracle = sum(t.oracle_reward == 1.0 for t in report.tasks)
        console.print(
            f"{report.environment}: {len(report.tasks)} tasks, oracle 1.0 on {oracle}, {len(report.failures)} failing"
        )
        for failure in report.failures:
            failed = True
            console.print(f"  [red]{shown(failure.task_id)}[/]: {shown('; '.join(failure.problems))}")
    if failed:
        raise typer.Exit(1)


def serve(
    environment: Annotated[str, typer.Argument(help="Environment folder or bundled name.")],
    transport: Annotated[str, typer.Option(help="stdio or http (streamable HTTP).")] = "http",
    host: Annotated[
        str, typer.Option(help="Interface to bind (http). Without tokens only 127.0.0.1, ::1 or localhost.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (http).")] = 8000,
    token_env: Annotated[
        list[str] | None,
        typer.Option(
            "--token-env",
            metavar="VAR",
            help="Environment variable holding bearer tokens, separated by commas or whitespace (repeatable). "
            "Every request must then send 'Authorization: Bearer <token>', and each token sees only its own episodes.",
        ),
    ] = None,
    max_episodes_per_token: Annotated[
        int | None,
        typer.Option(
            min=1, help="Live episodes one token may hold; default 1,000 (the server's own cap also applies)."
        ),
    ] = None,
    insecure: Annotated[
        bool, typer.Option(help="Serve a non-loopback --host without tokens: anyone who reaches the port can use it.")
    ] = False,
) -> None:
    """Serve an environment over MCP: streamable HTTP at http://HOST:PORT/mcp, or stdio.

    For a team, give each member a token: every request must carry one, and an episode belongs to the
    token that started it (others get "unknown episode"). Without tokens the server binds only loopback.

    Example: autoforge serve library-loans --port 8123

    Example, for a team: TOKENS="$ALICE_TOKEN,$BOB_TOKEN" autoforge serve library-loans --host 0.0.0.0 --token-env TOKENS
    """
    import os

    from .app import load_server
    from .http import check_bind
    from .tokens import read_tokens

    if transport not in ("stdio", "http"):
        raise typer.BadParameter("transport must be 'stdio' or 'http'", param_hint="--transport")
    if transport == "stdio" and token_env:
        raise typer.BadParameter(
            "tokens guard HTTP; a stdio server answers only its own client", param_hint="--token-env"
        )
    tokens = read_tokens(token_env or [])
    for variable in token_env or []:
        os.environ.pop(variable, None)  # tool workers, started later, inherit no token
    if transport == "http":
        check_bind(host, tokens, insecure)
    server = load_server(resolve_environment(environment), max_episodes_per_token=max_episodes_per_token)
    if transport == "stdio":
        server.run("stdio")
        return
    guarded = f", {len(tokens)} token(s) required" if tokens else ", no token required"
    console.print(f"serving {server.environment.name} at http://{host}:{port}/mcp{guarded}", highlight=False)
    server.run("streamable-http", host=host, port=port, tokens=tokens, insecure=insecure)


tasks_app = typer.Typer(help="Work on an environment's tasks.", no_args_is_help=True)


@tasks_app.command("complete")
def complete(environment: Annotated[str, typer.Argument(help="Environment folder.")]) -> None:
    """Recompute each task's expected changes and difficulty by executing its solution, in place.

    Example: autoforge tasks complete servers/library-loans
    """
    from .environment import load_environment
    from .errors import SpecError
    from .solution import complete_task

    folder = resolve_environment(environment)
    loaded = load_environment(folder)
    completed = []
    for task in loaded.tasks.values():
        try:
            completed.append(complete_task(loaded, task))
        except ValueError as exc:
            raise SpecError(str(exc)) from None
    lines = [json.dumps(t.model_dump(mode="json", exclude_defaults=False), ensure_ascii=False) for t in completed]
    Path(folder, "tasks.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    console.print(f"completed {len(completed)} tasks in {folder / 'tasks.jsonl'}")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def register(app: typer.Typer) -> None:
    """Add these commands to the `autoforge` app."""
    app.command()(validate)
    app.command()(check)
    app.command()(serve)
    app.add_typer(tasks_app, name="tasks")
