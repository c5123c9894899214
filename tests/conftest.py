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
    """Let `process` run in short steps, stopped (SIGSTOP) between them, until `reached()`; it is left stopped.

    The condition is checked while the child cannot move, so however loaded the machine, the child
    never runs past the point the test waits for (send it a signal, then SIGCONT).
    """
    deadline = time.monotonic() + timeout
    os.kill(process.pid, signal.SIGSTOP)
    while not reached():
        if process.poll() is not None:
            raise AssertionError(f"the child exited with {process.returncode} before the awaited point")
        if time.monotonic() > deadline:
            os.kill(process.pid, signal.SIGCONT)
            raise AssertionError(f"the child did not reach the awaited point within {timeout:.0f} s")
        os.kill(process.pid, signal.SIGCONT)
        time.sleep(step)
        os.kill(process.pid, signal.SIGSTOP)


@pytest.fixture
def run_until() -> RunUntil:
    """`run_until_then_stop`, for tests that interrupt a child at an exact point of its work."""
    return run_until_then_stop
