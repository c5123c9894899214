"""Serving an environment over streamable HTTP: the SDK's app behind bearer tokens, on uvicorn, stopping promptly.

With tokens, every request must carry one (`tokens.BearerGuard`) and each token owns its episodes.
Without tokens anyone who reaches the port can use the server, so only a loopback interface may
be bound unless `insecure` says otherwise. On SIGTERM or Ctrl-C the server stops accepting,
gives requests in flight `GRACE_SECONDS` to finish, cancels the rest (a cancelled tool call's
worker process is killed with it) and stops the tool workers: it is gone within a second, even
while a runaway call is in flight.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp

from .errors import AccessError
from .pool import ToolPool, pool_for
from .tokens import BearerGuard

if TYPE_CHECKING:
    from .app import EnvServer

__all__ = ["GRACE_SECONDS", "LOOPBACK_HOSTS", "check_bind", "http_app", "serve_http"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
GRACE_SECONDS = 0.3
"""How long requests in flight may take to finish once the server is told to stop."""


def check_bind(host: str, tokens: Sequence[str], insecure: bool = False) -> None:
    """Refuse to serve a non-loopback interface without tokens, unless told `insecure`."""
    if tokens or insecure or host in LOOPBACK_HOSTS:
        return
    raise AccessError(
        f"refusing to serve on {host} without tokens: anyone who can reach the port could use every episode. "
        "Require tokens with --token-env VAR (export VAR=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')), "
        f"bind 127.0.0.1, or pass --insecure to serve {host} open anyway"
    )


def http_app(server: EnvServer, tokens: Sequence[str] = (), host: str = "127.0.0.1") -> ASGIApp:
    """The SDK's streamable-HTTP app for `server` (at /mcp), behind `tokens` when there are any."""
    app = server.streamable_http_app(host=host)  # a loopback `host` turns on DNS-rebinding protection
    return BearerGuard(app, tokens) if tokens else app


def serve_http(
    server: EnvServer,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    tokens: Sequence[str] = (),
    insecure: bool = False,
) -> None:
    """Serve `server` at http://HOST:PORT/mcp until SIGTERM or Ctrl-C."""
    check_bind(host, tokens, insecure)
    config = uvicorn.Config(
        http_app(server, tokens, host),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    _PromptServer(config, pool_for(server.environment.limits)).run()


class _PromptServer(uvicorn.Server):
    """uvicorn that stops the environment's tool workers once its connections are closed."""

    def __init__(self, config: uvicorn.Config, pool: ToolPool) -> None:
        super().__init__(config)
        self.pool = pool

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().shutdown(sockets)
        finally:
            self.pool.close()
