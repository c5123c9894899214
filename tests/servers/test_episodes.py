"""Every episode has its own database: no episode ever sees another's writes."""

from __future__ import annotations

import asyncio
import gc
import json
import threading

import pytest
from autoforge.servers import (
    EnvServer,
    EpisodeError,
    EpisodeStore,
    call_tool,
    close_episode,
    reset_episode,
    verify_episode,
)
from autoforge.servers.check import oracle_transcript
from autoforge.servers.limits import CallLimits
from autoforge.servers.pool import pool_for
from mcp import Client
from mcp.shared.exceptions import MCPError

from .conftest import tiny_environment


async def test_concurrent_episodes_of_one_task_never_see_each_others_writes(library: EnvServer) -> None:
    """150 concurrent episodes of the same task each pass alone; a sibling's writes never leak in."""
    task = library.environment.tasks["update-email"]
    call = task.solution.calls[1]
    async with Client(library) as client:

        async def run(i: int) -> tuple[float, float, str]:
            episode = (await reset_episode(client, task.id)).episode_id
            await call_tool(client, episode, task.solution.calls[0].tool, task.solution.calls[0].arguments)
            if i % 2 == 0:  # half the episodes solve the task, half write a different email
                await call_tool(client, episode, call.tool, call.arguments)
            else:
                await call_tool(client, episode, call.tool, {**call.arguments, "email": f"other{i}@x.test"})
            await asyncio.sleep(0)
            mine = await call_tool(client, episode, "get_member", {"member_id": call.arguments["member_id"]})
            verdict = await verify_episode(client, episode, oracle_transcript(task))
            await close_episode(client, episode)
            return verdict.reward, float(i % 2 == 0), json.loads(mine.content[0].text)["email"]

        results = await asyncio.gather(*(run(i) for i in range(150)))
    for i, (reward, solved, email) in enumerate(results):
        assert reward == solved
        assert email == (call.arguments["email"] if i % 2 == 0 else f"other{i}@x.test")
    assert len(library.episodes) == 0 or "default" in {e.id for e in library.episodes}


async def test_plain_client_works_on_the_default_episode(library: EnvServer) -> None:
    """A client that knows nothing of episodes calls tools on a shared default episode."""
    async with Client(library) as client:
        result = await client.call_tool("list_branches", {})
    assert not result.is_error
    assert [b["id"] for b in json.loads(result.content[0].text)] == ["BR-1", "BR-2", "BR-3", "BR-4"]


async def test_reset_applies_the_task_initial_state(tiny: EnvServer) -> None:
    """Resetting to a task starts from the seed with the task's initial changes applied."""
    from autoforge.servers import Task

    task = Task.model_validate(
        {
            "id": "with-setup",
            "instruction": "Add a plum.",
            "initial_state": {
                "changes": [
                    {"table": "items", "op": "insert", "key": "IT-9", "values": {"id": "IT-9", "name": "fig", "qty": 1}}
                ]
            },
            "solution": {"nodes": [{"id": "a", "kind": "call", "tool": "add_item", "arguments": {"name": "plum"}}]},
        }
    )
    server = EnvServer(tiny_environment())
    server.environment.tasks[task.id] = task
    async with Client(server) as client:
        episode = (await reset_episode(client, task.id)).episode_id
        listed = await call_tool(client, episode, "list_items", {})
        plain = (await reset_episode(client)).episode_id
        plain_listed = await call_tool(client, plain, "list_items", {})
    assert [i["id"] for i in json.loads(listed.content[0].text)] == ["IT-1", "IT-2", "IT-9"]
    assert [i["id"] for i in json.loads(plain_listed.content[0].text)] == ["IT-1", "IT-2"]


async def test_episode_methods_refuse_unknown_ids_and_tasks(library: EnvServer) -> None:
    """Reset to an unknown task, and verify or close of an unknown episode, are clear protocol errors."""
    async with Client(library) as client:
        with pytest.raises(MCPError, match="unknown task 'renew-one-of-too'.*renew-one-of-two"):
            await reset_episode(client, "renew-one-of-too")
        with pytest.raises(MCPError, match="unknown episode"):
            await verify_episode(client, "nope", [])
        with pytest.raises(MCPError, match="unknown episode"):
            await close_episode(client, "nope")


@pytest.mark.parametrize("episode_id", ["x" * 129, "a b", "", "ep/1"])
def test_an_episode_id_a_client_chooses_is_short_and_plain(episode_id: str) -> None:
    """An id of more than 128 characters, or with spaces or slashes, is refused (a 3 MB id once stayed in memory
    for the server's life), and the error quotes at most 80 characters of it."""
    server = EnvServer(tiny_environment())
    with pytest.raises(EpisodeError, match="use 1 to 128 letters") as refused:
        server.episodes.reset(episode_id=episode_id)
    assert len(str(refused.value)) < 200


def test_an_episode_id_that_is_no_string_is_an_unknown_episode() -> None:
    """A list or a dict as the id in a call's metadata is an unknown episode, not an internal error."""
    server = EnvServer(tiny_environment())
    for wrong in (["a"], {"a": 1}):
        with pytest.raises(EpisodeError, match="unknown episode"):
            server.episodes.get(wrong)  # type: ignore[arg-type]
        with pytest.raises(EpisodeError, match="unknown episode"):
            server.episodes.close(wrong)  # type: ignore[arg-type]


def test_live_episode_cap_gives_a_clear_error() -> None:
    """Past the cap, reset refuses with a message saying how to free or raise it."""
    server = EnvServer(tiny_environment(), max_episodes=3)
    for i in range(3):
        server.episodes.reset(episode_id=f"e{i}")
    with pytest.raises(EpisodeError, match="cap.*episode_close.*AUTOFORGE_MAX_EPISODES"):
        server.episodes.reset(episode_id="e3")
    server.episodes.close("e0")
    server.episodes.reset(episode_id="e3")


