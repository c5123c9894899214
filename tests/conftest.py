"""Test-wide settings and helpers: a hypothesis profile for two shared cores; stepping a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
settings.load_profile("ci")

RunUntil = Callable[["subprocess.Popen[bytes]", Callable[[], bool]], None]


def run_until_then_stop(
    process: subprocess.Popen[bytes], reached: Callable[[], bool], timeout: float = 300.0, step: float = 0.01
) -> None:
    """Let `process` run in short steps, stopped (SIGSTOP) between them with its descendants (rollout and tool
    workers, in sessions of their own), until `reached()`; the child is left stopped, its workers go on.

    The condition is checked while the child and its workers cannot move, so however loaded the machine, the
    run never goes past the point the test waits for (send the child a signal, then SIGCONT).
    """
    deadline = time.monotonic() + timeout
    _signal_family(process.pid, signal.SIGSTOP)
    while not reached():
        if process.poll() is not None:
            raise AssertionError(f"the child exited with {process.returncode} before the awaited point")
        if time.monotonic() > deadline:
            _signal_family(process.pid, signal.SIGCONT)
            raise AssertionError(f"the child did not reach the awaited point within {timeout:.0f} s")
        _signal_family(process.pid, signal.SIGCONT)
        time.sleep(step)
        _signal_family(process.pid, signal.SIGSTOP)
    _signal_family(process.pid, signal.SIGCONT, itself=False)


def default_sigint() -> None:
    """Give a child the default Ctrl-C handling (for `preexec_fn`), whatever its parent ignores."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _signal_family(pid: int, signum: int, itself: bool = True) -> None:
    """Send `signum` to `pid` (unless not `itself`) and to every process descended from it (read from /proc;
    none where there is no /proc)."""
    if itself:
        os.kill(pid, signum)
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    parent = int(stat.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(parent, []).append(int(entry))
    pending = list(parents.get(pid, []))
    while pending:
        child = pending.pop()
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            continue
        pending += parents.get(child, [])


@pytest.fixture
def run_until() -> RunUntil:
    """`run_until_then_stop`, for tests that interrupt a child at an exact point of its work."""
    return run_until_then_stop
