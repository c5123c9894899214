"""Where a registry lives: a local folder or an HTTP base URL, each holding registry.json and archives.

An entry's `url` may be a path relative to registry.json (it must stay below it), a file:// URL
(local registries only: a remote index may not point into this machine) or an http(s) URL (for a
remote index, on its own host: it may not send this machine to another one, such as a service on
loopback, and neither may a redirect). Downloads are bounded by the archive size limit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlparse

import httpx

from ..errors import RegistryError
from .archive import DEFAULT_LIMITS, Limits
from .index import INDEX_FILE, RegistryEntry, RegistryIndex, parse_index

__all__ = ["REGISTRY_ENV", "Registry", "default_registry", "open_registry"]

REGISTRY_ENV = "AUTOFORGE_REGISTRY"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def default_registry() -> str:
    """`$AUTOFORGE_REGISTRY` if set, else the working directory."""
    return os.environ.get(REGISTRY_ENV) or "."


@dataclass(frozen=True)
class Registry:
    """A registry: its index location, and the folder holding it when it is local."""

    index_url: str
    folder: Path | None

    @property
    def location(self) -> str:
        return str(self.folder) if self.folder is not None else self.index_url

    async def read_index(self, *, missing_ok: bool = False) -> RegistryIndex:
        """Read registry.json (an empty index when `missing_ok` and there is none yet)."""
        if self.folder is not None:
            path = self.folder / INDEX_FILE
            if not path.is_file():
                if missing_ok:
                    return RegistryIndex()
                raise RegistryError(f"{path} does not exist; name a folder or URL that holds a registry.json")
            return parse_index(path.read_bytes(), str(path))
        return parse_index(await self._download(self.index_url, DEFAULT_LIMITS.archive_bytes), self.index_url)

    async def fetch(self, entry: RegistryEntry, limits: Limits = DEFAULT_LIMITS) -> bytes:
        """The archive bytes of `entry`, unchecked (callers compare the sha256 before using them)."""
        url = entry.url
        scheme = urlparse(url).scheme
        if scheme in ("http", "https") and self.folder is None and _origin(url) != _origin(self.index_url):
            raise RegistryError(
                f"{self.index_url} points {entry.reference} at {url}; a remote index may only name archives on its "
                "own host"
            )
        if scheme in ("http", "https"):
            return await self._download(url, limits.archive_bytes, entry)
        if scheme == "file":
            if self.folder is None:
                raise RegistryError(
                    f"{self.index_url} points {entry.reference} at {url}; a remote index may not name local files"
                )
            return self._read_local(Path(unquote(urlparse(url).path)), entry, limits)
        if scheme or PurePosixPath(url).is_absolute() or ".." in PurePosixPath(url).parts:
            raise RegistryError(
                f"{self.location}: {entry.reference} has url {url!r}, which is not a path below registry.json"
            )
        if self.folder is None:
            return await self._download(urljoin(self.index_url, url), limits.archive_bytes, entry)
        return self._read_local(self.folder.joinpath(*PurePosixPath(url).parts), entry, limits)

    def _read_local(self, path: Path, entry: RegistryEntry, limits: Limits) -> bytes:
        if not path.is_file():
            raise RegistryError(
                f"{self.location} lists {entry.reference} at {entry.url}, but {path} does not exist; "
                "republish it or remove the entry"
            )
        if path.stat().st_size > limits.archive_bytes:
            raise RegistryError(f"{path} is over the {limits.archive_bytes}-byte archive limit; refused")
        return path.read_bytes()

    async def _download(self, url: str, limit: int, entry: RegistryEntry | None = None) -> bytes:
        what = entry.reference if entry else "the index"
        home = _origin(url) if self.folder is None and entry is not None else None

        async def same_host(request: httpx.Request) -> None:  # each hop of a redirect too
            if home is not None and _origin(str(request.url)) != home:
                raise RegistryError(f"{url} sends {what} to {request.url}, another host; refused")

        try:
            async with (
                httpx.AsyncClient(
                    timeout=TIMEOUT, follow_redirects=True, event_hooks={"request": [same_host]}
                ) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code == 404 and entry is not None:
                    raise RegistryError(
                        f"{self.index_url} lists {entry.reference} at {url}, but the server answered "
                        "404 Not Found; republish it or remove the entry"
                    )
                if response.status_code == 404:
                    raise RegistryError(f"{url} answered 404 Not Found: there is no registry.json there")
                if response.status_code != 200:
                    raise RegistryError(f"fetching {what} from {url} failed: HTTP {response.status_code}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise RegistryError(f"{url} is over the {limit}-byte limit; refused")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise RegistryError(
                f"could not fetch {what} from {url} ({type(exc).__name__}: {exc}); "
                "is the registry being served (autoforge registry serve FOLDER)?"
            ) from None


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port its scheme implies where it names none."""
    parts = urlparse(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme)


def open_registry(location: str | Path) -> Registry:
    """The registry at a folder, a registry.json path, a file:// URL or an http(s) base URL."""
    text = str(location)
    scheme = urlparse(text).scheme
    if scheme in ("http", "https"):
        index_url = text if text.endswith("/" + INDEX_FILE) else text.rstrip("/") + "/" + INDEX_FILE
        return Registry(index_url, None)
    path = Path(unquote(urlparse(text).path)) if scheme == "file" else Path(text)
    if path.name == INDEX_FILE:
        path = path.parent
    if path.exists() and not path.is_dir():
        raise RegistryError(f"{location} is neither a registry folder nor a registry.json file")
    return Registry((path / INDEX_FILE).resolve().as_uri(), path)
