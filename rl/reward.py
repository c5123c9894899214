"""A reward function for veRL's reward manager: replay a rollout's tool calls on a fresh episode and verify.

    reward.custom_reward_function.path=<this file>  reward.custom_reward_function.name=compute_score

The `autoforge_agent` loop verifies in the loop and sets the reward itself, so veRL skips the reward
manager. This function scores rows whose reward was left unset: it reads the episode the loop
recorded (`extra_info.episode`: the tool calls in order and the agent's messages to the user),
replays the calls through MCP on a fresh copy of the task's environment (tools are deterministic:
frozen clock, per-episode id counters, so the final state is the rollout's) and verifies. It also
reports the loop's label and mask, for logging and DAPO filtering.

The replay runs in-process unless `reward.custom_reward_function.reward_kwargs` name a server:
`url` (streamable HTTP; `{env}` stands for the environment name) and, for a server run with
`autoforge serve --token-env`, `token_env` (the environment variable holding the bearer token).
"""

from __future__ import annotations

import json
from typing import Any

from autoforge.clients import Endpoint, read_token
from autoforge.servers import call_tool, close_episode, reset_episode, verify_episode
from mcp import Client

from .environments import environment, environment_url

__all__ = ["compute_score", "replay_reward"]


async def replay_reward(
    reference: str,
    task_id: str,
    calls: list[dict[str, Any]],
    agent_messages: list[str],
    sha256: str | None = None,
    *,
    url: str | None = None,
    token_env: str | None = None,
) -> float:
    """The verifier's reward for making `calls` in order and telling the user `agent_messages`.

    In-process, or on the streamable-HTTP server at `url` with the bearer token `$token_env` holds.
    """
    env = environment(reference, sha256)
    token = read_token(token_env) if token_env else None
    endpoint = Endpoint(env, "http", environment_url(env, url), token=token) if url else Endpoint(env)
    async with Client(endpoint.target()) as client:
        episode = (await reset_episode(client, task_id)).episode_id
        try:
            for call in calls:
                if call["name"] in env.tools and isinstance(call.get("arguments"), dict):
                    await call_tool(client, episode, call["name"], call["arguments"])
            return float((await verify_episode(client, episode, agent_messages)).reward)
        finally:
            await close_episode(client, episode)


async def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str,
    extra_info: dict[str, Any] | None = None,
    *,
    url: str | None = None,
    token_env: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """veRL's `compute_score` contract: `{"score": reward, ...}` for one rollout of task `ground_truth`.

    `url` and `token_env` (from `reward_kwargs`) replay on an HTTP server instead of in-process.
    """
    info = extra_info or {}
    if "episode" not in info or "env_ref" not in info:
        raise ValueError(
            f"{data_source}/{ground_truth}: no recorded episode in extra_info; this reward function scores "
            "rollouts of the autoforge_agent loop on data from `autoforge rl export`"
        )
    episode = json.loads(info["episode"])
    score = await replay_reward(
        info["env_ref"],
        ground_truth,
        episode["calls"],
        episode["agent_messages"],
        info.get("env_sha256"),
        url=url,
        token_env=token_env,
    )
    return {"score": score, "masked": bool(info.get("masked", False)), "label": str(info.get("label", ""))}
