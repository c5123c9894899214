"""How a serving process ends: at once, with its tool workers stopped and its episode files removed.

A stdio server ends when its client closes stdin (the SDK's transport), when its parent dies
without closing it (a watchdog), or on SIGTERM; none of these waits for a tool call in flight,
whose worker is killed with the rest.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, NoReturn

from .pool import close_pools
from .storage import remove_episode_folder

__all__ = ["end_now", "end_on_sigterm", "end_with_parent"]


def end_now(code: int = 0) -> NoReturn:
    """Stop every tool worker, remove this process's episode files and exit with `code`."""
    close_pools()
    remove_episode_folder()
    os._exit(code)


def end_on_sigterm() -> None:
    """SIGTERM ends the process within moments, even while a tool call runs."""

    def handle(signum: int, frame: Any) -> None:
        end_now(128 + signum)

    signal.signal(signal.SIGTERM, handle)


def end_with_parent() -> None:
    """A stdio server whose client died without closing stdin must not linger as an orphan."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                end_now(0)

    threading.Thread(target=watch, name="autoforge-parent-watchdog", daemon=True).start()
