"""The episode protocol on the wire: three vendor request methods and the `_meta` key for tool calls.

    autoforge/episode_reset   {taskId?, episodeId?, seed?}   -> {episodeId, taskId}
    autoforge/episode_verify  {episodeId, transcript: [str]} -> {reward, checks, diff}
    autoforge/episode_close   {episodeId}                    -> {}

Tool calls name their episode in the request's `_meta` under `autoforge/episode`. The models use
the SDK's camelCase aliases and accept both spellings. Client helpers at the bottom send these
requests over any connected `mcp.Client`.
"""

from __future__ import annotations

from typing import Any, Literal

from mcp import Client
from mcp.types import CallToolResult, EmptyResult, Request, RequestParams, Result
from pydantic import Field

from .verify import Check

__all__ = [
    "CLOSE_METHOD",
    "EPISODE_META_KEY",
    "EXTENSION_ID",
    "RESET_METHOD",
    "VERIFY_METHOD",
    "CloseParams",
    "ResetParams",
    "ResetResult",
    "VerifyParams",
    "VerifyResult",
    "call_tool",
    "close_episode",
    "reset_episode",
    "verify_episode",
]

EXTENSION_ID = "io.github.autoforge/episodes"
EPISODE_META_KEY = "autoforge/episode"
RESET_METHOD = "autoforge/episode_reset"
VERIFY_METHOD = "autoforge/episode_verify"
CLOSE_METHOD = "autoforge/episode_close"


class ResetParams(RequestParams):
    task_id: str | None = None
    episode_id: str | None = None
    seed: int | None = None


class ResetResult(Result):
    result_type: Literal["complete"] = "complete"
    episode_id: str
    task_id: str | None = None


class VerifyParams(RequestParams):
    episode_id: str
    transcript: list[str] = Field(default_factory=list)


class VerifyResult(Result):
    result_type: Literal["complete"] = "complete"
    reward: float = Field(ge=0, le=1, allow_inf_nan=False, description="1.0 when the episode passed, else 0.0.")
    checks: list[Check] = Field(default_factory=list)
    diff: dict[str, Any] = Field(default_factory=dict)


class CloseParams(RequestParams):
    episode_id: str


class ResetRequest(Request[ResetParams, Literal["autoforge/episode_reset"]]):
    method: Literal["autoforge/episode_reset"] = "autoforge/episode_reset"


class VerifyRequest(Request[VerifyParams, Literal["autoforge/episode_verify"]]):
    method: Literal["autoforge/episode_verify"] = "autoforge/episode_verify"


class CloseRequest(Request[CloseParams, Literal["autoforge/episode_close"]]):
    method: Literal["autoforge/episode_close"] = "autoforge/episode_close"


async def reset_episode(client: Client, task_id: str | None = None, episode_id: str | None = None) -> ResetResult:
    """Start an episode (on the task's initial state when `task_id` is given)."""
    request = ResetRequest(params=ResetParams(task_id=task_id, episode_id=episode_id))
    return await client.session.send_request(request, ResetResult)


async def verify_episode(client: Client, episode_id: str, transcript: list[str] | None = None) -> VerifyResult:
    """Verify an episode against its task; `transcript` is the agent's messages to the user."""
    request = VerifyRequest(params=VerifyParams(episode_id=episode_id, transcript=transcript or []))
    return await client.session.send_request(request, VerifyResult)


async def close_episode(client: Client, episode_id: str) -> None:
    """Free an episode's database."""
    await client.session.send_request(CloseRequest(params=CloseParams(episode_id=episode_id)), EmptyResult)


async def call_tool(client: Client, episode_id: str, name: str, arguments: dict[str, Any]) -> CallToolResult:
    """Call a tool in a given episode."""
    return await client.call_tool(name, arguments, meta={EPISODE_META_KEY: episode_id})
