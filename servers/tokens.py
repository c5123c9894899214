"""Bearer tokens for HTTP serving: read from environment variables, checked on every request, naming its owner.

`BearerGuard` wraps the SDK's streamable-HTTP app: a request without `Authorization: Bearer <one of
the tokens>` gets 401 and never reaches MCP. An accepted request carries its token's principal in
the ASGI scope (`scope["user"]`, as the SDK's own auth middleware does), so the SDK binds a legacy
session to the credential that opened it, and `request_owner` gives the episode store the owner
of each call: every token has its own episodes, default episode and cap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.types import INVALID_REQUEST
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import AccessError

__all__ = ["MAKE_TOKEN", "MIN_TOKEN_CHARS", "BearerGuard", "read_tokens", "request_owner"]

MIN_TOKEN_CHARS = 16
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")
"""RFC 6750's token characters."""
_SEPARATORS = re.compile(r"[\s,]+")
MAKE_TOKEN = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
"""A command that prints a good token."""


def read_tokens(variables: Iterable[str]) -> list[str]:
    """The tokens the environment variables hold (several per variable, separated by commas or whitespace)."""
    tokens: list[str] = []
    for variable in variables:
        value = os.environ.get(variable, "")
        found = [t for t in _SEPARATORS.split(value) if t]
        if not found:
            raise AccessError(f"environment variable {variable} holds no token; export {variable}=$({MAKE_TOKEN})")
        for token in found:
            if len(token) < MIN_TOKEN_CHARS or not _TOKEN.fullmatch(token):
                raise AccessError(
                    f"a token in {variable} is not usable: tokens need at least {MIN_TOKEN_CHARS} characters, "
                    f"letters, digits and -._~+/= only; make one with {MAKE_TOKEN}"
                )
            if token not in tokens:
                tokens.append(token)
    return tokens


def request_owner(ctx: ServerRequestContext[Any, Any]) -> str | None:
    """Who sent this request: its token's principal over HTTP with tokens, else None (in-process, stdio)."""
    request = ctx.request
    if request is None:
        return None
    user = request.scope.get("user")
    return user.username if isinstance(user, AuthenticatedUser) else None


class BearerGuard:
    """ASGI middleware: every HTTP request must carry one of `tokens` as a bearer token, else 401."""

    def __init__(self, app: ASGIApp, tokens: Sequence[str]) -> None:
        if not tokens:
            raise ValueError("BearerGuard needs at least one token")
        self.app = app
        self._users = [
            (t.encode(), AuthenticatedUser(AccessToken(token=t, client_id=_principal(t), scopes=[]))) for t in tokens
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        presented = _bearer(scope)
        user = None
        for token, candidate in self._users:  # every token compared, in constant time each
            if hmac.compare_digest(presented, token):
                user = candidate
        if user is not None:
            await self.app({**scope, "user": user}, receive, send)
        elif scope["type"] == "http":
            await _unauthorized(send, missing=not presented)
        else:  # a websocket: MCP has none, and none gets past without a token
            await send({"type": "websocket.close", "code": 1008})


def _principal(token: str) -> str:
    """A name for a token's owner that does not reveal the token."""
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:16]


def _bearer(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.partition(b" ")
            return credentials.strip() if scheme.lower() == b"bearer" else b""
    return b""


async def _unauthorized(send: Send, *, missing: bool) -> None:
    """401 with a Bearer challenge, and a JSON-RPC error that MCP clients show as the request's error."""
    problem = "no bearer token was sent" if missing else "the bearer token is not one this server accepts"
    message = (
        f"unauthorized: {problem}; send the header 'Authorization: Bearer <token>' with a token the server's "
        "operator gave you (autoforge eval --token-env VAR sends the token held by $VAR)"
    )
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": INVALID_REQUEST, "message": message}}).encode()
    challenge = b"Bearer" if missing else b'Bearer error="invalid_token"'
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
