"""Rollouts on a Ray cluster: rollout workers as actors, and environment servers as actors.

A `RolloutActor` is a rollout worker (`worker.py`) on one CPU of a node: the pool (`RolloutPool(ray=True)`,
`autoforge eval --ray`) sends it whole episodes, which it runs against the run's environments served in
its own process. Ray places, starts and stops it; requests and answers travel on a TCP connection from
the pool, authenticated with a key only the pool and the actor hold (a Ray call costs about 0.8 ms of
CPU, ten times a message on a socket). It is sent each environment's files, so nodes need no copy of
the folders.

An `EnvActor` holds an environment (its files are shipped to it, so nodes need no copy) and its
`EnvServer`; its methods are the episode contract: reset, tool calls by episode, verify, close,
answered by the server's own episode store, tool-call path and verifier (what answers its MCP
requests, less the framing: Ray's call is the transport). Tool code still runs in the sandbox's
confined worker processes, which the actor starts; the actor itself keeps Ray's sockets. Actors are named after the environment's content
and the node (`get_if_exists`), so the orchestrator (`autoforge eval --ray`) and veRL's agent-loop
workers (`transport: ray`) reach the same ones. `RayConnection` is the client side: a `Connection`
whose requests are actor calls, leased from an `EnvPool` like any other.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import shutil
import tempfile
from collections.abc import Awaitable
from dataclasses import dataclass
from multiprocessing.connection import Client, Listener
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from autoforge.servers import Environment, EnvServer, load_environment
from autoforge.servers.app import EpisodesExtension
from autoforge.servers.environment import ENV_FILES, files_sha256
from autoforge.servers.errors import EpisodeError, SpecError
from autoforge.servers.limits import CallLimits
from autoforge.servers.pool import pool_for
from autoforge.servers.protocol import VerifyResult
from autoforge.servers.verify import verify_episode
from mcp.types import CallToolResult, TextContent, Tool

from .connections import Connection, Endpoint
from .errors import ConnectionLost, InfraError
from .worker import RolloutHost, serve
from .workers import STOP_SECONDS, ConnectionWorker, Worker

if TYPE_CHECKING:
    from ray.actor import ActorHandle

__all__ = [
    "NAMESPACE",
    "EnvActor",
    "RayConnection",
    "RolloutActor",
    "cluster_cpus",
    "connect_ray",
    "env_actor",
    "launch_rollout_actor",
    "ray_nodes",
]

T = TypeVar("T")
NAMESPACE = "autoforge"
ACTOR_TOOL_WORKERS = 2
"""Tool worker processes per actor (they start as calls overlap)."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SpecError(
            "Ray is not installed; install the training extra (pip install -e '.[rl]') or `pip install ray`"
        ) from None
    return ray


def connect_ray(address: str | None = None) -> None:
    """Join the Ray cluster at `address` ('auto', 'HOST:PORT', 'ray://HOST:PORT'), or start one here if None."""
    ray = _ray()
    if ray.is_initialized():
        return
    try:
        ray.init(address=address, namespace=NAMESPACE, logging_level="WARNING", log_to_driver=False)
    except ConnectionError as exc:
        raise SpecError(
            f"could not join the Ray cluster at {address}: {exc}; start it with `ray start --head` "
            "or pass --ray with no address to run one on this machine"
        ) from None


def _joined() -> Any:
    """The ray module, once this process has joined a cluster."""
    ray = _ray()
    if not ray.is_initialized():
        raise SpecError(
            "Ray is not initialised: call connect_ray() (or ray.init()) first, or use `autoforge eval --ray`"
        )
    return ray


def ray_nodes() -> list[str]:
    """Ids of the cluster's live nodes, this process's node first."""
    ray = _joined()
    here = ray.get_runtime_context().get_node_id()
    nodes = sorted(n["NodeID"] for n in ray.nodes() if n["Alive"])
    return sorted(nodes, key=lambda n: n != here)


def cluster_cpus() -> int:
    """The CPUs of the cluster this process joined."""
    return max(1, int(_joined().cluster_resources().get("CPU", 1)))


