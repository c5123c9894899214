"""Packing an environment folder reproducibly: the same folder always gives the same bytes and sha256.

The archive holds the folder's files, less build litter (`__pycache__`, compiled files, hidden
files, editor backups), with server.json and README.md generated afresh from the environment so
they always describe what is packed. The version packed is `release_version`'s: env.json's, or the
source document's own version while env.json still has the default one. `version` republishes the
folder under another version. Either way the packed env.json carries it (the folder is not touched).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..environment import ENV_FILES, files_sha256, load_environment
from ..errors import RegistryError
from ..spec import EnvSpec
from .archive import DEFAULT_LIMITS, Limits, write_archive
from .manifest import server_manifest
from .readme import readme_card
from .references import SEMVER_PATTERN

__all__ = ["LITTER", "PackedEnvironment", "collect_files", "pack_environment", "release_version"]

LITTER = ("__pycache__", "*.pyc", "*.pyo", ".*", "*~", "*.swp", "*.tmp", "*.orig", "*.rej", "Thumbs.db")
"""Names (of files or folders) that are never packed."""


_DEFAULT_VERSION = EnvSpec.model_fields["version"].default
_NUMBERED = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?([-+][0-9A-Za-z.+-]+)?", re.IGNORECASE)
_DATED = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def release_version(spec: EnvSpec) -> str:
    """The version an environment is published under when none is asked for.

    env.json's version, unless it is still the default (nobody chose one) and the provenance records
    the version of the document the environment was made from: then that one, as a semantic version
    (2.3 -> 2.3.0, v4 -> 4.0.0, 2024-05-01 -> 2024.5.1). A document version that reads as neither is
    left aside.
    """
    stated = (spec.provenance.source_version or "").strip()
    if spec.version != _DEFAULT_VERSION or not stated:
        return spec.version
    candidate = spec.version
    if dated := _DATED.fullmatch(stated):
        candidate = ".".join(str(int(part)) for part in dated.groups())
    elif numbered := _NUMBERED.fullmatch(stated):
        major, minor, patch, suffix = numbered.groups()
        candidate = f"{int(major)}.{int(minor or 0)}.{int(patch or 0)}{suffix or ''}"
    return candidate if re.fullmatch(SEMVER_PATTERN, candidate) else spec.version


@dataclass(frozen=True)
class PackedEnvironment:
    """A packed environment: the archive bytes and what identifies them."""

    name: str
    version: str
    data: bytes
    env_sha256: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.tar.gz"


def collect_files(folder: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """The folder's files to pack (relative POSIX path -> bytes); links are refused, litter skipped."""
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in LITTER):
            continue
        if path.is_symlink():
            raise RegistryError(f"{path} is a symbolic link; replace it with the file itself before publishing")
        if path.is_dir():
            continue
        if not path.is_file():
            raise RegistryError(f"{path} is not a regular file; remove it before publishing")
        files[relative.as_posix()] = data = path.read_bytes()
        total += len(data)
        if total > limits.unpacked_bytes:
            raise RegistryError(f"{folder} holds more than {limits.unpacked_bytes} bytes; installs would refuse it")
    return files


def pack_environment(folder: str | Path, version: str | None = None) -> PackedEnvironment:
    """Pack an environment folder (loaded and checked first), under `version` or its `release_version`."""
    folder = Path(folder)
    environment = load_environment(folder)
    files = collect_files(folder)
    version = version or release_version(environment.spec)
    if version != environment.spec.version:
        raw = json.loads(files["env.json"])
        raw["version"] = version
        files["env.json"] = (json.dumps(raw, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        environment = dataclasses.replace(environment, spec=environment.spec.model_copy(update={"version": version}))
    env_sha256 = files_sha256({name: files[name] for name in ENV_FILES})
    environment = dataclasses.replace(environment, sha256=env_sha256)
    files["server.json"] = (json.dumps(server_manifest(environment), indent=2) + "\n").encode("utf-8")
    files["README.md"] = readme_card(environment).encode("utf-8")
    return PackedEnvironment(environment.spec.name, environment.spec.version, write_archive(files), env_sha256)
