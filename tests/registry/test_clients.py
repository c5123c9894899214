"""Client configuration: the printed snippet, used as written, starts a server the SDK client can list."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from autoforge.servers import RegistryError, load_environment
from autoforge.servers.registry import client_config
from mcp import Client, StdioServerParameters

AUTOFORGE = str(Path(sys.executable).with_name("autoforge"))


@pytest.mark.parametrize(("client", "launcher"), [("claude", "autoforge"), ("vscode", "mcp")])
async def test_the_printed_configuration_starts_the_server(library: Path, client: str, launcher: str) -> None:
    """`autoforge mcp-config` output, launched as written over stdio, serves every tool of the environment."""
    process = await asyncio.create_subprocess_exec(
        AUTOFORGE,
        "mcp-config",
        str(library),
        "--client",
        client,
        "--launcher",
        launcher,
        stdout=asyncio.subprocess.PIPE,
    )
    printed, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0
    config = json.loads(printed)
    servers = config["mcpServers"] if client == "claude" else config["servers"]
    entry = servers[library.name]
    assert Path(entry["command"]).is_absolute()
    async with Client(StdioServerParameters(command=entry["command"], args=entry["args"])) as session:
        tools = await session.list_tools()
    assert sorted(t.name for t in tools.tools) == sorted(t.name for t in load_environment(library).spec.tools)


def test_each_client_gets_its_own_shape(library: Path) -> None:
    """Claude and Cursor use mcpServers; VS Code uses servers with a stdio type; others are refused."""
    assert set(client_config(library, "cursor")["mcpServers"][library.name]) == {"command", "args"}
    assert client_config(library, "vscode")["servers"][library.name]["type"] == "stdio"
    with pytest.raises(RegistryError, match="unknown client"):
        client_config(library, "emacs")  # type: ignore[arg-type]