def _unpack(name: str, files: dict[str, bytes]) -> Path:
    """An environment folder, written from its files in a fresh temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="autoforge-actor-")) / name
    folder.mkdir()
    for file, data in files.items():
        (folder / file).write_bytes(data)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ENV_FILES}


class RolloutActor:
    """A rollout worker on one CPU of a node (a Ray actor class: `ray.remote` is applied in `launch_rollout_actor`).

    It listens on its node's address for the pool's connection (authenticated with the pool's key) and
    answers `worker.py`'s protocol on it, so an episode costs its pool a message on a socket, not a Ray call.
    """

    def __init__(self, tool_workers: int, authkey: bytes) -> None:
        pool_for(CallLimits.from_environ()).size = tool_workers
        self.listener = Listener((_ray().util.get_node_ip_address(), 0), authkey=authkey)

    def address(self) -> tuple[Any, int]:
        """Where the pool connects, and this process's id."""
        return self.listener.address, os.getpid()

    async def serve(self, accept_seconds: float) -> None:
        """Take the pool's connection and answer it until the pool hangs up."""
        try:
            async with asyncio.timeout(accept_seconds):
                conn = await asyncio.to_thread(self.listener.accept)
        finally:
            self.listener.close()
        with conn:
            await serve(conn, _ShippedHost())


class _ShippedHost(RolloutHost):
    """A rollout host sent each environment's files (name, sha256, files) rather than its folder."""

    def __init__(self) -> None:
        super().__init__()
        self.folders: dict[str, Path] = {}

    async def handle(self, kind: str, payload: Any) -> Any:
        if kind == "open":
            run, settings, shipped = payload
            for name, sha256, files in shipped:
                if sha256 not in self.folders:
                    self.folders[sha256] = _unpack(name, files)
            payload = (run, settings, [(str(self.folders[sha256]), sha256) for _, sha256, _ in shipped])
        return await super().handle(kind, payload)

    async def close(self) -> None:
        await super().close()
        for folder in self.folders.values():
            shutil.rmtree(folder.parent, ignore_errors=True)


@dataclass(eq=False)
class _ActorWorker(ConnectionWorker):
    """A `RolloutActor` as the pool sees it: its connection, and the actor to kill when done."""

    actor: Any = None
    served: Any = None
    """The actor's `serve` call: it ends once the actor has closed its runs and deleted its files."""

    def describe(self) -> str:
        return f"rollout actor {self.pid}"

    def post(self, job: int, kind: str, payload: Any) -> None:
        if kind == "open":
            run, settings, folders = payload
            payload = (run, settings, [_shipped(folder, sha256) for folder, sha256 in folders])
        super().post(job, kind, payload)

    def stop(self) -> None:
        """Hang up, let the actor close its runs and delete its files, then make sure it is gone."""
        ray = _ray()
        self.hang_up()
        ray.wait([self.served], timeout=STOP_SECONDS)
        ray.kill(self.actor)


@functools.lru_cache(maxsize=16)
def _shipped(folder: str, sha256: str) -> tuple[str, str, dict[str, bytes]]:
    """An environment as a rollout actor is sent it: its name (its folder's), sha256 and files."""
    files = _files(Path(folder))
    if files_sha256(files) != sha256:
        raise SpecError(f"the environment in {folder} has changed since the run was planned; start the run again")
    return Path(folder).name, sha256, files


@functools.cache
def _rollout_actor_class() -> Any:
    return _ray().remote(RolloutActor)


def launch_rollout_actor(tool_workers: int, start_seconds: float) -> Worker:
    """A rollout actor on one CPU of the cluster (spread over the nodes), connected and ready."""
    ray = _joined()
    authkey = secrets.token_bytes(32)
    actor = _rollout_actor_class().options(num_cpus=1, scheduling_strategy="SPREAD").remote(tool_workers, authkey)
    try:
        address, pid = ray.get(actor.address.remote(), timeout=start_seconds)
        served = actor.serve.remote(start_seconds)
        try:
            conn = Client(address, authkey=authkey)
        except OSError as exc:
            ray.kill(actor)
            raise InfraError(
                f"could not reach a rollout actor at {address[0]}:{address[1]} ({exc}); this machine must reach "
                "the cluster's nodes: run eval on one of them"
            ) from None
        if not conn.poll(start_seconds):
            raise TimeoutError
        conn.recv()  # ("ready",)
    except (ray.exceptions.GetTimeoutError, TimeoutError):
        ray.kill(actor)
        raise InfraError(
            f"a rollout actor did not start within {start_seconds:.0f} s; does the cluster have a free CPU?"
        ) from None
    except (ray.exceptions.RayActorError, OSError, EOFError) as exc:
        ray.kill(actor)
        raise InfraError(f"a rollout actor ended while starting: {exc}") from None
    worker = _ActorWorker(pid, conn=conn, actor=actor, served=served)
    worker.start_reading()
    return worker


class EnvActor:
    """An environment's server on one node (a Ray actor class: `ray.remote` is applied in `env_actor`)."""

    def __init__(self, name: str, sha256: str, files: dict[str, bytes]) -> None:
        folder = _unpack(name, files)
        pool_for(CallLimits.from_environ()).size = ACTOR_TOOL_WORKERS
        environment = load_environment(folder)
        if environment.sha256 != sha256:
            raise SpecError(f"{name}: the files shipped to the actor hash to {environment.sha256[:12]}")
        self.server = EnvServer(environment)
        self.tools = EpisodesExtension(environment, self.server.episodes)

    async def describe(self) -> tuple[list[Tool], str]:
        return await self.server.list_tools(), str(self.server.instructions or "")

    async def reset(self, task_id: str) -> str:
        try:
            return self.server.episodes.reset(task_id).id
        except EpisodeError as exc:
            raise InfraError(f"episode_reset failed: {exc}") from None

    async def call(self, episode_id: str, name: str, arguments: dict[str, Any]) -> tuple[list[str], bool]:
        """The result's text blocks and error flag (plain data: cheaper to send than the result model)."""
        result = await self.tools.answer(name, arguments, episode_id, None)
        return [block["text"] for block in result["content"]], bool(result["isError"])

    async def verify(self, episode_id: str, transcript: list[str]) -> VerifyResult:
        try:
            episode = self.server.episodes.get(episode_id)
            async with episode.turn():
                verdict = verify_episode(self.server.episodes, episode, transcript)
        except EpisodeError as exc:
            raise InfraError(f"episode_verify failed: {exc}") from None
        return VerifyResult(reward=verdict.reward, checks=verdict.checks, diff=verdict.diff)

    async def close(self, episode_id: str) -> None:
        try:
            self.server.episodes.close(episode_id)
        except EpisodeError as exc:
            raise InfraError(f"episode_close failed: {exc}") from None


@functools.cache
def _actor_class() -> Any:
    """`EnvActor` as a Ray actor class, made once (Ray exports each class it is given)."""
    return _ray().remote(EnvActor)


def env_actor(environment: Environment, node: str) -> ActorHandle:
    """The actor serving `environment` on `node`, started there if it is not running yet."""
    _ray()  # a clear error when the rl extra is missing
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    if environment.path is None:
        raise SpecError(f"{environment.name} was built in memory; Ray actors are sent an environment folder's files")
    files = _files(environment.path)
    remote = _actor_class().options(
        name=f"{environment.name}@{environment.sha256[:16]}@{node[:16]}",
        namespace=NAMESPACE,
        get_if_exists=True,
        num_cpus=0,  # it mostly waits; its tool workers and episodes take what they use
        max_concurrency=1000,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False),
    )
    return remote.remote(environment.name, environment.sha256, files)


