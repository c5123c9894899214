"""The `autoforge` command: one typer app joining each package's commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import typer
from rich.console import Console

app = typer.Typer(
    name="autoforge",
    help="Synthesize verifiable tool-use environments from tool docs, serve them over MCP, evaluate and train agents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from autoforge import __version__

        print(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """AutoForge: environments for agentic RL, from tool documentation alone."""


@app.command()
def demo(
    out: Path = typer.Option(Path("runs/demo"), help="Folder for the environments, runs and reports."),
    tasks: int = typer.Option(30, min=1, help="Verified tasks to synthesize per environment."),
    trials: int = typer.Option(2, min=1, help="Trials per task (the k of pass^k)."),
    concurrency: int = typer.Option(16, min=1, help="Episodes in flight at once."),
) -> None:
    """Run the main job end to end, offline: synthesize environments from the bundled tool docs, run agents
    and simulated users on them over MCP, and report pass^k. Rerunning resumes.

    Example: autoforge demo --out runs/demo
    """
    from autoforge.demo import run_demo

    run_demo(out, tasks=tasks, trials=trials, concurrency=concurrency)


def _register() -> None:
    from autoforge.clients.cli import register as register_clients
    from autoforge.rl.cli import register as register_rl
    from autoforge.servers.cli import register as register_servers
    from autoforge.servers.registry.cli import register as register_registry
    from autoforge.synthesizer.cli import register as register_synthesizer
    from autoforge.synthesizer.tau2.cli import register as register_tau2

    for register in (
        register_servers,
        register_synthesizer,
        register_tau2,
        register_clients,
        register_rl,
        register_registry,
    ):
        register(app)


_register()


_OPTIONAL_VALUES = {"--ray": "local"}
"""Options whose value may be left out, and the value they then take."""


def fill_optional_values(args: list[str]) -> list[str]:
    """`args` with the implied value after an option that ends the line or is followed by another option."""
    filled: list[str] = []
    for index, arg in enumerate(args):
        filled.append(arg)
        following = args[index + 1] if index + 1 < len(args) else None
        if arg in _OPTIONAL_VALUES and (following is None or following.startswith("-")):
            filled.append(_OPTIONAL_VALUES[arg])
    return filled


def main() -> None:
    """Entry point: run the app; AutoForge errors print as one clear message, never a traceback."""
    from autoforge.servers.errors import AutoForgeError
    from autoforge.servers.terminal import plain_logging, shown

    plain_logging()
    try:
        code = app(args=fill_optional_values(sys.argv[1:]), standalone_mode=False)
    except AutoForgeError as exc:
        console.print("[bold red]error:[/]", shown(exc), highlight=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        console.print("[yellow]interrupted[/]")
        sys.exit(130)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("AUTOFORGE_DEBUG"):
            raise
        console.print(
            f"[bold red]internal error:[/] {shown(type(exc).__name__)}: {shown(exc)}\n"
            "This is a bug in AutoForge; rerun with AUTOFORGE_DEBUG=1 for the traceback and report it."
        )
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
