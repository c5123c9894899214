"""Installing from a registry, and verifying what was installed.

Install order: read the index, fetch the archive, compare its sha256 with the index, read every
entry safely, compare the content hash, and only then write the environment's own files (the launcher
and the cards are made here, the archive's other files left out): into a scratch folder beside the
target, load it, and rename it into place. A refused install writes nothing; an interrupted one
leaves at most a hidden scratch folder, never a half-installed environment. The lock file records
each install.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..environment import ENV_FILES, SERVER_PY, content_sha256, files_sha256, load_environment
from ..errors import RegistryError
from ..sandbox import check_source
from .archive import DEFAULT_LIMITS, Limits, read_archive, write_tree
from .index import RegistryEntry
from .lock import LockEntry, default_lock_path, read_lock, write_lock
from .manifest import server_manifest
from .readme import readme_card
from .references import parse_reference
from .sources import open_registry

__all__ = ["GENERATED", "InstallResult", "Verification", "install", "verify_installed", "verify_registry"]

GENERATED = ("server.py", "server.json", "README.md")
"""The files an install writes itself beside the environment's own."""


@dataclass(frozen=True)
class InstallResult:
    """What an install did: the entry, the folder, whether the folder was (re)written, and the archive's other
    files, which an install leaves out."""

    entry: RegistryEntry
    folder: Path
    changed: bool
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verification:
    """One environment checked against its pinned hash: `problem` is None when it matches."""

    reference: str
    where: str
    problem: str | None = None


async def install(
    reference: str,
    *,
    registry: str | Path = ".",
    to: str | Path = "servers",
    lock: Path | None = None,
    force: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> InstallResult:
    """Install `name[@version]` from a registry into `to/name`, and record it in the lock file."""
    name, version = parse_reference(reference)
    source = open_registry(registry)
    entry = (await source.read_index()).find(name, version)
    lock_path = lock or default_lock_path()
    pinned = next((e for e in read_lock(lock_path).environments if e.reference == entry.reference), None)
    if pinned is not None and pinned.sha256 != entry.sha256 and not force:
        raise RegistryError(
            f"{lock_path} pins {entry.reference} to the archive {pinned.sha256[:12]}, but {source.index_url} offers "
            f"{entry.sha256[:12]} under the same name and version; refusing it (pass --force to take the new one)"
        )
    files = _checked_files(entry, await source.fetch(entry, limits), limits)
    to = Path(to)
    target = to / entry.name
    changed = True
    if target.exists():
        same = all((target / n).is_file() for n in ENV_FILES) and content_sha256(target) == entry.env_sha256
        if not same and not force:
            raise RegistryError(
                f"{target} already exists and is not {entry.reference}; pass --force to replace it, "
                "or install into another folder with --to"
            )
        changed = not same or force
    if changed:
        _put_in_place({name: files[name] for name in ENV_FILES}, target)
    record = LockEntry(
        name=entry.name,
        version=entry.version,
        sha256=entry.sha256,
        env_sha256=entry.env_sha256,
        path=os.path.relpath(target.resolve(), lock_path.resolve().parent),
        registry=source.index_url,
    )
    write_lock(read_lock(lock_path).with_entry(record), lock_path)
    return InstallResult(entry, target, changed, tuple(sorted(set(files) - set(ENV_FILES) - set(GENERATED))))


def _checked_files(entry: RegistryEntry, data: bytes, limits: Limits) -> dict[str, bytes]:
    """The archive's files once its hash, its entries and its content all match the index; else refused."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise RegistryError(
            f"{entry.reference}: the archive at {entry.url} does not have the sha256 the registry pins "
            f"({entry.sha256[:12]}...); the archive was altered or corrupted, refusing to install it"
        )
    files = read_archive(data, f"{entry.reference} ({entry.url})", limits)
    missing = [n for n in ENV_FILES if n not in files]
    if missing:
        raise RegistryError(f"{entry.reference}: the archive lacks {', '.join(missing)}; refusing to install it")
    try:
        spec = json.loads(files["env.json"])
    except (ValueError, RecursionError):
        spec = None
    if not isinstance(spec, dict):
        raise RegistryError(f"{entry.reference}: the archive's env.json is not a JSON object; refusing to install it")
    if (spec.get("name"), spec.get("version")) != (entry.name, entry.version):
        raise RegistryError(
            f"{entry.reference}: the archive holds {spec.get('name')}@{spec.get('version')}; refusing to install it"
        )
    if files_sha256(files) != entry.env_sha256:
        raise RegistryError(f"{entry.reference}: the archive's content hash differs from the registry's; refusing it")
    problems = check_source(files["tools.py"].decode("utf-8", errors="replace"))
    if problems:
        listed = "; ".join(f"{p.location}: {p.message}" for p in problems[:10])
        raise RegistryError(
            f"{entry.reference}: its tools.py breaks the sandbox's rules ({listed}); refusing to install it"
        )
    return files


def _put_in_place(files: dict[str, bytes], target: Path) -> None:
    """Write the environment's own files into a scratch folder beside `target` with the launcher and the cards
    made here (never the archive's: a server.py, a package or a compiled file in the folder would run outside
    the sandbox when a client starts the server), check it loads, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".installing", dir=target.parent))
    try:
        staged = scratch / target.name
        write_tree({**files, "server.py": SERVER_PY.encode("utf-8")}, staged)
        environment = load_environment(staged)
        (staged / "server.json").write_text(json.dumps(server_manifest(environment), indent=2) + "\n", "utf-8")
        (staged / "README.md").write_text(readme_card(environment), "utf-8")
        if target.exists():
            os.rename(target, scratch / "previous")
        os.rename(staged, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def verify_installed(lock: Path | None = None) -> list[Verification]:
    """Each environment in the lock file, checked: its folder exists and still has its pinned content hash."""
    lock_path = lock or default_lock_path()
    return [
        Verification(e.reference, str(e.folder(lock_path)), e.problem(lock_path))
        for e in read_lock(lock_path).environments
    ]


async def verify_registry(registry: str | Path, limits: Limits = DEFAULT_LIMITS) -> list[Verification]:
    """Each archive a registry lists, fetched and checked against its sha256 and content hash."""
    source = open_registry(registry)
    results = []
    for entry in (await source.read_index()).environments:
        try:
            _checked_files(entry, await source.fetch(entry, limits), limits)
            results.append(Verification(entry.reference, entry.url))
        except RegistryError as exc:
            results.append(Verification(entry.reference, entry.url, str(exc)))
    return results
