"""Each environment is a standalone MCP server: stdio via `mcp run`, streamable HTTP, any plain client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from autoforge.servers import EnvServer, call_tool, close_episode, load_server, reset_episode, verify_episode
from autoforge.servers.check import oracle_transcript
from mcp import Client, StdioServerParameters

from ..serving import served
from .conftest import bundled_ids, bundled_path


def _stdio(folder: Path) -> StdioServerParameters:
    mcp = str(Path(sys.executable).with_name("mcp"))
    return StdioServerParameters(command=mcp, args=["run", str(folder / "server.py")], env=dict(os.environ))


async def _first_task_roundtrip(client: Client, server_folder: Path) -> None:
    from autoforge.servers import load_environment

    environment = load_environment(server_folder)
    task = next(iter(environment.tasks.values()))
    episode = (await reset_episode(client, task.id)).episode_id
    for node in task.solution.calls:
        result = await call_tool(client, episode, node.tool, node.arguments)
        assert not result.is_error, result.content[0].text
    assert (await verify_episode(client, episode, oracle_transcript(task))).reward == 1.0
    await close_episode(client, episode)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("name", bundled_ids())
async def test_mcp_run_serves_every_bundled_environment_over_stdio(name: str, mode: str) -> None:
    """`mcp run servers/<env>/server.py` answers discovery or initialize, tools/list and tools/call."""
    folder = bundled_path(name)
    spec = json.loads((folder / "env.json").read_text())
    async with Client(_stdio(folder), mode=mode) as client:
        listed = (await client.list_tools()).tools
        assert [t.name for t in listed] == [t["name"] for t in spec["tools"]]
        for tool, declared in zip(listed, spec["tools"]):
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is (not declared["writes"])
            assert tool.annotations.destructive_hint is declared["writes"]
        await _first_task_roundtrip(client, folder)


@pytest.mark.parametrize("name", ["library-loans", "retail-orders"])
async def test_python_server_py_serves_stdio_too(name: str) -> None:
    """`python servers/<env>/server.py`, without the SDK's CLI, serves the environment over stdio."""
    folder = bundled_path(name)
    params = StdioServerParameters(command=sys.executable, args=[str(folder / "server.py")], env=dict(os.environ))
    async with Client(params) as client:
        await _first_task_roundtrip(client, folder)


async def test_tools_list_shows_only_environment_tools(library: EnvServer) -> None:
    """The episode methods are not tools: an agent can list and call only the environment's tools."""
    async with Client(library) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("episode_reset", {})
    assert not any("episode" in n for n in names)
    assert result.is_error and "Unknown tool" in result.content[0].text


async def test_policy_is_a_resource(library: EnvServer) -> None:
    """The environment's policy is readable as policy://<env>."""
    async with Client(library) as client:
        contents = await client.read_resource("policy://library-loans")
    assert "Loans last 21 days" in contents.contents[0].text


@pytest.fixture
def http_server() -> Iterator[str]:
    """`autoforge serve library-loans` on a free port, as a subprocess."""
    with served("library-loans") as server:
        yield server.url


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_streamable_http_serves_episodes(http_server: str, mode: str) -> None:
    """Over streamable HTTP, episodes are reset, driven and verified by id exactly as in-process."""
    async with Client(http_server, mode=mode) as client:
        assert len((await client.list_tools()).tools) == 15
        await _first_task_roundtrip(client, bundled_path("library-loans"))


async def test_concurrent_http_clients_get_separate_episodes(http_server: str) -> None:
    """Two HTTP clients driving episodes at once do not interfere."""

    async def one() -> None:
        async with Client(http_server) as client:
            await _first_task_roundtrip(client, bundled_path("library-loans"))

    await asyncio.gather(one(), one())


