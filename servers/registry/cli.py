"""Commands of the registry: `autoforge registry ...`, `autoforge mcp-config` and `autoforge card`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..locate import resolve_environment
from ..terminal import shown

console = Console()
registry_commands = typer.Typer(help="Publish, install, pin and verify environments.", no_args_is_help=True)

RegistryOption = Annotated[
    str | None,
    typer.Option(
        "--registry",
        "-r",
        help="Registry folder or http(s) URL holding registry.json [default: $AUTOFORGE_REGISTRY or .]",
    ),
]
LockOption = Annotated[Path | None, typer.Option(help="Lock file [default: $AUTOFORGE_LOCK or ./autoforge.lock].")]
Reference = Annotated[str, typer.Argument(help="NAME or NAME@VERSION.")]


@registry_commands.command("publish")
def publish_command(
    environment: Annotated[str, typer.Argument(help="Environment folder (servers/<env>) or bundled name.")],
    version: Annotated[
        str | None,
        typer.Option(
            help="Publish under this version [default: env.json's; while that is the default 0.1.0, the version "
            "of the document the environment was made from, if its provenance records one]."
        ),
    ] = None,
    registry: RegistryOption = None,
    allow_ungated: Annotated[
        bool, typer.Option(help="Accept tasks whose reward nothing gates (imported benchmarks).")
    ] = False,
) -> None:
    """Check an environment (every task's oracle replay), pack it reproducibly and add it to a registry folder.

    Example: autoforge registry publish servers/library-loans --registry ./registry
    """
    from .publishing import publish
    from .sources import default_registry

    folder = resolve_environment(environment)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        bar = progress.add_task(f"checking {folder.name}", total=None)
        result = asyncio.run(
            publish(
                folder,
                registry=registry or default_registry(),
                version=version,
                allow_ungated=allow_ungated,
                on_task=lambda _: progress.advance(bar),
            )
        )
    entry = result.entry
    verb = "published" if result.created else "already published, identical:"
    console.print(f"{verb} {shown(entry.reference)} sha256 {entry.sha256} -> {shown(result.archive)}", highlight=False)


@registry_commands.command("list")
def list_command(registry: RegistryOption = None) -> None:
    """List the environments a registry holds.

    Example: autoforge registry list --registry http://127.0.0.1:8765
    """
    from .sources import default_registry, open_registry

    index = asyncio.run(open_registry(registry or default_registry()).read_index())
    table = Table(title=f"{len(index.environments)} environment version(s)", title_justify="left")
    for column in ("name", "version", "tools/tables/tasks", "mean calls", "max depth", "sha256"):
        table.add_column(column, no_wrap=column in ("name", "version", "sha256"))
    for e in index.environments:
        counts, d = e.counts, e.difficulty
        table.add_row(
            shown(e.name),
            shown(e.version),
            f"{counts.tools}/{counts.tables}/{counts.tasks}",
            f"{d.calls.mean:g}",
            str(d.depth.max),
            e.sha256[:12],
        )
    console.print(table)


@registry_commands.command("show")
def show_command(reference: Reference, registry: RegistryOption = None) -> None:
    """Show one environment's registry entry (the newest release unless a version is given).

    Example: autoforge registry show library-loans@1.0.0
    """
    from .references import parse_reference
    from .sources import default_registry, open_registry

    name, version = parse_reference(reference)
    index = asyncio.run(open_registry(registry or default_registry()).read_index())
    entry = index.find(name, version)
    console.print_json(entry.model_dump_json())
    console.print(f"versions: {shown(', '.join(e.version for e in index.versions(name)))}", highlight=False)


@registry_commands.command("install")
def install_command(
    reference: Reference,
    registry: RegistryOption = None,
    to: Annotated[Path, typer.Option(help="Folder to install into (the environment lands in TO/NAME).")] = Path(
        "servers"
    ),
    lock: LockOption = None,
    force: Annotated[bool, typer.Option(help="Replace an existing folder of that name.")] = False,
) -> None:
    """Install an environment from a registry: sha256 checked before unpacking, recorded in the lock file.

    Example: autoforge registry install library-loans@1.0.0 --registry http://127.0.0.1:8765 --to servers/
    """
    from .installing import install
    from .sources import default_registry

    result = asyncio.run(install(reference, registry=registry or default_registry(), to=to, lock=lock, force=force))
    verb = "installed" if result.changed else "already installed:"
    console.print(
        f"{verb} {shown(result.entry.reference)} in {shown(result.folder)} (sha256 {shown(result.entry.sha256[:12])})",
        highlight=False,
    )
    if result.left_out:
        console.print(
            f"left out the archive's other files ({shown(', '.join(result.left_out))}): an environment folder holds only its "
            "own four files, the launcher and the cards",
            highlight=False,
        )


@registry_commands.command("verify")
def verify_command(
    lock: LockOption = None,
    registry: Annotated[str | None, typer.Option(help="Also check every archive this registry lists.")] = None,
) -> None:
    """Check installed environments against the hashes in the lock file (and a registry's archives).

    Example: autoforge registry verify --registry ./registry
    """
    from .installing import verify_installed, verify_registry

    results = verify_installed(lock)
    if registry:
        results += asyncio.run(verify_registry(registry))
    table = Table("environment", "where", "status")
    for r in results:
        table.add_row(
            shown(r.reference), shown(r.where), "[green]ok[/]" if r.problem is None else f"[red]{shown(r.problem)}[/]"
        )
    console.print(table if results else "nothing installed and no registry named: nothing to verify")
    if any(r.problem for r in results):
        raise typer.Exit(1)


@registry_commands.command("serve")
def serve_command(
    folder: Annotated[Path, typer.Argument(help="Registry folder holding registry.json.")] = Path("."),
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
) -> None:
    """Serve a registry folder read-only over HTTP.

    Example: autoforge registry serve ./registry --port 8765
    """
    from .serve import registry_app as app
    from .serve import serve_registry

    app(folder)
    console.print(
        f"serving {folder} at http://{host}:{port} (read-only); install with --registry http://{host}:{port}",
        highlight=False,
    )
    serve_registry(folder, host, port)


@registry_commands.command("describe")
def describe_command(
    environment: Annotated[str, typer.Argument(help="Environment folder.")],
    namespace: Annotated[str | None, typer.Option(help="Reverse-DNS namespace of the MCP registry name.")] = None,
    repository: Annotated[
        str | None, typer.Option(help="GitHub URL of the repository holding the environment.")
    ] = None,
) -> None:
    """Write server.json (for the official MCP registry) and README.md (the card) into an environment folder.

    Example: autoforge registry describe servers/library-loans
    """
    from .describe import describe_environment
    from .manifest import DEFAULT_NAMESPACE

    folder = resolve_environment(environment)
    subfolder = f"servers/{folder.name}" if repository else None
    for path in describe_environment(
        folder, namespace=namespace or DEFAULT_NAMESPACE, repository=repository, subfolder=subfolder
    ):
        console.print(f"wrote {path}", highlight=False)


def mcp_config(
    environment: Annotated[str, typer.Argument(help="Environment folder, bundled name or NAME@VERSION.")],
    client: Annotated[str, typer.Option(help="claude, cursor or vscode.")] = "claude",
    launcher: Annotated[
        str, typer.Option(help="autoforge (autoforge serve) or mcp (mcp run server.py).")
    ] = "autoforge",
) -> None:
    """Print the configuration that adds an environment to an MCP client (stdio).

    Example: autoforge mcp-config library-loans --client vscode
    """
    from .clients import Client, Launcher, client_config

    config = client_config(resolve_environment(environment), cast(Client, client), cast(Launcher, launcher))
    print(json.dumps(config, indent=2))


def card(
    environment: Annotated[str, typer.Argument(help="Environment folder, bundled name or NAME@VERSION.")],
    out: Annotated[Path | None, typer.Option(help="HTML file to write [default: ./NAME-card.html].")] = None,
    results: Annotated[
        Path | None, typer.Option(help="results.jsonl or run folder [default: newest under ./runs].")
    ] = None,
) -> None:
    """Write an environment's HTML card: tools, tables, tool graph, task DAGs, difficulty, latest results.

    Example: autoforge card servers/library-loans --out library-loans.html
    """
    from .card import write_card

    folder = resolve_environment(environment)
    path = write_card(folder, out or Path(f"{folder.name}-card.html"), results)
    console.print(f"wrote {path} (opens offline in any browser)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the registry commands to the `autoforge` app."""
    app.add_typer(registry_commands, name="registry")
    app.command("mcp-config")(mcp_config)
    app.command("card")(card)
