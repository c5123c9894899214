"""A running MCP server as documentation: connect (stdio command or URL), list its tools."""

from __future__ import annotations

import asyncio
import shlex
from typing import Any

from autoforge.servers import SynthesisError
from mcp import Client, StdioServerParameters

__all__ = ["LIVE_PREFIXES", "is_live", "list_live_tools"]

LIVE_PREFIXES = ("mcp:", "stdio:", "http://", "https://")
TIMEOUT_SECONDS = 60.0


def is_live(reference: str) -> bool:
    """Whether `reference` names a live MCP server rather than a file."""
    return reference.startswith(LIVE_PREFIXES)


async def list_live_tools(reference: str) -> list[dict[str, Any]]:
    """The `tools/list` entries of the server `reference` names ('mcp:COMMAND ARGS...' or an http(s) URL)."""
    target: StdioServerParameters | str
    if reference.startswith(("http://", "https://")):
        target = reference
    else:
        argv = shlex.split(reference.split(":", 1)[1])
        if not argv:
            raise SynthesisError(f"{reference!r}: give the command that starts the server, e.g. 'mcp:npx -y my-server'")
        target = StdioServerParameters(command=argv[0], args=argv[1:])
    tools: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            async with Client(target) as client:
                cursor: str | None = None
                for _ in range(1_000):
                    page = await client.list_tools(cursor=cursor)
                    tools += [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools]
                    cursor = page.next_cursor
                    if not cursor:
                        break
    except TimeoutError:
        raise SynthesisError(
            f"{reference!r}: the MCP server did not list its tools within {TIMEOUT_SECONDS:.0f} s"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any connection failure becomes one clear message
        raise SynthesisError(
            f"{reference!r}: could not list the tools of this MCP server ({type(exc).__name__}: {exc}); "
            "check that the command runs on its own, or save its tools/list output as JSON and pass the file"
        ) from None
    return tools
