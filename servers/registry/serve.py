"""Serving a registry folder read-only over HTTP, for a team or a training cluster."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..errors import RegistryError
from .index import INDEX_FILE

__all__ = ["registry_app", "serve_registry"]


def registry_app(folder: str | Path) -> Starlette:
    """An ASGI app serving the registry folder's files with GET and HEAD only (links out are not followed)."""
    folder = Path(folder)
    if not (folder / INDEX_FILE).is_file():
        raise RegistryError(f"{folder} holds no {INDEX_FILE}; publish an environment into it first")
    return Starlette(routes=[Mount("/", app=StaticFiles(directory=folder))])


def serve_registry(folder: str | Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted; install from it with --registry http://HOST:PORT."""
    uvicorn.run(registry_app(folder), host=host, port=port, log_level="warning")