@pytest.mark.skipif(
    shutil.which("mcp-inspector") is None,
    reason="MCP Inspector CLI not installed (npm i -g @modelcontextprotocol/inspector)",
)
def test_mcp_inspector_cli_lists_and_calls_tools() -> None:
    """The official MCP Inspector, in CLI mode, lists and calls a bundled environment's tools."""
    server = str(bundled_path("library-loans") / "server.py")
    mcp = str(Path(sys.executable).with_name("mcp"))
    base = ["mcp-inspector", "--cli", mcp, "run", server]
    listed = subprocess.run([*base, "--method", "tools/list"], capture_output=True, text=True, timeout=120, check=True)
    assert "find_member" in json.loads(listed.stdout)["tools"][0]["name"]
    called = subprocess.run(
        [*base, "--method", "tools/call", "--tool-name", "get_member", "--tool-arg", "member_id=M-1001"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(called.stdout)
    assert result["isError"] is False and '"id": "M-1001"' in result["content"][0]["text"]


def test_tracing_is_opt_in() -> None:
    """The SDK's per-request OpenTelemetry span is off by default and on with tracing=True."""
    from autoforge.servers import load_environment
    from autoforge.servers.app import OpenTelemetryMiddleware

    environment = load_environment(bundled_path("library-loans"))
    assert not any(isinstance(m, OpenTelemetryMiddleware) for m in EnvServer(environment).middleware)
    assert any(isinstance(m, OpenTelemetryMiddleware) for m in EnvServer(environment, tracing=True).middleware)


async def _answers(server: EnvServer) -> list[dict[str, object]]:
    """What a 2026-era client reads for a fixed sequence of calls (successes, tool errors, bad requests)."""
    calls: list[tuple[str, dict[str, object]]] = [
        ("get_member", {"member_id": "M-1001"}),
        ("get_member", {"member_id": "M-0000"}),
        ("get_member", {"member_id": 7}),
        ("get_member", {"member_id": "M-1001", "extra": 1}),
        ("renew_loan", {"loan_id": "L-71", "days": 7}),
        ("renew_loan", {"loan_id": "L-71", "days": 99}),
        ("no_such_tool", {}),
    ]
    async with Client(server) as client:
        episode = (await reset_episode(client)).episode_id
        answers = [(await call_tool(client, episode, name, arguments)).model_dump() for name, arguments in calls]
        answers.append((await call_tool(client, "no-such-episode", "get_member", {"member_id": "M-1001"})).model_dump())
        verdict = await verify_episode(client, episode, [])
    return [*answers, {"diff": verdict.diff}]


async def test_tool_call_fast_path_answers_as_the_sdks_own_path() -> None:
    """The fast path for plain tools/call requests answers exactly what the SDK's path answers, state included."""
    from autoforge.servers.app import ToolCallFastPath

    fast, sdk = load_server(bundled_path("library-loans")), load_server(bundled_path("library-loans"))
    sdk.middleware[:] = [m for m in sdk.middleware if not isinstance(m, ToolCallFastPath)]
    passed_on: list[str] = []

    async def behind_fast_path(ctx, call_next):  # type: ignore[no-untyped-def]
        if ctx.method == "tools/call":
            passed_on.append(ctx.params["name"])
        return await call_next(ctx)

    fast.middleware.append(behind_fast_path)
    assert await _answers(fast) == await _answers(sdk)
    assert passed_on == ["no_such_tool"]  # every call to a known tool was answered by the fast path


@pytest.mark.parametrize(
    "params",
    [
        {"name": ["get_member"], "arguments": {}},
        {"name": "get_member", "arguments": ["M-1001"]},
        {"name": "get_member", "arguments": {}, "requestState": "sealed"},
        {"name": "no_such_tool"},
    ],
)
async def test_tool_call_fast_path_leaves_what_it_does_not_understand_to_the_sdk(params) -> None:  # type: ignore[no-untyped-def]
    """Malformed names and arguments, multi-round-trip state and unknown tools go down the SDK's own path."""
    from types import SimpleNamespace

    from autoforge.servers.app import ToolCallFastPath

    server = load_server(bundled_path("library-loans"))
    fast_path = next(m for m in server.middleware if isinstance(m, ToolCallFastPath))
    ctx = SimpleNamespace(method="tools/call", protocol_version="2026-07-28", params=params)

    async def sdk_path(_ctx):  # type: ignore[no-untyped-def]
        return "the SDK's answer"

    assert await fast_path(ctx, sdk_path) == "the SDK's answer"
