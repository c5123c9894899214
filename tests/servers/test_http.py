"""Serving over HTTP for a team: a token on every request, episodes owned by the token that made them,
loopback only without tokens, and SIGTERM ending the server within a second even mid-call."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from autoforge.clients import bearer_transport
from autoforge.clients.http_servers import free_port
from autoforge.servers import call_tool, close_episode, reset_episode, verify_episode
from mcp import Client
from mcp.shared.exceptions import MCPError

from ..serving import new_token, served
from .conftest import ended, library_with_spin, worker_pids

ALICE, BOB, CAROL = new_token(), new_token(), new_token()
CAP = 3
MEMBER = {"member_id": "M-1004"}
SEED_PHONE = "555-2757"


@pytest.fixture(scope="module")
def team() -> Iterator[str]:
    """library-loans served with Alice's and Bob's tokens in one variable, Carol's in another, 3 episodes each."""
    environ = {"TEAM_TOKENS": f"{ALICE}, {BOB}", "CAROL_TOKEN": CAROL}
    options = ["--token-env", "TEAM_TOKENS", "--token-env", "CAROL_TOKEN", "--max-episodes-per-token", str(CAP)]
    with served("library-loans", *options, environ=environ) as server:
        yield server.url


def member(token: str, url: str) -> Client:
    """An MCP client sending `token`."""
    return Client(bearer_transport(url, token))


async def phone(client: Client, episode_id: str) -> str:
    result = await call_tool(client, episode_id, "get_member", MEMBER)
    assert not result.is_error, result.content[0].text
    return str(json.loads(result.content[0].text)["phone"])


async def test_a_request_without_a_token_or_with_a_wrong_one_gets_401(team: str) -> None:
    """No token, a wrong token and another scheme are each refused with 401, a Bearer challenge and what to send."""
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx2.AsyncClient() as http:
        missing = await http.post(team, json=request)
        wrong = await http.post(team, json=request, headers={"Authorization": f"Bearer {new_token()}"})
        basic = await http.post(team, json=request, headers={"Authorization": f"Basic {ALICE}"})
    for response in (missing, wrong, basic):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer <token>" in response.json()["error"]["message"]
    assert wrong.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    told = pytest.RaisesExc(MCPError, match="no bearer token was sent; send the header 'Authorization: Bearer <token>'")
    with pytest.RaisesGroup(told, flatten_subgroups=True):  # what the official client raises, with our words
        async with Client(team) as client:
            await client.list_tools()


async def test_every_token_of_every_variable_is_accepted(team: str) -> None:
    """Tokens from one variable separated by a comma and space, and from a second variable, all reach the tools."""
    for token in (ALICE, BOB, CAROL):
        async with member(token, team) as client:
            assert len((await client.list_tools()).tools) == 15


async def test_another_tokens_episode_is_as_unknown_as_one_never_started(team: str) -> None:
    """Bob can neither call, verify nor close Alice's episode: he gets the very errors a made-up id gets."""
    async with member(ALICE, team) as alice, member(BOB, team) as bob:
        hers = (await reset_episode(alice)).episode_id
        await call_tool(alice, hers, "update_member_contact", {**MEMBER, "phone": "555-0001"})

        async def refusals(episode_id: str) -> list[str]:
            called = await call_tool(bob, episode_id, "get_member", MEMBER)
            assert called.is_error
            with pytest.raises(MCPError) as verified:
                await verify_episode(bob, episode_id, [])
            with pytest.raises(MCPError) as closed:
                await close_episode(bob, episode_id)
            return [called.content[0].text, str(verified.value), str(closed.value)]

        made_up = "ep-0123456789abcdef"
        theirs = await refusals(hers)
        assert "unknown episode" in theirs[0]
        assert [message.replace(hers, made_up) for message in theirs] == await refusals(made_up)
        assert await phone(alice, hers) == "555-0001"  # untouched by Bob's attempts
        await close_episode(alice, hers)


async def test_the_same_episode_id_names_each_tokens_own_episode(team: str) -> None:
    """Bob starting an episode under Alice's id gets his own fresh copy; hers keeps its state."""
    async with member(ALICE, team) as alice, member(BOB, team) as bob:
        await reset_episode(alice, episode_id="shared-name")
        await call_tool(alice, "shared-name", "update_member_contact", {**MEMBER, "phone": "555-0002"})
        await reset_episode(bob, episode_id="shared-name")
        assert await phone(bob, "shared-name") == SEED_PHONE
        assert await phone(alice, "shared-name") == "555-0002"
        await close_episode(bob, "shared-name")
        assert await phone(alice, "shared-name") == "555-0002"
        await close_episode(alice, "shared-name")


async def test_the_default_episode_is_per_token(team: str) -> None:
    """Calls without an episode id work on the caller's own default episode: Alice's write is not Bob's."""
    async with member(ALICE, team) as alice, member(BOB, team) as bob:
        await alice.call_tool("update_member_contact", {**MEMBER, "phone": "555-0003"})
        seen = {}
        for name, client in (("alice", alice), ("bob", bob)):
            result = await client.call_tool("get_member", MEMBER)
            seen[name] = json.loads(result.content[0].text)["phone"]
    assert seen == {"alice": "555-0003", "bob": SEED_PHONE}


