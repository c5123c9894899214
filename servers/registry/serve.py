"""Serving a registry folder read-only over HTTP, for a team or a training cluster."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..errors import RegistryError
from .index import INDEX_FILE
from .publishing import ARCHIVES

__all__ = ["registry_app", "serve_registry"]


class _RegistryFiles(StaticFiles):
    """The index and the published archives, nothing else of the folder: a registry published into a project's
    root would otherwise serve its `.git/config` and `.env` too."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        parts = PurePosixPath(path).parts
        published = path == INDEX_FILE or (len(parts) == 3 and parts[0] == ARCHIVES and parts[2].endswith(".tar.gz"))
        if not published or any(part.startswith(".") for part in parts):
            return "", None
        return super().lookup_path(path)


def registry_app(folder: str | Path) -> Starlette:
    """An ASGI app serving the registry's index and archives with GET and HEAD only (links out are not followed)."""
    folder = Path(folder)
    if not (folder / INDEX_FILE).is_file():
        raise RegistryError(f"{folder} holds no {INDEX_FILE}; publish an environment into it first")
    return Starlette(routes=[Mount("/", app=_RegistryFiles(directory=folder))])


def serve_registry(folder: str | Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted; install from it with --registry http://HOST:PORT."""
    uvicorn.run(registry_app(folder), host=host, port=port, log_level="warning")
