"""The kernel guard: a tool worker cannot start processes, open sockets or write files, whatever its code reaches."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from autoforge.servers.channel import Channel
from autoforge.servers.environment import load_environment
from autoforge.servers.episodes import create_episode_file
from autoforge.servers.limits import CallLimits
from autoforge.servers.locate import resolve_environment
from autoforge.servers.pool import _worker_environment
from autoforge.servers.storage import episode_folder, new_episode_path
from autoforge.servers.worker import CallJob, ToolProgram, call_message, load_message, read_reply

# The worker as it runs in production, but with the AST check and the facades taken away: the
# tool code below holds the real `os`, `open` and `socket`, as code that slipped past would.
UNCHECKED_WORKER = """
import builtins
from autoforge.servers import worker

def load_unchecked(source, names, filename="tools.py"):
    namespace = {"__builtins__": builtins}
    exec(compile(source, filename, "exec"), namespace)
    return {name: namespace[name] for name in names}

worker.load_tools = load_unchecked
worker.start()
"""

ESCAPED = """
import os
import socket


def run_program(db, path):
    return os.system("touch " + path)


def spawn(db, path):
    return os.posix_spawn("/bin/touch", ["touch", path], {})


def write_file(db, path):
    with open(path, "w") as handle:
        handle.write("escaped")
    return "wrote"


def open_socket(db, path):
    socket.create_connection(("127.0.0.1", 9))
    return "connected"


def write_beside_the_episodes(db, path):
    with open(path, "w") as handle:
        handle.write("allowed")
    return "wrote"


def queue_a_signal(db, path):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    return "sent" if libc.sigqueue(int(path), 0, ctypes.c_void_p(0)) == 0 else f"errno {ctypes.get_errno()}"


def limit_another(db, path):
    import resource
    resource.prlimit(int(path), resource.RLIMIT_NOFILE, (0, 0))
    return "limited"


def limit_itself(db, path):
    import resource
    soft, hard = resource.prlimit(0, resource.RLIMIT_CPU)
    resource.prlimit(0, resource.RLIMIT_CPU, (soft, hard))
    return "limited"
"""
NAMES = (
    "run_program", "spawn", "write_file", "open_socket", "write_beside_the_episodes", "queue_a_signal",
    "limit_another", "limit_itself",
)  # fmt: skip


@pytest.fixture(scope="module")
def worker() -> Channel:
    """An unchecked worker process, confined as every worker is; skips where the kernel lacks the guard."""
    ours, theirs = socket.socketpair()
    limits = json.dumps(dataclasses.asdict(CallLimits()))
    with theirs:
        process = subprocess.Popen(
            [sys.executable, "-c", UNCHECKED_WORKER, str(theirs.fileno()), limits, str(episode_folder())],
            pass_fds=(theirs.fileno(),),
        )
    conn = Channel(ours.detach())
    _, notes = json.loads(conn.recv())
    if notes:
        process.kill()
        pytest.skip(f"this kernel lacks part of the guard: {'; '.join(notes)}")
    program = ToolProgram(key="escaped", source=ESCAPED, names=NAMES, writes=frozenset(NAMES))
    conn.send(load_message(program))
    assert json.loads(conn.recv()) == ["loaded"]
    yield conn
    conn.close()
    process.wait(5)


@pytest.fixture(scope="module")
def episode_file() -> str:
    template = load_environment(resolve_environment("library-loans")).template
    path = new_episode_path()
    create_episode_file(template, path).close()
    return str(path)


def _call(worker: Channel, tool: str, path: Path | str, episode_file: str) -> tuple[str, str]:
    worker.send(call_message("escaped", CallJob(tool, {"path": str(path)}, episode_file, {}), []))
    reply = read_reply(worker.recv())
    return reply.status, reply.text


@pytest.mark.parametrize("tool", ["run_program", "spawn"])
def test_starting_a_program_is_refused_by_the_kernel(
    worker: Channel, episode_file: str, tool: str, tmp_path: Path
) -> None:
    """os.system and posix_spawn reach no program: the canary file is never created."""
    canary = tmp_path / f"{tool}-canary"
    status, text = _call(worker, tool, canary, episode_file)
    assert not canary.exists()
    assert status == "crash" or text != "0", text


def test_writing_a_file_outside_the_episode_folder_is_refused(
    worker: Channel, episode_file: str, tmp_path: Path
) -> None:
    """open(..., 'w') anywhere but the episode folder fails with a permission error."""
    target = tmp_path / "written"
    status, text = _call(worker, "write_file", target, episode_file)
    assert status == "crash" and "PermissionError" in text
    assert not target.exists()


def test_opening_a_socket_is_refused(worker: Channel, episode_file: str) -> None:
    """No socket can be made: the network is out of reach."""
    status, text = _call(worker, "open_socket", "unused", episode_file)
    assert status == "crash" and "PermissionError" in text


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process of the same user beside the worker (the server, say)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait(5)


def test_signalling_or_limiting_another_process_is_refused(
    worker: Channel, episode_file: str, bystander: subprocess.Popen[bytes]
) -> None:
    """sigqueue and prlimit on another process fail (they could kill the server or starve it of files); the worker
    still renews its own limits, as it does before each call."""
    assert _call(worker, "queue_a_signal", str(bystander.pid), episode_file) == ("ok", '"errno 1"')
    status, text = _call(worker, "limit_another", str(bystander.pid), episode_file)
    assert status == "crash" and "PermissionError" in text
    assert _call(worker, "limit_itself", "0", episode_file) == ("ok", '"limited"')
    assert bystander.poll() is None


def test_a_worker_is_started_without_this_process_s_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bearer tokens and API keys in the server's environment are not handed to the processes that run tool code."""
    monkeypatch.setenv("AUTOFORGE_TOKEN", "secret-token")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    environment = _worker_environment()
    assert "AUTOFORGE_TOKEN" not in environment and "OPENAI_API_KEY" not in environment
    assert environment["PATH"] == os.environ["PATH"] and environment["PYTHONPATH"]


def test_the_episode_folder_stays_writable(worker: Channel, episode_file: str) -> None:
    """The guard leaves the one folder the worker needs: the episode files' (a control for the refusals)."""
    target = episode_folder() / "allowed-by-the-guard"
    status, _ = _call(worker, "write_beside_the_episodes", target, episode_file)
    assert status == "ok" and target.read_text() == "allowed"


def test_every_pool_worker_is_confined() -> None:
    """Workers the runtime starts run under a seccomp filter with no new privileges."""
    environment = load_environment(resolve_environment("library-loans"))
    tool = next(iter(environment.tools.values()))
    status = "\n".join(Path(f"/proc/{pid}/status").read_text() for pid in tool.pool.pids())
    assert status, "the pool should hold a started worker"
    if "Seccomp:\t0" in status:
        pytest.skip("this kernel has no seccomp")
    assert "Seccomp:\t2" in status and "NoNewPrivs:\t1" in status