async def test_each_token_has_its_own_cap_on_live_episodes(team: str) -> None:
    """Carol's fourth live episode is refused with the way out, while Alice can still start hers; closing one
    frees a place."""
    async with member(CAROL, team) as carol, member(ALICE, team) as alice:
        started = [(await reset_episode(carol)).episode_id for _ in range(CAP)]
        with pytest.raises(MCPError, match="its cap on this server; close finished ones with autoforge/episode_close"):
            await reset_episode(carol)
        await close_episode(alice, (await reset_episode(alice)).episode_id)
        await close_episode(carol, started.pop())
        started.append((await reset_episode(carol)).episode_id)
        for episode_id in started:
            await close_episode(carol, episode_id)


async def test_a_legacy_session_answers_only_the_token_that_opened_it(team: str) -> None:
    """A 2025-era session id presented with another token is answered as a session that does not exist."""
    hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}
    accept = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    ping = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
    async with httpx2.AsyncClient() as http:
        opened = await http.post(
            team,
            json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello},
            headers={**accept, "Authorization": f"Bearer {ALICE}"},
        )
        session = {**accept, "Mcp-Session-Id": opened.headers["mcp-session-id"]}
        hers = await http.post(team, json=ping, headers={**session, "Authorization": f"Bearer {ALICE}"})
        his = await http.post(team, json=ping, headers={**session, "Authorization": f"Bearer {BOB}"})
    assert opened.status_code == hers.status_code == 200
    assert his.status_code == 404 and "Session not found" in his.text


def test_without_tokens_only_loopback_is_served(tmp_path: Path) -> None:
    """Another interface without tokens is refused in one line (exit 2, no traceback), naming the ways out."""
    command = [sys.executable, "-m", "autoforge", "serve", "library-loans", "--host", "0.0.0.0", "--port", "9"]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2
    output = refused.stdout + refused.stderr
    assert "refusing to serve on 0.0.0.0 without tokens" in output and "--token-env" in output
    assert "--insecure" in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("options", "environ"),
    [(["--insecure"], {}), (["--token-env", "TEAM_TOKENS"], {"TEAM_TOKENS": ALICE})],
    ids=["insecure", "tokens"],
)
async def test_another_interface_is_served_with_tokens_or_when_told_insecure(
    options: list[str], environ: dict[str, str]
) -> None:
    """--insecure, or tokens, let the server bind every interface."""
    with served("library-loans", "--host", "0.0.0.0", *options, environ=environ) as server:
        target = member(ALICE, server.url) if environ else Client(server.url)
        async with target as client:
            assert len((await client.list_tools()).tools) == 15


def test_a_token_variable_that_is_unset_or_holds_a_weak_token_is_refused() -> None:
    """An unset variable and a short token are each refused before serving, saying how to make a token."""
    command = [sys.executable, "-m", "autoforge", "serve", "library-loans", "--port", str(free_port())]
    unset = {name: value for name, value in os.environ.items() if name != "TEAM_TOKENS"}
    for environ in (unset, {**unset, "TEAM_TOKENS": "short"}):
        result = subprocess.run(
            [*command, "--token-env", "TEAM_TOKENS"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=environ,
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert "secrets.token_urlsafe" in result.stdout + result.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds tool workers in /proc (Linux)")
async def test_a_runaway_call_holds_up_no_other_client_and_sigterm_ends_the_server_within_a_second(
    tmp_path: Path,
) -> None:
    """While Alice's call spins (under limits far off), Bob's calls are answered; SIGTERM then ends the server,
    its workers included, in under a second, and Alice's call ends too."""
    folder = library_with_spin(tmp_path)
    environ = {"TEAM_TOKENS": f"{ALICE},{BOB}", "AUTOFORGE_TOOL_CPU_SECONDS": "60", "AUTOFORGE_TOOL_WALL_SECONDS": "60"}
    with served(folder, "--token-env", "TEAM_TOKENS", environ=environ) as server:
        async with member(ALICE, server.url) as alice, member(BOB, server.url) as bob:
            runaway = asyncio.create_task(alice.call_tool("spin", {}))
            workers = await _busy_worker(server.process.pid)
            start = time.monotonic()
            for _ in range(5):
                assert await phone(bob, "default") == SEED_PHONE
            assert time.monotonic() - start < 3.0 and not runaway.done()

            start = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            while server.process.poll() is None and time.monotonic() - start < 5:
                await asyncio.sleep(0.01)
            assert time.monotonic() - start < 1.0
            assert server.process.returncode == 128 + signal.SIGTERM
            assert ended(workers, within=0.2)
            try:
                outcome = await asyncio.wait_for(runaway, 5)
            except MCPError:  # the reply cut off by the shutdown: a loaded machine can miss the 0.3 s grace
                pass
            else:
                assert outcome.is_error and "spin" in outcome.content[0].text


async def _busy_worker(server_pid: int) -> list[int]:
    """The server's tool workers, once one of them has spent a second of CPU on the runaway call."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = worker_pids(server_pid)
        if any(_cpu_seconds(pid) >= 1.0 for pid in workers):
            return workers
        await asyncio.sleep(0.1)
    raise AssertionError("the runaway call never reached a worker")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
