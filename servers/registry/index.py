"""registry.json: the index of published environments, its JSON schema, and looking entries up.

A registry is a folder (or a base URL) holding `registry.json` and the archives it points to.
Each entry pins one version of one environment by the sha256 of its packed archive.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import RegistryError
from .references import NAME_PATTERN, SEMVER_PATTERN, version_key
from .summary import Counts, DifficultySummary

__all__ = [
    "INDEX_FILE",
    "INDEX_FORMAT",
    "SCHEMA_PATH",
    "RegistryEntry",
    "RegistryIndex",
    "Source",
    "index_schema",
    "parse_index",
    "write_atomic",
]

INDEX_FILE = "registry.json"
INDEX_FORMAT = 1
"""The version of the registry.json format this code reads and writes."""
SCHEMA_PATH = Path(__file__).with_name("registry.schema.json")
"""The JSON schema of registry.json, shipped with the package (regenerate with `index_schema()`)."""
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Frozen):
    """The document an environment was built from, and how."""

    document: str = Field(description="The input document's name or URL.")
    sha256: str = Field(description="SHA-256 of the input document ('' for hand-written environments).")
    format: str = Field(description="The document's format (openapi, mcp-tools, prose, ...).")


class RegistryEntry(_Frozen):
    """One published version of one environment."""

    name: str = Field(pattern=NAME_PATTERN, description="The environment's name (its folder name).")
    version: str = Field(pattern=SEMVER_PATTERN, description="Semantic version, immutable once published.")
    description: str
    sha256: str = Field(pattern=SHA256_PATTERN, description="SHA-256 of the packed archive (.tar.gz bytes).")
    size: int = Field(ge=0, description="Size of the packed archive in bytes.")
    env_sha256: str = Field(
        pattern=SHA256_PATTERN, description="Content hash of the environment's defining files (what episodes report)."
    )
    counts: Counts
    difficulty: DifficultySummary
    source: Source
    backend: str = Field(description="What produced the environment: hand-written, offline, anthropic:MODEL, ...")
    license: str
    url: str = Field(
        min_length=1,
        description="Where to fetch the archive: a path relative to registry.json, a file:// URL or an http(s) URL.",
    )

    @property
    def reference(self) -> str:
        return f"{self.name}@{self.version}"


class RegistryIndex(_Frozen):
    """The whole of registry.json."""

    format: int = Field(default=INDEX_FORMAT, description="Version of this file format.")
    environments: tuple[RegistryEntry, ...] = ()

    def versions(self, name: str) -> list[RegistryEntry]:
        """Every published version of `name`, oldest first."""
        return sorted((e for e in self.environments if e.name == name), key=lambda e: version_key(e.version))

    def find(self, name: str, version: str | None = None) -> RegistryEntry:
        """The entry for `name@version`, or the newest release of `name` when no version is given."""
        versions = self.versions(name)
        if not versions:
            names = sorted({e.name for e in self.environments})
            close = difflib.get_close_matches(name, names, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"it lists: {', '.join(names) or 'nothing yet'}"
            raise RegistryError(f"the registry has no environment {name!r}; {hint}")
        if version is None:
            releases = [e for e in versions if "-" not in e.version.split("+")[0]]
            return (releases or versions)[-1]
        for entry in versions:
            if entry.version == version:
                return entry
        raise RegistryError(
            f"the registry has no {name}@{version}; published versions: {', '.join(e.version for e in versions)}"
        )

    def with_entry(self, entry: RegistryEntry) -> RegistryIndex:
        """A copy with `entry` added (or replacing the same name@version), entries sorted by name and version."""
        kept = [e for e in self.environments if (e.name, e.version) != (entry.name, entry.version)]
        ordered = sorted([*kept, entry], key=lambda e: (e.name, version_key(e.version)))
        return self.model_copy(update={"environments": tuple(ordered)})

    def dumps(self) -> str:
        """The index as registry.json text (stable key order, two-space indent, final newline)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def parse_index(text: str | bytes, where: str) -> RegistryIndex:
    """Parse registry.json text; `where` names it in errors."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{where} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise RegistryError(f"{where} nests its values too deeply to read") from None
    if isinstance(raw, dict) and raw.get("format") not in (None, INDEX_FORMAT):
        raise RegistryError(
            f"{where} has format {raw.get('format')!r}, but this AutoForge reads format {INDEX_FORMAT}; upgrade AutoForge"
        )
    try:
        return RegistryIndex.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()[:5])
        raise RegistryError(f"{where} does not match the registry.json schema: {problems}") from None


def index_schema() -> dict[str, Any]:
    """The JSON schema of registry.json, as shipped in registry.schema.json."""
    schema = RegistryIndex.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": f"AutoForge registry.json (format {INDEX_FORMAT})",
    }


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
