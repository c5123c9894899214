"""Where episode databases live: one SQLite file each, in a folder of this process on tmpfs.

Files rather than private memory, so that tool code can run in worker processes: a worker opens
the episode's file, and when a runaway call forces the runtime to kill its worker, SQLite's
rollback journal undoes the half-made call the next time the file is opened, so neither that
episode nor any other is lost. On Linux the folder sits on /dev/shm (memory, no disk I/O); it
is removed when the process exits, and folders left by processes that were killed are removed by
the next process that starts.
"""

from __future__ import annotations

import atexit
import itertools
import os
import resource
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

__all__ = [
    "GROWTH_BYTES",
    "JOURNAL_SUFFIX",
    "configure",
    "episode_folder",
    "new_episode_path",
    "remove_episode_file",
    "remove_episode_folder",
]

FOLDER_PREFIX = "autoforge-episodes-"
JOURNAL_SUFFIX = "-journal"
_SHARED_MEMORY = Path("/dev/shm")

_lock = threading.Lock()
_folder: Path | None = None
_folder_pid = 0
_numbers = itertools.count(1)


def episode_folder() -> Path:
    """This process's folder of episode files (made on first use, removed at exit)."""
    global _folder, _folder_pid
    with _lock:
        if _folder is None or _folder_pid != os.getpid():
            root = _SHARED_MEMORY if _SHARED_MEMORY.is_dir() and os.access(_SHARED_MEMORY, os.W_OK) else None
            base = Path(tempfile.gettempdir()) if root is None else root
            _remove_orphans(base)
            _allow_open_files()
            folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-", dir=base))
            atexit.register(remove_episode_folder)
            _folder, _folder_pid = folder, os.getpid()
        return _folder


def remove_episode_folder() -> None:
    """Remove this process's episode files (at exit; live episodes are gone with them)."""
    if _folder is not None and _folder_pid == os.getpid():
        shutil.rmtree(_folder, ignore_errors=True)


GROWTH_BYTES = 64 << 20
"""How much tool calls may grow an episode file past the seed's size, whichever worker runs them (files are on
memory)."""


def new_episode_path() -> Path:
    """A fresh, unused path for one episode's database file."""
    return episode_folder() / f"{next(_numbers)}.sqlite"


def configure(conn: sqlite3.Connection) -> None:
    """Settings every connection to an episode file uses (the file is on memory: no fsync)."""
    conn.execute("PRAGMA journal_mode = TRUNCATE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA recursive_triggers = ON")  # REPLACE's implicit deletes reach the change log


def remove_episode_file(path: Path) -> None:
    """Delete an episode's file and its journal (workers holding it open keep their handle)."""
    for name in (path, path.with_name(path.name + JOURNAL_SUFFIX)):
        try:
            name.unlink()
        except FileNotFoundError:
            pass


def _allow_open_files() -> None:
    """Each live episode holds its file open: raise the soft limit on open files to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass  # some systems cap it lower than they report: keep what we have


def _remove_orphans(base: Path) -> None:
    """Folders of episode files whose process no longer runs."""
    for folder in base.glob(f"{FOLDER_PREFIX}*"):
        pid = folder.name[len(FOLDER_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
