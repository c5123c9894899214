"""The lock file: which environments were installed where, pinned by hash.

`autoforge.lock` (JSON, in the working directory unless `AUTOFORGE_LOCK` names another file)
lets `name@version` stand for the installed folder anywhere a folder is accepted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..environment import ENV_FILES, SERVER_PY, content_sha256
from ..errors import RegistryError
from .index import SHA256_PATTERN, write_atomic
from .references import NAME_PATTERN, SEMVER_PATTERN

__all__ = [
    "LOCK_ENV",
    "LOCK_FILE",
    "LockEntry",
    "LockFile",
    "default_lock_path",
    "foreign_code",
    "installed_folder",
    "read_lock",
    "write_lock",
]

LOCK_FILE = "autoforge.lock"
LOCK_ENV = "AUTOFORGE_LOCK"
LOCK_FORMAT = 1


class LockEntry(BaseModel):
    """One installed environment: what it is, where it came from, where it lives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    version: str = Field(pattern=SEMVER_PATTERN)
    sha256: str = Field(pattern=SHA256_PATTERN, description="SHA-256 of the archive that was installed.")
    env_sha256: str = Field(pattern=SHA256_PATTERN, description="Content hash of the installed folder.")
    path: str = Field(description="The installed folder, relative to the lock file when inside its folder.")
    registry: str = Field(description="The registry it was installed from.")

    @property
    def reference(self) -> str:
        return f"{self.name}@{self.version}"

    def folder(self, lock_path: Path) -> Path:
        """The installed folder (paths in the lock are relative to its folder)."""
        return lock_path.parent / self.path

    def problem(self, lock_path: Path) -> str | None:
        """Why the installed folder no longer is what was installed; None when it still matches its hash."""
        folder = self.folder(lock_path)
        if any(not (folder / name).is_file() for name in ENV_FILES):
            return "missing or incomplete"
        actual = content_sha256(folder)
        if actual != self.env_sha256:
            return f"modified (content sha256 {actual[:12]}, pinned {self.env_sha256[:12]})"
        foreign = foreign_code(folder)
        return f"holds code of its own that would run outside the sandbox: {', '.join(foreign)}" if foreign else None


def foreign_code(folder: Path) -> list[str]:
    """Files in an environment folder that Python could run when a client starts its server: a server.py other
    than AutoForge's launcher, modules, packages, extensions, path files, and compiled files that Python never
    checks against their source."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if relative == "server.py":
            if path.read_bytes() != SERVER_PY.encode("utf-8"):
                found.append("server.py (not the launcher)")
        elif path.suffix in (".pyc", ".pyo") and path.parent.name == "__pycache__" and path.parent.parent == folder:
            if _unchecked(path):
                found.append(relative)
        elif path.is_file() and path.suffix in _RUNNABLE and relative != "tools.py":
            found.append(relative)
    return found


_RUNNABLE = frozenset({".py", ".pyc", ".pyo", ".pyw", ".so", ".pyd", ".pth"})


def _unchecked(compiled: Path) -> bool:
    """Whether a compiled file is hash-based and never checked against its source (PEP 552 flags = 1)."""
    with compiled.open("rb") as handle:
        header = handle.read(8)
    return len(header) == 8 and int.from_bytes(header[4:8], "little") == 1


class LockFile(BaseModel):
    """The whole lock file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = LOCK_FORMAT
    environments: tuple[LockEntry, ...] = ()

    def with_entry(self, entry: LockEntry) -> LockFile:
        """A copy recording `entry`, replacing any entry for the same folder or the same name@version."""
        kept = [e for e in self.environments if e.path != entry.path and e.reference != entry.reference]
        ordered = sorted([*kept, entry], key=lambda e: (e.name, e.version, e.path))
        return self.model_copy(update={"environments": tuple(ordered)})


def default_lock_path() -> Path:
    """`$AUTOFORGE_LOCK` if set, else autoforge.lock in the working directory."""
    return Path(os.environ.get(LOCK_ENV) or LOCK_FILE)


def read_lock(path: Path | None = None) -> LockFile:
    """The lock file's content (empty when there is none yet)."""
    path = path or default_lock_path()
    if not path.is_file():
        return LockFile()
    try:
        return LockFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise RegistryError(f"{path} is not a valid AutoForge lock file ({exc}); delete it and reinstall") from None


def write_lock(lock: LockFile, path: Path | None = None) -> None:
    """Save the lock file atomically."""
    write_atomic(path or default_lock_path(), json.dumps(lock.model_dump(mode="json"), indent=2) + "\n")


def installed_folder(name: str, version: str, path: Path | None = None) -> Path | None:
    """The folder where `name@version` is installed per the lock file, checked against its hash; None if not installed."""
    path = path or default_lock_path()
    entry = next((e for e in read_lock(path).environments if (e.name, e.version) == (name, version)), None)
    if entry is None:
        return None
    problem = entry.problem(path)
    if problem is not None:
        raise RegistryError(
            f"{entry.reference} is recorded in {path} at {entry.folder(path)}, but that folder is {problem}; reinstall it "
            f"with: autoforge registry install {entry.reference} --registry {entry.registry} --force"
        )
    return entry.folder(path)
