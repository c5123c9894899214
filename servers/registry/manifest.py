"""server.json: an environment's entry for the official MCP registry (schema 2025-12-11).

The MCP registry stores metadata only; the package it names is AutoForge on PyPI, whose
`autoforge-rl serve NAME --transport stdio` serves the environment. Content hashes, task counts
and difficulty have no slot in that schema, so they ride in `_meta` under the publisher-provided key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..environment import Environment, load_environment
from .summary import counts_of

__all__ = ["DEFAULT_NAMESPACE", "SERVER_SCHEMA_URL", "server_manifest", "write_server_json"]

SERVER_SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
DEFAULT_NAMESPACE = "io.github.autoforge-rl"
"""The reverse-DNS namespace of published names; the registry ties it to a GitHub account or a domain."""
PYPI_PACKAGE = "autoforge-rl"
PUBLISHER_KEY = "io.modelcontextprotocol.registry/publisher-provided"
DESCRIPTION_LIMIT = 100


def server_manifest(
    environment: Environment,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    repository: str | None = None,
    subfolder: str | None = None,
) -> dict[str, Any]:
    """The server.json document for an environment (`repository`: its GitHub URL, when it has one)."""
    spec = environment.spec
    manifest: dict[str, Any] = {
        "$schema": SERVER_SCHEMA_URL,
        "name": f"{namespace}/{spec.name}",
        "title": spec.name.replace("-", " ").title()[:DESCRIPTION_LIMIT],
        "description": _short(spec.description),
        "version": spec.version,
    }
    if repository:
        manifest["repository"] = {
            "url": repository,
            "source": "github",
            **({"subfolder": subfolder} if subfolder else {}),
        }
    manifest["packages"] = [
        {
            "registryType": "pypi",
            "identifier": PYPI_PACKAGE,
            "runtimeHint": "uvx",
            "transport": {"type": "stdio"},
            "packageArguments": [
                {"type": "positional", "value": "serve"},
                {"type": "positional", "value": spec.name, "valueHint": "environment"},
                {"type": "named", "name": "--transport", "value": "stdio"},
            ],
        }
    ]
    manifest["_meta"] = {
        PUBLISHER_KEY: {
            "autoforge": {
                "env_sha256": environment.sha256,
                "spec_version": spec.spec_version,
                **counts_of(environment).model_dump(),
                "source_sha256": spec.provenance.source_sha256,
                "backend": spec.provenance.backend,
                "license": spec.license,
            }
        }
    }
    return manifest


def write_server_json(folder: str | Path, environment: Environment | None = None, **options: Any) -> Path:
    """Write `server.json` into an environment folder (`environment`: the folder, already loaded; options as for
    `server_manifest`); returns its path."""
    folder = Path(folder)
    path = folder / "server.json"
    manifest = server_manifest(environment or load_environment(folder), **options)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def _short(text: str) -> str:
    """`text` on one line, cut at a word boundary to fit the registry's 100-character limit."""
    line = " ".join(text.split())
    if len(line) <= DESCRIPTION_LIMIT:
        return line
    cut = line[: DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
