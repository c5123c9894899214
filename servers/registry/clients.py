"""Client configuration: the snippet that adds an environment to Claude Desktop, Cursor or VS Code.

The server runs over stdio, started by absolute path (GUI clients do not inherit a shell's PATH):
`autoforge serve FOLDER --transport stdio`, or `mcp run FOLDER/server.py`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Literal

from ..environment import read_spec
from ..errors import RegistryError

__all__ = ["CLIENTS", "LAUNCHERS", "Client", "Launcher", "client_config", "server_command"]

Client = Literal["claude", "cursor", "vscode"]
Launcher = Literal["autoforge", "mcp"]
CLIENTS: tuple[Client, ...] = ("claude", "cursor", "vscode")
LAUNCHERS: tuple[Launcher, ...] = ("autoforge", "mcp")


def server_command(folder: Path, launcher: Launcher = "autoforge") -> list[str]:
    """The command line that serves the environment in `folder` over stdio."""
    folder = folder.resolve()
    if launcher == "autoforge":
        return [_executable("autoforge"), "serve", str(folder), "--transport", "stdio"]
    if launcher == "mcp":
        return [_executable("mcp"), "run", str(folder / "server.py")]
    raise RegistryError(f"unknown launcher {launcher!r}; choose one of {', '.join(LAUNCHERS)}")


def client_config(folder: Path, client: Client = "claude", launcher: Launcher = "autoforge") -> dict[str, Any]:
    """The configuration document for `client` that starts the environment in `folder`."""
    name = read_spec(folder / "env.json").name
    command, *args = server_command(folder, launcher)
    if client in ("claude", "cursor"):
        return {"mcpServers": {name: {"command": command, "args": args}}}
    if client == "vscode":
        return {"servers": {name: {"type": "stdio", "command": command, "args": args}}}
    raise RegistryError(f"unknown client {client!r}; choose one of {', '.join(CLIENTS)}")


def _executable(name: str) -> str:
    """The absolute path of a console script of this installation (beside the interpreter, else on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RegistryError(f"no {name!r} command beside {sys.executable} or on PATH; install AutoForge with pip first")
    return str(Path(found).absolute())