class RayConnection(Connection):
    """A connection whose requests are calls of an `EnvActor`: the `index`-th of a pool, on node index % nodes."""

    def __init__(self, endpoint: Endpoint, *, call_timeout: float = 30.0, index: int = 0) -> None:
        super().__init__(endpoint, call_timeout=call_timeout)
        self.index = index
        self._actor: ActorHandle | None = None

    @property
    def alive(self) -> bool:
        return self._actor is not None and not self._closing.is_set()

    async def open(self) -> None:
        nodes = ray_nodes()
        node = nodes[self.index % len(nodes)]
        self._actor = env_actor(self.endpoint.environment, node)
        self.tools, self.instructions = await self._remote("describe", lambda a: a.describe.remote(), self.open_timeout)

    async def shutdown(self) -> None:
        self._closing.set()  # the actor lives on for other clients; it ends with the job

    async def reset(self, task_id: str) -> str:
        return await self._remote("episode_reset", lambda a: a.reset.remote(task_id))

    async def call(self, episode_id: str, name: str, arguments: dict[str, Any]) -> CallToolResult:
        texts, is_error = await self._remote(f"tools/call {name}", lambda a: a.call.remote(episode_id, name, arguments))
        return CallToolResult(content=[TextContent(type="text", text=text) for text in texts], is_error=is_error)

    async def verify(self, episode_id: str, transcript: list[str]) -> VerifyResult:
        return await self._remote("episode_verify", lambda a: a.verify.remote(episode_id, transcript))

    async def close_episode(self, episode_id: str) -> None:
        await self._remote("episode_close", lambda a: a.close.remote(episode_id))

    async def _remote(self, what: str, send: Any, timeout: float | None = None) -> Any:
        ray = _ray()
        actor = self._actor
        if actor is None or self._closing.is_set():
            raise ConnectionLost(f"{what}: the connection to {self.endpoint.describe()} is closed")
        reference: Awaitable[Any] = send(actor)
        try:
            async with asyncio.timeout(timeout or self.call_timeout):
                return await reference
        except TimeoutError:
            raise InfraError(
                f"{what} on {self.endpoint.describe()} timed out after {timeout or self.call_timeout:g} s"
            ) from None
        except ray.exceptions.RayActorError as exc:
            self._closing.set()
            raise ConnectionLost(f"{what}: the actor serving {self.endpoint.describe()} died ({exc})") from None
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause if isinstance(exc.cause, BaseException) else None
            if isinstance(cause, InfraError):
                raise type(cause)(str(cause)) from None
            raise InfraError(f"{what} on {self.endpoint.describe()} failed: {cause or exc}") from None
