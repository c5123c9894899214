"""Commands of autoforge.synthesizer (joined into the `autoforge` app): `autoforge synth`."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from autoforge.servers.terminal import shown
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from .defaults import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from .pipeline import SynthResult

console = Console(stderr=True)
DOC_HELP = (
    "Tool documentation: OpenAPI/Swagger (JSON or YAML), an MCP tools/list JSON, OpenAI/Anthropic tool schemas, "
    "markdown; or a live MCP server as 'mcp:COMMAND ARGS' or an http(s) URL."
)


def synth(
    doc: Annotated[str, typer.Argument(help=DOC_HELP)],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Environment folder to write; its name is the environment's name.")
    ],
    backend: Annotated[str, typer.Option(help="offline (no model), anthropic or openai.")] = "offline",
    model: Annotated[str | None, typer.Option(help="LLM model name (LLM backends).")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server (vLLM, SGLang, Ollama).")] = None,
    tasks: Annotated[int, typer.Option(help="Verified tasks wanted.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = 0,
    min_calls: Annotated[
        int | None, typer.Option(help="Fewest tool calls in a task's ground truth (default: adapts, 4 down to 1).")
    ] = None,
    max_calls: Annotated[int, typer.Option(help="Most tool calls in a task's ground truth.")] = 14,
    max_intents: Annotated[int, typer.Option(help="Most user requests merged into one task.")] = 4,
    reasoning: Annotated[
        float, typer.Option(help="Share of requests that need a compare, compute or branch step.")
    ] = 0.6,
    max_bytes: Annotated[
        int, typer.Option(help=f"Largest input accepted, in bytes (default {DEFAULT_MAX_BYTES // 2**20} MiB).")
    ] = DEFAULT_MAX_BYTES,
    work_dir: Annotated[
        Path | None, typer.Option(help="Checkpoint folder (default .autoforge/synth, or $AUTOFORGE_WORK_DIR).")
    ] = None,
) -> None:
    """Synthesize a verified environment (env.json, tools.py, seed.sql, tasks.jsonl, server.py) from tool docs.

    Example: autoforge synth petstore.yaml --out servers/petstore --tasks 100
    """
    from autoforge.servers import SynthesisError, load_environment
    from autoforge.servers.quality import quality
    from pydantic import ValidationError

    from .options import SynthOptions
    from .pipeline import STAGES, Event, synthesize

    try:
        options = SynthOptions(
            backend=backend, model=model, base_url=base_url, tasks=tasks, seed=seed, min_calls=min_calls,  # type: ignore[arg-type]
            max_calls=max_calls, max_intents=max_intents, reasoning=reasoning, max_bytes=max_bytes,
        )  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SynthesisError(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']}") from None
    progress = Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
                        TimeElapsedColumn(), console=console)  # fmt: skip
    bars: dict[str, TaskID] = {}

    def show(event: Event) -> None:
        _stop_if_interrupted()  # between steps too: a Ctrl-C whose exception something swallowed still stops the run
        bar = bars.get(event.stage)
        if bar is None:
            bar = bars[event.stage] = progress.add_task(event.stage, total=max(event.total, 1), note="")
        progress.update(bar, completed=event.done, total=max(event.total, 1), note=event.message)

    with progress:
        for stage in STAGES:
            bars[stage] = progress.add_task(stage, total=1, note="waiting")
        result = _run_interruptibly(synthesize(doc, out, options, work_dir=work_dir, on_event=show))
    table = Table(title=f"{result.spec.name}: {result.path}", title_justify="left")
    table.add_column("", style="cyan")
    table.add_column("")
    table.add_row("tools / tables", f"{len(result.spec.tools)} / {len(result.spec.tables)}")
    for label, value in result.stats.as_rows():
        table.add_row(label, value)
    for label, value in quality(load_environment(result.path), replay=False).rows():  # the README card's figures
        table.add_row(label, value)
    table.add_row(
        "rejected",
        ", ".join(f"{k} ({v})" for k, v in sorted(result.rejected.items(), key=lambda kv: -kv[1])[:4]) or "none",
    )
    table.add_row(
        "time",
        ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
        + (f" (resumed: {', '.join(result.resumed)})" if result.resumed else ""),
    )
    if result.usage:
        spent = ", ".join(
            f"{k} {u.input_tokens}+{u.output_tokens} tok ({u.calls} calls, {u.cached} cached)"
            for k, u in result.usage.items()
        )
        table.add_row("LLM usage", spent)
    console.print(table)
    for note in result.notes[:12]:
        console.print(f"[yellow]note:[/] {shown(note)}", highlight=False)
    if len(result.notes) > 12:
        console.print(f"[yellow]note:[/] and {len(result.notes) - 12} more (see the checkpoint folder)")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `autoforge` app."""
    app.command()(synth)


def _run_interruptibly(run: Coroutine[Any, Any, SynthResult]) -> SynthResult:
    """`asyncio.run`, where Ctrl-C stops the run at once. asyncio's own handler only cancels the run's task, and a
    cancellation that reaches code which catches it (an MCP check of the tasks) could let the run finish and exit
    0; the batches already made stay checkpointed, so a rerun resumes from them."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return asyncio.run(run)
    _INTERRUPTED.clear()
    signal.signal(signal.SIGINT, _interrupt)  # asyncio leaves a handler that is not the default one in place
    try:
        result = asyncio.run(run)
        _stop_if_interrupted()
        return result
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


_INTERRUPTED = threading.Event()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _INTERRUPTED.set()
    raise KeyboardInterrupt


def _stop_if_interrupted() -> None:
    """Raise KeyboardInterrupt if Ctrl-C came: its first exception may land where it is swallowed (a finalizer
    running when the signal arrives prints it and goes on)."""
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt
