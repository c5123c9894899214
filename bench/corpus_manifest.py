"""The manifest of real tool documents kept outside the repository, and the table bench/corpus.py prints.

A manifest names each document (file, repository, path, commit, license, shape, operation count) so that
`python bench/corpus.py --manifest bench/corpus-manifest.json --from FOLDER` can run the ones present in a
local folder and list the ones that are missing: the documents themselves are never committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Entry", "Row", "load_manifest", "locate", "render_table"]

_REQUIRED = ("file", "repository", "path", "commit", "license", "shape", "operations")


@dataclass(frozen=True)
class Entry:
    """One manifest document: where it came from and what it is."""

    file: str
    repository: str
    path: str
    commit: str
    license: str
    shape: str
    operations: int
    kind: str = ""
    transcription: str = ""


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    document: str
    shape: str
    operations: int | None
    tools: int | None
    tasks: int | None
    seconds: float | None
    result: str
    detail: str = ""


def load_manifest(path: Path) -> list[Entry]:
    """The entries of a JSON manifest (`{"documents": [...]}`); a malformed entry is named in a ValueError."""
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    documents = data.get("documents") if isinstance(data, dict) else data
    if not isinstance(documents, list):
        raise ValueError(f"{path}: expected a 'documents' list")
    entries: list[Entry] = []
    seen: set[str] = set()
    for index, item in enumerate(documents):
        if not isinstance(item, dict):
            raise ValueError(f"{path}: documents[{index}] is not an object")
        missing = [key for key in _REQUIRED if key not in item]
        if missing:
            raise ValueError(f"{path}: documents[{index}] ({item.get('file', '?')}) lacks {', '.join(missing)}")
        if item["file"] in seen:
            raise ValueError(f"{path}: {item['file']} is listed twice")
        seen.add(item["file"])
        entries.append(
            Entry(
                file=str(item["file"]),
                repository=str(item["repository"]),
                path=str(item["path"]),
                commit=str(item["commit"]),
                license=str(item["license"]),
                shape=str(item["shape"]),
                operations=int(item["operations"]),
                kind=str(item.get("kind", "")),
                transcription=str(item.get("transcription", "")),
            )
        )
    return entries


def locate(entries: list[Entry], folder: Path) -> tuple[list[tuple[Entry, Path]], list[Entry]]:
    """(entries whose file is in `folder`, with its path; entries whose file is missing there)."""
    found: list[tuple[Entry, Path]] = []
    missing: list[Entry] = []
    for entry in entries:
        path = folder / entry.file
        if path.is_file():
            found.append((entry, path))
        else:
            missing.append(entry)
    return found, missing


def render_table(rows: list[Row]) -> str:
    """A Markdown table: document, shape, operations, tools modelled, tasks, seconds, result."""
    header = ("document", "shape", "operations", "tools modelled", "tasks", "seconds", "result")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = (
            row.document,
            row.shape,
            _cell(row.operations),
            _cell(row.tools),
            _cell(row.tasks),
            "" if row.seconds is None else f"{row.seconds:.1f}",
            f"{row.result}: {row.detail}" if row.detail else row.result,
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)
