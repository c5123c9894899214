"""Commands of autoforge.clients: `autoforge eval` runs agents on environments, `autoforge report` renders a run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from .passk import Summary
    from .results import EpisodeRecord

console = Console()


def eval_command(
    environments: Annotated[
        list[str] | None,
        typer.Argument(help="Environment folders (servers/<env>) or bundled names; default: all bundled."),
    ] = None,
    agent: Annotated[str, typer.Option(help="oracle, random, openai:MODEL or anthropic:MODEL.")] = "oracle",
    user: Annotated[str, typer.Option(help="scripted, openai:MODEL or anthropic:MODEL.")] = "scripted",
    trials: Annotated[int, typer.Option(min=1, help="Trials per task (k of pass^k).")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Episodes in flight at once.")] = 8,
    out: Annotated[Path, typer.Option(help="Run folder: results.jsonl, run.json, report.html.")] = Path("runs/eval"),
    transport: Annotated[str, typer.Option(help="inprocess, stdio (mcp run server.py) or http.")] = "inprocess",
    url: Annotated[
        list[str] | None, typer.Option(help="ENV=URL of a running streamable-HTTP server (with --transport http).")
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option(
            "--token-env",
            metavar="VAR",
            help="Environment variable holding the bearer token for the --url servers (run with "
            "`autoforge serve --token-env`). Servers this command starts itself get a fresh token of their own.",
        ),
    ] = None,
    servers: Annotated[
        int | None, typer.Option(min=1, help="Connections (stdio: processes) per environment and worker.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Processes running whole episodes (agent, user, environment), 0 to run them in this process; "
            "default one per core for runs of 200 episodes or more, else 0. With --ray: actors on the cluster "
            "(default one per CPU of the cluster).",
        ),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="[ADDRESS]",
            help="Run whole episodes on a Ray cluster: --workers actors (default one per CPU of the cluster), "
            "each serving the environments itself. Alone or `local` starts Ray on this machine, `auto` joins "
            "this node's cluster, or HOST:PORT.",
        ),
    ] = None,
    task: Annotated[list[str] | None, typer.Option(help="Only these task ids (repeatable).")] = None,
    max_turns: Annotated[int, typer.Option(min=1, help="Agent messages to the user per episode.")] = 20,
    max_steps: Annotated[int, typer.Option(min=1, help="Agent turns per episode, tool calls included.")] = 60,
    call_timeout: Annotated[float, typer.Option(help="Seconds for one MCP request.")] = 30.0,
    episode_timeout: Annotated[float, typer.Option(help="Seconds for one episode.")] = 600.0,
    attempts: Annotated[int, typer.Option(min=1, help="Tries of an episode that fails with infra.")] = 3,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL for the agent (vLLM, SGLang, Ollama).")
    ] = None,
    user_base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible base URL for the user.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature of LLM agent and user.")] = None,
) -> None:
    """Run an agent with a simulated user on every task of some environments, k trials each, and score pass^k.

    Results are appended to OUT/results.jsonl as episodes end; rerunning the same command resumes.

    Example: autoforge eval servers/library-loans --agent oracle --user scripted --trials 4 --concurrency 16 --out runs/oracle

    Example, on a Ray cluster: autoforge eval library-loans --trials 8 --concurrency 256 --ray auto

    Example, on a team's server: autoforge eval library-loans --transport http --url library-loans=http://gpu-box:8123/mcp --token-env MY_TOKEN
    """
    from autoforge.servers.errors import SpecError
    from autoforge.servers.locate import bundled_environments

    from .connections import read_token
    from .episode import Limits
    from .runner import evaluate

    urls = {}
    for item in url or []:
        name, sep, address = item.partition("=")
        if not sep or not address.startswith(("http://", "https://")):
            raise SpecError(f"--url {item!r} must read ENV=http://HOST:PORT/mcp")
        urls[name] = address
    if transport not in ("inprocess", "stdio", "http"):
        raise typer.BadParameter("choose inprocess, stdio or http (or --ray for Ray actors)", param_hint="--transport")
    if token_env and not urls:
        raise typer.BadParameter(
            "a token is for servers named with --url ENV=URL; servers eval starts itself make their own",
            param_hint="--token-env",
        )
    token = read_token(token_env) if token_env else None
    if ray is not None:
        if transport != "inprocess":
            raise typer.BadParameter("--ray serves the environments itself; drop --transport", param_hint="--ray")
        from .ray_actors import connect_ray

        connect_ray(None if ray == "local" else ray)
    llm_options = {k: v for k, v in {"temperature": temperature}.items() if v is not None}
    limits = Limits(
        max_turns=max_turns,
        max_steps=max_steps,
        call_timeout=call_timeout,
        episode_timeout=episode_timeout,
        attempts=attempts,
    )
    with _progress() as progress:
        bar = progress.add_task("episodes", total=None, stats="")
        tally = _Tally()

        def planned(total: int, done: int) -> None:
            progress.update(bar, total=total, completed=done)

        def ended(record: EpisodeRecord) -> None:
            tally.add(record)
            progress.update(bar, advance=1, stats=tally.line())

        summary = asyncio.run(
            evaluate(
                environments or bundled_environments(),
                agent=agent,
                user=user,
                trials=trials,
                concurrency=concurrency,
                out=out,
                transport=transport,  # type: ignore[arg-type]
                urls=urls,
                token=token,
                pool_size=servers,
                limits=limits,
                agent_options={**llm_options, **({"base_url": base_url} if base_url else {})} if ":" in agent else {},
                user_options={**llm_options, **({"base_url": user_base_url} if user_base_url else {})}
                if ":" in user
                else {},
                task_ids=task,
                workers=workers,
                ray=ray is not None,
                on_plan=planned,
                on_record=ended,
            )
        )
    for table in summary_tables(summary):
        console.print(table)
    console.print(
        f"ran {summary.ran} episodes in {summary.elapsed:.1f} s ({summary.episodes_per_second:.1f} episodes/s), "
        f"skipped {summary.skipped} already done; results in {out / 'results.jsonl'}",
        highlight=False,
    )


def report(
    run: Annotated[Path, typer.Argument(help="A run folder written by `autoforge eval --out`.")],
    output: Annotated[Path | None, typer.Option(help="Where to write the page (default RUN/report.html).")] = None,
) -> None:
    """Write a self-contained HTML report of a run: pass^k table and chart, failures, tasks, trajectories.

    Example: autoforge report runs/oracle
    """
    from .report import write_report

    path = write_report(run, output)
    console.print(f"wrote {path}", highlight=False)


class _Tally:
    """Running counts for the progress line."""

    def __init__(self) -> None:
        self.passed = self.scored = 0
        self.labels = {"agent": 0, "user": 0, "infra": 0}

    def add(self, record: EpisodeRecord) -> None:
        if record.label in ("user", "infra"):
            self.labels[record.label] += 1
            return
        self.scored += 1
        self.passed += record.passed
        if record.label:
            self.labels[record.label] += 1

    def line(self) -> str:
        rate = f"{self.passed / self.scored:.0%}" if self.scored else "–"
        failures = " ".join(f"{k} {v}" for k, v in self.labels.items())
        return f"pass {rate} · failures: {failures}"


def summary_tables(summary: Summary) -> list[Table]:
    """pass^k and rewards per environment and overall; then failure labels, retries and usage."""
    ks = range(1, summary.trials + 1)
    rows = [*summary.environments, summary.overall]
    scores = Table(title="pass^k", box=box.SIMPLE_HEAD)
    usage = Table(title="failures and usage", box=box.SIMPLE_HEAD)
    for table in (scores, usage):
        table.add_column("environment", no_wrap=True)
    for column in ("tasks", "episodes", *(f"pass^{k}" for k in ks), "reward"):
        scores.add_column(column, justify="right")
    for column in ("agent", "user", "infra", "retries", "tool calls", "tokens"):
        usage.add_column(column, justify="right")
    for totals in rows:
        style = "bold" if totals is summary.overall else None
        scores.add_row(
            totals.environment,
            str(totals.tasks),
            str(totals.episodes),
            *("–" if (v := totals.pass_hat.get(k)) is None else f"{v:.3f}" for k in ks),
            f"{totals.mean_reward:.3f}",
            style=style,
        )
        usage.add_row(
            totals.environment,
            *(str(totals.labels.get(label, 0)) for label in ("agent", "user", "infra")),
            str(totals.retries),
            str(totals.tool_calls),
            f"{totals.agent_tokens.total + totals.user_tokens.total:,}",
            style=style,
        )
    return [scores, usage]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
        console=console,
    )


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `autoforge` app."""
    app.command("eval")(eval_command)
    app.command()(report)
