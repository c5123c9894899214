"""Publishing: check an environment, pack it, write its archive and add it to a registry folder.

What is checked is what is shipped: the packed archive is unpacked into a scratch folder, which
must pass `validate_folder` and `check_env` (every task's oracle replay verifies 1.0). A version,
once published, is immutable: publishing it again with other content is refused.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..app import load_server
from ..check import TaskCheck, check_env
from ..errors import RegistryError, SpecError
from ..validate import validate_folder
from .archive import read_archive, write_tree
from .index import INDEX_FILE, RegistryEntry, Source, write_atomic
from .pack import PackedEnvironment, pack_environment
from .references import check_version, version_key
from .sources import open_registry
from .summary import counts_of, difficulty_of

__all__ = ["PublishResult", "publish"]

ARCHIVES = "archives"


@dataclass(frozen=True)
class PublishResult:
    """What publishing did: the entry, where its archive is, and whether anything was written."""

    entry: RegistryEntry
    archive: Path
    created: bool


async def publish(
    folder: str | Path,
    *,
    registry: str | Path = ".",
    version: str | None = None,
    allow_ungated: bool = False,
    on_task: Callable[[TaskCheck], None] | None = None,
) -> PublishResult:
    """Publish an environment folder to a registry folder (created when missing)."""
    target = open_registry(registry)
    if target.folder is None:
        raise RegistryError(
            f"{registry} is an HTTP registry, which is read-only; publish to its folder instead "
            "(autoforge registry serve FOLDER serves it)"
        )
    if version is not None:
        check_version(version)
    packed = pack_environment(folder, version)
    index = await target.read_index(missing_ok=True)
    relative = f"{ARCHIVES}/{packed.name}/{packed.filename}"
    archive = target.folder / ARCHIVES / packed.name / packed.filename
    existing = next((e for e in index.versions(packed.name) if e.version == packed.version), None)
    if existing is not None and existing.sha256 != packed.sha256:
        raise RegistryError(
            f"{packed.name}@{packed.version} is already published in {target.location} with other content "
            f"({_differences(target.folder / existing.url, packed)}); published versions are immutable: "
            "publish under a new version (--version X.Y.Z, or bump version in env.json)"
        )
    if existing is not None and archive.is_file() and existing.url == relative:
        return PublishResult(existing, archive, created=False)
    same_rank = next(
        (
            e
            for e in index.versions(packed.name)
            if e.version != packed.version and version_key(e.version) == version_key(packed.version)
        ),
        None,
    )
    if same_rank is not None:  # `1.0.0+build` beside `1.0.0`: which one 'the newest' means would be a coin toss
        raise RegistryError(
            f"{packed.name}@{packed.version} ranks the same as the published {same_rank.version}; publish under a "
            "version that differs in more than its build metadata"
        )
    entry = await _checked_entry(packed, relative, allow_ungated, on_task)
    write_atomic(archive, packed.data)
    index = (await target.read_index(missing_ok=True)).with_entry(entry)
    write_atomic(target.folder / INDEX_FILE, index.dumps())
    return PublishResult(entry, archive, created=True)


async def _checked_entry(
    packed: PackedEnvironment, url: str, allow_ungated: bool, on_task: Callable[[TaskCheck], None] | None
) -> RegistryEntry:
    """Unpack the archive into scratch space, check it like any installed copy, and describe it."""
    with tempfile.TemporaryDirectory(prefix="autoforge-publish-") as scratch:
        folder = Path(scratch) / packed.name
        write_tree(read_archive(packed.data, packed.filename), folder)
        problems = validate_folder(folder)
        if problems:
            raise SpecError(
                f"{packed.name}@{packed.version} is not a valid environment; nothing was published", problems
            )
        server = load_server(folder)
        report = await check_env(server, allow_ungated=allow_ungated, on_task=on_task)
        if not report.passed:
            failures = "; ".join(f"{t.task_id}: {', '.join(t.problems)}" for t in report.failures[:5])
            raise RegistryError(
                f"{packed.name}@{packed.version}: {len(report.failures)} of {len(report.tasks)} tasks fail the check "
                f"({failures}); fix them (autoforge check) before publishing; nothing was published"
            )
        environment = server.environment
    spec = environment.spec
    provenance = spec.provenance
    return RegistryEntry(
        name=spec.name,
        version=spec.version,
        description=spec.description,
        sha256=packed.sha256,
        size=len(packed.data),
        env_sha256=packed.env_sha256,
        counts=counts_of(environment),
        difficulty=difficulty_of(environment),
        source=Source(document=provenance.source, sha256=provenance.source_sha256, format=provenance.source_format),
        backend=provenance.backend if provenance.model is None else f"{provenance.backend}:{provenance.model}",
        license=spec.license,
        url=url,
    )


def _differences(published: Path, packed: PackedEnvironment) -> str:
    """Which files differ between the published archive and the new one, for the refusal message."""
    if not published.is_file():
        return "its archive is missing, but its sha256 differs"
    try:
        old = read_archive(published.read_bytes(), str(published))
    except RegistryError:
        return "its archive is unreadable"
    new = read_archive(packed.data, packed.filename)
    changed = sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n))
    return "differs in " + ", ".join(changed) if changed else "same files, other archive bytes"