def test_an_owner_sees_only_its_own_episodes() -> None:
    """The same id names each owner's own episode; another owner's id is unknown with the never-started message,
    and each owner (None included) has its own default episode."""
    store = EnvServer(tiny_environment()).episodes
    alice = store.reset(episode_id="e1", owner="alice")
    bob = store.reset(episode_id="e1", owner="bob")
    assert alice is not bob and store.get("e1", "alice") is alice and store.get("e1", "bob") is bob
    store.reset(episode_id="e2", owner="alice")
    with pytest.raises(EpisodeError) as theirs:
        store.get("e2", "bob")
    with pytest.raises(EpisodeError) as never:
        store.get("e3", "bob")
    assert str(theirs.value).replace("e2", "e3") == str(never.value)
    with pytest.raises(EpisodeError, match="unknown episode 'e2'; nothing to close"):
        store.close("e2", "bob")
    defaults = {store.get(None, owner).path for owner in ("alice", "bob", None)}
    assert len(defaults) == 3 and store.get("default", "alice") is store.get(None, "alice")


def test_each_owner_has_its_own_cap_and_owner_none_only_the_servers() -> None:
    """An owner past its cap is refused while others start episodes; closing or sweeping one frees a place."""
    server = EnvServer(tiny_environment(), max_episodes=10, max_episodes_per_token=2, ttl_seconds=60)
    store = server.episodes
    first, _ = store.reset(owner="alice"), store.reset(owner="alice")
    with pytest.raises(EpisodeError, match="this token holds 2 live episodes, its cap.*--max-episodes-per-token"):
        store.reset(owner="alice")
    store.reset(owner="bob")
    for i in range(5):
        store.reset(episode_id=f"anonymous-{i}")
    store.close(first.id, "alice")
    store.reset(owner="alice")
    for episode in store:
        episode.last_used -= 120
    assert store.sweep() == 8 and len(store) == 0
    store.reset(owner="alice")
    store.reset(owner="alice")
    with pytest.raises(EpisodeError, match="its cap"):
        store.reset(owner="alice")


def test_idle_episodes_are_swept_after_the_ttl() -> None:
    """Episodes idle past the TTL are closed; recently used ones stay."""
    server = EnvServer(tiny_environment(), ttl_seconds=60)
    old, recent = server.episodes.reset(episode_id="old"), server.episodes.reset(episode_id="recent")
    old.last_used -= 120
    assert server.episodes.sweep() == 1
    assert [e.id for e in server.episodes] == ["recent"]
    with pytest.raises(EpisodeError):
        server.episodes.get("old")
    assert recent.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 2


def test_a_store_collected_while_a_pool_is_locked_does_not_deadlock() -> None:
    """A garbage-collected store's finalizer tells the tool pools its spare files are gone; the collector may run
    it on a thread that holds a pool's lock (a 1,000-episode eval hung so, in `ToolPool._acquire_async`)."""
    environment = tiny_environment()
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    store.reset(episode_id="e1").close()  # its file is kept as a spare, for the store's finalizer to delete
    assert store._spares
    pool = pool_for(CallLimits())
    done = threading.Event()

    def collect_inside_the_lock() -> None:
        nonlocal store
        with pool._lock:  # what `_acquire_async` holds when an allocation there sets off the collector
            del store
            gc.collect()
        done.set()

    threading.Thread(target=collect_inside_the_lock, daemon=True).start()
    assert done.wait(10), "the finalizer waited on the pool lock its own thread holds"


async def test_a_request_waiting_on_an_episode_closed_meanwhile_is_refused_and_the_file_never_reused() -> None:
    """A call queued behind another on an episode that is closed between the two is refused: the file it would
    have written is deleted, never handed to the next episode (another owner's, whose state it would change)."""
    from autoforge.servers import EpisodeError

    store = EnvServer(tiny_environment()).episodes
    episode = store.reset(episode_id="raced", owner="first")
    path = episode.path

    async def queued() -> None:
        async with episode.turn():
            pass

    async with episode.turn():  # a call runs; another waits for it
        waiting = asyncio.create_task(queued())
        await asyncio.sleep(0)
    store.close("raced", owner="first")  # before the waiting call resumes
    with pytest.raises(EpisodeError, match="was closed"):
        await waiting
    assert store.reset(episode_id="next", owner="second").path != path and not path.exists()


def test_a_task_whose_initial_state_cannot_apply_fails_its_reset_and_leaves_no_file() -> None:
    """An initial state naming a row the seed lacks is the environment's bug: the reset says so, the half-applied
    changes are undone and the file is deleted (resets of such a task once filled the episode folder), and
    `validate` reports the task."""
    from autoforge.servers import EpisodeError, Task
    from autoforge.servers.storage import episode_folder

    task = Task.model_validate(
        {
            "id": "broken-setup",
            "instruction": "Add a plum.",
            "initial_state": {
                "changes": [
                    {"table": "items", "op": "update", "key": "IT-1", "values": {"qty": 9}},
                    {"table": "items", "op": "update", "key": "NOPE", "values": {"qty": 1}},
                ]
            },
            "solution": {"nodes": [{"id": "a", "kind": "call", "tool": "add_item", "arguments": {"name": "plum"}}]},
        }
    )
    environment = tiny_environment()
    environment.tasks[task.id] = task
    store = EnvServer(environment).episodes
    before = set(episode_folder().iterdir())
    for _ in range(5):
        with pytest.raises(EpisodeError, match="initial state cannot be applied"):
            store.reset(task.id)
    assert set(episode_folder().iterdir()) <= before
