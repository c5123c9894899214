"""The generated files of an environment folder: server.json (MCP registry manifest) and README.md (card)."""

from __future__ import annotations

from pathlib import Path

from ..environment import Environment, load_environment
from .manifest import DEFAULT_NAMESPACE, write_server_json
from .readme import write_readme

__all__ = ["describe_environment"]


def describe_environment(
    folder: str | Path,
    *,
    environment: Environment | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    repository: str | None = None,
    subfolder: str | None = None,
) -> list[Path]:
    """Write server.json and README.md into an environment folder (what the synthesizer and the lead call);
    `environment` is the folder, already loaded."""
    environment = environment or load_environment(folder)
    manifest = write_server_json(folder, environment, namespace=namespace, repository=repository, subfolder=subfolder)
    return [manifest, write_readme(folder, environment)]
