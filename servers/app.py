"""An environment as an MCP server on the official SDK: its tools, its policy, its episodes.

`EnvServer` is an `MCPServer`, so `mcp run servers/<env>/server.py` serves it over stdio and the
SDK's transports serve it over streamable HTTP. `tools/list` shows only the environment's tools,
annotated read-only or destructive. Tool calls are answered by the episodes extension, which
routes each call to its episode (`_meta["autoforge/episode"]`, else the default episode) and runs
it as a transaction; the extension also serves reset / verify / close as vendor methods that never
appear in `tools/list`. On 2026-era connections a middleware answers plain tool calls the same way
with less of the SDK's per-request work (`ToolCallFastPath`). Over HTTP with bearer tokens each
request's token owns the episodes it makes (`tokens.request_owner`); in-process and on stdio the
owner is None.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mcp.server import MCPServer
from mcp.server._otel import OpenTelemetryMiddleware
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver.resources import TextResource
from mcp.server.request_state import RequestStateBoundary
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolRequestParams, EmptyResult, ToolAnnotations
from mcp.types import Tool as MCPTool
from mcp_types import SERVER_INFO_META_KEY
from mcp_types.methods import validate_client_request
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from .environment import Environment, load_environment
from .episodes import DEFAULT_MAX_EPISODES, DEFAULT_MAX_PER_OWNER, DEFAULT_TTL_SECONDS, EpisodeStore
from .errors import EpisodeError
from .execution import unknown_tool_message
from .lifetime import end_on_sigterm, end_with_parent
from .protocol import (
    CLOSE_METHOD,
    EPISODE_META_KEY,
    EXTENSION_ID,
    RESET_METHOD,
    VERIFY_METHOD,
    CloseParams,
    ResetParams,
    ResetResult,
    VerifyParams,
    VerifyResult,
)
from .tokens import request_owner
from .toolkit import ToolError
from .verify import verify_episode

__all__ = ["EnvServer", "load_server"]

TRACING_ENV = "AUTOFORGE_TRACING"


class EpisodesExtension(Extension):
    """Routes tool calls to episodes and serves the episode lifecycle methods."""

    identifier = EXTENSION_ID

    def __init__(self, environment: Environment, store: EpisodeStore) -> None:
        self.compiled = environment.tools
        self.tool_names = list(environment.tools)
        self.store = store

    def methods(self) -> list[MethodBinding]:  # type: ignore[override]
        return [
            MethodBinding(RESET_METHOD, ResetParams, self._reset),
            MethodBinding(VERIFY_METHOD, VerifyParams, self._verify),
            MethodBinding(CLOSE_METHOD, CloseParams, self._close),
        ]

    async def answer(
        self, name: str, arguments: Mapping[str, Any], episode_id: Any, owner: str | None
    ) -> dict[str, Any]:
        """The wire result of one tool call in `owner`'s episode (a plain dict: no model is built for it)."""
        tool = self.compiled.get(name)
        if tool is None:
            return _error(unknown_tool_message(name, self.tool_names))
        try:
            episode = self.store.get(episode_id, owner)
            async with episode.turn():  # calls within an episode are serialised; others run meanwhile
                text = await tool.arun(episode, arguments)
        except (ToolError, EpisodeError) as exc:
            return _error(str(exc))
        return {"content": [{"type": "text", "text": text}], "isError": False, "resultType": "complete"}

    async def intercept_tool_call(
        self, params: CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        meta = ctx.meta
        episode_id = meta.get(EPISODE_META_KEY) if meta else None
        return await self.answer(params.name, params.arguments or {}, episode_id, request_owner(ctx))

    async def _reset(self, ctx: ServerRequestContext[Any, Any], params: ResetParams) -> ResetResult:
        try:
            episode = self.store.reset(params.task_id, params.episode_id, request_owner(ctx))
        except EpisodeError as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None
        return ResetResult(episode_id=episode.id, task_id=episode.task_id)

    async def _verify(self, ctx: ServerRequestContext[Any, Any], params: VerifyParams) -> VerifyResult:
        try:
            episode = self.store.get(params.episode_id, request_owner(ctx))
            async with episode.turn():
                verdict = verify_episode(self.store, episode, params.transcript)
        except EpisodeError as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None
        return VerifyResult(reward=verdict.reward, checks=verdict.checks, diff=verdict.diff)

    async def _close(self, ctx: ServerRequestContext[Any, Any], params: CloseParams) -> EmptyResult:
        try:
            self.store.close(params.episode_id, request_owner(ctx))
        except EpisodeError as exc:
            raise MCPError(INVALID_PARAMS, str(exc)) from None
        return EmptyResult()


def _error(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": f"Error: {message}"}], "isError": True, "resultType": "complete"}


class ToolCallFastPath:
    """Middleware answering valid `tools/call` requests on 2026-era connections in one step.

    The request is validated by the SDK's own validator, as on the SDK's path; what is skipped is
    the second parse into a params model and the re-validation of the result against the spec's
    models: the result is built here, in the envelope the SDK would write (`resultType`, the
    `serverInfo` stamp). Anything else (other methods, handshake-era connections, invalid requests,
    unknown tools, multi-round-trip requests carrying `requestState`) goes down the SDK's path.
    """

    def __init__(self, episodes: EpisodesExtension, server_info: dict[str, Any]) -> None:
        self.episodes = episodes
        self.server_info = server_info

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params, version = ctx.params, ctx.protocol_version
        if ctx.method != "tools/call" or version not in MODERN_PROTOCOL_VERSIONS or params is None:
            return await call_next(ctx)
        name, arguments = params.get("name"), params.get("arguments") or {}
        known = isinstance(name, str) and name in self.episodes.compiled
        if not known or not isinstance(arguments, dict) or not _PLAIN_CALL.issuperset(params):
            return await call_next(ctx)
        try:
            validate_client_request("tools/call", version, params)
        except ValidationError:
            return await call_next(ctx)  # the SDK's path reports it
        meta = params.get("_meta") or {}
        result = await self.episodes.answer(name, arguments, meta.get(EPISODE_META_KEY), request_owner(ctx))
        return {**result, "_meta": {SERVER_INFO_META_KEY: dict(self.server_info)}}


_PLAIN_CALL = frozenset({"name", "arguments", "_meta"})


class EnvServer(MCPServer):
    """One environment served over MCP, with isolated episodes."""

    def __init__(
        self,
        environment: Environment,
        *,
        max_episodes: int | None = None,
        max_episodes_per_token: int | None = None,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        tracing: bool | None = None,
    ) -> None:
        spec = environment.spec
        cap = max_episodes or int(os.environ.get("AUTOFORGE_MAX_EPISODES", DEFAULT_MAX_EPISODES))
        self.environment = environment
        self.episodes = EpisodeStore(
            spec,
            environment.template,
            environment.tasks,
            max_episodes=cap,
            max_per_owner=max_episodes_per_token or DEFAULT_MAX_PER_OWNER,
            ttl_seconds=ttl_seconds,
        )
        super().__init__(
            name=spec.name,
            title=spec.name.replace("-", " ").title(),
            description=spec.description[:200],
            instructions=spec.policy or spec.description,
            version=spec.version,
            extensions=[episodes := EpisodesExtension(environment, self.episodes)],
            log_level="WARNING",
        )
        if not (tracing if tracing is not None else os.environ.get(TRACING_ENV) == "1"):
            # Tool calls are the hot path of RL rollouts; the SDK's OpenTelemetry span per request
            # costs more than a tool call itself, so it is opt-in (AUTOFORGE_TRACING=1).
            self.middleware[:] = [m for m in self.middleware if not isinstance(m, OpenTelemetryMiddleware)]
        info = self._lowlevel_server.server_info.model_dump(by_alias=True, mode="json", exclude_none=True)
        # Innermost but for the request-state boundary, which acts only on the multi-round-trip
        # requests the fast path leaves to the SDK: tracing, when on, still sees every call.
        boundary = next(i for i, m in enumerate(self.middleware) if isinstance(m, RequestStateBoundary))
        self.middleware.insert(boundary, ToolCallFastPath(episodes, info))
        self._listed = [
            MCPTool(
                name=t.name,
                description=t.description,
                input_schema=t.input_schema,
                output_schema=t.output_schema,
                annotations=ToolAnnotations(
                    read_only_hint=not t.writes,
                    destructive_hint=t.writes,
                    idempotent_hint=not t.writes,
                    open_world_hint=False,
                ),
            )
            for t in spec.tools
        ]
        self.add_resource(
            TextResource(
                uri=f"policy://{spec.name}",
                name="policy",
                description=f"The rules an agent working in {spec.name} must follow.",
                mime_type="text/markdown",
                text=spec.policy or spec.description,
            )
        )

    async def list_tools(self) -> list[MCPTool]:
        """The environment's tools only (the episode methods are not tools)."""
        return list(self._listed)

    def run(self, transport: Any = "stdio", **kwargs: Any) -> None:  # type: ignore[override]
        """Serve until the client goes away; on stdio, also until the parent dies or SIGTERM comes.

        "streamable-http" takes `host`, `port`, `tokens` and `insecure` (see `http.serve_http`).
        """
        if transport == "streamable-http":
            from .http import serve_http

            serve_http(self, **kwargs)
            return
        if transport == "stdio":
            end_with_parent()
            end_on_sigterm()
        super().run(transport, **kwargs)


def load_server(folder: str | Path, **options: Any) -> EnvServer:
    """The MCP server for an environment folder (what each `server.py` calls)."""
    return EnvServer(load_environment(folder), **options)
