"""Serving an environment over streamable HTTP: the SDK's app behind bearer tokens, on uvicorn, stopping promptly.

With tokens, every request must carry one (`tokens.BearerGuard`) and each token owns its episodes.
Without tokens anyone who reaches the port can use the server, so only a loopback interface may
be bound unless `insecure` says otherwise. On SIGTERM or Ctrl-C the server stops its tool workers
first (a call in flight, runaway or not, ends as an error reply), stops accepting, gives requests
`GRACE_SECONDS` to finish, cancels the rest and exits: within a second, even mid-call.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp

from .errors import AccessError
from .lifetime import end_on_sigterm
from .pool import close_pools
from .tokens import MAKE_TOKEN, BearerGuard

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
        f"Require tokens with --token-env VAR (export VAR=$({MAKE_TOKEN})), bind 127.0.0.1, or pass --insecure "
        f"to serve {host} open anyway"
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
        timeout_graceful_shutdown=GRACE_SECONDS,  # type: ignore[arg-type]  # annotated int, used as a float
    )
    # uvicorn handles SIGTERM while it serves, then raises it again: this handler ends the
    # process then (workers stopped, episode files removed) rather than the default, which skips that.
    end_on_sigterm()
    _PromptServer(config).run()


class _PromptServer(uvicorn.Server):
    """uvicorn that stops the tool workers as it begins to shut down, so calls in flight end at once."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        close_pools()
        await super().shutdown(sockets)
